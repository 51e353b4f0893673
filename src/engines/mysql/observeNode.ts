import { FENCE_MARKER, type ReplicationStatus } from './dialect.ts';
import type { Session } from './session.ts';
import type { Flavor } from './version.ts';

export interface SemiSyncState {
  /** the plugins (MySQL) or built-ins (MariaDB) are present */
  available: boolean;
  sourceEnabled: boolean;
  replicaEnabled: boolean;
  timeoutMs: number | null;
  waitPoint: string | null;
  /** replicas currently acknowledging (source side) */
  clients: number | null;
}

export interface GtidState {
  /** MariaDB @@gtid_current_pos, MySQL @@gtid_executed */
  executed: string;
  /** MariaDB @@gtid_binlog_state (last GTID per domain and server id); null on MySQL */
  binlogState: string | null;
  /** what this node's binary log holds: MariaDB @@gtid_binlog_pos, MySQL @@gtid_executed */
  binlogPos: string;
  /** MariaDB @@gtid_slave_pos; null on MySQL */
  replicaPos: string | null;
}

/** What one server says about itself. Roles follow compose-operator: a node with a replication channel is a Replica. */
export interface NodeState {
  host: string;
  port: number;
  version: string;
  flavor: Flavor;
  serverId: number;
  role: 'Source' | 'Replica';
  readOnly: boolean;
  /** MySQL only; MariaDB has no super_read_only (null) */
  superReadOnly: boolean | null;
  replication: ReplicationStatus | null;
  gtid: GtidState;
  gtidStrictMode: boolean;
  logBin: boolean;
  logReplicaUpdates: boolean;
  semiSync: SemiSyncState;
  /** whether `replicationUser` (when asked) exists as user@'%' */
  replicationUserExists?: boolean;
  /**
   * connection id of a session holding the switchover fence marker (and so, most likely, a global read lock that
   * stalls every write); null or absent when there is none
   */
  fenceHolder?: number | null;
}

const bool = (v: unknown): boolean => v === 1 || v === '1' || v === 'ON' || v === true;

/** Reads role, read-only flags, replication channel, GTID positions and semi-sync state of one server. */
export async function observeNode(session: Session, options: { replicationUser?: string } = {}): Promise<NodeState> {
  const d = session.dialect;
  const [basics] = await session.run(
    {
      sql:
        d.flavor === 'mariadb'
          ? 'SELECT @@server_id AS serverId, @@read_only AS readOnly, NULL AS superReadOnly, IS_USED_LOCK(?) AS fenceHolder'
          : 'SELECT @@server_id AS serverId, @@read_only AS readOnly, @@super_read_only AS superReadOnly, IS_USED_LOCK(?) AS fenceHolder',
      params: [FENCE_MARKER],
    },
    'reading read_only',
  );
  const statusRows = await session.run(d.replicaStatus, 'reading replica status');
  const replication = statusRows.length ? d.parseReplicaStatus(statusRows[0]) : null;
  const [g] = await session.run(d.gtidState, 'reading GTID positions');
  const vars = new Map(
    (await session.run(d.semiSyncVariables, 'reading semi-sync variables')).map((r) => [
      String(r.Variable_name),
      String(r.Value),
    ]),
  );
  const status = new Map(
    (await session.run(d.semiSyncStatus, 'reading semi-sync status')).map((r) => [
      String(r.Variable_name),
      String(r.Value),
    ]),
  );
  const n = d.semiSyncNames;
  const state: NodeState = {
    host: session.address.host,
    port: session.address.port,
    version: session.version.raw,
    flavor: d.flavor,
    serverId: Number(basics.serverId),
    // a channel with a host configured: replicating (or meant to); RESET SLAVE ALL removes the row entirely
    role: replication?.sourceHost ? 'Replica' : 'Source',
    readOnly: bool(basics.readOnly),
    superReadOnly:
      basics.superReadOnly === null || basics.superReadOnly === undefined ? null : bool(basics.superReadOnly),
    replication: replication?.sourceHost ? replication : null,
    gtid: {
      executed: String(g.executed ?? '').replace(/\s+/g, ''),
      binlogState: g.binlogState === null ? null : String(g.binlogState),
      binlogPos: String(g.binlogPos ?? '').replace(/\s+/g, ''),
      replicaPos: g.replicaPos === null ? null : String(g.replicaPos),
    },
    gtidStrictMode: bool(g.strictMode),
    logBin: bool(g.logBin),
    logReplicaUpdates: bool(g.logReplicaUpdates),
    semiSync: {
      available: vars.has(n.sourceEnabled) && vars.has(n.replicaEnabled),
      sourceEnabled: vars.get(n.sourceEnabled) === 'ON',
      replicaEnabled: vars.get(n.replicaEnabled) === 'ON',
      timeoutMs: vars.has(n.timeout) ? Number(vars.get(n.timeout)) : null,
      waitPoint: vars.get(n.waitPoint) ?? null,
      clients: status.has(n.clients) ? Number(status.get(n.clients)) : null,
    },
    fenceHolder: basics.fenceHolder === null || basics.fenceHolder === undefined ? null : Number(basics.fenceHolder),
  };
  if (options.replicationUser !== undefined) {
    const [u] = await session.run(d.replicationUserExists(options.replicationUser), 'looking up the replication user');
    state.replicationUserExists = Number(u.n) > 0;
  }
  return state;
}

/** Seconds the replica's SQL thread is behind its source, or null when unknown (threads stopped, not a replica). */
export function replicaLagSeconds(state: NodeState): number | null {
  return state.replication?.secondsBehindSource ?? null;
}
