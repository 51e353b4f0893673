/**
 * Invalid objects are rejected by the API server itself (OpenAPI schema + CEL in the generated CRDs), each with a
 * message naming the offending field. Every case starts from a sample that is valid and breaks one thing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { kindDefinition } from '../../src/apis/index.ts';
import { installCrds } from '../../src/apis/install.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'samples');

// biome-ignore lint/suspicious/noExplicitAny: the cases poke at arbitrary fields on purpose
type Obj = Record<string, any>;

function sample(file: string): Obj {
  const o = parse(readFileSync(join(SAMPLES, file), 'utf8'));
  delete o.metadata.namespace;
  return o;
}

const music = () => sample('musicservice-miku-stream.yaml');
const mr = () => sample('compose-mysqlreplication-semi-sync.yaml');

interface Case {
  name: string;
  object: Obj;
  /** the field path the API server's message must name */
  field: string;
}

function broken(name: string, base: () => Obj, field: string, mutate: (o: Obj) => void): Case {
  const object = base();
  mutate(object);
  return { name, object, field };
}

export const cases: Case[] = [
  // MusicService
  broken('replicas below 1', music, 'spec.replicas', (o) => (o.spec.replicas = 0)),
  broken('replicas above 100', music, 'spec.replicas', (o) => (o.spec.replicas = 101)),
  broken('port above 65535', music, 'spec.port', (o) => (o.spec.port = 70000)),
  broken('port 0', music, 'spec.port', (o) => (o.spec.port = 0)),
  broken('empty image', music, 'spec.image', (o) => (o.spec.image = '')),
  broken('bitrate without unit', music, 'spec.streaming.bitrate', (o) => (o.spec.streaming.bitrate = '320')),
  broken('bitrate with a bad unit', music, 'spec.streaming.bitrate', (o) => (o.spec.streaming.bitrate = '320kbps')),
  broken('maxConnections too high', music, 'spec.streaming.maxConnections', (o) => {
    o.spec.streaming.maxConnections = 20000;
  }),
  broken('storage size not a quantity', music, 'spec.storage.size', (o) => (o.spec.storage.size = 'lots')),
  broken('storage size zero', music, 'spec.database.storage.size', (o) => (o.spec.database.storage.size = '0')),
  broken('unknown updatePolicy', music, 'spec.storage.updatePolicy', (o) => (o.spec.storage.updatePolicy = 'Shrink')),
  broken('autoscaling min > max', music, 'spec.autoscaling.minReplicas', (o) => {
    o.spec.autoscaling.minReplicas = 20;
  }),
  broken('autoscaling CPU target above 100', music, 'spec.autoscaling.targetCPUUtilizationPercentage', (o) => {
    o.spec.autoscaling.targetCPUUtilizationPercentage = 150;
  }),
  broken('database replicas above 10', music, 'spec.database.replicas', (o) => (o.spec.database.replicas = 11)),
  broken('database autoscaling min > max', music, 'spec.database.autoscaling.minReplicas', (o) => {
    o.spec.database.autoscaling.maxReplicas = 0;
    o.spec.database.autoscaling.minReplicas = 3;
    o.spec.database.autoscaling.maxReplicas = 2;
  }),
  broken('streaming missing', music, 'spec.streaming', (o) => delete o.spec.streaming),
  broken('unknown pvcRetention', music, 'spec.pvcRetention', (o) => (o.spec.pvcRetention = 'Keep')),
  broken('resource request not a quantity', music, 'spec.resources.requests.cpu', (o) => {
    o.spec.resources.requests.cpu = 'lots';
  }),
  // MysqlReplication
  broken('unknown replication mode', mr, 'spec.mode', (o) => (o.spec.mode = 'rpl_sync')),
  broken('source port 0', mr, 'spec.source.port', (o) => (o.spec.source.port = 0)),
  broken('replica port above 65535', mr, 'spec.replica[0].port', (o) => (o.spec.replica[0].port = 99999)),
  broken('source host not a DNS name', mr, 'spec.source.host', (o) => (o.spec.source.host = 'Bad_Host!')),
  broken('source listed as a replica', mr, 'spec.replica', (o) => {
    o.spec.replica.push({ ...o.spec.source });
  }),
  broken('duplicate replica names', mr, 'spec.replica', (o) => {
    o.spec.replica[1].name = o.spec.replica[0].name;
  }),
  broken('unknown service type', mr, 'spec.service.type', (o) => (o.spec.service.type = 'Internal')),
  broken('negative maxLagSeconds', mr, 'spec.maxLagSeconds', (o) => (o.spec.maxLagSeconds = -1)),
  broken('secret without a name', mr, 'spec.secret.name', (o) => delete o.spec.secret.name),
  broken('node name with upper case', mr, 'spec.source.name', (o) => (o.spec.source.name = 'Node-0')),
  broken('source missing', mr, 'spec.source', (o) => delete o.spec.source),
];

before(async () => {
  await installCrds((await testCluster()).kc);
});

function errorText(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  return typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? e.message);
}

test(`${cases.length} invalid objects are each rejected with a message naming the field`, async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'invalid');
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const failures: string[] = [];
  await Promise.all(
    cases.map(async (c) => {
      const def = kindDefinition(c.object.apiVersion, c.object.kind);
      assert.ok(def, `${c.name}: known kind ${c.object.kind}`);
      const body = { ...c.object, metadata: { ...c.object.metadata, namespace: ns } };
      const outcome = await api
        .createNamespacedCustomObject({
          group: def.group,
          version: def.version,
          namespace: ns,
          plural: def.plural,
          body,
          dryRun: 'All',
        })
        .then(
          () => 'accepted',
          (err) => errorText(err),
        );
      if (outcome === 'accepted') failures.push(`${c.name}: accepted`);
      else if (!outcome.includes(c.field)) failures.push(`${c.name}: message does not name ${c.field}: ${outcome}`);
    }),
  );
  assert.deepEqual(failures, []);
});

test('spec.secret.name cannot change after creation', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'immutable');
  const o = mr();
  await cluster.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], JSON.stringify(o));
  await assert.rejects(
    cluster.kubectl([
      'patch',
      '-n',
      ns,
      'mr',
      o.metadata.name,
      '--type=merge',
      '-p',
      '{"spec":{"secret":{"name":"other"}}}',
    ]),
    /spec\.secret\.name: Invalid value: "string": secret\.name is immutable/,
  );
  // other secret keys may still change
  await cluster.kubectl([
    'patch',
    '-n',
    ns,
    'mr',
    o.metadata.name,
    '--type=merge',
    '-p',
    '{"spec":{"secret":{"mysql":"admin"}}}',
  ]);
});
