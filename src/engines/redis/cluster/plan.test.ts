import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fresh, type Model, shards, three } from './clusterModel.ts';
import { planCluster, shardStates } from './plan.ts';
import { countSlots, evenLayout, fromRanges, SLOT_COUNT, toRanges } from './slots.ts';

const counts = (m: Model, names: string[]) => names.map((n) => m.node(n).slots.size);

test('slots: the fresh layout is contiguous and matches redis-cli / compose-operator', () => {
  assert.deepEqual(evenLayout(3), [
    [0, 5460],
    [5461, 10922],
    [10923, 16383],
  ]);
  for (let n = 1; n <= 32; n++) {
    const l = evenLayout(n);
    assert.equal(l[0][0], 0);
    assert.equal(l[n - 1][1], SLOT_COUNT - 1);
    const sizes = l.map(([a, b]) => b - a + 1);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n}`);
    for (let i = 1; i < n; i++) assert.equal(l[i][0], l[i - 1][1] + 1);
  }
  assert.deepEqual(toRanges([5, 1, 2, 3, 9]), [
    [1, 3],
    [5, 5],
    [9, 9],
  ]);
  assert.equal(countSlots(toRanges(fromRanges([[10, 20]]))), 11);
});

test('fresh cluster: join, attach replicas, contiguous even slots in shard-name order; then nothing to do', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  // the spec map is listed c, a, b: the layout follows names, not insertion order
  const desired = shards({ c: ['n4', 'n5'], a: ['n0', 'n1'], b: ['n2', 'n3'] });
  const phases = m.converge(desired);
  assert.deepEqual(phases, ['join', 'attach', 'cover']);
  assert.deepEqual(toRanges(m.node('n0').slots), [[0, 5460]]);
  assert.deepEqual(toRanges(m.node('n2').slots), [[5461, 10922]]);
  assert.deepEqual(toRanges(m.node('n4').slots), [[10923, 16383]]);
  assert.equal(m.node('n1').masterId, m.node('n0').id);
  assert.equal(m.node('n5').masterId, m.node('n4').id);
  assert.equal(planCluster(desired, m.observe()).phase, 'converged');
});

test('the first plan of a fresh cluster meets every node from one hub, and nothing else', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  const plan = planCluster(shards(three), m.observe());
  assert.equal(plan.phase, 'join');
  assert.deepEqual(
    plan.steps,
    ['n1', 'n2', 'n3', 'n4', 'n5'].map((node) => ({ kind: 'meet', on: 'n0', node })),
  );
});

test('scale out 3 → 4: the new shard gets an even share from the others, the fewest slots move, keys follow', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
  m.converge(shards(three));
  for (let s = 0; s < SLOT_COUNT; s++) m.owner(s)!.keys.set(s, 2);
  m.moved = 0;
  const desired = shards({ ...three, d: ['n6', 'n7'] });
  const phases = m.converge(desired);
  assert.deepEqual(phases, ['join', 'attach', 'balance']);
  const c = counts(m, ['n0', 'n2', 'n4', 'n6']);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `even: ${c}`);
  assert.equal(
    c.reduce((a, b) => a + b),
    SLOT_COUNT,
  );
  assert.equal(m.moved, 4096, 'only the new shard’s share moves');
  assert.equal(m.node('n6').slots.size, 4096);
  for (const n of ['n0', 'n2', 'n4', 'n6']) {
    for (const s of m.node(n).slots) assert.equal(m.node(n).keys.get(s), 2, `slot ${s} kept its keys`);
  }
  assert.equal(m.node('n7').masterId, m.node('n6').id);
  // the donors keep their low slots contiguous: each gave from the top of its range
  assert.deepEqual(toRanges(m.node('n0').slots), [[0, 4095]]);
});

test('scale in 4 → 3: the removed shard hands all its slots over before its nodes are forgotten', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
  const four = { ...three, d: ['n6', 'n7'] };
  m.converge(shards(four));
  for (let s = 0; s < SLOT_COUNT; s++) m.owner(s)!.keys.set(s, 1);
  m.moved = 0;
  const phases = m.converge(shards(three));
  assert.deepEqual(phases, ['balance', 'remove']);
  assert.equal(m.moved, 4096);
  assert.deepEqual(m.forgotten.sort(), ['n6', 'n7']);
  const c = counts(m, ['n0', 'n2', 'n4']);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `even: ${c}`);
  let keys = 0;
  for (const n of ['n0', 'n2', 'n4']) for (const v of m.node(n).keys.values()) keys += v;
  assert.equal(keys, SLOT_COUNT, 'no key lost');
});

test('scale in waits for an unreachable spec node: nothing foreign is forgotten while a spec id is unknown', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  m.converge(shards({ ...three, d: ['n6'] }));
  m.converge(shards(three));
  // now a stale foreign replica entry appears while n5 does not answer
  m.add('x9', false);
  const x = m.node('x9');
  x.master = false;
  x.masterId = m.node('n0').id;
  for (const n of m.nodes.values()) if (n !== x) n.knows.add(x.id);
  m.node('n5').up = false;
  const plan = planCluster(shards(three), m.observe());
  assert.ok(!plan.steps.some((s) => s.kind === 'forget'), JSON.stringify(plan));
  m.node('n5').up = true;
  assert.deepEqual(planCluster(shards(three), m.observe()).steps, [{ kind: 'forget', id: x.id, reset: true }]);
});

test('resume: open slots left by a killed operator are finished towards their target first', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
  m.converge(shards(three));
  const d = shards({ ...three, d: ['n6', 'n7'] });
  m.converge(d, 2); // joined and attached, no slot moved yet
  // killed mid-batch: slot 5000 importing + migrating, slot 5001 importing only, slot 5002 migrating only
  const n0 = m.node('n0');
  const n6 = m.node('n6');
  n6.importing.set(5000, n0.id);
  n0.migrating.set(5000, n6.id);
  n6.importing.set(5001, n0.id);
  n0.migrating.set(5002, n6.id);
  const plan = planCluster(d, m.observe());
  assert.equal(plan.phase, 'repair');
  assert.deepEqual(plan.steps.map((s) => (s.kind === 'finishSlot' ? [s.slot, s.fromId, s.toId] : s.kind)).sort(), [
    [5000, n0.id, n6.id],
    [5001, n0.id, n6.id],
    [5002, n0.id, n6.id],
  ]);
  m.converge(d);
  const c = counts(m, ['n0', 'n2', 'n4', 'n6']);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `even: ${c}`);
});

test('an open slot naming a node the cluster lost is closed (SETSLOT STABLE), not moved', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  m.converge(shards(three));
  m.node('n0').migrating.set(7, 'deadbeefdeadbeef');
  const plan = planCluster(shards(three), m.observe());
  assert.deepEqual(plan.steps, [{ kind: 'clearSlot', nodeId: m.node('n0').id, slot: 7 }]);
});

test('failover: a member that took over is reported, and the spec master is restored once it follows and syncs', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  const d = shards(three);
  m.converge(d);
  // n0 dies, n1 takes over its slots
  const n0 = m.node('n0');
  const n1 = m.node('n1');
  n0.up = false;
  n0.failed = true;
  n1.master = true;
  n1.masterId = undefined;
  n1.slots = n0.slots;
  n0.slots = new Set();
  n0.master = true;
  let st = shardStates(d, m.observe());
  assert.deepEqual([st[0].master, st[0].failedOver], ['n1', true]);
  let plan = planCluster(d, m.observe());
  assert.deepEqual(plan.steps, [], 'nothing to do while n0 is down');
  // n0 comes back as a replica of n1 (its nodes.conf says so) but is still syncing
  n0.up = true;
  n0.failed = false;
  n0.master = false;
  n0.masterId = n1.id;
  n0.linkUp = false;
  plan = planCluster(d, m.observe());
  assert.equal(plan.phase, 'restore');
  assert.deepEqual(plan.steps, []);
  assert.match(plan.waiting.join(), /syncing/);
  n0.linkUp = true;
  plan = planCluster(d, m.observe());
  assert.deepEqual(plan.steps, [{ kind: 'failover', node: 'n0', shard: 'a' }]);
  m.apply(plan.steps[0]);
  st = shardStates(d, m.observe());
  assert.deepEqual([st[0].master, st[0].failedOver], ['n0', false]);
  assert.equal(planCluster(d, m.observe()).phase, 'converged');
});

test('a replaced master pod (fresh node id) is attached to the member that took over; its old id is forgotten', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  const d = shards(three);
  m.converge(d);
  const old = m.node('n0');
  const n1 = m.node('n1');
  n1.master = true;
  n1.masterId = undefined;
  n1.slots = old.slots;
  // the pod is recreated: same name, empty node, new id; the cluster remembers the old id as failed
  m.nodes.delete('n0');
  m.nodes.set('old-n0', { ...old, name: 'old-n0', up: false, failed: true, slots: new Set() });
  m.nodes.set('n0', { ...old, id: 'n0fresh00id', slots: new Set(), knows: new Set(), master: true, failed: false });
  const phases = m.converge(d);
  assert.deepEqual(phases, ['join', 'attach', 'restore', 'remove']);
  assert.deepEqual(m.forgotten, ['old-n0']);
  assert.equal(shardStates(d, m.observe())[0].master, 'n0');
});

test('slots of a second master inside a shard go to the shard master before that node can replicate', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  const d = shards(three);
  m.converge(d);
  const n1 = m.node('n1');
  n1.master = true;
  n1.masterId = undefined;
  for (const s of [0, 1, 2]) {
    m.node('n0').slots.delete(s);
    n1.slots.add(s);
  }
  m.converge(d);
  assert.equal(n1.master, false);
  assert.equal(n1.masterId, m.node('n0').id);
  assert.equal(m.node('n0').slots.size, 5461);
});

test('a shard master that is down stops cover and balance but not the rest', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  m.converge(shards({ a: ['n0', 'n1'], b: ['n2', 'n3'] }), 2);
  m.node('n2').up = false;
  const plan = planCluster(shards({ a: ['n0', 'n1'], b: ['n2', 'n3'] }), m.observe());
  assert.deepEqual(plan.steps, []);
});

test('slots wait for a joining node to report cluster_state ok (it refuses MIGRATE with CLUSTERDOWN before)', () => {
  const m = fresh(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  m.converge(shards(three));
  const d = shards({ ...three, d: ['n6'] });
  m.converge(d, 1);
  m.node('n6').state = 'fail';
  const plan = planCluster(d, m.observe());
  assert.equal(plan.phase, 'balance');
  assert.deepEqual(plan.steps, []);
  assert.match(plan.waiting.join(), /not yet cluster_state ok/);
  m.node('n6').state = 'ok';
  assert.equal(planCluster(d, m.observe()).steps.length, 3);
});
