import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../views/index.ts';
import { disagreements, mergeLive } from './model.ts';

const source: NodeView = { name: 'db-0', role: 'source', rawRole: 'Source', healthy: true, ready: true };
const replica: NodeView = {
  name: 'db-1',
  role: 'replica',
  rawRole: 'Replica',
  healthy: true,
  ready: true,
  source: 'db-0',
  linkUp: true,
  lagSeconds: 0,
};

test('a server that says what status says agrees', () => {
  assert.deepEqual(disagreements(source, { name: 'db-0', role: 'source', rawRole: 'Source', readOnly: false }), []);
  assert.deepEqual(
    disagreements(replica, { name: 'db-1', role: 'replica', readOnly: true, linkUp: true, source: 'db-0' }),
    [],
  );
});

test('a writable replica, a read-only source, another role, upstream or link are flagged', () => {
  assert.deepEqual(disagreements(replica, { name: 'db-1', role: 'replica', readOnly: false, source: 'db-0' }), [
    'replica is writable',
  ]);
  assert.deepEqual(disagreements(source, { name: 'db-0', role: 'source', readOnly: true }), ['source is read-only']);
  assert.deepEqual(disagreements(replica, { name: 'db-1', role: 'source', rawRole: 'Source', readOnly: false }), [
    'status says Replica, server is Source',
    'replica is writable',
  ]);
  assert.deepEqual(disagreements(replica, { name: 'db-1', role: 'replica', readOnly: true, source: 'db-2' }), [
    'replicates from db-2, status says db-0',
  ]);
  // status naming the source by address (what the channel says) agrees with the same address
  assert.deepEqual(
    disagreements(
      { ...replica, source: '10.0.0.1:6379' },
      { name: 'db-1', role: 'replica', readOnly: true, source: 'db-0', sourceAddress: '10.0.0.1:6379' },
    ),
    [],
  );
  assert.deepEqual(disagreements(replica, { name: 'db-1', role: 'replica', readOnly: true, linkUp: false }), [
    'link down on the server, status says up',
  ]);
});

test('an unreachable node is flagged only when status counts on it', () => {
  assert.deepEqual(disagreements(source, { name: 'db-0', error: 'connect ECONNREFUSED' }), ['unreachable']);
  assert.deepEqual(disagreements({ ...replica, healthy: false }, { name: 'db-1', error: 'connect ECONNREFUSED' }), []);
  assert.deepEqual(disagreements(undefined, { name: 'db-9', role: 'replica' }), ['not in status']);
});

test('mergeLive keeps status order, adds probe-only nodes, and marks nodes the probe could not reach', () => {
  const live = mergeLive([source, replica], {
    at: 't',
    nodes: [
      { name: 'db-1', role: 'replica', readOnly: true, linkUp: true, source: 'db-0' },
      { name: 'db-9', role: 'replica' },
    ],
  });
  assert.deepEqual(
    live.nodes.map((n) => [n.name, n.status?.role, n.observed.error, n.disagreements]),
    [
      ['db-0', 'source', 'not observed', ['unreachable']],
      ['db-1', 'replica', undefined, []],
      ['db-9', undefined, undefined, ['not in status']],
    ],
  );
  const failed = mergeLive([source], { at: 't', nodes: [], error: 'Secret mysql-credentials not found' });
  assert.equal(failed.error, 'Secret mysql-credentials not found');
  assert.equal(failed.nodes[0].observed.error, 'Secret mysql-credentials not found');
});

test('the text view puts the server beside status, with errors and disagreements in words', async () => {
  const { renderStatus } = await import('../statusReport.ts');
  const live = mergeLive([source, replica], {
    at: '2026-01-01T00:00:00Z',
    nodes: [
      { name: 'db-0', error: 'db-0 (10.0.0.1:3306): connecting as mysql: ECONNREFUSED' },
      { name: 'db-1', role: 'replica', rawRole: 'Replica', readOnly: false, link: 'IO Yes, SQL Yes', linkUp: true },
    ],
  });
  const text = renderStatus(
    {
      kind: 'MysqlReplication',
      namespace: 'ns',
      name: 'mr',
      nodes: [source, replica],
      conditions: [],
      events: [],
      live,
    },
    false,
  );
  assert.match(text, /Databases \(observed 2026-01-01T00:00:00Z\)/);
  assert.match(
    text,
    /db-0\s+Source\s+error: db-0 \(10\.0\.0\.1:3306\): connecting as mysql: ECONNREFUSED\s+unreachable/,
  );
  assert.match(text, /db-1\s+Replica\s+Replica\s+OFF\s+IO Yes, SQL Yes\s+-\s+-\s+-\s+replica is writable/);
});
