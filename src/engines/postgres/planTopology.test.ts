import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeState } from './observeNode.ts';
import { type DesiredTopology, planTopology, slotName, synchronousStandbyNames } from './planTopology.ts';

const addr = {
  a: { host: '10.0.0.1', port: 5432 },
  b: { host: '10.0.0.2', port: 5432 },
  c: { host: '10.0.0.3', port: 5432 },
};
const desired = (o: Partial<DesiredTopology> = {}): DesiredTopology => ({
  primary: 'a',
  standbys: [{ name: 'b' }, { name: 'c' }],
  mode: 'async',
  replicationAddress: addr,
  replicationUser: 'replication',
  ...o,
});

function node(o: Partial<NodeState> = {}): NodeState {
  return {
    version: 150018,
    inRecovery: false,
    timeline: 1,
    currentLsn: 0x3000000n,
    receiveLsn: undefined,
    replayLsn: undefined,
    replayAgeSeconds: undefined,
    checkpoint: { timeline: 1, lsn: 0x2000000n, redoLsn: 0x2000000n },
    upstream: undefined,
    primarySlotName: '',
    synchronousStandbyNames: '',
    defaultReadOnly: false,
    walReceiver: undefined,
    replication: [],
    slots: [],
    history: [],
    systemIdentifier: '7001',
    looksEmpty: false,
    replicationRoleOk: true,
    hbaAllowsReplication: true,
    ...o,
  };
}
const standbyOf = (name: string, primary: keyof typeof addr, o: Partial<NodeState> = {}) =>
  node({
    inRecovery: true,
    currentLsn: undefined,
    replayLsn: 0x3000000n,
    upstream: { ...addr[primary], applicationName: name.replace(/-/g, '_') },
    primarySlotName: slotName(name),
    ...o,
  });
const slots = (...names: string[]) => names.map((n) => ({ name: slotName(n), type: 'physical', active: true }));

test('a converged topology plans nothing', () => {
  const observed = { a: node({ slots: slots('b', 'c') }), b: standbyOf('b', 'a'), c: standbyOf('c', 'a') };
  assert.deepEqual(planTopology(desired(), observed), []);
});

test('a fresh setup: role, hba, slots, and empty separate servers seeded by base backup', () => {
  const observed = {
    a: node({ replicationRoleOk: false, hbaAllowsReplication: false }),
    b: node({ systemIdentifier: '7002', looksEmpty: true }),
    c: node({ systemIdentifier: '7003', looksEmpty: false }),
  };
  const kinds = planTopology(desired(), observed).map((s) => `${s.kind}:${'node' in s ? s.node : ''}`);
  assert.deepEqual(kinds, [
    'createReplicationRole:a',
    'allowReplicationInHba:a',
    'createSlot:a',
    'createSlot:a',
    'rebuild:b',
    'blocked:c',
  ]);
  const withOptIn = planTopology(desired({ rebuildDiverged: true }), observed);
  assert.ok(
    withOptIn.some((s) => s.kind === 'rebuild' && s.node === 'c'),
    'the opt-in replaces a server holding data',
  );
});

test('spec names a streaming standby: a switchover from the running primary', () => {
  const observed = { a: node(), b: standbyOf('b', 'a'), c: standbyOf('c', 'a') };
  assert.deepEqual(planTopology(desired({ primary: 'b', standbys: [{ name: 'a' }, { name: 'c' }] }), observed), [
    { kind: 'switchover', from: 'a', to: 'b' },
  ]);
});

test('spec names a standby while the primary is gone: a promotion (failover by spec)', () => {
  const observed = { a: undefined, b: standbyOf('b', 'a'), c: standbyOf('c', 'a') };
  const steps = planTopology(desired({ primary: 'b', standbys: [{ name: 'a' }, { name: 'c' }] }), observed);
  assert.equal(steps.length, 1);
  assert.equal(steps[0].kind, 'promote');
});

test('an old primary that comes back writable is demoted before anything else', () => {
  const observed = {
    a: node(),
    b: node({ timeline: 2, history: [{ tli: 1, switchpoint: 0x3000000n }], currentLsn: 0x3100000n }),
    c: standbyOf('c', 'b', { timeline: 2 }),
  };
  const d = desired({ primary: 'b', standbys: [{ name: 'a' }, { name: 'c' }] });
  assert.deepEqual(planTopology(d, observed), [
    { kind: 'demote', node: 'a', reason: "a runs as primary but the spec's primary is b" },
  ]);
});

test('a standby with WAL past the fork is reported Diverged, or rebuilt with the opt-in', () => {
  const primary = node({ timeline: 2, history: [{ tli: 1, switchpoint: 0x3000000n }], slots: slots('a', 'c') });
  const observed = {
    b: primary,
    a: standbyOf('a', 'b', { timeline: 1, replayLsn: 0x3000100n }),
    c: standbyOf('c', 'b', { timeline: 2 }),
  };
  const d = desired({ primary: 'b', standbys: [{ name: 'a' }, { name: 'c' }] });
  const steps = planTopology(d, observed);
  assert.equal(steps.length, 1);
  assert.equal(steps[0].kind, 'blocked');
  assert.match((steps[0] as { message: string }).message, /diverged/);
  assert.equal(planTopology({ ...d, rebuildDiverged: true }, observed)[0].kind, 'rebuild');
  // at the fork exactly: it follows without a rebuild
  const clean = { ...observed, a: standbyOf('a', 'a', { timeline: 1, replayLsn: 0x3000000n }) };
  assert.deepEqual(planTopology(d, clean), [{ kind: 'followPrimary', node: 'a', primary: 'b' }]);
});

test('rpl_sync: ANY 1 of the non-isolated standbys by application name; isolated standbys are cut off', () => {
  const d = desired({ mode: 'sync', standbys: [{ name: 'pg-node-1' }, { name: 'pg-node-2', isolated: true }] });
  assert.equal(synchronousStandbyNames(d), 'ANY 1 (pg_node_1)');
  assert.equal(synchronousStandbyNames(desired({ mode: 'sync' }), 'b'), 'ANY 1 (a, c)');
  assert.equal(synchronousStandbyNames(desired()), '');
  const observed = {
    a: node({ slots: [...slots('b', 'c'), { name: 'statecraft_gone', type: 'physical', active: false }] }),
    b: standbyOf('b', 'a'),
    c: standbyOf('c', 'a'),
  };
  const steps = planTopology(
    desired({ mode: 'sync', standbys: [{ name: 'b' }, { name: 'c', isolated: true }] }),
    observed,
  );
  assert.deepEqual(steps, [
    { kind: 'setSynchronousStandbys', node: 'a', value: 'ANY 1 (b)' },
    { kind: 'dropSlot', node: 'a', slot: 'statecraft_gone' },
    { kind: 'isolate', node: 'c' },
  ]);
});

test('a slot of a removed standby is dropped, a user slot is left alone', () => {
  const observed = {
    a: node({
      slots: [
        ...slots('b', 'c'),
        { name: 'statecraft_old', type: 'physical', active: false },
        { name: 'mine', type: 'physical', active: false },
      ],
    }),
    b: standbyOf('b', 'a'),
    c: standbyOf('c', 'a'),
  };
  assert.deepEqual(planTopology(desired(), observed), [{ kind: 'dropSlot', node: 'a', slot: 'statecraft_old' }]);
});
