/**
 * What one PostgreSQL server says about itself: role (pg_is_in_recovery), WAL positions, timeline, checkpoint
 * (pg_control_checkpoint), its WAL receiver (pg_stat_wal_receiver) and, on a primary, its standbys
 * (pg_stat_replication), slots and timeline history. Statements chosen to work on PostgreSQL 13–17.
 */
import { parseLsn, parseTimelineHistory, type TimelineSwitch } from './lsn.ts';
import type { Row, Session } from './session.ts';

export interface WalReceiver {
  status: string;
  receivedTli: number | undefined;
  /** the last position flushed by the receiver */
  flushedLsn: bigint | undefined;
  senderHost: string | undefined;
  senderPort: number | undefined;
  slotName: string | undefined;
}

export interface ReplicationConnection {
  applicationName: string;
  state: string;
  syncState: string;
  sentLsn: bigint | undefined;
  flushLsn: bigint | undefined;
  replayLsn: bigint | undefined;
  /** pg_stat_replication.replay_lag in seconds (measured by the primary), when known */
  replayLagSeconds: number | undefined;
}

export interface NodeState {
  version: number;
  inRecovery: boolean;
  /** the timeline the node writes (primary) or is replaying (standby) */
  timeline: number;
  /** primary: pg_current_wal_lsn(); standby: undefined */
  currentLsn: bigint | undefined;
  receiveLsn: bigint | undefined;
  replayLsn: bigint | undefined;
  /** seconds since the last replayed transaction's commit (standby), when one was replayed */
  replayAgeSeconds: number | undefined;
  checkpoint: { timeline: number; lsn: bigint | undefined; redoLsn: bigint | undefined };
  /** host and port of primary_conninfo (never the rest: it holds the password) */
  upstream: { host?: string; port?: number; applicationName?: string; user?: string } | undefined;
  primarySlotName: string;
  synchronousStandbyNames: string;
  defaultReadOnly: boolean;
  walReceiver: WalReceiver | undefined;
  replication: ReplicationConnection[];
  slots: { name: string; type: string; active: boolean }[];
  /** timeline history of the current timeline (primary), for divergence checks */
  history: TimelineSwitch[];
  /** pg_control_system().system_identifier: nodes of one replication cluster share it */
  systemIdentifier: string;
  /** no databases but the image's and no tables in `postgres`: a node that can be seeded without losing data */
  looksEmpty: boolean;
  replicationRoleOk: boolean | undefined;
  /** pg_hba.conf lets the replication user stream from other hosts */
  hbaAllowsReplication: boolean | undefined;
}

const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

/** The host, port, user and application_name of a libpq connection string (key=value form). */
export function parseConninfo(conninfo: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:'((?:\\.|[^'\\])*)'|(\S+))/g;
  for (let m = re.exec(conninfo); m; m = re.exec(conninfo)) {
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return out;
}

export async function observeNode(s: Session, replicationUser?: string): Promise<NodeState> {
  const [r] = await s.query(
    `SELECT pg_is_in_recovery() AS in_recovery,
            CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
            CASE WHEN pg_is_in_recovery() THEN NULL
                 ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS current_tli,
            pg_last_wal_receive_lsn()::text AS receive_lsn,
            pg_last_wal_replay_lsn()::text AS replay_lsn,
            extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age,
            c.timeline_id AS checkpoint_tli, c.checkpoint_lsn::text AS checkpoint_lsn, c.redo_lsn::text AS redo_lsn,
            current_setting('primary_conninfo') AS primary_conninfo,
            current_setting('primary_slot_name') AS primary_slot_name,
            current_setting('synchronous_standby_names') AS sync_names,
            current_setting('default_transaction_read_only') AS read_only
       FROM pg_control_checkpoint() c`,
    [],
    'reading the server state',
  );
  const inRecovery = r.in_recovery === true;
  // pg_stat_wal_receiver: PG13 has received_lsn, PG14+ flushed_lsn; SELECT * takes either
  const [w] = await s.query('SELECT * FROM pg_stat_wal_receiver', [], 'reading pg_stat_wal_receiver');
  const walReceiver: WalReceiver | undefined = w
    ? {
        status: String(w.status),
        receivedTli: num(w.received_tli),
        flushedLsn: parseLsn(str(w.flushed_lsn ?? w.received_lsn)),
        senderHost: str(w.sender_host),
        senderPort: num(w.sender_port),
        slotName: str(w.slot_name) || undefined,
      }
    : undefined;
  const replication = (
    await s.query(
      `SELECT application_name, state, sync_state, sent_lsn::text AS sent, flush_lsn::text AS flush,
              replay_lsn::text AS replay, extract(epoch FROM replay_lag)::float8 AS replay_lag
         FROM pg_stat_replication`,
      [],
      'reading pg_stat_replication',
    )
  ).map((x: Row) => ({
    applicationName: String(x.application_name),
    state: String(x.state),
    syncState: String(x.sync_state),
    sentLsn: parseLsn(str(x.sent)),
    flushLsn: parseLsn(str(x.flush)),
    replayLsn: parseLsn(str(x.replay)),
    replayLagSeconds: num(x.replay_lag),
  }));
  const slots = (
    await s.query('SELECT slot_name, slot_type, active FROM pg_replication_slots', [], 'reading slots')
  ).map((x) => ({ name: String(x.slot_name), type: String(x.slot_type), active: x.active === true }));
  const checkpointTli = Number(r.checkpoint_tli);
  // a standby's replay timeline is not exposed: while streaming it is the receiver's; otherwise the last
  // restartpoint's is a lower bound (divergence is judged only for standbys that follow the primary yet do not stream)
  const timeline = inRecovery
    ? Math.max(walReceiver?.receivedTli ?? 0, checkpointTli)
    : (num(r.current_tli) ?? checkpointTli);
  let history: TimelineSwitch[] = [];
  if (!inRecovery && timeline > 1) {
    const file = `pg_wal/${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
    const [h] = await s.query('SELECT pg_read_file($1) AS h', [file], 'reading the timeline history').catch(() => []);
    history = h ? parseTimelineHistory(String(h.h)) : [];
  }
  let replicationRoleOk: boolean | undefined;
  let hbaAllowsReplication: boolean | undefined;
  if (replicationUser) {
    const [role] = await s.query(
      'SELECT rolreplication AND rolcanlogin AS ok FROM pg_roles WHERE rolname = $1',
      [replicationUser],
      'reading the replication role',
    );
    replicationRoleOk = role ? role.ok === true : false;
    const [hba] = await s
      .query(
        `SELECT count(*)::int AS n FROM pg_hba_file_rules
          WHERE type IN ('host', 'hostssl') AND 'replication' = ANY(database)
            AND ('all' = ANY(user_name) OR $1 = ANY(user_name)) AND error IS NULL
            AND (address = 'all' OR address IN ('0.0.0.0', '::'))`,
        [replicationUser],
        'reading pg_hba_file_rules',
      )
      .catch(() => [undefined]);
    hbaAllowsReplication = hba ? Number(hba.n) > 0 : undefined;
  }
  const [sys] = await s.query(
    `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS id,
            (SELECT count(*)::int FROM pg_database
              WHERE datname NOT IN ('template0', 'template1', 'postgres', current_user)) AS dbs,
            (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'p')) AS tables`,
    [],
    'reading the system identifier',
  );
  const ci = parseConninfo(String(r.primary_conninfo ?? ''));
  return {
    version: s.version,
    inRecovery,
    timeline,
    currentLsn: parseLsn(str(r.current_lsn)),
    receiveLsn: parseLsn(str(r.receive_lsn)),
    replayLsn: parseLsn(str(r.replay_lsn)),
    replayAgeSeconds: num(r.replay_age),
    checkpoint: { timeline: checkpointTli, lsn: parseLsn(str(r.checkpoint_lsn)), redoLsn: parseLsn(str(r.redo_lsn)) },
    upstream: ci.host
      ? { host: ci.host, port: ci.port ? Number(ci.port) : 5432, applicationName: ci.application_name, user: ci.user }
      : undefined,
    primarySlotName: String(r.primary_slot_name ?? ''),
    synchronousStandbyNames: String(r.sync_names ?? ''),
    defaultReadOnly: r.read_only === 'on',
    walReceiver,
    replication,
    slots,
    history,
    systemIdentifier: String(sys.id),
    looksEmpty: Number(sys.dbs) === 0 && Number(sys.tables) === 0,
    replicationRoleOk,
    hbaAllowsReplication,
  };
}

/** The last WAL position a node has: its current LSN (primary) or the furthest it received or replayed. */
export function endOfWal(st: NodeState): bigint {
  if (st.currentLsn !== undefined) return st.currentLsn;
  const a = st.receiveLsn ?? 0n;
  const b = st.replayLsn ?? 0n;
  return a > b ? a : b;
}

/** Observes every node with a session, in parallel; a node that fails is absent from `observed`, its error kept. */
export async function observeNodes(
  sessions: Readonly<Record<string, Session | undefined>>,
  replicationUser: string,
): Promise<{ observed: Record<string, NodeState | undefined>; errors: Record<string, Error> }> {
  const observed: Record<string, NodeState | undefined> = {};
  const errors: Record<string, Error> = {};
  await Promise.all(
    Object.entries(sessions).map(async ([name, s]) => {
      if (!s) return;
      try {
        observed[name] = await observeNode(s, replicationUser);
      } catch (err) {
        errors[name] = err as Error;
      }
    }),
  );
  return { observed, errors };
}
