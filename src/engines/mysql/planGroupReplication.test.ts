import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2';
import { groupStepStatements } from './groupReplication.ts';
import { gtidCount, gtidSetContains } from './mysqlGtidSet.ts';
import { type GroupDesired, type MemberObservation, planGroupReplication } from './planGroupReplication.ts';

const U = 'aaaaaaaa-bbbb-cccc-dddd-000000000001';
const G = '11111111-2222-3333-4444-555555555555';
const desired: GroupDesired = {
  members: ['m0', 'm1', 'm2'],
  groupName: G,
  seeds: 'm0:33061,m1:33061,m2:33061',
  localAddress: { m0: 'm0:33061', m1: 'm1:33061', m2: 'm2:33061' },
};
const member = (uuid: string, gtid: string, over: Partial<MemberObservation> = {}): MemberObservation => ({
  flavor: 'mysql',
  version: '8.0.36',
  serverUuid: uuid,
  gtidExecuted: gtid,
  readOnly: true,
  superReadOnly: true,
  pluginActive: true,
  state: 'OFFLINE',
  role: '',
  group: [],
  variables: { group_name: G, group_seeds: desired.seeds, local_address: '' },
  ...over,
});
const configured = (m: MemberObservation, name: string) => {
  m.variables.local_address = desired.localAddress[name];
  return m;
};
const offline = () => ({
  m0: configured(member('u0', `${U}:1-5`), 'm0'),
  m1: configured(member('u1', `${U}:1-9`), 'm1'),
  m2: configured(member('u2', `${U}:1-7`), 'm2'),
});
const render = (s: { sql: string; params?: unknown[] }) => mysql.format(s.sql, (s.params ?? []) as never);

test('GTID sets: count and containment across intervals and UUIDs', () => {
  assert.equal(gtidCount(`${U}:1-5:7-9,${G}:3`), 9n);
  assert.equal(gtidCount(''), 0n);
  assert.ok(gtidSetContains(`${U}:1-9`, `${U}:2-4:6`));
  assert.ok(gtidSetContains(`${U}:1-3:4-9`, `${U}:2-8`));
  assert.ok(!gtidSetContains(`${U}:1-5`, `${U}:1-6`));
  assert.ok(!gtidSetContains(`${U}:1-9`, `${G}:1`));
  assert.throws(() => gtidCount('0-1-5'), /not a MySQL GTID set element/);
});

test('no group anywhere: bootstrap the member with the most GTIDs, the others join', () => {
  const plan = planGroupReplication(desired, offline());
  assert.deepEqual(
    plan.steps.map((s) => `${s.kind} ${s.node}`),
    ['bootstrap m1', 'join m0', 'join m2'],
  );
  assert.equal(plan.refused, undefined);
});

test('a tie keeps spec order; an empty group bootstraps the first member', () => {
  const o = offline();
  o.m1.gtidExecuted = `${U}:1-5`;
  o.m2.gtidExecuted = `${U}:1-5`;
  assert.equal(planGroupReplication(desired, o).steps[0].node, 'm0');
});

test('never a second bootstrap while any member is ONLINE: the others join that group', () => {
  const o = offline();
  o.m2.state = 'ONLINE';
  o.m2.role = 'PRIMARY';
  const plan = planGroupReplication(desired, o);
  assert.ok(!plan.steps.some((s) => s.kind === 'bootstrap'));
  assert.deepEqual(
    plan.steps.map((s) => `${s.kind} ${s.node}`),
    ['join m0', 'join m1'],
  );
});

test('never a bootstrap while a member sees another ONLINE or RECOVERING in its view', () => {
  const o = offline();
  o.m0.state = 'RECOVERING';
  assert.ok(!planGroupReplication(desired, o).steps.some((s) => s.kind === 'bootstrap'));
  const p = offline();
  p.m1.group = [{ uuid: 'ux', host: 'elsewhere', port: 3306, state: 'ONLINE', role: 'PRIMARY' }];
  assert.ok(!planGroupReplication(desired, p).steps.some((s) => s.kind === 'bootstrap'));
});

test('never a bootstrap while a member cannot be reached: it may be ONLINE; held, with the reason', () => {
  const o: Record<string, MemberObservation | undefined> = offline();
  o.m2 = undefined;
  const plan = planGroupReplication(desired, o);
  assert.deepEqual(plan.steps, []);
  assert.match(plan.held ?? '', /no bootstrap while m2 cannot be reached/);
});

test('an unreachable member does not hold joins into a live group', () => {
  const o: Record<string, MemberObservation | undefined> = offline();
  (o.m0 as MemberObservation).state = 'ONLINE';
  o.m2 = undefined;
  assert.deepEqual(
    planGroupReplication(desired, o).steps.map((s) => `${s.kind} ${s.node}`),
    ['join m1'],
  );
});

test('rejoin: a member in ERROR is stopped and started again; one that left (OFFLINE) starts', () => {
  const o = offline();
  o.m0.state = 'ONLINE';
  o.m1.state = 'ERROR';
  const plan = planGroupReplication(desired, o);
  assert.deepEqual(plan.steps, [
    { kind: 'join', node: 'm1', restart: true, reason: 'left the group in ERROR' },
    { kind: 'join', node: 'm2', restart: false, reason: 'not in the group (OFFLINE)' },
  ]);
  const sql = groupStepStatements(plan.steps[0], { user: 'repl', password: "p'w" }).map(render);
  assert.deepEqual(sql, ['STOP GROUP_REPLICATION', "START GROUP_REPLICATION USER = 'repl', PASSWORD = 'p\\'w'"]);
});

test('converged: every member ONLINE, nothing to do', () => {
  const o = offline();
  for (const m of Object.values(o)) m.state = 'ONLINE';
  assert.deepEqual(planGroupReplication(desired, o), { steps: [] });
});

test('a MariaDB member is refused by name and version: no steps', () => {
  const o = offline();
  o.m1 = member('', '0-1-5', { flavor: 'mariadb', version: '10.11.6-MariaDB', pluginActive: false });
  const plan = planGroupReplication(desired, o);
  assert.deepEqual(plan.steps, []);
  assert.equal(plan.refused?.reason, 'UnsupportedServer');
  assert.match(plan.refused?.message ?? '', /m1 \(10\.11\.6-MariaDB\).*MySQL 8\.0\+/);
});

test('the plugin missing is refused; diverged members (the best lacks another one’s GTIDs) are refused', () => {
  const o = offline();
  o.m0.pluginActive = false;
  assert.equal(planGroupReplication(desired, o).refused?.reason, 'PluginMissing');
  const d = offline();
  d.m0.gtidExecuted = `${G}:1`;
  const plan = planGroupReplication(desired, d);
  assert.equal(plan.refused?.reason, 'DivergentMembers');
  assert.deepEqual(plan.steps, []);
});

test('configure: unset settings on members out of a group are written before they start; ONLINE ones untouched', () => {
  const o = offline();
  o.m0.variables = { group_name: '', group_seeds: '', local_address: '' };
  o.m1.state = 'ONLINE';
  o.m1.variables = {};
  const plan = planGroupReplication(desired, o);
  assert.deepEqual(plan.steps[0], {
    kind: 'configure',
    node: 'm0',
    set: { group_name: G, group_seeds: desired.seeds, local_address: 'm0:33061' },
  });
  assert.ok(!plan.steps.some((s) => s.node === 'm1'));
  assert.deepEqual(groupStepStatements(plan.steps[0], { user: 'r', password: 'p' }).map(render), [
    `SET GLOBAL group_replication_group_name = '${G}'`,
    `SET GLOBAL group_replication_group_seeds = '${desired.seeds}'`,
    "SET GLOBAL group_replication_local_address = 'm0:33061'",
  ]);
  assert.throws(
    () =>
      groupStepStatements({ kind: 'configure', node: 'm0', set: { 'x = 1; DROP': 'v' } }, { user: 'r', password: 'p' }),
    /not a group replication setting/,
  );
});

test('bootstrap statements: bootstrap_group ON, START with the recovery login, OFF again', () => {
  assert.deepEqual(
    groupStepStatements({ kind: 'bootstrap', node: 'm0', reason: '' }, { user: 'repl', password: 'pw' }).map(render),
    [
      'SET GLOBAL group_replication_bootstrap_group = ON',
      "START GROUP_REPLICATION USER = 'repl', PASSWORD = 'pw'",
      'SET GLOBAL group_replication_bootstrap_group = OFF',
    ],
  );
});

test('a single member bootstraps alone', () => {
  const one = { ...desired, members: ['m0'] };
  assert.deepEqual(
    planGroupReplication(one, { m0: offline().m0 }).steps.map((s) => s.kind),
    ['bootstrap'],
  );
});
