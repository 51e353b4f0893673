import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { RuntimeMetrics } from '../runtime/metrics.ts';
import { STATECRAFT_METRICS } from './metrics.ts';

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

test('every alert expression names only metrics the operator exports', () => {
  const runtime = new RuntimeMetrics({ processMetrics: false }).registry.getMetricsAsArray().map((m) => m.name);
  const exported = new Set<string>([...STATECRAFT_METRICS, ...runtime]);
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
