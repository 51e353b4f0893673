import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { recordRoleChanges } from './metrics.ts';
import { renderStatus, statusReport } from './statusReport.ts';

const cr = {
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'MysqlReplication',
  metadata: { name: 'db', namespace: 'ns' },
  status: {
    ready: true,
    readwriteService: 'db-readwrite',
    readonlyService: 'db-readonly',
    topology: {
      'db-1': {
        host: 'h1',
        port: 3306,
        role: 'Replica',
        status: 'Healthy',
        ready: true,
        sourceHost: 'h0',
        sourcePort: 3306,
        replicaIO: 'Yes',
        replicaSQL: 'Yes',
        secondsBehindSource: 2,
        readSourceLogPos: 900,
        execSourceLogPos: 400,
      },
      'db-0': { host: 'h0', port: 3306, role: 'Source', status: 'Healthy', ready: true, gtidExecuted: '0-1-42' },
      'db-2': {
        host: 'h2',
        port: 3306,
        role: 'Replica',
        status: 'Failed',
        replicaIO: 'No',
        replicaSQL: 'Yes',
        errantTransactions: '0-3-7',
      },
    },
    conditions: [{ type: 'TopologyReady', status: 'True', reason: 'Ready' }],
  },
};

test('a MysqlReplication view: source first, lag, source by name, link and errant state', () => {
  const r = statusReport(cr, [
    { metadata: { name: 'e' }, type: 'Normal', reason: 'SwitchoverCompleted', note: 'x' } as never,
  ]);
  assert.deepEqual(
    r.nodes?.map((n) => [n.name, n.role, n.source, n.lagSeconds, n.lagBytes, n.linkUp]),
    [
      ['db-0', 'source', undefined, undefined, undefined, undefined],
      ['db-1', 'replica', 'db-0', 2, 500, true],
      ['db-2', 'replica', undefined, undefined, undefined, false],
    ],
  );
  assert.equal(r.nodes?.[2].errant, '0-3-7');
  const text = renderStatus(r, false);
  assert.match(text, /db-1\s+Replica\s+Healthy\s+yes\s+db-0\s+2\s+500\s+up/);
  assert.match(text, /readwrite db-readwrite/);
  assert.match(text, /SwitchoverCompleted/);
  assert.ok(!text.includes('\x1b['), 'plain when not asked for colour');
  assert.ok(renderStatus(r, true).includes('\x1b[32m'));
  assert.deepEqual(JSON.parse(JSON.stringify(r)).nodes.length, 3);
});

test('recordRoleChanges counts switchovers/failovers by outcome and observes the histograms', async () => {
  const registry = new Registry();
  const mgr = { metrics: { registry } } as never;
  recordRoleChanges(
    mgr,
    cr,
    [
      { step: { kind: 'switchover' }, ok: true, switchover: { outcome: 'promoted', writeUnavailableMs: 120 } },
      { step: { kind: 'repoint' }, ok: true },
    ],
    performance.now() - 1500,
  );
  recordRoleChanges(mgr, cr, [{ step: { kind: 'promote' }, ok: false }], performance.now());
  const text = await registry.metrics();
  assert.match(
    text,
    /statecraft_switchovers_total\{kind="MysqlReplication",namespace="ns",name="db",outcome="promoted"\} 1/,
  );
  assert.match(
    text,
    /statecraft_failovers_total\{kind="MysqlReplication",namespace="ns",name="db",outcome="refused"\} 1/,
  );
  assert.match(text, /statecraft_switchover_duration_seconds_count\{kind="MysqlReplication"\} 2/);
  assert.match(text, /statecraft_switchover_write_stall_seconds_sum\{kind="MysqlReplication"\} 0.12/);
});
