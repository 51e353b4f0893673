import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedisReplication } from '../../apis/redisreplication.ts';
import type { RedisNodeState } from '../../engines/redis/replication/index.ts';
import {
  buildServices,
  currentSource,
  judgeNodes,
  NAME_LABEL,
  podLabels,
  READONLY_LABEL,
  SOURCE_HOST_LABEL,
  SOURCE_PORT_LABEL,
  switchoverBackoffMs,
  topologyStatus,
} from './build.ts';

const cr = (over: Record<string, unknown> = {}): RedisReplication =>
  ({
    apiVersion: 'upm.syntropycloud.io/v1alpha1',
    kind: 'RedisReplication',
    metadata: { name: 'rr', namespace: 'ns', uid: 'u1', generation: 1 },
    spec: {
      secret: { name: 'redis-credentials', redis: 'redis' },
      source: { name: 'n0', host: 'n0.ns.svc', port: 6379, announceHost: 'n0.public', announcePort: 7000 },
      replica: [
        { name: 'n1', host: 'n1.ns.svc', port: 6379 },
        { name: 'n2', host: 'n2.ns.svc', port: 6379 },
      ],
      service: { type: 'ClusterIP' },
      ...over,
    },
  }) as unknown as RedisReplication;

const addr = {
  n0: { host: '10.0.0.1', port: 6379 },
  n1: { host: '10.0.0.2', port: 6379 },
  n2: { host: '10.0.0.3', port: 6379 },
};
const base: RedisNodeState = {
  role: 'master',
  masterReplOffset: 500,
  replid: 'r',
  replid2: '0',
  secondReplOffset: -1,
  connectedReplicas: [],
  keys: 1,
  configFile: '/c',
  masterauthMatches: true,
};
const replica = (of: string, o: Partial<RedisNodeState> = {}): RedisNodeState => ({
  ...base,
  role: 'slave',
  masterHost: addr[of as keyof typeof addr].host,
  masterPort: 6379,
  masterLinkStatus: 'up',
  masterSyncInProgress: false,
  slaveReplOffset: 500,
  ...o,
});

test('converged: source read-write, in-sync replicas read-only, source labels from announceHost/Port', () => {
  const c = cr();
  const observed = { n0: base, n1: replica('n0'), n2: replica('n0', { masterLinkStatus: 'down' }) };
  const source = currentSource(c, observed, addr, true);
  assert.equal(source, 'n0');
  const v = judgeNodes(c, observed, addr, source);
  assert.equal(v.n0.ready, true);
  assert.equal(v.n1.ready, true);
  assert.equal(v.n2.ready, false);
  assert.match(v.n2.reason!, /link to the source down/);
  const labels = podLabels(c, v, source);
  assert.deepEqual(labels.n0, {
    [NAME_LABEL]: 'rr',
    [READONLY_LABEL]: 'false',
    [SOURCE_HOST_LABEL]: 'n0.public',
    [SOURCE_PORT_LABEL]: '7000',
  });
  assert.equal(labels.n1[READONLY_LABEL], 'true');
  assert.equal(labels.n2[READONLY_LABEL], undefined, 'a replica whose link is down serves no reads');
  const status = topologyStatus(c, observed, v);
  assert.deepEqual(status.n1, {
    host: 'n1.ns.svc',
    port: 6379,
    announceHost: 'n1.ns.svc',
    announcePort: 6379,
    role: 'Replica',
    status: 'Healthy',
    ready: true,
    masterReplOffset: 500,
    sourceHost: '10.0.0.1',
    sourcePort: 6379,
    masterLinkStatus: 'up',
    masterSyncInProgress: false,
    slaveReplOffset: 500,
  });
});

test('no source (spec source unreachable): no pod read-write, source labels unknown, also on Sentinel pods', () => {
  const c = cr({ sentinel: ['s0'] });
  const observed = { n1: replica('n0'), n2: replica('n0') };
  // managed mode: the spec source, which is gone
  assert.equal(currentSource(cr(), observed, addr, true), undefined);
  const v = judgeNodes(c, observed, addr, undefined);
  const labels = podLabels(c, v, undefined);
  assert.ok(Object.values(labels).every((l) => l[READONLY_LABEL] !== 'false'));
  assert.equal(labels.s0[SOURCE_HOST_LABEL], 'unknown');
  assert.equal(labels.s0[SOURCE_PORT_LABEL], 'unknown');
  assert.equal(labels.s0[NAME_LABEL], undefined, 'a Sentinel pod is not a member');
  assert.equal(topologyStatus(c, observed, v).n0.status, 'Failed');
});

test('Sentinel moved the master: unmanaged labels follow the observed master; two masters with followers is no source', () => {
  const c = cr({ sentinel: ['s0'] });
  const observed = { n0: replica('n1'), n1: base, n2: replica('n1') };
  const source = currentSource(c, observed, addr, false);
  assert.equal(source, 'n1');
  const labels = podLabels(c, judgeNodes(c, observed, addr, source), source);
  assert.equal(labels.n1[READONLY_LABEL], 'false');
  assert.equal(labels.n0[READONLY_LABEL], 'true');
  assert.equal(labels.s0[SOURCE_HOST_LABEL], 'n1.ns.svc');
  const split = { n0: base, n1: replica('n0'), n2: { ...base, replid: 'x' } };
  assert.equal(currentSource(c, split, addr, false), 'n0', 'the master others follow');
  const ambiguous = { n0: base, n1: replica('n0'), n2: base, n3: replica('n2') };
  const c4 = cr({ replica: [...(cr().spec.replica ?? []), { name: 'n3', host: 'n3', port: 6379 }] });
  assert.equal(currentSource(c4, ambiguous, { ...addr, n3: { host: '10.0.0.4', port: 6379 } }, false), undefined);
});

test('a returning old source is no source: the spec source is; it gets no read-write label', () => {
  const c = cr({
    source: { name: 'n1', host: 'n1.ns.svc', port: 6379 },
    replica: [
      { name: 'n0', host: 'n0.ns.svc', port: 6379 },
      { name: 'n2', host: 'n2.ns.svc', port: 6379 },
    ],
  });
  const observed = { n0: base, n1: { ...base, replid: 'new' }, n2: replica('n1') };
  const source = currentSource(c, observed, addr, true);
  assert.equal(source, 'n1');
  const v = judgeNodes(c, observed, addr, source);
  assert.equal(v.n0.ready, false);
  const labels = podLabels(c, v, source);
  assert.equal(labels.n0[READONLY_LABEL], undefined);
  assert.equal(labels.n1[READONLY_LABEL], 'false');
});

test('while roles move every member is read-only; isolated replicas carry no labels', () => {
  const c = cr({
    replica: [
      { name: 'n1', host: 'n1', port: 6379 },
      { name: 'n2', host: 'n2', port: 6379, isolated: true },
    ],
  });
  const moving = podLabels(c, {}, 'n0', true);
  assert.equal(moving.n0[READONLY_LABEL], 'true');
  assert.equal(moving.n1[READONLY_LABEL], 'true');
  assert.equal(moving.n0[SOURCE_HOST_LABEL], 'unknown');
  assert.deepEqual(moving.n2, {});
  const v = judgeNodes(c, { n0: base, n1: replica('n0'), n2: replica('n0') }, addr, 'n0');
  assert.match(v.n2.reason!, /isolated but still replicating/);
});

test('Services: read-write and read-only with port name redis; read-only pruned without replicas', () => {
  const both = buildServices(cr());
  assert.deepEqual(
    both.apply.map((s) => (s as { metadata: { name: string } }).metadata.name),
    ['rr-readwrite', 'rr-readonly'],
  );
  const port = (both.apply[0] as { spec: { ports: Array<{ name: string; port: number }> } }).spec.ports[0];
  assert.deepEqual([port.name, port.port], ['redis', 6379]);
  assert.deepEqual(buildServices(cr({ replica: [] })).remove, ['rr-readonly']);
});

test('a refused switchover backs off: 10 s, doubling, at most 5 minutes', () => {
  assert.equal(switchoverBackoffMs(1), 10_000);
  assert.equal(switchoverBackoffMs(2), 20_000);
  assert.equal(switchoverBackoffMs(20), 300_000);
});

test('a switchover not done yet (refused): the old source keeps the read-write label, the spec source is not ready', () => {
  const c = cr({
    source: { name: 'n1', host: 'n1.ns.svc', port: 6379 },
    replica: [
      { name: 'n0', host: 'n0.ns.svc', port: 6379 },
      { name: 'n2', host: 'n2.ns.svc', port: 6379 },
    ],
  });
  const observed = { n0: base, n1: replica('n0'), n2: replica('n0') };
  const source = currentSource(c, observed, addr, true);
  assert.equal(source, 'n0');
  const v = judgeNodes(c, observed, addr, source);
  assert.equal(v.n1.ready, false);
  assert.equal(v.n2.ready, false, 'replicating from a node that is not the spec source');
  const labels = podLabels(c, v, source);
  assert.equal(labels.n0[READONLY_LABEL], 'false');
  assert.equal(labels.n1[READONLY_LABEL], 'true');
  // the spec source replicating from a node that is not a master: nobody is the source
  assert.equal(currentSource(c, { n0: replica('n2'), n1: replica('n0') }, addr, true), undefined);
});
