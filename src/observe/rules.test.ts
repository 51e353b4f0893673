import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { RuntimeMetrics } from '../runtime/metrics.ts';
import { STATECRAFT_METRICS } from './metrics.ts';

const DASHBOARDS = new URL('../../deploy/monitoring/dashboards/', import.meta.url);
const RULES = new URL('../../deploy/helm/statecraft/files/monitoring/prometheus-rules.yaml', import.meta.url);

/** The metric names a PromQL expression reads: identifiers that are not functions, grouping labels or keywords. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b[a-z_]+\s*\(/g, ' (');
  const words = stripped.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g) ?? [];
  return words.filter((w) => !['and', 'or', 'unless', 'bool', 'offset'].includes(w) && !/^\d/.test(w));
}

/** Every name the operator's /metrics can carry: ours, controller-runtime's, StreamBus's (histograms: _bucket etc.). */
function exportedMetrics(): Set<string> {
  const runtime = new RuntimeMetrics({ processMetrics: false }).registry.getMetricsAsArray().map((m) => m.name);
  const streambus = [
    'streambus_operator_reconcile_total',
    'streambus_operator_reconcile_errors_total',
    'streambus_operator_reconcile_duration_seconds',
  ];
  const base = [...STATECRAFT_METRICS, ...runtime, ...streambus];
  return new Set(base.flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]));
}

test('every dashboard expression names only metrics the operator exports', () => {
  const exported = exportedMetrics();
  const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.sort(), ['brokers.json', 'operator.json', 'replication.json']);
  for (const f of files) {
    const d = JSON.parse(readFileSync(new URL(f, DASHBOARDS), 'utf8'));
    for (const p of d.panels as Array<{ title: string; targets: Array<{ expr: string }> }>) {
      for (const t of p.targets) {
        const names = metricNames(t.expr);
        assert.ok(names.length > 0, `${f} ${p.title} reads no metric`);
        for (const n of names) assert.ok(exported.has(n), `${f} ${p.title}: ${n} is not exported`);
      }
    }
  }
});

test('every alert expression names only metrics the operator exports', () => {
  const exported = exportedMetrics();
  const groups = parse(readFileSync(RULES, 'utf8')).groups as Array<{ rules: Array<{ alert: string; expr: string }> }>;
  const alerts = groups.flatMap((g) => g.rules);
  assert.deepEqual(
    [
      'StatecraftReplicaLagging',
      'StatecraftReplicationBroken',
      'StatecraftErrantTransactions',
      'StatecraftBackupOverdue',
      'StatecraftReconcileErrors',
    ].filter((a) => !alerts.some((r) => r.alert === a)),
    [],
  );
  for (const r of alerts) {
    const names = metricNames(r.expr);
    assert.ok(names.length > 0, `${r.alert} reads no metric`);
    for (const n of names) assert.ok(exported.has(n), `${r.alert}: ${n} is not exported`);
  }
  assert.deepEqual(metricNames('sum by (a) (rate(foo_total{x="y"}[5m])) > 0 and bar'), ['foo_total', 'bar']);
});
