/**
 * Invalid objects are rejected by the API server itself (OpenAPI schema + CEL in the generated CRDs), each with a
 * message naming the offending field. Every case starts from a sample that is valid and breaks one thing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
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
const shazamq = () => sample('shazamq-production.yaml');
const streambus = () => sample('streambus-full.yaml');
const mysql = () => sample('mysql-tutorial-instance.yaml');

const COMPOSE = 'upm.syntropycloud.io/v1alpha1';
const node = (i: number, port = 3306) => ({ name: `db-${i}`, host: `db-${i}.db.default.svc`, port });
const compose = (kind: string, spec: Obj) => () => ({
  apiVersion: COMPOSE,
  kind,
  metadata: { name: 'x' },
  spec: structuredClone(spec),
});

// valid objects of the compose kinds that have no sample (checked to be accepted below)
const mgr = compose('MysqlGroupReplication', { secret: { name: 'creds' }, member: [node(0), node(1), node(2)] });
const rr = compose('RedisReplication', {
  secret: { name: 'creds' },
  source: node(0, 6379),
  replica: [node(1, 6379), { ...node(2, 6379), announceHost: '10.0.0.2', announcePort: 6379 }],
  service: { type: 'ClusterIP' },
  sentinel: ['sentinel-0'],
});
const rcc = compose('RedisCluster', {
  secret: { name: 'creds' },
  members: { 'shard-a': [node(0, 6379), node(1, 6379)], 'shard-b': [node(2, 6379), node(3, 6379)] },
});
const pr = compose('PostgresReplication', {
  mode: 'rpl_sync',
  secret: { name: 'creds' },
  primary: node(0, 5432),
  standby: [node(1, 5432)],
  service: { type: 'ClusterIP' },
});
const ps = compose('ProxysqlSync', {
  proxysql: [node(9, 6032)],
  secret: { name: 'creds' },
  mysqlReplication: 'mysql-replication-semi-sync-sample',
  rule: { filter: ['root'], pattern: '%' },
});
export const validBases: [string, () => Obj][] = [
  ['MysqlGroupReplication', mgr],
  ['RedisReplication', rr],
  ['RedisCluster', rcc],
  ['PostgresReplication', pr],
  ['ProxysqlSync', ps],
  // upstream's webhook allows a single member with a warning: accepted here too (MemberCount False says it)
  [
    'MysqlGroupReplication with one member',
    () => {
      const o = mgr();
      o.spec.member.splice(1);
      return o;
    },
  ],
];

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
  // MysqlGroupReplication
  broken('even member count', mgr, 'spec.member', (o) => o.spec.member.push(node(3))),
  // one member is accepted, as upstream (the controller warns with MemberCount False): none is not
  broken('no member', mgr, 'spec.member', (o) => (o.spec.member = [])),
  broken('eleven members', mgr, 'spec.member', (o) => {
    o.spec.member = Array.from({ length: 11 }, (_, i) => node(i));
  }),
  broken('duplicate member names', mgr, 'spec.member', (o) => (o.spec.member[2].name = 'db-0')),
  broken('member port 0', mgr, 'spec.member[1].port', (o) => (o.spec.member[1].port = 0)),
  // RedisReplication
  broken(
    'announcePort above 65535',
    rr,
    'spec.replica[1].announcePort',
    (o) => (o.spec.replica[1].announcePort = 70000),
  ),
  broken('redis source among replicas', rr, 'spec.replica', (o) => o.spec.replica.push(node(0, 6379))),
  broken('redis host with a space', rr, 'spec.replica[0].host', (o) => (o.spec.replica[0].host = 'db 1')),
  // RedisCluster
  broken('a node in two shards', rcc, 'spec.members', (o) => o.spec.members['shard-b'].push(node(0, 6379))),
  broken('an empty shard', rcc, 'spec.members.shard-c', (o) => (o.spec.members['shard-c'] = [])),
  broken('no shards', rcc, 'spec.members', (o) => (o.spec.members = {})),
  // PostgresReplication
  broken('unknown postgres mode', pr, 'spec.mode', (o) => (o.spec.mode = 'rpl_semi_sync')),
  broken('primary among standbys', pr, 'spec.standby', (o) => o.spec.standby.push(node(0, 5432))),
  broken('secret name not a DNS name', pr, 'spec.secret.name', (o) => (o.spec.secret.name = 'Creds!')),
  // ProxysqlSync
  broken('no mysqlReplication', ps, 'spec.mysqlReplication', (o) => delete o.spec.mysqlReplication),
  broken('no proxysql instance', ps, 'spec.proxysql', (o) => (o.spec.proxysql = [])),
  // ShazamqCluster
  broken('shazamq replicas 0', shazamq, 'spec.replicas', (o) => (o.spec.replicas = 0)),
  broken('service port above 65535', shazamq, 'spec.service.port', (o) => (o.spec.service = { port: 70000 })),
  broken('unknown tiered storage provider', shazamq, 'spec.tieredStorage.provider', (o) => {
    o.spec.tieredStorage.provider = 'ftp';
  }),
  broken('tiered s3 without s3 settings', shazamq, 'spec.tieredStorage.s3', (o) => delete o.spec.tieredStorage.s3),
  broken('minInsyncReplicas above replication factor', shazamq, 'spec.replication.minInsyncReplicas', (o) => {
    o.spec.replication = { defaultReplicationFactor: 2, minInsyncReplicas: 3 };
  }),
  broken('duplicate mirror source names', shazamq, 'spec.mirror.sources', (o) => {
    o.spec.mirror.sources.push({ ...o.spec.mirror.sources[0] });
  }),
  broken('SASL without a mechanism', shazamq, 'spec.mirror.sources[0].saslMechanism', (o) => {
    delete o.spec.mirror.sources[0].saslMechanism;
  }),
  broken('unknown security protocol', shazamq, 'spec.mirror.sources[0].securityProtocol', (o) => {
    o.spec.mirror.sources[0].securityProtocol = 'SSL_SASL';
  }),
  broken('TLS without a secret', shazamq, 'spec.security.tls.secretName', (o) => {
    o.spec.security = { enabled: true, tls: { enabled: true } };
  }),
  broken('unknown access mode', shazamq, 'spec.storage.volumeClaimTemplate.spec.accessModes[0]', (o) => {
    o.spec.storage.volumeClaimTemplate.spec.accessModes = ['ReadWriteSometimes'];
  }),
  broken(
    'claim size not a quantity',
    shazamq,
    'spec.storage.volumeClaimTemplate.spec.resources.requests.storage',
    (o) => {
      o.spec.storage.volumeClaimTemplate.spec.resources.requests.storage = 'a lot';
    },
  ),
  broken('broker autoscaling min > max', shazamq, 'spec.autoscaling.minReplicas', (o) => {
    o.spec.autoscaling = { minReplicas: 5, maxReplicas: 3, targetCPUUtilizationPercentage: 70 };
  }),
  broken('scrape interval not a duration', shazamq, 'spec.monitoring.serviceMonitor.interval', (o) => {
    o.spec.monitoring = { serviceMonitor: { interval: 'soon' } };
  }),
  broken('toleration with unknown effect', shazamq, 'spec.tolerations[0].effect', (o) => {
    o.spec.tolerations[0].effect = 'Sometimes';
  }),
  // StreamBusCluster
  broken('streambus replicas 0', streambus, 'spec.replicas', (o) => (o.spec.replicas = 0)),
  broken('unknown log level', streambus, 'spec.config.logLevel', (o) => (o.spec.config.logLevel = 'verbose')),
  broken('clashing broker ports', streambus, 'spec.config', (o) => (o.spec.config.grpcPort = 9092)),
  broken('broker port above 65535', streambus, 'spec.config.httpPort', (o) => (o.spec.config.httpPort = 80000)),
  broken('sampling rate above 1', streambus, 'spec.observability.tracing.samplingRate', (o) => {
    o.spec.observability.tracing.samplingRate = 1.5;
  }),
  broken('TLS without a certificate Secret', streambus, 'spec.security.tls.certSecretName', (o) => {
    delete o.spec.security.tls.certSecretName;
  }),
  broken('unknown authentication method', streambus, 'spec.security.authentication.method', (o) => {
    o.spec.security.authentication.method = 'basic';
  }),
  broken('unknown default policy', streambus, 'spec.security.authorization.defaultPolicy', (o) => {
    o.spec.security.authorization.defaultPolicy = 'maybe';
  }),
  broken('duplicate tenant overrides', streambus, 'spec.multiTenancy.tenantOverrides', (o) => {
    o.spec.multiTenancy.tenantOverrides.push({ ...o.spec.multiTenancy.tenantOverrides[0] });
  }),
  broken('negative quota', streambus, 'spec.multiTenancy.defaultQuotas.maxTopics', (o) => {
    o.spec.multiTenancy.defaultQuotas.maxTopics = -1;
  }),
  broken('negative storage size', streambus, 'spec.storage.raftSize', (o) => (o.spec.storage.raftSize = '-5Gi')),
  broken('metrics interval not a duration', streambus, 'spec.observability.metrics.interval', (o) => {
    o.spec.observability.metrics.interval = '30 seconds';
  }),
  // MySQL
  broken('no databaseName', mysql, 'spec.databaseName', (o) => delete o.spec.databaseName),
  broken('database user with a space', mysql, 'spec.databaseUser', (o) => (o.spec.databaseUser = 'my user')),
  broken('backup schedule not cron', mysql, 'spec.backupSchedule', (o) => (o.spec.backupSchedule = 'nightly')),
  broken('storage size not a quantity', mysql, 'spec.storageSize', (o) => (o.spec.storageSize = 'big')),
];

// started at load time (not in a hook) so a private cluster, when the file runs alone, lives as long as the file
const installed = testCluster().then((c) => installCrds(c.kc));

async function createDryRun(kc: k8s.KubeConfig, ns: string, object: Obj): Promise<string> {
  const def = kindDefinition(object.apiVersion, object.kind);
  assert.ok(def, `known kind ${object.kind}`);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  return api
    .createNamespacedCustomObject({
      group: def.group,
      version: def.version,
      namespace: ns,
      plural: def.plural,
      body: { ...object, metadata: { ...object.metadata, namespace: ns } },
      dryRun: 'All',
    })
    .then(
      () => 'accepted',
      (err) => errorText(err),
    );
}

test('the valid objects the invalid cases start from are accepted', async (t) => {
  const { kc } = await testCluster();
  await installed;
  const ns = await testNamespace(t, 'valid');
  for (const [kind, base] of validBases) assert.equal(await createDryRun(kc, ns, base()), 'accepted', kind);
});

function errorText(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  return typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? e.message);
}

test(`${cases.length} invalid objects are each rejected with a message naming the field`, async (t) => {
  const { kc } = await testCluster();
  await installed;
  const ns = await testNamespace(t, 'invalid');
  const failures: string[] = [];
  await Promise.all(
    cases.map(async (c) => {
      const outcome = await createDryRun(kc, ns, c.object);
      if (outcome === 'accepted') {
        failures.push(`${c.name}: accepted`);
        return;
      }
      // the Status names the field both in the message and as a structured cause
      const status = JSON.parse(outcome) as { message: string; details?: { causes?: { field?: string }[] } };
      const named = status.details?.causes?.some((cause) => cause.field === c.field);
      if (!named || !status.message.includes(`${c.field}:`)) {
        failures.push(`${c.name}: the rejection does not name ${c.field}: ${status.message}`);
      }
    }),
  );
  assert.deepEqual(failures, []);
});

test('spec.secret.name cannot change after creation', async (t) => {
  const cluster = await testCluster();
  await installed;
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
