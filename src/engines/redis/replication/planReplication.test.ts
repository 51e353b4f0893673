import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInfo } from '../info.ts';
import { parseReplicationInfo, type RedisNodeState } from './observeReplication.ts';
import { type DesiredReplication, divergence, planReplication } from './planReplication.ts';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };
const C = { host: '10.0.0.3', port: 6379 };
const desired = (source: string, replicas: Array<{ name: string; isolated?: boolean }>): DesiredReplication => ({
  source,
  replicas,
  address: { a: A, b: B, c: C },
});

const master = (o: Partial<RedisNodeState> = {}): RedisNodeState => ({
  role: 'master',
  masterReplOffset: 1000,
  replid: 'r1',
  replid2: '0000000000000000000000000000000000000000',
  secondReplOffset: -1,
  connectedReplicas: [],
  keys: 10,
  configFile: '/etc/redis.conf',
  masterauthMatches: true,
  ...o,
});
const replicaOf = (at: { host: string; port: number }, o: Partial<RedisNodeState> = {}): RedisNodeState =>
  master({
    role: 'slave',
    masterHost: at.host,
    masterPort: at.port,
    masterLinkStatus: 'up',
    masterSyncInProgress: false,
    slaveReplOffset: 1000,
    ...o,
  });

test('INFO replication of a replica and of a master parse into node state', () => {
  const rep = parseReplicationInfo(
    parseInfo(
      '# Server\r\nconfig_file:\r\n# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\nslave_repl_offset:4242\r\nmaster_replid:abc\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:4242\r\nsecond_repl_offset:-1\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb2:keys=4,expires=1,avg_ttl=0\r\n',
    ),
  );
  assert.equal(rep.role, 'slave');
  assert.equal(rep.masterHost, '10.0.0.1');
  assert.equal(rep.masterPort, 6379);
  assert.equal(rep.masterLinkStatus, 'up');
  assert.equal(rep.masterSyncInProgress, false);
  assert.equal(rep.slaveReplOffset, 4242);
  assert.equal(rep.keys, 7);
  assert.equal(rep.configFile, '');
  const m = parseReplicationInfo(
    parseInfo(
      'role:master\nconnected_slaves:1\nslave0:ip=10.0.0.2,port=6379,state=online,offset=99,lag=0\nmaster_replid:x\nmaster_replid2:y\nmaster_repl_offset:100\nsecond_repl_offset:51\n',
    ),
  );
  assert.deepEqual(m.connectedReplicas, [{ host: '10.0.0.2', port: 6379, state: 'online', offset: 99 }]);
  assert.equal(m.secondReplOffset, 51);
  assert.equal(m.masterHost, undefined);
});

test('converged topology plans nothing; a wrong masterauth is set', () => {
  const d = desired('a', [{ name: 'b' }, { name: 'c' }]);
  assert.deepEqual(planReplication(d, { a: master(), b: replicaOf(A), c: replicaOf(A) }), []);
  assert.deepEqual(planReplication(d, { a: master({ masterauthMatches: false }), b: replicaOf(A), c: replicaOf(A) }), [
    { kind: 'setMasterauth', node: 'a' },
  ]);
});

test('fresh masters become replicas of the source (REPLICAOF); one pointing elsewhere is repointed', () => {
  const d = desired('a', [{ name: 'b' }, { name: 'c' }]);
  const steps = planReplication(d, {
    a: master(),
    b: master({ replid: 'rb', keys: 0, masterReplOffset: 0 }),
    c: replicaOf(B, { replid: 'r1' }),
  });
  assert.deepEqual(steps, [
    { kind: 'replicaOf', node: 'b', source: 'a' },
    { kind: 'replicaOf', node: 'c', source: 'a' },
  ]);
});

test('isolated replicas leave replication (REPLICAOF NO ONE) and are left alone once masters', () => {
  const d = desired('a', [{ name: 'b', isolated: true }, { name: 'c' }]);
  assert.deepEqual(planReplication(d, { a: master(), b: replicaOf(A), c: replicaOf(A) }), [
    { kind: 'detach', node: 'b' },
  ]);
  assert.deepEqual(planReplication(d, { a: master(), b: master({ replid: 'other' }), c: replicaOf(A) }), []);
});

test('the spec naming a replica of the current source plans one switchover and nothing else', () => {
  const d = desired('b', [{ name: 'a' }, { name: 'c' }]);
  assert.deepEqual(planReplication(d, { a: master(), b: replicaOf(A), c: replicaOf(A) }), [
    { kind: 'switchover', from: 'a', to: 'b' },
  ]);
});

test('a lost source: the spec promotion promotes without the old source, saying what may be missing', () => {
  const d = desired('b', [{ name: 'a' }, { name: 'c' }]);
  const steps = planReplication(d, { b: replicaOf(A, { masterLinkStatus: 'down' }), c: replicaOf(A) });
  assert.equal(steps.length, 1);
  assert.equal(steps[0].kind, 'promote');
  assert.match((steps[0] as { reason: string }).reason, /a cannot be observed as a master/);
  // the spec source replicating from something outside the topology
  const outside = planReplication(d, { b: replicaOf({ host: '10.9.9.9', port: 1 }) });
  assert.match((outside[0] as { reason: string }).reason, /10\.9\.9\.9:1, which is not a reachable node/);
});

test('an unobservable source leaves the replicas as they are', () => {
  const steps = planReplication(desired('a', [{ name: 'b' }]), { b: replicaOf(A) });
  assert.deepEqual(
    steps.map((s) => [s.kind, (s as { code?: string }).code]),
    [['blocked', 'ERR_REDIS_SOURCE_UNREACHABLE']],
  );
});

test('a returning old source is made a replica, and the writes it took after the fork are reported', () => {
  // b was promoted from a's stream at offset 1000: b holds a's history r1 up to 1000
  const b = master({ replid: 'r2', replid2: 'r1', secondReplOffset: 1001, masterReplOffset: 1500 });
  const d = desired('b', [{ name: 'a' }, { name: 'c' }]);
  const quiet = planReplication(d, { a: master({ replid: 'r1', masterReplOffset: 1000 }), b, c: replicaOf(B) });
  assert.deepEqual(quiet, [{ kind: 'replicaOf', node: 'a', source: 'b' }]);
  const [step] = planReplication(d, {
    a: master({ replid: 'r1', masterReplOffset: 1230, keys: 12 }),
    b,
    c: replicaOf(B),
  });
  assert.equal(step.kind, 'replicaOf');
  const discards = (step as { discards?: { bytes?: number; message: string } }).discards;
  assert.equal(discards?.bytes, 230);
  assert.match(discards!.message, /230 bytes of writes \(offset 1000 to 1230\)/);
});

test('a returning source restarted without data is made a replica with nothing to report', () => {
  const b = master({ replid: 'r2', replid2: 'r1', secondReplOffset: 1001 });
  assert.equal(divergence(master({ replid: 'fresh', masterReplOffset: 0, keys: 0 }), b), undefined);
  // unrelated history with keys: reported, since the resync replaces them
  assert.match(divergence(master({ replid: 'other', keys: 5 }), b)!.message, /its 5 keys come from a replication/);
  // replicas are never judged: their data is their master's
  assert.equal(divergence(replicaOf(A, { replid: 'other' }), b), undefined);
});

test('a source with a new history and fewer keys than a replica: the replica is not repointed (its data is kept)', () => {
  // the source pod came back empty under a new IP; the replica still points at the old address
  const d = desired('a', [{ name: 'b' }]);
  const steps = planReplication(d, {
    a: master({ replid: 'fresh', keys: 0, masterReplOffset: 0 }),
    b: replicaOf({ host: '10.0.0.99', port: 6379 }, { replid: 'r1', keys: 500, masterLinkStatus: 'down' }),
  });
  assert.equal(steps.length, 1);
  assert.equal((steps[0] as { code?: string }).code, 'ERR_REDIS_DATA_AT_RISK');
  assert.match((steps[0] as { message: string }).message, /b holds 500 keys/);
  // sharing the history (it replicated from this source before): repointed
  assert.deepEqual(
    planReplication(d, {
      a: master({ replid: 'r1' }),
      b: replicaOf({ host: '10.0.0.99', port: 6379 }, { replid: 'r1', keys: 500 }),
    }),
    [{ kind: 'replicaOf', node: 'b', source: 'a' }],
  );
});
