/**
 * Gives a new, empty MariaDB replica the source's existing data, then starts replication where the copy ends:
 * a logical copy (`mariadb-dump --single-transaction --gtid --master-data=2` of the user databases, piped into the
 * `mariadb` client on the replica with binary logging off, so the copy creates no GTIDs of the replica's own),
 * then the accounts other than root/system ones, then gtid_slave_pos = the dump's position and CHANGE MASTER.
 * Passwords reach the child processes only through MYSQL_PWD, never argv (visible in `ps`).
 *
 * A seed that dies half-way leaves a marker schema (created first, dropped last, never binlogged): the next
 * attempt finds it, drops what the broken copy left and starts again, instead of refusing a non-empty server
 * forever. Accounts are copied after the dump, so an account created on the source after the dump's position
 * exists on the replica already when replication replays its CREATE USER: those replays (and DROP USER of an
 * account already gone) are skipped, one event each, instead of stopping the SQL thread.
 */
import { spawn } from 'node:child_process';
import { MysqlEngineError, scrub } from './errors.ts';
import type { Login, NodeAddress, Session } from './session.ts';

export interface SeedInput {
  /** where this process reaches the source, and an account allowed to dump (SELECT, RELOAD, LOCK TABLES, ...) */
  source: { address: NodeAddress; login: Login };
  /** admin session on the replica, and the same login for the mariadb client */
  replica: Session;
  replicaLogin: Login;
  /** where the replica reaches the source */
  sourceForReplica: NodeAddress;
  replication: Login;
  openSourceSession: () => Promise<Session>;
  /** false: file/position replication from the dump's binary log coordinates; default true (GTID) */
  gtid?: boolean;
  dumpCommand?: string;
  clientCommand?: string;
}

export interface SeedResult {
  databases: string[];
  position: string;
  /** the source's binary log coordinates the copy corresponds to */
  coordinates?: { file: string; pos: number };
  accounts: number;
  durationMs: number;
}

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];
const USER_SCHEMAS_SQL = `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${SYSTEM_SCHEMAS.map(() => '?').join(', ')}) ORDER BY SCHEMA_NAME`;
const SYSTEM_ACCOUNTS = ['', 'root', 'mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'PUBLIC'];
/** Present on a replica only while a seed is in progress (or died): see the module comment. */
export const SEED_MARKER_SCHEMA = 'statecraft_seed_in_progress';
/** ER_CANNOT_USER: CREATE USER of an existing account, DROP USER of a missing one */
const ER_CANNOT_USER = 1396;

/** Extracts `SET GLOBAL gtid_slave_pos='...'` (commented out by --master-data=2) from dump output. */
export function dumpGtidPosition(text: string): string | undefined {
  return /SET GLOBAL gtid_slave_pos\s*=\s*'([0-9,\- ]*)'/.exec(text)?.[1]?.replace(/\s+/g, '');
}

/** Extracts `CHANGE MASTER TO MASTER_LOG_FILE='...', MASTER_LOG_POS=...` (--master-data=2) from dump output. */
export function dumpCoordinates(text: string): { file: string; pos: number } | undefined {
  const m = /CHANGE MASTER TO MASTER_LOG_FILE\s*=\s*'([^']+)',\s*MASTER_LOG_POS\s*=\s*(\d+)/.exec(text);
  return m ? { file: m[1], pos: Number(m[2]) } : undefined;
}

export async function seedReplica(input: SeedInput): Promise<SeedResult> {
  const started = Date.now();
  const { replica } = input;
  if (replica.dialect.flavor !== 'mariadb') {
    throw new MysqlEngineError(
      'ERR_MYSQL_SEED_FAILED',
      `seeding is implemented for MariaDB only (${replica.label} is MySQL)`,
    );
  }
  let existing = (await replica.run({ sql: USER_SCHEMAS_SQL, params: SYSTEM_SCHEMAS }, 'listing databases')).map((r) =>
    String(r.name),
  );
  if (existing.includes(SEED_MARKER_SCHEMA)) {
    // an earlier seed died half-way: what it left is incomplete by definition
    await replica.run({ sql: 'SET SESSION sql_log_bin = 0' });
    for (const db of existing) await replica.run({ sql: 'DROP DATABASE IF EXISTS ??', params: [db] }, `dropping ${db}`);
    await replica.run({ sql: 'SET SESSION sql_log_bin = 1' });
    existing = [];
  }
  if (existing.length) {
    throw new MysqlEngineError(
      'ERR_MYSQL_SEED_TARGET_NOT_EMPTY',
      `${replica.label} already has databases (${existing.join(', ')}); seeding needs an empty server`,
      { node: replica.label },
    );
  }
  await replica.run({ sql: 'SET SESSION sql_log_bin = 0' });
  await replica.run({ sql: 'CREATE DATABASE IF NOT EXISTS ??', params: [SEED_MARKER_SCHEMA] }, 'marking the seed');
  await replica.run({ sql: 'SET SESSION sql_log_bin = 1' });
  const source = await input.openSourceSession();
  try {
    const databases = (await source.run({ sql: USER_SCHEMAS_SQL, params: SYSTEM_SCHEMAS }))
      .map((r) => String(r.name))
      .filter((n) => n !== SEED_MARKER_SCHEMA);
    let position: string;
    let coordinates: { file: string; pos: number } | undefined;
    if (databases.length) {
      ({ position, coordinates } = await dumpInto(input, databases));
    } else {
      const [g] = await source.run({ sql: 'SELECT @@gtid_binlog_pos AS p' });
      position = String(g.p ?? '');
      const [m] = await source.run({ sql: 'SHOW MASTER STATUS' });
      if (m) coordinates = { file: String(m.File), pos: Number(m.Position) };
    }
    if (input.gtid === false && !coordinates) {
      throw new MysqlEngineError(
        'ERR_MYSQL_SEED_FAILED',
        'the source reported no binary log coordinates (log_bin off?)',
      );
    }
    const accounts = await copyAccounts(source, replica);
    const d = replica.dialect;
    const [st] = await replica.run(d.replicaStatus).then((rows) => (rows.length ? rows : [undefined]));
    if (st) {
      await replica.run(d.stopReplica);
      await replica.run(d.resetReplicaAll);
    }
    for (const s of d.setReadOnly(true)) await replica.run(s, 'seeding: read_only=ON');
    for (const s of d.setReplicaGtidPosition(position)) await replica.run(s, 'seeding: setting gtid_slave_pos');
    await replica.run(
      d.changeSource({
        ...input.sourceForReplica,
        user: input.replication.user,
        password: input.replication.password,
        ...(input.gtid === false ? { position: coordinates } : {}),
      }),
      'seeding: CHANGE MASTER',
    );
    await replica.run({ sql: 'SET SESSION sql_log_bin = 0' });
    await replica.run({ sql: 'DROP DATABASE IF EXISTS ??', params: [SEED_MARKER_SCHEMA] }, 'seed complete');
    await replica.run({ sql: 'SET SESSION sql_log_bin = 1' });
    await replica.run(d.startReplica, 'seeding: starting replication');
    await skipReplayedAccountChanges(replica);
    return { databases, position, coordinates, accounts, durationMs: Date.now() - started };
  } finally {
    await source.close();
  }
}

async function dumpInto(
  input: SeedInput,
  databases: string[],
): Promise<{ position: string; coordinates?: { file: string; pos: number } }> {
  const secrets = [input.source.login.password, input.replicaLogin.password];
  const src = input.source.address;
  const dst = input.replica.address;
  const dump = spawn(
    input.dumpCommand ?? 'mariadb-dump',
    [
      `--host=${src.host}`,
      `--port=${src.port}`,
      `--user=${input.source.login.user}`,
      '--single-transaction',
      '--gtid',
      '--master-data=2',
      '--routines',
      '--triggers',
      '--events',
      '--databases',
      // names after `--` are never options, whatever they start with
      '--',
      ...databases,
    ],
    { env: { ...process.env, MYSQL_PWD: input.source.login.password }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const client = spawn(
    input.clientCommand ?? 'mariadb',
    [
      `--host=${dst.host}`,
      `--port=${dst.port}`,
      `--user=${input.replicaLogin.user}`,
      '--init-command=SET SESSION sql_log_bin=0',
      '--binary-mode',
      '--batch',
    ],
    { env: { ...process.env, MYSQL_PWD: input.replicaLogin.password }, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let position: string | undefined;
  let coordinates: { file: string; pos: number } | undefined;
  let tail = '';
  dump.stdout.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('latin1')).slice(-4096);
    position ??= dumpGtidPosition(tail);
    coordinates ??= dumpCoordinates(tail);
  });
  dump.stdout.pipe(client.stdin);
  client.stdin.on('error', () => {});
  const errors = { dump: '', client: '' };
  dump.stderr.on('data', (d: Buffer) => {
    errors.dump = (errors.dump + d.toString()).slice(-2000);
  });
  client.stderr.on('data', (d: Buffer) => {
    errors.client = (errors.client + d.toString()).slice(-2000);
  });
  const exit = (p: ReturnType<typeof spawn>) =>
    new Promise<number>((resolve) => {
      p.once('error', () => resolve(-1));
      p.once('close', (code) => resolve(code ?? -1));
    });
  const [dumpCode, clientCode] = await Promise.all([exit(dump), exit(client)]);
  if (dumpCode !== 0 || clientCode !== 0) {
    throw new MysqlEngineError(
      'ERR_MYSQL_SEED_FAILED',
      scrub(
        `copying ${databases.join(', ')} from ${src.host}:${src.port} to ${dst.host}:${dst.port} failed (dump exit ${dumpCode}, load exit ${clientCode}): ${errors.dump.trim()} ${errors.client.trim()}`,
        secrets,
      ),
      { node: `${dst.host}:${dst.port}` },
    );
  }
  if (position === undefined) {
    throw new MysqlEngineError(
      'ERR_MYSQL_SEED_FAILED',
      'the dump carried no GTID position (is binary logging on at the source?)',
    );
  }
  return { position, coordinates };
}

/** Accounts other than root and system ones, as the source defines them, created on the replica without binlog. */
async function copyAccounts(source: Session, replica: Session): Promise<number> {
  const users = await source.run({
    sql: `SELECT User AS user, Host AS host FROM mysql.user WHERE User NOT IN (${SYSTEM_ACCOUNTS.map(() => '?').join(', ')}) AND is_role = 'N'`,
    params: SYSTEM_ACCOUNTS,
  });
  if (!users.length) return 0;
  await replica.run({ sql: 'SET SESSION sql_log_bin = 0' });
  try {
    for (const u of users) {
      const [create] = await source.run({ sql: 'SHOW CREATE USER ?@?', params: [u.user, u.host] });
      const createSql = String(Object.values(create)[0]).replace(/^CREATE USER /, 'CREATE USER IF NOT EXISTS ');
      await replica.run({ sql: createSql }, `creating account ${u.user}@${u.host}`);
      for (const g of await source.run({ sql: 'SHOW GRANTS FOR ?@?', params: [u.user, u.host] })) {
        await replica.run({ sql: String(Object.values(g)[0]) }, `granting to ${u.user}@${u.host}`);
      }
    }
  } finally {
    await replica.run({ sql: 'SET SESSION sql_log_bin = 1' });
  }
  return users.length;
}

/**
 * Right after a seed: while the SQL thread stops on ER_CANNOT_USER (an account change the copy already holds,
 * see the module comment), skip that one event and go on; any other stop is left for the caller to report.
 */
async function skipReplayedAccountChanges(replica: Session, maxSkips = 50, settleMs = 1500): Promise<number> {
  const d = replica.dialect;
  let skipped = 0;
  const until = Date.now() + settleMs;
  while (Date.now() < until && skipped < maxSkips) {
    const [st] = await replica.run(d.replicaStatus);
    if (st && String(st.Slave_SQL_Running) === 'No' && Number(st.Last_SQL_Errno) === ER_CANNOT_USER) {
      await replica.run({ sql: 'SET GLOBAL sql_slave_skip_counter = 1' }, 'skipping a replayed account change');
      await replica.run(d.startReplica, 'restarting replication');
      skipped++;
      continue;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return skipped;
}
