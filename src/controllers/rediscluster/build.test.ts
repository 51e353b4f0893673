import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedisCluster } from '../../apis/rediscluster.ts';
import { fresh } from '../../engines/redis/cluster/clusterModel.ts';
import { RedisEngineError } from '../../engines/redis/index.ts';
import { conditionReason, desiredCluster, judgeCluster, newFailovers, nodesOf } from './build.ts';

const member = (name: string) => ({ name, host: `${name}.ns.svc`, port: 6379 });
const cr = (members: Record<string, string[]>): RedisCluster =>
  ({
    apiVersion: 'upm.syntropycloud.io/v1alpha1',
    kind: 'RedisCluster',
    metadata: { name: 'rc', namespace: 'ns', generation: 1 },
    spec: {
      secret: { name: 'redis-credentials', redis: 'redis' },
      members: Object.fromEntries(Object.entries(members).map(([k, v]) => [k, v.map(member)])),
    },
  }) as RedisCluster;
const three = () => cr({ 'shard-c': ['n4', 'n5'], 'shard-a': ['n0', 'n1'], 'shard-b': ['n2', 'n3'] });

test('desired shards follow shard-name order, not the map order of the spec', () => {
  assert.deepEqual(
    desiredCluster(three()).shards.map((s) => s.name),
    ['shard-a', 'shard-b', 'shard-c'],
  );
  assert.deepEqual(
    nodesOf(three()).map((n) => [n.name, n.shard, n.master]),
    [
      ['n0', 'shard-a', true],
      ['n1', 'shard-a', false],
      ['n2', 'shard-b', true],
      ['n3', 'shard-b', false],
      ['n4', 'shard-c', true],
      ['n5', 'shard-c', false],
    ],
  );
});

test('status of a converged cluster: ids, roles, slots as min-max, masterRef, every flag true', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  m.converge(desiredCluster(three()));
  const v = judgeCluster(three(), m.observe(), {});
  assert.equal(v.numberOfShard, 3);
  assert.equal(v.clusterJoined, true);
  assert.equal(v.clusterSynced, true);
  assert.deepEqual(v.reasons, []);
  assert.deepEqual(v.topology.n0.slots, ['0-5460']);
  assert.equal(v.topology.n0.role, 'Master');
  assert.equal(v.topology.n0.id, m.node('n0').id);
  assert.equal(v.topology.n1.role, 'Replica');
  assert.equal(v.topology.n1.masterRef, m.node('n0').id);
  assert.equal(v.topology.n1.shard, 'shard-a');
  assert.ok(Object.values(v.topology).every((n) => n.ready && n.status === 'Healthy'));
});

test('status is recomputed, not latched: a failover and a new shard turn the flags false again', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  m.converge(desiredCluster(three()));
  const before = judgeCluster(three(), m.observe(), {});
  // n0 dies; n1 takes over
  const n0 = m.node('n0');
  const n1 = m.node('n1');
  n0.up = false;
  n0.failed = true;
  n1.master = true;
  n1.masterId = undefined;
  n1.slots = n0.slots;
  n0.slots = new Set();
  const o = m.observe();
  o.errors.n0 = new RedisEngineError('ERR_REDIS_CONNECT_FAILED', 'n0: connect ECONNREFUSED');
  const after = judgeCluster(three(), o, {});
  assert.deepEqual(after.failedOver, [{ shard: 'shard-a', master: 'n1', specMaster: 'n0' }]);
  assert.equal(after.topology.n0.status, 'Failed');
  assert.equal(after.topology.n0.ready, false);
  assert.equal(after.topology.n1.role, 'Master');
  assert.equal(after.topology.n1.ready, false);
  assert.match(after.reasons.join(), /n1: took over as master of shard-a/);
  assert.equal(after.clusterJoined, false, 'n0 does not answer');
  assert.deepEqual(newFailovers(before.topology, after), [{ shard: 'shard-a', master: 'n1', specMaster: 'n0' }]);
  assert.deepEqual(newFailovers(after.topology, after), [], 'reported once');

  // a fourth shard in the spec: not synced until it has its share
  const four = cr({ 'shard-c': ['n4', 'n5'], 'shard-a': ['n0', 'n1'], 'shard-b': ['n2', 'n3'], 'shard-d': ['n6'] });
  const m2 = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  m2.converge(desiredCluster(three()));
  const v = judgeCluster(four, m2.observe(), {});
  assert.equal(v.clusterSynced, false);
  assert.equal(v.topology.n6.ready, false);
  assert.match(v.reasons.join(), /shard-d holds 0 slots, its share is 4096-4096/);
});

test('condition reasons name the cause', () => {
  assert.equal(conditionReason('ERR_REDIS_AUTH_FAILED'), 'AuthFailed');
  assert.equal(conditionReason('ERR_REDIS_CONNECT_FAILED'), 'NodeUnreachable');
  assert.equal(conditionReason(undefined), 'SyncTopologyFailed');
});
