/**
 * The SQL that differs between MariaDB 10.6+ and MySQL 8.0.26+, as pure statement builders. A Statement's `?`
 * placeholders are filled by mysql2's escaping (`conn.query(sql, params)`), never by string concatenation, so a
 * host name or password cannot change a statement's meaning. Statements that carry a password must never be
 * logged with their params; errors show only `sql`.
 */
import type { Flavor, ServerVersion } from './version.ts';

export interface Statement {
  sql: string;
  params?: unknown[];
}

export interface SourceEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  /**
   * binary log coordinates on the source to replicate from (file/position replication, no GTID); absent:
   * positions by GTID
   */
  position?: BinlogCoordinates;
}

export interface BinlogCoordinates {
  file: string;
  pos: number;
}

/** One replica's view of its replication channel, in flavor-neutral names. */
export interface ReplicationStatus {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
  /** 'Yes' | 'No' | 'Connecting' */
  ioRunning: string;
  sqlRunning: string;
  secondsBehindSource: number | null;
  sourceLogFile: string;
  readSourceLogPos: number;
  /** the source's binlog file of the last event the SQL thread applied (Relay_Master_Log_File) */
  execSourceLogFile?: string;
  execSourceLogPos: number;
  lastIoError: string;
  lastSqlError: string;
  /** replication positions by GTID (MariaDB Using_Gtid=Slave_Pos/Current_Pos, MySQL Auto_Position=1) */
  usesGtid: boolean;
  /** GTIDs the IO thread has received (MariaDB Gtid_IO_Pos, MySQL Retrieved_Gtid_Set) */
  receivedGtids: string;
  /**
   * server_id of the source the IO thread last connected to (MariaDB Master_Server_Id, MySQL Source_Server_Id);
   * 0 when it never connected. Identifies the upstream whatever spelling of its address the channel uses.
   */
  sourceServerId?: number;
}

export interface Dialect {
  flavor: Flavor;
  replicaStatus: Statement;
  parseReplicaStatus(row: Record<string, unknown>): ReplicationStatus;
  /** one row: executed (everything applied or written), binlogState (MariaDB per-pair state), replicaPos */
  gtidState: Statement;
  changeSource(source: SourceEndpoint): Statement;
  startReplica: Statement;
  stopReplica: Statement;
  resetReplicaAll: Statement;
  restartReplicaIo: Statement[];
  stopReplicaIo: Statement;
  setReadOnly(on: boolean): Statement[];
  /** one column `r`; `waitSucceeded(r)` says whether every GTID of `position` was applied within the timeout */
  waitForGtid(position: string, timeoutSeconds: number): Statement;
  waitSucceeded(r: unknown): boolean;
  /**
   * Before an old source starts replicating: MariaDB's gtid_slave_pos is stale after a term as source, so it is
   * set to what the node has logged (else it would fetch its own transactions again); MySQL's auto-positioning
   * uses gtid_executed and needs nothing.
   */
  prepareDemotion: Statement[];
  /** for a freshly seeded replica: the GTID position its data corresponds to */
  setReplicaGtidPosition(position: string): Statement[];
  semiSyncPlugins: Statement;
  installSemiSyncPlugin(role: 'source' | 'replica'): Statement;
  semiSyncSource(enabled: boolean, timeoutMs: number): Statement[];
  semiSyncReplica(enabled: boolean): Statement[];
  /** SHOW GLOBAL VARIABLES rows (Variable_name, Value) for every semi-sync variable */
  semiSyncVariables: Statement;
  semiSyncStatus: Statement;
  /** variable names in neutral terms */
  semiSyncNames: { sourceEnabled: string; replicaEnabled: string; timeout: string; waitPoint: string; clients: string };
  replicationUserExists(user: string): Statement;
  createReplicationUser(user: string, password: string): Statement[];
  /** sessions a fence must end: clients, not replication dump threads, system threads or `exceptId` */
  clientSessions(exceptId: number): Statement;
  /** client transactions open longer than `seconds`: id (connection), seconds, state */
  longTransactions(seconds: number): Statement;
  kill(id: number): Statement;
  /**
   * The fence marker: the session holding the global read lock of a switchover also holds this user-level lock,
   * so a later pass can find a fence left behind by an earlier attempt (IS_USED_LOCK names its connection).
   */
  takeFenceMarker: Statement;
  fenceMarkerHolder: Statement;
}

/** The user-level lock that marks a switchover's fence session (see Dialect.takeFenceMarker). */
export const FENCE_MARKER = 'statecraft.switchover-fence';

const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const lag = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

const CLIENT_SESSIONS_SQL = `SELECT ID AS id, USER AS user, COMMAND AS command FROM information_schema.PROCESSLIST
  WHERE ID <> CONNECTION_ID() AND ID <> ? AND USER NOT IN ('system user', 'event_scheduler')
    AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')`;

type SharedStatements = Pick<
  Dialect,
  | 'semiSyncSource'
  | 'semiSyncReplica'
  | 'semiSyncVariables'
  | 'semiSyncStatus'
  | 'semiSyncNames'
  | 'replicationUserExists'
  | 'createReplicationUser'
  | 'clientSessions'
  | 'longTransactions'
  | 'kill'
  | 'takeFenceMarker'
  | 'fenceMarkerHolder'
>;

/** Semi-sync SQL: the same statements with MariaDB's master/slave or MySQL's source/replica variable names. */
function semiSyncStatements(
  source: 'master' | 'source',
  replica: 'slave' | 'replica',
): Pick<SharedStatements, 'semiSyncSource' | 'semiSyncReplica' | 'semiSyncNames'> {
  const v = (side: string, name: string) => `rpl_semi_sync_${side}_${name}`;
  return {
    semiSyncSource: (enabled, timeoutMs) =>
      enabled
        ? [
            { sql: `SET GLOBAL ${v(source, 'timeout')} = ?`, params: [timeoutMs] },
            { sql: `SET GLOBAL ${v(source, 'wait_point')} = 'AFTER_SYNC'` },
            { sql: `SET GLOBAL ${v(source, 'enabled')} = ON` },
          ]
        : [{ sql: `SET GLOBAL ${v(source, 'enabled')} = OFF` }],
    semiSyncReplica: (enabled) => [{ sql: `SET GLOBAL ${v(replica, 'enabled')} = ${enabled ? 'ON' : 'OFF'}` }],
    semiSyncNames: {
      sourceEnabled: v(source, 'enabled'),
      replicaEnabled: v(replica, 'enabled'),
      timeout: v(source, 'timeout'),
      waitPoint: v(source, 'wait_point'),
      clients: `Rpl_semi_sync_${source}_clients`,
    },
  };
}

/** Statements both flavors spell the same way. */
const common: Omit<SharedStatements, 'semiSyncSource' | 'semiSyncReplica' | 'semiSyncNames'> = {
  semiSyncVariables: { sql: "SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'" },
  semiSyncStatus: { sql: "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'" },
  replicationUserExists: (user) => ({
    sql: "SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = '%'",
    params: [user],
  }),
  createReplicationUser: (user, password) => [
    { sql: "CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", params: [user, password] },
    { sql: "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@'%'", params: [user] },
  ],
  clientSessions: (exceptId) => ({ sql: CLIENT_SESSIONS_SQL, params: [exceptId] }),
  longTransactions: (seconds) => ({
    sql: `SELECT trx_mysql_thread_id AS id, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS seconds, trx_state AS state
      FROM information_schema.INNODB_TRX WHERE trx_started < NOW() - INTERVAL ? SECOND AND trx_mysql_thread_id <> CONNECTION_ID()`,
    params: [seconds],
  }),
  kill: (id) => ({ sql: 'KILL CONNECTION ?', params: [id] }),
  takeFenceMarker: { sql: 'SELECT GET_LOCK(?, 0) AS r', params: [FENCE_MARKER] },
  fenceMarkerHolder: { sql: 'SELECT IS_USED_LOCK(?) AS id', params: [FENCE_MARKER] },
};

export const mariadbDialect: Dialect = {
  flavor: 'mariadb',
  replicaStatus: { sql: 'SHOW SLAVE STATUS' },
  parseReplicaStatus: (r) => ({
    sourceHost: str(r.Master_Host),
    sourcePort: num(r.Master_Port),
    sourceUser: str(r.Master_User),
    ioRunning: str(r.Slave_IO_Running),
    sqlRunning: str(r.Slave_SQL_Running),
    secondsBehindSource: lag(r.Seconds_Behind_Master),
    sourceLogFile: str(r.Master_Log_File),
    readSourceLogPos: num(r.Read_Master_Log_Pos),
    execSourceLogFile: str(r.Relay_Master_Log_File),
    execSourceLogPos: num(r.Exec_Master_Log_Pos),
    lastIoError: str(r.Last_IO_Error),
    lastSqlError: str(r.Last_SQL_Error),
    usesGtid: /pos/i.test(str(r.Using_Gtid)),
    receivedGtids: str(r.Gtid_IO_Pos).replace(/\s+/g, ''),
    sourceServerId: num(r.Master_Server_Id),
  }),
  gtidState: {
    sql: 'SELECT @@gtid_current_pos AS executed, @@gtid_binlog_state AS binlogState, @@gtid_binlog_pos AS binlogPos, @@gtid_slave_pos AS replicaPos, @@gtid_strict_mode AS strictMode, @@log_bin AS logBin, @@log_slave_updates AS logReplicaUpdates',
  },
  changeSource: (s) =>
    s.position
      ? {
          sql: 'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = no, MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?',
          params: [s.host, s.port, s.user, s.password, s.position.file, s.position.pos],
        }
      : {
          sql: 'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = slave_pos',
          params: [s.host, s.port, s.user, s.password],
        },
  startReplica: { sql: 'START SLAVE' },
  stopReplica: { sql: 'STOP SLAVE' },
  resetReplicaAll: { sql: 'RESET SLAVE ALL' },
  restartReplicaIo: [{ sql: 'STOP SLAVE IO_THREAD' }, { sql: 'START SLAVE IO_THREAD' }],
  stopReplicaIo: { sql: 'STOP SLAVE IO_THREAD' },
  // MariaDB has no super_read_only; read_only does not stop READ ONLY ADMIN holders (see switchover's fence)
  setReadOnly: (on) => [{ sql: 'SET GLOBAL read_only = ?', params: [on ? 1 : 0] }],
  // 0 = reached, -1 = timed out
  waitForGtid: (position, timeoutSeconds) => ({
    sql: 'SELECT MASTER_GTID_WAIT(?, ?) AS r',
    params: [position, timeoutSeconds],
  }),
  waitSucceeded: (r) => r !== null && Number(r) === 0,
  prepareDemotion: [{ sql: 'SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos' }],
  setReplicaGtidPosition: (position) => [
    { sql: 'RESET MASTER' },
    { sql: 'SET GLOBAL gtid_slave_pos = ?', params: [position] },
  ],
  // built into the server since 10.3: nothing to install
  semiSyncPlugins: {
    sql: "SELECT 'rpl_semi_sync_master' AS name, 'ACTIVE' AS status UNION ALL SELECT 'rpl_semi_sync_slave', 'ACTIVE'",
  },
  installSemiSyncPlugin: () => ({ sql: 'DO 0' }),
  ...semiSyncStatements('master', 'slave'),
  ...common,
};

export const mysqlDialect: Dialect = {
  flavor: 'mysql',
  replicaStatus: { sql: 'SHOW REPLICA STATUS' },
  parseReplicaStatus: (r) => ({
    sourceHost: str(r.Source_Host),
    sourcePort: num(r.Source_Port),
    sourceUser: str(r.Source_User),
    ioRunning: str(r.Replica_IO_Running),
    sqlRunning: str(r.Replica_SQL_Running),
    secondsBehindSource: lag(r.Seconds_Behind_Source),
    sourceLogFile: str(r.Source_Log_File),
    readSourceLogPos: num(r.Read_Source_Log_Pos),
    execSourceLogFile: str(r.Relay_Source_Log_File),
    execSourceLogPos: num(r.Exec_Source_Log_Pos),
    lastIoError: str(r.Last_IO_Error),
    lastSqlError: str(r.Last_SQL_Error),
    usesGtid: num(r.Auto_Position) === 1,
    receivedGtids: str(r.Retrieved_Gtid_Set).replace(/\s+/g, ''),
    sourceServerId: num(r.Source_Server_Id),
  }),
  gtidState: {
    sql: 'SELECT @@global.gtid_executed AS executed, NULL AS binlogState, @@global.gtid_executed AS binlogPos, NULL AS replicaPos, @@global.enforce_gtid_consistency AS strictMode, @@log_bin AS logBin, @@log_replica_updates AS logReplicaUpdates',
  },
  changeSource: (s) =>
    s.position
      ? {
          sql: 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, SOURCE_CONNECT_RETRY = 1, SOURCE_AUTO_POSITION = 0, SOURCE_LOG_FILE = ?, SOURCE_LOG_POS = ?, GET_SOURCE_PUBLIC_KEY = 1',
          params: [s.host, s.port, s.user, s.password, s.position.file, s.position.pos],
        }
      : {
          sql: 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, SOURCE_CONNECT_RETRY = 1, SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1',
          params: [s.host, s.port, s.user, s.password],
        },
  startReplica: { sql: 'START REPLICA' },
  stopReplica: { sql: 'STOP REPLICA' },
  resetReplicaAll: { sql: 'RESET REPLICA ALL' },
  restartReplicaIo: [{ sql: 'STOP REPLICA IO_THREAD' }, { sql: 'START REPLICA IO_THREAD' }],
  stopReplicaIo: { sql: 'STOP REPLICA IO_THREAD' },
  // super_read_only=ON implies read_only=ON and also stops SUPER / CONNECTION_ADMIN holders
  setReadOnly: (on) =>
    on
      ? [{ sql: 'SET GLOBAL super_read_only = ON' }]
      : [{ sql: 'SET GLOBAL super_read_only = OFF' }, { sql: 'SET GLOBAL read_only = OFF' }],
  // 0 = reached, 1 = timed out
  waitForGtid: (position, timeoutSeconds) => ({
    sql: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r',
    params: [position, timeoutSeconds],
  }),
  waitSucceeded: (r) => r !== null && Number(r) === 0,
  prepareDemotion: [],
  setReplicaGtidPosition: (position) => [
    { sql: 'RESET MASTER' },
    { sql: 'SET GLOBAL gtid_purged = ?', params: [position] },
  ],
  semiSyncPlugins: {
    sql: "SELECT PLUGIN_NAME AS name, PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME IN ('rpl_semi_sync_source', 'rpl_semi_sync_replica')",
  },
  installSemiSyncPlugin: (role) =>
    role === 'source'
      ? { sql: "INSTALL PLUGIN rpl_semi_sync_source SONAME 'semisync_source.so'" }
      : { sql: "INSTALL PLUGIN rpl_semi_sync_replica SONAME 'semisync_replica.so'" },
  ...semiSyncStatements('source', 'replica'),
  ...common,
};

/** The dialect of a supported server version (check with assertSupported first). */
export function dialectFor(version: ServerVersion): Dialect {
  return version.flavor === 'mariadb' ? mariadbDialect : mysqlDialect;
}

/** MySQL computes errant GTIDs server-side: the set of the replica's GTIDs its source lacks. */
export function mysqlErrantGtids(replicaExecuted: string, sourceExecuted: string): Statement {
  return { sql: 'SELECT GTID_SUBTRACT(?, ?) AS errant', params: [replicaExecuted, sourceExecuted] };
}
