/**
 * Statecraft's own metrics, on the manager's registry beside controller-runtime's. Gauges are derived at scrape
 * time from the CR statuses in the informer cache (views/), so controllers need no metric code for them; the
 * role-change counters and histograms are fed by one `recordRoleChanges` call at each replication controller's
 * step-result site.
 *
 *   statecraft_replication_lag_seconds{kind,namespace,name,node}      replica lag as the replica/primary reports it
 *   statecraft_replication_lag_bytes{kind,namespace,name,node}        binlog relay backlog / offset / WAL distance
 *   statecraft_replication_link_up{kind,namespace,name,node}          1 when replication threads/link are up
 *   statecraft_node_up{kind,namespace,name,node}                      1 when the operator can read the node
 *   statecraft_node_is_source{kind,namespace,name,node}               1 on the node that accepts writes
 *   statecraft_node_errant{kind,namespace,name,node}                  1 with errant transactions / a diverged history
 *   statecraft_topology_ready{kind,namespace,name}                    status.ready
 *   statecraft_backup_last_success_timestamp_seconds{kind,namespace,name}
 *   statecraft_replicas_desired / statecraft_replicas_ready{kind,namespace,name}   app and broker kinds
 *   statecraft_switchovers_total{kind,namespace,name,outcome}         outcome: promoted | refused
 *   statecraft_failovers_total{kind,namespace,name,outcome}           outcome: promoted | refused
 *   statecraft_switchover_duration_seconds{kind}                      histogram: the pass that ran the switchover
 *   statecraft_switchover_write_stall_seconds{kind}                   histogram: writes unavailable (fence → promote)
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { kinds } from '../apis/index.ts';
import type { KubeObject, Manager } from '../runtime/index.ts';
import { viewOf } from './views/index.ts';

const NODE_LABELS = ['kind', 'namespace', 'name', 'node'] as const;
const CR_LABELS = ['kind', 'namespace', 'name'] as const;
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const STALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/** Every metric name this module exports (the PrometheusRule test checks expressions against these). */
export const STATECRAFT_METRICS = [
  'statecraft_replication_lag_seconds',
  'statecraft_replication_lag_bytes',
  'statecraft_replication_link_up',
  'statecraft_node_up',
  'statecraft_node_is_source',
  'statecraft_node_errant',
  'statecraft_topology_ready',
  'statecraft_backup_last_success_timestamp_seconds',
  'statecraft_replicas_desired',
  'statecraft_replicas_ready',
  'statecraft_switchovers_total',
  'statecraft_failovers_total',
  'statecraft_switchover_duration_seconds',
  'statecraft_switchover_write_stall_seconds',
] as const;

/** Role-change results as the three engines report them (structurally: mysql, redis and postgres StepResult). */
export interface RoleChangeResult {
  step: { kind: string };
  ok: boolean;
  switchover?: { outcome: string; writeUnavailableMs?: number; writeStallMs?: number };
}

interface RoleChangeMetrics {
  switchovers: Counter<'kind' | 'namespace' | 'name' | 'outcome'>;
  failovers: Counter<'kind' | 'namespace' | 'name' | 'outcome'>;
  duration: Histogram<'kind'>;
  stall: Histogram<'kind'>;
}

const byRegistry = new WeakMap<Registry, RoleChangeMetrics>();

function roleChangeMetrics(registry: Registry): RoleChangeMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    const registers = [registry];
    m = {
      switchovers: new Counter({
        name: 'statecraft_switchovers_total',
        help: 'Planned switchovers, by outcome (promoted, refused)',
        labelNames: ['kind', 'namespace', 'name', 'outcome'],
        registers,
      }),
      failovers: new Counter({
        name: 'statecraft_failovers_total',
        help: 'Failovers (a replica promoted past an unreachable source), by outcome (promoted, refused)',
        labelNames: ['kind', 'namespace', 'name', 'outcome'],
        registers,
      }),
      duration: new Histogram({
        name: 'statecraft_switchover_duration_seconds',
        help: 'Duration of the reconcile pass that performed a switchover or failover',
        labelNames: ['kind'],
        buckets: DURATION_BUCKETS,
        registers,
      }),
      stall: new Histogram({
        name: 'statecraft_switchover_write_stall_seconds',
        help: 'How long writes were unavailable during a switchover (fence to promotion, or to unfence on refusal)',
        labelNames: ['kind'],
        buckets: STALL_BUCKETS,
        registers,
      }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}

/**
 * Counts the switchovers and failovers among a pass's step results. `startedMs` is `performance.now()` at the
 * start of the pass: its length is the switchover duration.
 */
export function recordRoleChanges(
  mgr: Pick<Manager, 'metrics'>,
  cr: KubeObject,
  results: readonly RoleChangeResult[],
  startedMs: number,
): void {
  const m = roleChangeMetrics(mgr.metrics.registry);
  const kind = cr.kind ?? 'unknown';
  const cl = { kind, namespace: cr.metadata?.namespace ?? '', name: cr.metadata?.name ?? '' };
  for (const r of results) {
    if (r.step.kind !== 'switchover' && r.step.kind !== 'promote') continue;
    const outcome = r.ok ? 'promoted' : 'refused';
    (r.step.kind === 'switchover' ? m.switchovers : m.failovers).inc({ ...cl, outcome });
    m.duration.observe({ kind }, (performance.now() - startedMs) / 1000);
    const stallMs = r.switchover?.writeUnavailableMs ?? r.switchover?.writeStallMs;
    if (stallMs !== undefined) m.stall.observe({ kind }, stallMs / 1000);
  }
}

/** The objects of every Statecraft kind the manager caches (kinds without an informer are not read). */
async function cachedCRs(mgr: Manager): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const k of kinds) {
    const gvk = { apiVersion: `${k.group}/${k.version}`, kind: k.kind };
    if (!mgr.cache.has(gvk)) continue;
    const inf = await mgr.cache.informer(gvk);
    for (const o of inf.store.list()) out.push({ ...o, apiVersion: gvk.apiVersion, kind: k.kind });
  }
  return out;
}

/** Registers the role-change metrics and the scrape-time gauges on the manager's registry. */
export function registerStatecraftMetrics(mgr: Manager): void {
  const registers = [mgr.metrics.registry];
  roleChangeMetrics(mgr.metrics.registry);
  const g = (name: string, help: string, labelNames: readonly string[]) =>
    new Gauge({ name, help, labelNames, registers, collect });
  let refreshing: Promise<void> | undefined;
  // prom-client collects every metric of a scrape concurrently: all gauges await the one refresh of that scrape.
  const collect = () => {
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  const lagSeconds = g(STATECRAFT_METRICS[0], 'Replication lag in seconds, per replica', NODE_LABELS);
  const lagBytes = g(STATECRAFT_METRICS[1], 'Replication distance in bytes, per replica', NODE_LABELS);
  const linkUp = g(STATECRAFT_METRICS[2], 'Replication threads/link up (1) or not (0), per replica', NODE_LABELS);
  const nodeUp = g(STATECRAFT_METRICS[3], 'The operator can reach and read the node', NODE_LABELS);
  const isSource = g(STATECRAFT_METRICS[4], 'The node accepts writes (source/master/primary)', NODE_LABELS);
  const errant = g(STATECRAFT_METRICS[5], 'The node has errant transactions or a diverged history', NODE_LABELS);
  const ready = g(STATECRAFT_METRICS[6], 'The observed topology matches the spec and is healthy', CR_LABELS);
  const backup = g(STATECRAFT_METRICS[7], 'Unix time of the last successful backup', CR_LABELS);
  const desired = g(STATECRAFT_METRICS[8], 'Replicas the spec asks for (app and broker kinds)', CR_LABELS);
  const readyReplicas = g(STATECRAFT_METRICS[9], 'Ready replicas (app and broker kinds)', CR_LABELS);
  const all = [lagSeconds, lagBytes, linkUp, nodeUp, isSource, errant, ready, backup, desired, readyReplicas];
  const refresh = async () => {
    const crs = await cachedCRs(mgr);
    for (const m of all) m.reset();
    for (const cr of crs) {
      const view = viewOf(cr.kind ?? '');
      const cl = { kind: cr.kind ?? '', namespace: cr.metadata?.namespace ?? '', name: cr.metadata?.name ?? '' };
      if (view.nodes) {
        const st = (cr as { status?: { ready?: boolean } }).status;
        ready.set(cl, st?.ready ? 1 : 0);
        for (const n of view.nodes(cr)) {
          const nl = { ...cl, node: n.name };
          nodeUp.set(nl, n.healthy ? 1 : 0);
          isSource.set(nl, n.role === 'source' ? 1 : 0);
          errant.set(nl, n.errant || n.diverged ? 1 : 0);
          if (n.lagSeconds !== undefined) lagSeconds.set(nl, n.lagSeconds);
          if (n.lagBytes !== undefined) lagBytes.set(nl, n.lagBytes);
          if (n.linkUp !== undefined) linkUp.set(nl, n.linkUp ? 1 : 0);
        }
      }
      const r = view.replicas?.(cr);
      if (r?.desired !== undefined) desired.set(cl, r.desired);
      if (r?.ready !== undefined) readyReplicas.set(cl, r.ready);
      const last = view.lastBackup?.(cr);
      const t = last ? Date.parse(last) : Number.NaN;
      if (Number.isFinite(t)) backup.set(cl, t / 1000);
    }
  };
}
