import type { Statement } from '../mysql/dialect.ts';
import { type ProxysqlConfig, planIsEmpty, planSync, type SyncPlan } from './planSync.ts';
import type { AdminSession } from './session.ts';

const num = (v: unknown) => Number(v);
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** What the admin interface's configuration tables (not runtime_*) hold now. */
export async function observeProxysql(s: AdminSession): Promise<ProxysqlConfig> {
  const hostgroups = await s.run(
    { sql: 'SELECT writer_hostgroup, reader_hostgroup, check_type FROM mysql_replication_hostgroups' },
    'reading mysql_replication_hostgroups',
  );
  const servers = await s.run(
    { sql: 'SELECT hostgroup_id, hostname, port, max_connections FROM mysql_servers' },
    'reading mysql_servers',
  );
  const users = await s.run(
    { sql: 'SELECT username, password, default_hostgroup, active, comment FROM mysql_users' },
    'reading mysql_users',
  );
  const [version] = await s.run(
    { sql: "SELECT variable_value FROM global_variables WHERE variable_name = 'mysql-server_version'" },
    'reading mysql-server_version',
  );
  return {
    hostgroups: hostgroups.map((r) => ({
      writerHostgroup: num(r.writer_hostgroup),
      readerHostgroup: num(r.reader_hostgroup),
      checkType: str(r.check_type),
    })),
    servers: servers.map((r) => ({
      hostgroup: num(r.hostgroup_id),
      hostname: str(r.hostname),
      port: num(r.port),
      maxConnections: num(r.max_connections),
    })),
    users: users.map((r) => ({
      username: str(r.username),
      password: str(r.password),
      defaultHostgroup: num(r.default_hostgroup),
      active: num(r.active) === 1,
      comment: str(r.comment),
    })),
    serverVersion: version ? str(version.variable_value) : undefined,
  };
}

export interface SyncResult {
  plan: SyncPlan;
  /** statements run (0 when converged) */
  statements: number;
  /** the configuration after the sync (re-read when something was written) */
  observed: ProxysqlConfig;
}

export interface SyncOptions {
  /**
   * The source's accounts could not be read this pass: leave ProxySQL's users exactly as they are (an empty list
   * would delete every user Statecraft wrote) and sync the servers only.
   */
  keepUsers?: boolean;
  /** observe and plan only, write nothing (the skip annotation) */
  dryRun?: boolean;
}

/** Observes, plans, runs the plan's statements in order (stops at the first error, which it throws), re-observes. */
export async function syncProxysql(
  s: AdminSession,
  desired: ProxysqlConfig,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const before = await observeProxysql(s);
  const plan = planSync(options.keepUsers ? { ...desired, users: before.users } : desired, before);
  if (planIsEmpty(plan) || options.dryRun) return { plan, statements: 0, observed: before };
  const all: [Statement, string][] = [
    ...plan.servers.map((st) => [st, 'writing servers'] as [Statement, string]),
    ...plan.users.map((st) => [st, 'writing users'] as [Statement, string]),
    ...plan.variables.map((st) => [st, 'writing mysql-server_version'] as [Statement, string]),
  ];
  // users' password hashes are params: the `doing` text names the table, never the statement's values
  for (const [st, doing] of all) await s.run(st, `${doing}: ${st.sql}`);
  return { plan, statements: all.length, observed: await observeProxysql(s) };
}
