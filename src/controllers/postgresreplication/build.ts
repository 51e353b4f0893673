/**
 * Pure desired state of a PostgresReplication: pod labels, the read-write / read-only Services, the engine's
 * desired topology and the status, all from the CR and what the engine observed. No I/O; unit-tested beside.
 */
import type { PostgresReplication } from '../../apis/postgresreplication.ts';
import {
  type DesiredTopology,
  divergence,
  endOfWal,
  followsAddress,
  type NodeAddress,
  type NodeState,
} from '../../engines/postgres/index.ts';
import { buildRoleServices, roleLabels } from '../compose/index.ts';

export const LABELS = roleLabels('postgres-replication');
/**
 * Opt-in: with this annotation "true" the operator replaces a diverged standby's data directory with a base
 * backup of the primary (pg_basebackup; no time limit). Without it a diverged node is only reported.
 */
export const REBUILD_ANNOTATION = 'statecraft.io/rebuild-diverged';

export interface NodeRef {
  name: string;
  host: string;
  port: number;
  isolated: boolean;
  role: 'primary' | 'standby';
}

/** The logins a PostgresReplication uses (compose-operator's defaults); the controller and `status --live`. */
export const loginsOf = (cr: PostgresReplication) => ({
  admin: cr.spec.secret.postgres ?? 'postgres',
  replication: cr.spec.secret.replication ?? 'replication',
});

export function nodesOf(cr: PostgresReplication): NodeRef[] {
  return [
    { ...cr.spec.primary, isolated: false, role: 'primary' as const },
    ...(cr.spec.standby ?? []).map((s) => ({
      name: s.name,
      host: s.host,
      port: s.port,
      isolated: !!s.isolated,
      role: 'standby' as const,
    })),
  ];
}

export const rebuildOptIn = (cr: PostgresReplication) => cr.metadata.annotations?.[REBUILD_ANNOTATION] === 'true';

export function desiredTopology(
  cr: PostgresReplication,
  addresses: Record<string, NodeAddress>,
  replicationUser: string,
): DesiredTopology {
  return {
    primary: cr.spec.primary.name,
    standbys: (cr.spec.standby ?? []).map((s) => ({ name: s.name, isolated: !!s.isolated })),
    mode: cr.spec.mode === 'rpl_sync' ? 'sync' : 'async',
    replicationAddress: addresses,
    replicationUser,
    rebuildDiverged: rebuildOptIn(cr),
  };
}

export interface NodeVerdict {
  ready: boolean;
  /** member of the read-only Service */
  serveReads: boolean;
  reason?: string;
  diverged?: string;
}

/** The command a user runs to rebuild a diverged node (shown in status). */
export const rebuildHint = (cr: PostgresReplication) =>
  `kubectl annotate postgresreplication ${cr.metadata.name} ${REBUILD_ANNOTATION}=true`;

export function judgeNodes(
  cr: PostgresReplication,
  observed: Readonly<Record<string, NodeState | undefined>>,
  addresses: Record<string, NodeAddress>,
): Record<string, NodeVerdict> {
  const out: Record<string, NodeVerdict> = {};
  const primaryName = cr.spec.primary.name;
  const primary = observed[primaryName];
  for (const n of nodesOf(cr)) {
    const st = observed[n.name];
    if (!st) {
      out[n.name] = { ready: false, serveReads: false, reason: 'unreachable' };
      continue;
    }
    if (n.role === 'primary') {
      const ok = !st.inRecovery && !st.defaultReadOnly;
      out[n.name] = { ready: ok, serveReads: false, reason: ok ? undefined : 'not a writable primary' };
      continue;
    }
    if (n.isolated) {
      // isolated: cut off from replication and from both Services; reachable is all it has to be
      out[n.name] = { ready: true, serveReads: false };
      continue;
    }
    const separate = primary && st.systemIdentifier !== primary.systemIdentifier;
    const follows = followsAddress(st, addresses[primaryName], n.name);
    const streaming =
      st.inRecovery &&
      st.walReceiver?.status === 'streaming' &&
      follows &&
      (!primary || st.timeline === primary.timeline);
    // as the planner: divergence is judged for a standby that follows the primary yet does not stream
    const why = primary && !separate && follows && !streaming ? divergence(st, primary) : undefined;
    const diverged = separate
      ? `a separate PostgreSQL cluster (system identifier ${st.systemIdentifier}); rebuild: ${rebuildHint(cr)}`
      : why && `${why}; rebuild: ${rebuildHint(cr)}`;
    const reason = diverged
      ? `diverged: ${diverged}`
      : !st.inRecovery
        ? 'runs as primary'
        : !streaming
          ? 'not streaming from the primary'
          : undefined;
    out[n.name] = {
      ready: !!streaming && !diverged,
      serveReads: !!streaming && !diverged,
      reason,
      ...(diverged ? { diverged } : {}),
    };
  }
  return out;
}

/** The labels each pod should carry (an absent key is released: server-side apply removes it). */
export function podLabels(
  cr: PostgresReplication,
  verdicts: Record<string, NodeVerdict>,
): Record<string, Record<string, string>> {
  const crName = cr.metadata.name!;
  const out: Record<string, Record<string, string>> = {};
  for (const n of nodesOf(cr)) {
    if (n.isolated) out[n.name] = {};
    else if (n.role === 'primary') {
      // only a writable primary gets the read-write label: the Service fails closed
      out[n.name] = verdicts[n.name]?.ready
        ? { [LABELS.name]: crName, [LABELS.readonly]: 'false' }
        : { [LABELS.name]: crName };
    } else {
      out[n.name] = verdicts[n.name]?.serveReads
        ? { [LABELS.name]: crName, [LABELS.readonly]: 'true' }
        : { [LABELS.name]: crName };
    }
  }
  return out;
}

export function buildServices(cr: PostgresReplication) {
  return buildRoleServices(cr as PostgresReplication & { metadata: { name: string } }, {
    labels: LABELS,
    type: cr.spec.service?.type,
    port: cr.spec.primary.port,
    portName: 'postgresql',
    hasReadReplicas: (cr.spec.standby ?? []).some((s) => !s.isolated),
  });
}

type TopologyNode = NonNullable<NonNullable<PostgresReplication['status']>['topology']>[string];

export function topologyStatus(
  cr: PostgresReplication,
  observed: Readonly<Record<string, NodeState | undefined>>,
  verdicts: Record<string, NodeVerdict>,
  addresses: Record<string, NodeAddress>,
): Record<string, TopologyNode> {
  const out: Record<string, TopologyNode> = {};
  const primaryName = cr.spec.primary.name;
  const primary = observed[primaryName];
  // lag is measured against the primary's current WAL position, not what the standby itself received
  const primaryLsn = primary && !primary.inRecovery ? primary.currentLsn : undefined;
  for (const n of nodesOf(cr)) {
    const st = observed[n.name];
    const a = addresses[n.name] ?? { host: n.host, port: n.port };
    if (!st) {
      out[n.name] = { host: a.host, port: a.port, role: 'None', status: 'Failed', ready: false };
      continue;
    }
    const node: TopologyNode = {
      host: a.host,
      port: a.port,
      role: st.inRecovery ? 'Standby' : 'Primary',
      status: 'Healthy',
      ready: verdicts[n.name]?.ready ?? false,
      timeline: st.timeline,
    };
    if (st.inRecovery) {
      const replay = st.replayLsn ?? 0n;
      if (st.receiveLsn !== undefined) node.walDiff = Number(st.receiveLsn > replay ? st.receiveLsn - replay : 0n);
      if (primaryLsn !== undefined) {
        node.lagBytes = Number(primaryLsn > endOfWal({ ...st, receiveLsn: replay }) ? primaryLsn - replay : 0n);
        const conn = primary?.replication.find((r) => r.applicationName === n.name.replace(/-/g, '_'));
        node.lagSeconds = node.lagBytes === 0 ? 0 : (conn?.replayLagSeconds ?? st.replayAgeSeconds ?? undefined);
      }
    }
    if (verdicts[n.name]?.diverged) node.diverged = verdicts[n.name].diverged;
    out[n.name] = node;
  }
  return out;
}
