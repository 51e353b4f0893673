import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstReply } from './ping.ts';
import {
  defaultLogFile,
  defaultRunDir,
  InitError,
  launch,
  type ServerHandle,
  type ServerOptions,
  type Tools,
} from './process.ts';
import { type ResolvedPrograms, resolvePrograms } from './programs.ts';

export interface MariadbOptions extends ServerOptions {
  /** `.sql` files run once into the new database, like /docker-entrypoint-initdb.d */
  initScripts?: string[];
}

/**
 * A MariaDB server (Debian's mariadbd) that behaves like the official `mariadb` image: on an empty data directory
 * it initialises the system tables, sets the root password for root@localhost and root@'%' (MARIADB_ROOT_HOST),
 * creates MARIADB_DATABASE and MARIADB_USER, runs init scripts, then starts the server bound to `ip:port`.
 * The image's `MYSQL_*` aliases are honoured. Binary logging is off unless args or config files turn it on, as in
 * the image; config files are included after our defaults and args come last, so both override them.
 */
export function startMariadb(options: MariadbOptions): ServerHandle {
  const runDir = defaultRunDir(options);
  const cnf = join(runDir, 'my.cnf');
  const programs = resolvePrograms(MARIADB_PROGRAMS, options.programPath);
  return launch({
    name: 'mariadb',
    runDir,
    logFile: defaultLogFile(options),
    ip: options.ip,
    port: options.port,
    hostname: options.hostname,
    netns: options.netns,
    async init(tools) {
      programs.assertPresent();
      await mkdir(join(runDir, 'tmp'), { recursive: true });
      await writeFile(cnf, renderMyCnf(options, runDir));
      // the marker is written last: a data directory whose initialisation was cut short is initialised again
      const marker = join(options.dataDir, INIT_MARKER);
      if (!existsSync(join(options.dataDir, 'mysql')) || !existsSync(marker)) {
        if (existsSync(join(options.dataDir, 'mysql'))) await clearDir(options.dataDir);
        await initialise(tools, options, cnf, runDir, programs);
        await writeFile(marker, `${new Date().toISOString()}\n`);
      }
    },
    command: programs.path('mariadbd'),
    args: [`--defaults-file=${cnf}`, ...(options.args ?? [])],
    ping: () => mariadbAnswers(options.ip, options.port),
  });
}

/** What the launcher runs (Debian's mariadb-server and mariadb-client packages). */
export const MARIADB_PROGRAMS = ['mariadbd', 'mariadb-install-db', 'mariadb-admin', 'mariadb'] as const;

/** Written into the data directory once the image-style initialisation has completed. */
export const INIT_MARKER = '.statecraft-initialized';

async function clearDir(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
}

/** The server sent its handshake (or an error packet such as "too many connections"): it answers. */
export async function mariadbAnswers(ip: string, port: number): Promise<boolean> {
  const reply = await firstReply(ip, port);
  return reply.length > 4 && (reply[4] === 10 || reply[4] === 0xff);
}

/** Our my.cnf: paths and address first, small dev-machine defaults, then the given config files. */
export function renderMyCnf(o: ServerOptions, runDir: string): string {
  return [
    '[client-server]',
    `socket=${join(runDir, 'mysqld.sock')}`,
    `port=${o.port}`,
    '',
    '[mysqld]',
    'user=root',
    `datadir=${o.dataDir}`,
    `bind-address=${o.ip}`,
    `pid-file=${join(runDir, 'mysqld.pid')}`,
    // a private tmpdir: servers initialising side by side (other clusters, other pid namespaces sharing /tmp) can
    // pick the same temporary table names in a shared /tmp, and one deletes the other's
    `tmpdir=${join(runDir, 'tmp')}`,
    // as the image's docker.cnf
    'skip-host-cache',
    'skip-name-resolve',
    // a laptop or CI machine runs several of these side by side; config files and args can raise them again
    'innodb_buffer_pool_size=32M',
    'innodb_log_file_size=16M',
    'innodb_log_buffer_size=4M',
    'key_buffer_size=1M',
    'max_connections=100',
    'performance_schema=OFF',
    'innodb_use_native_aio=0',
    '',
    ...(o.configFiles ?? []).map((f) => `!include ${f}`),
    '',
  ].join('\n');
}

function env(o: ServerOptions, name: string): string | undefined {
  const e = o.env ?? {};
  return e[`MARIADB_${name}`] ?? e[`MYSQL_${name}`];
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const sqlIdent = (s: string) => `\`${s.replace(/`/g, '``')}\``;

/** The statements the image's entrypoint runs on a fresh data directory (docker_setup_db). */
export function setupSql(o: ServerOptions): string {
  let rootPassword = env(o, 'ROOT_PASSWORD');
  const allowEmpty = !!env(o, 'ALLOW_EMPTY_ROOT_PASSWORD') || !!env(o, 'ALLOW_EMPTY_PASSWORD');
  const random = !!env(o, 'RANDOM_ROOT_PASSWORD');
  const hash = env(o, 'ROOT_PASSWORD_HASH');
  if (!rootPassword && !allowEmpty && !random && !hash) {
    throw new InitError(
      'Database is uninitialized and password option is not specified. You need to specify one of ' +
        'MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD',
    );
  }
  if (random) rootPassword = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const auth = hash ? `IDENTIFIED BY PASSWORD ${sqlString(hash)}` : `IDENTIFIED BY ${sqlString(rootPassword ?? '')}`;
  const rootHost = env(o, 'ROOT_HOST') ?? '%';
  const lines = [
    'SET @@SESSION.SQL_LOG_BIN=0;',
    "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';",
    "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost'));",
    'FLUSH PRIVILEGES;',
    `ALTER USER 'root'@'localhost' ${auth};`,
  ];
  if (rootHost !== 'localhost') {
    lines.push(
      `CREATE USER IF NOT EXISTS 'root'@${sqlString(rootHost)} ${auth};`,
      `GRANT ALL ON *.* TO 'root'@${sqlString(rootHost)} WITH GRANT OPTION;`,
      `GRANT PROXY ON ''@'%' TO 'root'@${sqlString(rootHost)} WITH GRANT OPTION;`,
    );
  }
  const database = env(o, 'DATABASE');
  if (database) lines.push(`CREATE DATABASE IF NOT EXISTS ${sqlIdent(database)};`);
  const user = env(o, 'USER');
  const password = env(o, 'PASSWORD') ?? '';
  if (user && user !== 'root') {
    const userAuth = env(o, 'PASSWORD_HASH')
      ? `IDENTIFIED BY PASSWORD ${sqlString(env(o, 'PASSWORD_HASH')!)}`
      : `IDENTIFIED BY ${sqlString(password)}`;
    lines.push(`CREATE USER IF NOT EXISTS ${sqlString(user)}@'%' ${userAuth};`);
    if (database) lines.push(`GRANT ALL ON ${sqlIdent(database)}.* TO ${sqlString(user)}@'%';`);
  }
  const replUser = env(o, 'REPLICATION_USER');
  if (replUser) {
    lines.push(
      `CREATE USER IF NOT EXISTS ${sqlString(replUser)}@'%' IDENTIFIED BY ${sqlString(env(o, 'REPLICATION_PASSWORD') ?? '')};`,
      `GRANT REPLICATION REPLICA ON *.* TO ${sqlString(replUser)}@'%';`,
    );
  }
  lines.push('FLUSH PRIVILEGES;');
  return `${lines.join('\n')}\n`;
}

async function initialise(
  tools: Tools,
  o: MariadbOptions,
  cnf: string,
  runDir: string,
  programs: ResolvedPrograms,
): Promise<void> {
  const sql = setupSql(o); // validates the password options before touching the data directory
  await tools.run(programs.path('mariadb-install-db'), [
    `--defaults-file=${cnf}`,
    `--datadir=${o.dataDir}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--cross-bootstrap',
    '--skip-log-bin',
    '--expire-logs-days=0',
  ]);
  // a temporary server without networking, as the image does, so that nobody connects before the users exist
  const socket = join(runDir, 'init.sock');
  const temp = tools.spawn(programs.path('mariadbd'), [
    `--defaults-file=${cnf}`,
    '--skip-networking',
    '--skip-log-bin',
    '--skip-slave-start',
    `--socket=${socket}`,
    `--pid-file=${join(runDir, 'init.pid')}`,
  ]);
  const client = ['--no-defaults', '--protocol=socket', `--socket=${socket}`, '-uroot'];
  try {
    for (let i = 0; ; i++) {
      if (tools.aborted()) throw new InitError('stopped');
      if (temp.exitCode !== null) throw new InitError('the temporary server exited during initialisation');
      if (
        await tools.run(programs.path('mariadb-admin'), [...client, 'ping']).then(
          () => true,
          () => false,
        )
      )
        break;
      if (i > 600) throw new InitError('the temporary server did not start within 60 s');
      await sleep(100);
    }
    await tools.run(programs.path('mariadb'), client, { input: sql });
    const database = env(o, 'DATABASE');
    for (const script of o.initScripts ?? []) {
      if (!script.endsWith('.sql')) continue;
      const text = await readFile(script, 'utf8');
      await tools.run(
        programs.path('mariadb'),
        [...client, `--password=${env(o, 'ROOT_PASSWORD') ?? ''}`, ...(database ? [database] : [])],
        {
          input: text,
        },
      );
    }
  } finally {
    temp.kill('SIGTERM');
    if (temp.exitCode === null) await new Promise((r) => temp.once('exit', r));
  }
}
