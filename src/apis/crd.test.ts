import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { buildCrd, toOpenApiSchema } from './crd.ts';
import { crdFiles } from './crd-yaml.ts';
import { kinds, musicServiceSpecWithDefaults, mysqlReplicationSpecWithDefaults } from './index.ts';
import { applyDefaults } from './schema.ts';

const CRD_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'deploy', 'crds');

test('deploy/crds is up to date with src/apis (run `npm run gen` when this fails)', async () => {
  const expected = crdFiles();
  const present = (await readdir(CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(present, [...expected.keys()].sort(), 'the set of CRD files');
  for (const [name, text] of expected) {
    assert.equal(await readFile(join(CRD_DIR, name), 'utf8'), text, `deploy/crds/${name} is stale`);
  }
});

test('every kind has a unique CRD name, status subresource and an Age column', () => {
  assert.equal(new Set(kinds.map((k) => k.crdName)).size, kinds.length);
  for (const def of kinds) {
    const crd = buildCrd(def) as { spec: { versions: { subresources: object; additionalPrinterColumns: object[] }[] } };
    const version = crd.spec.versions[0];
    assert.ok('status' in version.subresources, `${def.kind} has a status subresource`);
    assert.ok(version.additionalPrinterColumns.some((c) => (c as { name: string }).name === 'Age'));
  }
});

test('a property without a description is refused at generation time, naming it', () => {
  const schema = Type.Object({ a: Type.Object({ b: Type.String() }, { description: 'has one' }) });
  assert.throws(() => toOpenApiSchema(schema, 'X'), /X\.a\.b has no description/);
});

test('defaulted properties are optional in the CRD but present in the typed, defaulted spec', () => {
  const spec = musicServiceSpecWithDefaults({
    replicas: 1,
    image: 'app:1',
    port: 8080,
    storage: { size: '1Gi' },
    streaming: { bitrate: '128k', maxConnections: 10 },
    database: { enabled: true },
  });
  assert.equal(spec.storage.updatePolicy, 'Resize');
  assert.equal(spec.storage.recreateDeletesData, false);
  assert.equal(spec.pvcRetention, 'Retain');
  assert.deepEqual(
    { ...spec.database, storage: spec.database?.storage },
    {
      enabled: true,
      replicas: 0,
      image: 'mariadb:10.11',
      storage: { size: '10Gi', updatePolicy: 'Resize', recreateDeletesData: false },
      replication: { enabled: true, gtid: true },
    },
  );
  const mr = mysqlReplicationSpecWithDefaults({
    secret: { name: 's' },
    source: { name: 'a', host: 'a', port: 3306 },
    service: {},
    replica: [{ name: 'b', host: 'b', port: 3306 }],
  });
  assert.equal(mr.mode, 'rpl_async');
  assert.deepEqual(mr.secret, { name: 's', mysql: 'mysql', replication: 'replication' });
  assert.equal(mr.service.type, 'ClusterIP');
  assert.equal(mr.replica?.[0].isolated, false);
  assert.equal(mr.aesSecret, undefined, 'an absent optional object without a default stays absent');
});

test('applyDefaults does not modify its input and keeps values the user gave', () => {
  const schema = Type.Object({ a: Type.String({ default: 'x' }), b: Type.String({ default: 'y' }) });
  const input = { a: 'mine' };
  assert.deepEqual(applyDefaults(schema, input), { a: 'mine', b: 'y' });
  assert.deepEqual(input, { a: 'mine' });
});
