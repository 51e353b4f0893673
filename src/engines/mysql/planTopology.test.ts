import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeState, replicationState } from '../../../test/fixtures/mysql-node-state.ts';
import type { NodeState } from './observeNode.ts';
import { type DesiredTopology, planTopology, type Step } from './planTopology.ts';

const addr = (i: number) => ({ host: `10.0.0.${i}`, port: 3306 });
const desired = (source: string, replicas: string[], extra: Partial<DesiredTopology> = {}): DesiredTopology => ({
  source,
  replicas: replicas.map((name) => ({ name })),
  mode: 'async',
  replicationAddress: { a: addr(1), b: addr(2), c: addr(3) },
  replicationUser: 'repl',
  ...extra,
});

function node(over: Partial<NodeState> & { serverId: number }): NodeState {
  return nodeState({ host: `10.0.0.${over.serverId}`, replicationUserExists: true, ...over });
}
const replicaOf = (serverId: number, source: number, over: Partial<NodeState> = {}): NodeState =>
  node({ serverId, role: 'Replica', readOnly: true, replication: replicationState(`10.0.0.${source}`), ...over });
const kinds = (steps: Step[]) =>
  steps.map((s) => ('node' in s ? `${s.kind}:${s.node}` : `${s.kind}:${s.from}->${s.to}`));

test('fresh servers: user on the source, then each replica read-only and pointed at it', () => {
  const steps = planTopology(desired('a', ['b', 'c']), {
    a: node({ serverId: 1, replicationUserExists: false }),
    b: node({ serverId: 2 }),
    c: node({ serverId: 3 }),
  });
  // fresh servers are writable sources: fenced first (read-only, sessions ended), so only `a` ever takes writes
  assert.deepEqual(kinds(steps), ['fence:b', 'fence:c', 'createReplicationUser:a', 'changeSource:b', 'changeSource:c']);
  assert.deepEqual(steps[3], { kind: 'changeSource', node: 'b', source: 'a', demote: true });
});

test('a converged topology plans nothing', () => {
  assert.deepEqual(
    planTopology(desired('a', ['b', 'c']), { a: node({ serverId: 1 }), b: replicaOf(2, 1), c: replicaOf(3, 1) }),
    [],
  );
});

test('spec source is a replica of the current source: exactly one switchover step', () => {
  const steps = planTopology(desired('b', ['a', 'c']), {
    a: node({ serverId: 1 }),
    b: replicaOf(2, 1),
    c: replicaOf(3, 1),
  });
  assert.deepEqual(steps, [{ kind: 'switchover', from: 'a', to: 'b' }]);
});

test('spec source replicates from a node missing from one observation: no promotion until confirmed', () => {
  const observed = { a: undefined, b: replicaOf(2, 1), c: replicaOf(3, 1) };
  const waiting = planTopology(desired('b', ['a', 'c']), observed);
  assert.deepEqual(kinds(waiting), ['blocked:a']);
  assert.equal(waiting[0].kind === 'blocked' && waiting[0].code, 'ERR_MYSQL_FAILOVER_UNCONFIRMED');
  // confirmed unreachable over the window: a failover, with the risk named
  const steps = planTopology(desired('b', ['a', 'c']), observed, { confirmedUnreachable: new Set(['a']) });
  assert.equal(steps.length, 1);
  assert.equal(steps[0].kind, 'promote');
  assert.equal(steps[0].kind === 'promote' && steps[0].from, 'a');
  assert.match(steps[0].kind === 'promote' ? steps[0].reason : '', /a stayed unreachable/);
});

test('the upstream is found by server id when the channel spells its address differently', () => {
  const b = replicaOf(2, 1, { replication: replicationState('db-0.example', { sourceServerId: 1 }) });
  const steps = planTopology(desired('b', ['a', 'c']), { a: node({ serverId: 1 }), b, c: replicaOf(3, 1) });
  assert.deepEqual(steps, [{ kind: 'switchover', from: 'a', to: 'b' }]);
});

test('upstream outside the topology: promotion waits for every unseen node; writable ones are fenced first', () => {
  const b = replicaOf(2, 9);
  assert.deepEqual(kinds(planTopology(desired('b', ['a', 'c']), { b, c: replicaOf(3, 1) })), ['blocked:a']);
  const steps = planTopology(desired('b', ['a', 'c']), { a: node({ serverId: 1 }), b, c: replicaOf(3, 1) });
  assert.deepEqual(kinds(steps), ['fence:a', 'promote:b']);
});

test('a former source answering again is fenced before anything else; its writes are errant', () => {
  const a = node({
    serverId: 1,
    gtid: { executed: '0-1-12', binlogState: '0-1-12', binlogPos: '0-1-12', replicaPos: '' },
  });
  const b = node({
    serverId: 2,
    gtid: { executed: '0-2-11', binlogState: '0-1-10,0-2-11', binlogPos: '0-2-11', replicaPos: '' },
  });
  const steps = planTopology(desired('b', ['a']), { a, b });
  assert.deepEqual(kinds(steps), ['fence:a', 'blocked:a']);
  assert.equal(steps[1].kind === 'blocked' && steps[1].code, 'ERR_MYSQL_ERRANT_TRANSACTIONS');
  assert.match(steps[1].kind === 'blocked' ? steps[1].message : '', /0-1-12/);
});

test('a fence session left by an earlier attempt is ended first, wherever it is', () => {
  const steps = planTopology(desired('a', ['b']), {
    a: node({ serverId: 1, readOnly: true, fenceHolder: 42 }),
    b: replicaOf(2, 1),
  });
  assert.deepEqual(steps.slice(0, 2), [
    { kind: 'releaseFence', node: 'a', connectionId: 42 },
    { kind: 'setReadOnly', node: 'a', readOnly: false },
  ]);
  // also before a switchover that would otherwise wait behind it
  const sw = planTopology(desired('b', ['a']), { a: node({ serverId: 1, fenceHolder: 7 }), b: replicaOf(2, 1) });
  assert.deepEqual(kinds(sw), ['releaseFence:a', 'switchover:a->b']);
});

test('unreachable source: blocked, nothing else (a writable replica is still fenced)', () => {
  assert.deepEqual(kinds(planTopology(desired('a', ['b']), { b: replicaOf(2, 1) })), ['blocked:a']);
  assert.deepEqual(kinds(planTopology(desired('a', ['b']), { b: node({ serverId: 2 }) })), ['fence:b', 'blocked:a']);
});

test('stopped threads are restarted; a replica pointed elsewhere is re-pointed without demotion', () => {
  const stopped = replicaOf(2, 1);
  stopped.replication!.sqlRunning = 'No';
  const steps = planTopology(desired('a', ['b', 'c']), { a: node({ serverId: 1 }), b: stopped, c: replicaOf(3, 9) });
  assert.deepEqual(kinds(steps), ['startReplication:b', 'changeSource:c']);
  assert.equal(steps[1].kind === 'changeSource' && steps[1].demote, false);
  // 'Connecting' is the IO thread retrying on its own: left alone
  const connecting = replicaOf(2, 1);
  connecting.replication!.ioRunning = 'Connecting';
  assert.deepEqual(planTopology(desired('a', ['b']), { a: node({ serverId: 1 }), b: connecting }), []);
});

test('read-only source is made writable; writable replica made read-only', () => {
  const steps = planTopology(desired('a', ['b']), {
    a: node({ serverId: 1, readOnly: true }),
    b: replicaOf(2, 1, { readOnly: false }),
  });
  assert.deepEqual(kinds(steps), ['setReadOnly:a', 'setReadOnly:b']);
});

test('semi-sync mode enables source and replica sides; async disables them', () => {
  const semi = planTopology(desired('a', ['b'], { mode: 'semisync' }), {
    a: node({ serverId: 1 }),
    b: replicaOf(2, 1),
  });
  assert.deepEqual(semi, [
    { kind: 'setSemiSync', node: 'a', role: 'source', enabled: true },
    { kind: 'setSemiSync', node: 'b', role: 'replica', enabled: true },
  ]);
  const on = {
    available: true,
    sourceEnabled: true,
    replicaEnabled: true,
    timeoutMs: 1,
    waitPoint: 'AFTER_SYNC',
    clients: 1,
  };
  const async = planTopology(desired('a', ['b']), {
    a: node({ serverId: 1, semiSync: on }),
    b: replicaOf(2, 1, { semiSync: on }),
  });
  assert.deepEqual(kinds(async), ['setSemiSync:a', 'setSemiSync:b']);
});

test('isolated replicas are detached and otherwise left alone', () => {
  const d = desired('a', []);
  const steps = planTopology(
    { ...d, replicas: [{ name: 'b', isolated: true }] },
    { a: node({ serverId: 1 }), b: replicaOf(2, 1) },
  );
  assert.deepEqual(steps, [{ kind: 'detachReplica', node: 'b' }]);
});

test('errant transactions block (re)pointing a replica and name the GTIDs', () => {
  const a = node({
    serverId: 1,
    gtid: { executed: '0-1-10', binlogState: '0-1-10', binlogPos: '0-1-10', replicaPos: '' },
  });
  const b = node({
    serverId: 2,
    gtid: { executed: '0-2-11', binlogState: '0-1-10,0-2-11', binlogPos: '0-2-11', replicaPos: '' },
  });
  const steps = planTopology(desired('a', ['b']), { a, b });
  assert.deepEqual(kinds(steps), ['fence:b', 'blocked:b']);
  assert.equal(steps[1].kind === 'blocked' && steps[1].code, 'ERR_MYSQL_ERRANT_TRANSACTIONS');
  assert.match(steps[1].kind === 'blocked' ? steps[1].message : '', /0-2-11/);
});

test('MySQL replicas use the errant set computed by the server', () => {
  const a = node({ serverId: 1, flavor: 'mysql' });
  const b = { ...replicaOf(2, 1, { flavor: 'mysql' }), errantGtids: '3E11FA47-71CA-11E1-9E33-C80AA9429562:5' };
  const steps = planTopology(desired('a', ['b']), { a, b });
  assert.deepEqual(kinds(steps), ['blocked:b']);
});

test('file/position replication (gtid: false): a replica keeps its coordinates when its source moves', () => {
  const moved = replicaOf(2, 9, {
    replication: replicationState('10.0.0.9', {
      usesGtid: false,
      execSourceLogFile: 'mysql-bin.000004',
      execSourceLogPos: 1234,
    }),
  });
  const steps = planTopology(desired('a', ['b'], { gtid: false }), { a: node({ serverId: 1 }), b: moved });
  assert.deepEqual(steps, [
    {
      kind: 'changeSource',
      node: 'b',
      source: 'a',
      demote: false,
      position: { file: 'mysql-bin.000004', pos: 1234 },
    },
  ]);
  // converged file/position replica: nothing; with GTID wanted it is switched to GTID positions
  const ok = replicaOf(2, 1, { replication: replicationState('10.0.0.1', { usesGtid: false }) });
  assert.deepEqual(planTopology(desired('a', ['b'], { gtid: false }), { a: node({ serverId: 1 }), b: ok }), []);
  assert.deepEqual(kinds(planTopology(desired('a', ['b']), { a: node({ serverId: 1 }), b: ok })), ['changeSource:b']);
});
