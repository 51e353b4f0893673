import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MysqlGroupReplication } from '../../apis/mysqlgroupreplication.ts';
import type { MemberObservation } from '../../engines/mysql/index.ts';
import { desiredGroup, groupProblem, memberCountCondition, podLabels, topologyStatus } from './build.ts';

const cr = (n: number) =>
  ({
    metadata: { name: 'g', namespace: 'ns', uid: '0b3c7a52-1f0e-4b7e-9a51-3c2d1e0f9a8b', generation: 1 },
    spec: {
      secret: { name: 's' },
      member: Array.from({ length: n }, (_, i) => ({ name: `m-${i}`, host: `m-${i}.ns.svc`, port: 3306 })),
    },
  }) as unknown as MysqlGroupReplication;

const member = (state: string, role: string): MemberObservation => ({
  flavor: 'mysql',
  version: '8.0.36',
  serverUuid: 'u',
  gtidExecuted: 'u:1-5',
  readOnly: role !== 'PRIMARY',
  superReadOnly: role !== 'PRIMARY',
  pluginActive: true,
  state,
  role,
  group: [],
  variables: {},
});

test('desired group: the CR uid names it, seeds and local addresses on port 33061 of each address', () => {
  const d = desiredGroup(cr(3), { 'm-0': { host: '10.0.0.1', port: 3306 }, 'm-2': { host: '10.0.0.3', port: 3306 } });
  assert.equal(d.groupName, '0b3c7a52-1f0e-4b7e-9a51-3c2d1e0f9a8b');
  assert.deepEqual(d.members, ['m-0', 'm-1', 'm-2']);
  assert.equal(d.seeds, '10.0.0.1:33061,10.0.0.3:33061');
  assert.deepEqual(d.localAddress, { 'm-0': '10.0.0.1:33061', 'm-1': '', 'm-2': '10.0.0.3:33061' });
});

test('labels and roles follow the group: ONLINE primary read-write, ONLINE secondary read-only, others unrouted', () => {
  const observed = {
    'm-0': member('ONLINE', 'PRIMARY'),
    'm-1': member('ONLINE', 'SECONDARY'),
    'm-2': member('ERROR', ''),
  };
  assert.deepEqual(podLabels(cr(3), observed), {
    'm-0': {
      'compose-operator/mysql-group-replication.name': 'g',
      'compose-operator/mysql-group-replication.readonly': 'false',
    },
    'm-1': {
      'compose-operator/mysql-group-replication.name': 'g',
      'compose-operator/mysql-group-replication.readonly': 'true',
    },
    'm-2': { 'compose-operator/mysql-group-replication.name': 'g' },
  });
  const st = topologyStatus(cr(3), { ...observed, 'm-2': undefined }, {});
  assert.equal(st['m-0'].role, 'Primary');
  assert.equal(st['m-0'].memberState, 'ONLINE');
  assert.equal(st['m-1'].role, 'Secondary');
  assert.deepEqual(st['m-2'], { host: 'm-2.ns.svc', port: 3306, role: 'None', status: 'Failed' });
  assert.match(groupProblem(cr(3), observed, { steps: [] })?.message ?? '', /m-2: ERROR/);
  assert.equal(groupProblem(cr(2), observed, { steps: [] }), undefined);
});

test('a refusal or a held bootstrap is the reason; one member is accepted with a MemberCount warning', () => {
  const refused = {
    steps: [],
    refused: {
      reason: 'UnsupportedServer' as const,
      message: 'm-0 (10.11.6-MariaDB): MariaDB has no Group Replication',
    },
  };
  assert.deepEqual(groupProblem(cr(3), {}, refused), { reason: 'UnsupportedServer', message: refused.refused.message });
  assert.equal(
    groupProblem(cr(3), {}, { steps: [], held: 'no bootstrap while m-1 cannot be reached' })?.reason,
    'BootstrapHeld',
  );
  const one = memberCountCondition(cr(1), 1);
  assert.deepEqual([one.status, one.reason], ['False', 'TooFewMembers']);
  assert.equal(memberCountCondition(cr(3), 1).status, 'True');
});
