/**
 * A per-kind view of a Statecraft CR, read from the CR alone (status as the API serves it): what `statecraft
 * status`, the web view and the metrics collector show. Adding a kind = one module in this folder exporting a
 * KindView, listed in views/index.ts.
 */
import type { KubeObject } from '../../runtime/index.ts';

/** One database node of a replication topology. */
export interface NodeView {
  name: string;
  /** normalised: 'source' accepts writes, 'replica' follows `source`, 'none' neither */
  role: 'source' | 'replica' | 'none';
  /** the role as the database names it (Source, master, primary, ...) */
  rawRole?: string;
  healthy: boolean;
  ready: boolean;
  /** the node this one replicates from (node name when known, else host:port) */
  source?: string;
  lagSeconds?: number;
  /** replication distance in bytes (binlog/offset/WAL), when the engine reports one */
  lagBytes?: number;
  /** the position as the engine spells it: GTID set, offset, LSN */
  position?: string;
  /** replication threads / link up (replicas only) */
  linkUp?: boolean;
  /** errant transactions (MySQL) or a diverged timeline/history (Redis, PostgreSQL) */
  errant?: string;
  diverged?: boolean;
}

/** Replica counts of app and broker kinds. */
export interface ReplicaView {
  desired?: number;
  ready?: number;
  phase?: string;
}

export interface KindView {
  kind: string;
  /** present for replication kinds: the topology nodes, sorted source first */
  nodes?(cr: KubeObject): NodeView[];
  /** Services the operator publishes for the CR, by role */
  services?(cr: KubeObject): Array<{ role: 'readwrite' | 'readonly'; name: string }>;
  /** present for app and broker kinds */
  replicas?(cr: KubeObject): ReplicaView;
  /** RFC 3339 time of the last successful backup, when the kind records one */
  lastBackup?(cr: KubeObject): string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: CR statuses are read structurally, one shape per kind
export type AnyStatus = Record<string, any>;

export const statusOf = (cr: KubeObject): AnyStatus => ((cr as { status?: AnyStatus }).status ?? {}) as AnyStatus;
export const specOf = (cr: KubeObject): AnyStatus => ((cr as { spec?: AnyStatus }).spec ?? {}) as AnyStatus;

/** topology entries of status as [name, node], source first, then by name. */
export function sortNodes(nodes: NodeView[]): NodeView[] {
  const rank = { source: 0, replica: 1, none: 2 } as const;
  return nodes.sort((a, b) => rank[a.role] - rank[b.role] || a.name.localeCompare(b.name));
}

/** The node whose host:port is `host`/`port`, by name, else `host:port`. */
export function sourceName(topology: Record<string, AnyStatus>, host?: string, port?: number): string | undefined {
  if (!host) return undefined;
  for (const [name, n] of Object.entries(topology)) {
    if ((n.host === host || n.announceHost === host) && (port === undefined || n.port === port)) return name;
  }
  return port ? `${host}:${port}` : host;
}

export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** status.readwriteService / status.readonlyService, the role Services every replication kind publishes. */
export function roleServices(cr: KubeObject): Array<{ role: 'readwrite' | 'readonly'; name: string }> {
  const s = statusOf(cr);
  const out: Array<{ role: 'readwrite' | 'readonly'; name: string }> = [];
  if (typeof s.readwriteService === 'string') out.push({ role: 'readwrite', name: s.readwriteService });
  if (typeof s.readonlyService === 'string') out.push({ role: 'readonly', name: s.readonlyService });
  return out;
}

/** spec.replicas vs status.readyReplicas, the scale subresource's fields on app and broker kinds. */
export function scaleReplicas(cr: KubeObject): ReplicaView {
  return { desired: num(specOf(cr).replicas), ready: num(statusOf(cr).readyReplicas) ?? 0, phase: statusOf(cr).phase };
}

/**
 * The fields every compose topology records the same way in status.topology[name]: the node's role as the
 * controller wrote it, `status: Healthy` and `ready`.
 */
export function topologyNode(
  name: string,
  n: AnyStatus,
  role: NodeView['role'],
): Pick<NodeView, 'name' | 'role' | 'rawRole' | 'healthy' | 'ready'> {
  return { name, role, rawRole: n.role, healthy: n.status === 'Healthy', ready: n.ready === true };
}
