import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCrd } from './crd.ts';
import { kinds } from './index.ts';
import { generatedCrds } from './install.ts';

test('installCrds applies exactly the CRDs the schemas build (read from deploy/crds)', async () => {
  const installed = new Map((await generatedCrds()).map((crd) => [crd.metadata.name, crd]));
  assert.deepEqual([...installed.keys()].sort(), kinds.map((k) => k.crdName).sort());
  for (const def of kinds) assert.deepEqual(installed.get(def.crdName), buildCrd(def), def.kind);
});
