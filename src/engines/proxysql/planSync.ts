/**
 * ProxySQL's configuration for one MysqlReplication, as pure functions: the desired hostgroups, servers and users
 * from the replication's roles and the source's accounts, and the statements that turn what a ProxySQL admin
 * interface reports into that — none when it already matches, so a converged sync writes nothing.
 *
 * Every value is a `?` placeholder filled by mysql2's escaping (never string formatting, which upstream does): a
 * user name like `x'); DELETE FROM mysql_users; --` stays a string. Each changed table is followed by
 * `LOAD ... TO RUNTIME` (takes effect) and `SAVE ... TO DISK` (survives a ProxySQL restart), in that order, so
 * disk never holds a configuration the runtime refused.
 */
import type { Statement } from '../mysql/dialect.ts';

export const WRITER_HOSTGROUP = 0;
export const READER_HOSTGROUP = 1;
/** compose-operator's max_connections for every backend */
export const MAX_CONNECTIONS = 2000;
/** the `comment` of the rows Statecraft writes: users it did not write are never deleted */
export const MANAGED_COMMENT = 'statecraft';

export interface ReplicationHostgroup {
  writerHostgroup: number;
  readerHostgroup: number;
  checkType: string;
}

export interface BackendServer {
  hostgroup: number;
  hostname: string;
  port: number;
  maxConnections: number;
}

export interface ProxyUser {
  username: string;
  /** the MySQL account's authentication string (a hash), as ProxySQL accepts it */
  password: string;
  defaultHostgroup: number;
  active: boolean;
  comment: string;
}

export interface ProxysqlConfig {
  hostgroups: ReplicationHostgroup[];
  servers: BackendServer[];
  users: ProxyUser[];
  /** `mysql-server_version`, the version ProxySQL announces to clients; undefined: leave it */
  serverVersion?: string;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface DesiredInput {
  source: Endpoint;
  /** the replicas that serve reads (errant or lagging ones already left out) */
  readers: readonly Endpoint[];
  users: readonly { username: string; password: string }[];
  serverVersion?: string;
}

/** Writer hostgroup 0 with the source, reader hostgroup 1 with the serving replicas, `read_only` as the check. */
export function desiredConfig(input: DesiredInput): ProxysqlConfig {
  const server = (hostgroup: number, e: Endpoint): BackendServer => ({
    hostgroup,
    hostname: e.host,
    port: e.port,
    maxConnections: MAX_CONNECTIONS,
  });
  return {
    hostgroups: [{ writerHostgroup: WRITER_HOSTGROUP, readerHostgroup: READER_HOSTGROUP, checkType: 'read_only' }],
    servers: [server(WRITER_HOSTGROUP, input.source), ...input.readers.map((r) => server(READER_HOSTGROUP, r))],
    users: [...input.users]
      .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
      .map((u) => ({
        username: u.username,
        password: u.password,
        defaultHostgroup: WRITER_HOSTGROUP,
        active: true,
        comment: MANAGED_COMMENT,
      })),
    serverVersion: input.serverVersion,
  };
}

/** The statements for one ProxySQL instance, by the table group they load; empty arrays when it matches. */
export interface SyncPlan {
  servers: Statement[];
  users: Statement[];
  variables: Statement[];
}

const managedHostgroup = (hg: number) => hg === WRITER_HOSTGROUP || hg === READER_HOSTGROUP;
const serverKey = (s: BackendServer) => `${s.hostgroup}/${s.hostname}/${s.port}`;
const sameServer = (a: BackendServer, b: BackendServer) =>
  serverKey(a) === serverKey(b) && a.maxConnections === b.maxConnections;
const sameUser = (a: ProxyUser, b: ProxyUser) =>
  a.username === b.username &&
  a.password === b.password &&
  a.defaultHostgroup === b.defaultHostgroup &&
  a.active === b.active &&
  a.comment === b.comment;

export function planSync(desired: ProxysqlConfig, observed: ProxysqlConfig): SyncPlan {
  const servers: Statement[] = [];
  // replication hostgroups: the one with writer 0 is ours; others (another application's) are left alone
  const wantHg = desired.hostgroups[0];
  const haveHg = observed.hostgroups.filter((h) => h.writerHostgroup === wantHg.writerHostgroup);
  if (
    haveHg.length !== 1 ||
    haveHg[0].readerHostgroup !== wantHg.readerHostgroup ||
    haveHg[0].checkType !== wantHg.checkType
  ) {
    servers.push(
      { sql: 'DELETE FROM mysql_replication_hostgroups WHERE writer_hostgroup = ?', params: [wantHg.writerHostgroup] },
      {
        sql: 'INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, check_type, comment) VALUES (?, ?, ?, ?)',
        params: [wantHg.writerHostgroup, wantHg.readerHostgroup, wantHg.checkType, MANAGED_COMMENT],
      },
    );
  }
  // servers in hostgroups 0 and 1 are exactly the desired ones
  const want = new Map(desired.servers.map((s) => [serverKey(s), s]));
  const have = observed.servers.filter((s) => managedHostgroup(s.hostgroup));
  for (const s of have) {
    const w = want.get(serverKey(s));
    if (w && sameServer(w, s)) continue;
    servers.push({
      sql: 'DELETE FROM mysql_servers WHERE hostgroup_id = ? AND hostname = ? AND port = ?',
      params: [s.hostgroup, s.hostname, s.port],
    });
  }
  for (const s of desired.servers) {
    if (have.some((h) => sameServer(h, s))) continue;
    servers.push({
      sql: 'INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_connections, comment) VALUES (?, ?, ?, ?, ?)',
      params: [s.hostgroup, s.hostname, s.port, s.maxConnections, MANAGED_COMMENT],
    });
  }
  if (servers.length) servers.push({ sql: 'LOAD MYSQL SERVERS TO RUNTIME' }, { sql: 'SAVE MYSQL SERVERS TO DISK' });

  // users: the desired ones replace whatever has their name; ones we wrote earlier and no longer want go
  const users: Statement[] = [];
  const wantUsers = new Map(desired.users.map((u) => [u.username, u]));
  const stale = new Set(
    observed.users.filter((u) => u.comment === MANAGED_COMMENT && !wantUsers.has(u.username)).map((u) => u.username),
  );
  for (const name of stale) {
    users.push({ sql: 'DELETE FROM mysql_users WHERE username = ? AND comment = ?', params: [name, MANAGED_COMMENT] });
  }
  for (const u of desired.users) {
    const rows = observed.users.filter((h) => h.username === u.username);
    if (rows.length > 0 && rows.every((h) => sameUser(h, u))) continue;
    users.push(
      { sql: 'DELETE FROM mysql_users WHERE username = ?', params: [u.username] },
      {
        sql: 'INSERT INTO mysql_users (username, password, default_hostgroup, active, comment) VALUES (?, ?, ?, ?, ?)',
        params: [u.username, u.password, u.defaultHostgroup, u.active ? 1 : 0, u.comment],
      },
    );
  }
  if (users.length) users.push({ sql: 'LOAD MYSQL USERS TO RUNTIME' }, { sql: 'SAVE MYSQL USERS TO DISK' });

  const variables: Statement[] = [];
  if (desired.serverVersion !== undefined && desired.serverVersion !== observed.serverVersion) {
    variables.push(
      {
        sql: "UPDATE global_variables SET variable_value = ? WHERE variable_name = 'mysql-server_version'",
        params: [desired.serverVersion],
      },
      { sql: 'LOAD MYSQL VARIABLES TO RUNTIME' },
      { sql: 'SAVE MYSQL VARIABLES TO DISK' },
    );
  }
  return { servers, users, variables };
}

/** Whether a plan changes nothing. */
export const planIsEmpty = (p: SyncPlan) => !p.servers.length && !p.users.length && !p.variables.length;
