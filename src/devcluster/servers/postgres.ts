import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  defaultLogFile,
  defaultRunDir,
  ensureTraversable,
  InitError,
  launch,
  type ServerHandle,
  type ServerOptions,
  type Tools,
} from './process.ts';
import { resolvePrograms } from './programs.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const PG_USER = 'postgres';
/** What the launcher runs (Debian's postgresql and postgresql-client packages). */
export const POSTGRES_PROGRAMS = [
  join(PG_BIN, 'postgres'),
  join(PG_BIN, 'initdb'),
  join(PG_BIN, 'pg_isready'),
  'psql',
] as const;

export interface PostgresOptions extends ServerOptions {
  /** `.sql` files run once into POSTGRES_DB, like /docker-entrypoint-initdb.d */
  initScripts?: string[];
}

/**
 * A PostgreSQL 15 server (Debian's binaries, run as the `postgres` system user, which owns the data directory)
 * that behaves like the official `postgres` image: on an empty PGDATA it runs initdb with POSTGRES_USER and
 * POSTGRES_PASSWORD (POSTGRES_INITDB_ARGS), allows password logins from anywhere (POSTGRES_HOST_AUTH_METHOD,
 * default scram-sha-256), creates POSTGRES_DB, runs init scripts, then listens on `ip:port`. Args such as
 * `-c max_connections=50` are appended; the first config file, if any, becomes `config_file`.
 */
export function startPostgres(options: PostgresOptions): ServerHandle {
  const runDir = defaultRunDir(options);
  const env = options.env ?? {};
  const [config] = options.configFiles ?? [];
  const programs = resolvePrograms(POSTGRES_PROGRAMS, options.programPath);
  return launch({
    name: 'postgres',
    runDir,
    logFile: defaultLogFile(options),
    ip: options.ip,
    port: options.port,
    hostname: options.hostname,
    netns: options.netns,
    user: PG_USER,
    stopSignal: 'SIGINT',
    async init(tools) {
      programs.assertPresent();
      const { uid, gid } = await postgresIds();
      for (const dir of [options.dataDir, runDir]) {
        await mkdir(dir, { recursive: true });
        await ensureTraversable(dir);
        await chown(dir, uid, gid);
      }
      await chmod(options.dataDir, 0o700);
      await chown(defaultLogFile(options), uid, gid).catch(() => {});
      if (!existsSync(join(options.dataDir, 'PG_VERSION')))
        await initialise(tools, options, runDir, env, programs.path);
    },
    command: join(PG_BIN, 'postgres'),
    args: [
      '-D',
      options.dataDir,
      '-c',
      `listen_addresses=${options.ip}`,
      '-p',
      String(options.port),
      '-k',
      runDir,
      ...(config ? ['-c', `config_file=${config}`] : []),
      ...(options.args ?? []),
    ],
    ping: () => pgIsReady(options.ip, options.port),
  });
}

export function pgIsReady(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(join(PG_BIN, 'pg_isready'), ['-q', '-h', host, '-p', String(port), '-t', '2'], (err) => resolve(!err));
  });
}

let ids: Promise<{ uid: number; gid: number }> | undefined;
function postgresIds(): Promise<{ uid: number; gid: number }> {
  ids ??= readFile('/etc/passwd', 'utf8').then((text) => {
    const line = text.split('\n').find((l) => l.startsWith(`${PG_USER}:`));
    if (!line) throw new InitError(`no "${PG_USER}" system user (install the postgresql package)`);
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  });
  return ids;
}

async function initialise(
  tools: Tools,
  o: PostgresOptions,
  runDir: string,
  env: Record<string, string>,
  program: (name: string) => string,
) {
  const method = env.POSTGRES_HOST_AUTH_METHOD || 'scram-sha-256';
  if (!env.POSTGRES_PASSWORD && method !== 'trust') {
    throw new InitError(
      'Database is uninitialized and superuser password is not specified. You must specify POSTGRES_PASSWORD ' +
        'to a non-empty value for the superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
    );
  }
  const user = env.POSTGRES_USER || 'postgres';
  const db = env.POSTGRES_DB || user;
  const { uid, gid } = await postgresIds();
  const pwfile = join(runDir, 'pwfile');
  await writeFile(pwfile, `${env.POSTGRES_PASSWORD ?? ''}\n`, { mode: 0o600 });
  await chown(pwfile, uid, gid);
  try {
    const extra = (env.POSTGRES_INITDB_ARGS ?? '').split(/\s+/).filter(Boolean);
    await tools.run(
      join(PG_BIN, 'initdb'),
      ['-D', o.dataDir, `--username=${user}`, `--pwfile=${pwfile}`, '--no-sync', ...extra],
      {
        user: PG_USER,
        // the image's en_US.utf8 may not exist here; C.UTF-8 always does
        env: { ...process.env, LC_ALL: 'C.UTF-8' },
      },
    );
  } finally {
    await writeFile(pwfile, '');
  }
  await appendFile(join(o.dataDir, 'pg_hba.conf'), `\nhost all all all ${method}\n`);
  // temporary server on a unix socket only, as the image does, to create the database and run init scripts; its
  // own socket directory, so that a readiness probe on the usual socket does not mistake it for the real server
  const initSockets = join(runDir, 'init');
  await mkdir(initSockets, { recursive: true });
  await chown(initSockets, uid, gid);
  const temp = tools.spawn(
    join(PG_BIN, 'postgres'),
    ['-D', o.dataDir, '-c', 'listen_addresses=', '-k', initSockets, '-p', String(o.port)],
    { user: PG_USER },
  );
  const psql = (database: string, input: string) =>
    tools.run(
      program('psql'),
      ['-v', 'ON_ERROR_STOP=1', '-h', initSockets, '-p', String(o.port), '-U', user, '-d', database, '-q'],
      {
        user: PG_USER,
        input,
      },
    );
  try {
    for (let i = 0; ; i++) {
      if (tools.aborted()) throw new InitError('stopped');
      if (temp.exitCode !== null) throw new InitError('the temporary server exited during initialisation');
      const ok = await tools
        .run(join(PG_BIN, 'pg_isready'), ['-q', '-h', initSockets, '-p', String(o.port)], { user: PG_USER })
        .then(
          () => true,
          () => false,
        );
      if (ok) break;
      if (i > 600) throw new InitError('the temporary server did not start within 60 s');
      await sleep(100);
    }
    if (db !== 'postgres') await psql('postgres', `CREATE DATABASE "${db.replace(/"/g, '""')}";\n`);
    for (const script of o.initScripts ?? []) await psql(db, await readFile(script, 'utf8'));
  } finally {
    temp.kill('SIGINT');
    if (temp.exitCode === null) await new Promise((r) => temp.once('exit', r));
  }
}
