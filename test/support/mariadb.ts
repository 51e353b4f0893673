/**
 * Real MariaDB servers for integration tests, run as local processes (Debian's mariadbd): each binds its own
 * loopback address 127.A.B.N on port 3306, with binary log, GTID strict mode and log_slave_updates, so they can be
 * wired into any replication topology. Initialisation is done once per test process into a template data
 * directory that each server copies (mariadb-install-db costs seconds on a loaded machine).
 *
 *   const servers = await startMariadbServers(3, { cleanup: after });
 *   servers[0].host, .port, .serverId, .admin ({user, password} that may log in over TCP)
 *
 * If a server cannot start, the call throws with the tail of its error log — tests fail, never skip.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);

export interface Login {
  user: string;
  password: string;
}

export interface MariadbServer {
  name: string;
  host: string;
  port: number;
  serverId: number;
  dataDir: string;
  socketPath: string;
  /** root@'%' with a password: every privilege, including READ ONLY ADMIN */
  admin: Login;
  /** stops the server (SIGTERM, SIGKILL after 30 s); idempotent */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** registers the teardown, e.g. node:test's `after` or `t.after` */
  cleanup: (fn: () => Promise<void>) => void;
  /** extra mariadbd arguments for every server */
  args?: string[];
}

const ADMIN_PASSWORD = 'Adm1n-pw';
let baseDir: Promise<string> | undefined;
let template: Promise<string> | undefined;
let nextServerId = 1;
const running = new Set<ChildProcess>();

// Never leave servers behind, even when a test process dies on an uncaught error.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function workDir(): Promise<string> {
  baseDir ??= mkdtemp(join(tmpdir(), 'statecraft-mariadb-'));
  return baseDir;
}

async function templateDataDir(): Promise<string> {
  template ??= (async () => {
    const dir = join(await workDir(), 'template');
    await run(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${dir}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`mariadb-install-db failed: ${err.stderr?.slice(-2000) || err.message}`);
    });
    return dir;
  })();
  return template;
}

/** A loopback prefix 127.A.B. unlikely to be used by another test process (or another helper's cluster). */
const prefix = `127.${64 + (process.pid % 128)}.${1 + Math.floor(Math.random() * 250)}.`;

/** Starts `count` servers in parallel; they are stopped and their data removed by the registered cleanup. */
export async function startMariadbServers(count: number, options: StartOptions): Promise<MariadbServer[]> {
  const servers: MariadbServer[] = [];
  options.cleanup(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startOne(options.args ?? []).then((s) => {
        servers.push(s);
        return s;
      }),
    ),
  );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return servers.sort((a, b) => a.serverId - b.serverId);
}

async function startOne(extraArgs: string[]): Promise<MariadbServer> {
  const serverId = nextServerId++;
  const name = `mariadb-${serverId}`;
  const host = `${prefix}${serverId}`;
  const port = 3306;
  const dir = join(await workDir(), name);
  const dataDir = join(dir, 'data');
  await mkdir(dir, { recursive: true });
  await cp(await templateDataDir(), dataDir, { recursive: true });
  const socketPath = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--user=root',
    `--bind-address=${host}`,
    `--port=${port}`,
    `--socket=${socketPath}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--server-id=${serverId}`,
    '--log-bin=mariadb-bin',
    '--log-slave-updates=ON',
    '--binlog-format=ROW',
    '--gtid-strict-mode=ON',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=16M',
    '--innodb-log-buffer-size=4M',
    '--innodb-use-native-aio=0',
    '--performance-schema=OFF',
    '--key-buffer-size=1M',
    '--max-connections=200',
    // tests do not crash the machine: trade fsync durability for speed on a shared 2-core box
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    ...extraArgs,
  ];
  const child = spawn('mariadbd', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    }),
  );

  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const logTail = async () =>
    `${stderr}\n${(await readFile(errorLog, 'utf8').catch(() => '')).slice(-3000)}`.trim().split('\n').slice(-25);

  // Bootstrap over the socket: an admin login usable over TCP, written without binary logging so that no
  // server starts with GTIDs of its own (they would look like errant transactions to its future source).
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `${name} (${host}:${port}) ${exited} before accepting connections:\n${(await logTail()).join('\n')}`,
      );
    }
    try {
      const conn = await mysql.createConnection({ socketPath, user: 'root', connectTimeout: 2000 });
      try {
        await conn.query('SET SESSION sql_log_bin=0');
        // install-db also makes password-less root@127.0.0.1/::1/<hostname> and anonymous users, which TCP logins
        // would match before root@'%'
        const [extra] = await conn.query(
          `SELECT User AS user, Host AS host FROM mysql.user WHERE (User = 'root' AND Host NOT IN ('localhost', '%')) OR User = ''`,
        );
        for (const u of extra as Array<{ user: string; host: string }>)
          await conn.query('DROP USER ?@?', [u.user, u.host]);
        await conn.query(`CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ?`, [ADMIN_PASSWORD]);
        await conn.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION`);
      } finally {
        await conn.end();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `${name} did not accept connections within 90 s: ${(err as Error).message}\n${(await logTail()).join('\n')}`,
        );
      }
      await sleep(100);
    }
  }
  return { name, host, port, serverId, dataDir, socketPath, admin: { user: 'root', password: ADMIN_PASSWORD }, stop };
}

/** A short-lived admin connection to `server` over TCP, closed after `fn`. */
export async function withAdmin<T>(server: MariadbServer, fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.admin.user,
    password: server.admin.password,
  });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}
