import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { parse } from 'yaml';
import type { GroupVersionKind, KubeObject } from '../runtime/gvk.ts';
import { buildCrd, toOpenApiSchema } from './crd.ts';
import { crdFiles } from './crd-yaml.ts';
import {
  kinds,
  type MusicService,
  MusicServiceDefinition,
  musicServiceSpecWithDefaults,
  mySQLSpecWithDefaults,
  mysqlReplicationSpecWithDefaults,
  ShazamqClusterDefinition,
  shazamqClusterSpecWithDefaults,
  streamBusClusterSpecWithDefaults,
} from './index.ts';
import { applyDefaults } from './schema.ts';

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

test('each generated file parses back to exactly the CRD object', () => {
  for (const def of kinds) {
    assert.deepEqual(parse(crdFiles().get(`${def.crdName}.yaml`)!), buildCrd(def), def.kind);
  }
});

test('broker kinds default as upstream: an empty spec gets replicas 3 and the upstream ports and sizes', () => {
  const sqc = shazamqClusterSpecWithDefaults({});
  assert.equal(sqc.replicas, 3);
  assert.equal(sqc.version, '0.1.0-rc1');
  assert.equal(sqc.image, 'shazamq/shazamq');
  assert.deepEqual(sqc.service, { type: 'ClusterIP', port: 9092, metricsPort: 9090 });
  assert.equal(sqc.storage.retentionHours, 168);
  assert.deepEqual(sqc.replication, { defaultReplicationFactor: 3, minInsyncReplicas: 2 });
  assert.deepEqual(sqc.monitoring, {
    enabled: true,
    serviceMonitor: { enabled: false, interval: '30s', scrapeTimeout: '10s' },
  });
  assert.equal(sqc.pvcRetention, 'Retain');
  const mirrored = shazamqClusterSpecWithDefaults({
    mirror: { enabled: true, sources: [{ name: 'k', bootstrapServers: 'k:9092' }] },
  });
  assert.deepEqual(mirrored.mirror?.sources?.[0], {
    name: 'k',
    bootstrapServers: 'k:9092',
    securityProtocol: 'PLAINTEXT',
    topicWhitelist: ['.*'],
    consumerGroupId: 'shazamq-mirror',
    numConsumers: 4,
    exactlyOnce: true,
  });
  const sbc = streamBusClusterSpecWithDefaults({});
  assert.equal(sbc.replicas, 3);
  assert.equal(sbc.image.repository, 'streambus/broker');
  assert.deepEqual(sbc.storage, { class: 'standard', size: '10Gi', raftSize: '5Gi' });
  assert.deepEqual(sbc.config, { logLevel: 'info', port: 9092, httpPort: 8081, grpcPort: 9093 });
  assert.deepEqual(sbc.resources, {
    requests: { cpu: '500m', memory: '512Mi' },
    limits: { cpu: '2000m', memory: '2Gi' },
  });
  assert.equal(mySQLSpecWithDefaults({ databaseName: 'a', databaseUser: 'b' }).mysqlVersion, '8.0');
});

test('object defaults in the CRD spell out their nested defaults (the API server validates them as written)', () => {
  const crd = buildCrd(ShazamqClusterDefinition) as {
    spec: {
      versions: {
        schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, { default?: unknown }> } } } };
      }[];
    };
  };
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
  assert.deepEqual(spec.service.default, { type: 'ClusterIP', port: 9092, metricsPort: 9090 });
});

test('kind definitions and resources fit the runtime types (checked by tsc)', () => {
  const resource = {
    apiVersion: 'music.mixcorp.org/v1',
    kind: 'MusicService',
    metadata: { name: 'x' },
  } as MusicService;
  const asObject: KubeObject = resource;
  const gvk: GroupVersionKind = MusicServiceDefinition;
  assert.equal(asObject.kind, gvk.kind);
});
