import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from './gvk.ts';
import { dropUnreadFields, LAST_APPLIED_ANNOTATION } from './reflector.ts';

test('cached objects lose managedFields and the last-applied annotation, nothing else', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'a',
      namespace: 'ns',
      managedFields: [{ manager: 'kubectl' }],
      annotations: { [LAST_APPLIED_ANNOTATION]: '{"apiVersion":"v1"}', keep: 'me' },
      labels: { app: 'x' },
    },
  };
  assert.deepEqual(dropUnreadFields(obj), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', namespace: 'ns', annotations: { keep: 'me' }, labels: { app: 'x' } },
  });
  const plain: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' } };
  assert.deepEqual(dropUnreadFields(structuredClone(plain)), plain);
});
