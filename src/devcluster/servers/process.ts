import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a database server launcher needs; every path is a path on this machine. */
export interface ServerOptions {
  /** the address the server binds (a pod IP in 127.0.0.0/8) */
  ip: string;
  port: number;
  /** persistent data directory; initialised on first start the way the official image does it */
  dataDir: string;
  /** the container environment as the official image reads it (root password, database, user ...) */
  env?: Record<string, string>;
  /** extra server arguments, appended last so they win (`--server-id=2`, `--appendonly yes`, `-c key=value`) */
  args?: string[];
  /** extra configuration files (MariaDB `*.cnf`, a redis.conf, a postgresql.conf) */
  configFiles?: string[];
  /** sockets, pid file, generated config and the log; defaults to `<dataDir>.run` */
  runDir?: string;
  /** the host name the server sees (a pod's name), set in a private UTS namespace */
  hostname?: string;
  /** where stdout/stderr of the server and its init tools go; defaults to `<runDir>/server.log` */
  logFile?: string;
  /** where the server's programs are looked up (PATH syntax); defaults to PATH and the system directories */
  programPath?: string;
  /** a network namespace to run the server and its init tools in (the node agent's pod network) */
  netns?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** why a launcher gave up before or while starting the server (e.g. a missing root password) */
  message?: string;
}

/** A server started by one of the launchers. */
export interface ServerHandle {
  readonly ip: string;
  readonly port: number;
  /** pid of the running server, undefined while it is still initialising */
  readonly pid: number | undefined;
  /** resolves with the server's pid once it is spawned (after initialisation) */
  readonly spawned: Promise<number>;
  /** resolves once the server (or its initialisation) has ended */
  readonly exited: Promise<ExitStatus>;
  /** one quick "is the server answering" check */
  ping(): Promise<boolean>;
  /** resolves when ping() succeeds; rejects when the server exits first or the timeout passes */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone */
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** A launcher failure that ends the "container" with a message, the way the image's entrypoint prints and exits. */
export class InitError extends Error {}

export interface LaunchSpec {
  name: string;
  runDir: string;
  logFile: string;
  ip: string;
  port: number;
  /** runs before the server (data directory initialisation); `tools` runs helpers with output to the log */
  init(tools: Tools): Promise<void>;
  command: string;
  args: string[];
  /** the image's STOPSIGNAL (PostgreSQL: SIGINT, a fast shutdown that does not wait for clients) */
  stopSignal?: NodeJS.Signals;
  /** run as this system user (PostgreSQL refuses root) */
  user?: string;
  hostname?: string;
  /** network namespace of the server and its helpers (`ip netns exec`, which keeps the pid: it execs) */
  netns?: string;
  env?: NodeJS.ProcessEnv;
  ping(): Promise<boolean>;
  /** wraps the final argv (the node agent runs commands inside a pod sandbox) */
  wrap?: (argv: string[]) => string[];
}

export interface Tools {
  /** runs a helper to completion; rejects (InitError) with its output tail on a non-zero exit */
  run(
    command: string,
    args: string[],
    opts?: { input?: string; user?: string; env?: NodeJS.ProcessEnv },
  ): Promise<string>;
  /** starts a helper server in the background (a temporary server during initialisation) */
  spawn(command: string, args: string[], opts?: { user?: string }): ChildProcess;
  aborted(): boolean;
}

/** Wraps a command so it runs as `user` and/or with its own host name; the pid stays the server's (exec). */
export function wrapCommand(
  command: string,
  args: string[],
  opts: { user?: string; hostname?: string; netns?: string },
): string[] {
  let argv = [command, ...args];
  if (opts.user) argv = ['setpriv', `--reuid=${opts.user}`, `--regid=${opts.user}`, '--init-groups', ...argv];
  if (opts.hostname) argv = ['unshare', '--uts', '/bin/sh', '-c', 'hostname "$0" && exec "$@"', opts.hostname, ...argv];
  if (opts.netns) argv = ['ip', 'netns', 'exec', opts.netns, ...argv];
  return argv;
}

/** Starts initialisation and then the server in the background; the handle is returned at once. */
export function launch(spec: LaunchSpec): ServerHandle {
  let child: ChildProcess | undefined;
  let helper: ChildProcess | undefined;
  let aborted = false;
  let logFd: number | undefined;
  const helpers = new Set<ChildProcess>();
  let onSpawn: (pid: number) => void = () => {};
  const spawned = new Promise<number>((resolve) => {
    onSpawn = resolve;
  });
  const openLog = async () => {
    await mkdir(dirname(spec.logFile), { recursive: true });
    logFd = openSync(spec.logFile, 'a');
  };
  const tools: Tools = {
    aborted: () => aborted,
    run(command, args, opts = {}) {
      return new Promise((resolve, reject) => {
        if (aborted) return reject(new InitError('stopped'));
        const argv = wrapCommand(command, args, { user: opts.user, netns: spec.netns });
        const p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
        helper = p;
        let out = '';
        p.stdout?.on('data', (d) => {
          out += d;
        });
        p.stderr?.on('data', (d) => {
          out += d;
        });
        p.stdin?.on('error', () => {});
        p.stdin?.end(opts.input ?? '');
        p.on('error', (e) => reject(new InitError(`${command}: ${e.message}`)));
        p.on('close', (code, signal) => {
          helper = undefined;
          if (logFd !== undefined && out) writeLog(logFd, out);
          if (code === 0) resolve(out);
          else reject(new InitError(`${command} failed (${signal ?? `exit ${code}`}): ${out.trim().slice(-600)}`));
        });
      });
    },
    spawn(command, args, opts = {}) {
      const argv = wrapCommand(command, args, { user: opts.user, netns: spec.netns });
      const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'ignore'] });
      helpers.add(p);
      p.on('exit', () => helpers.delete(p));
      p.on('error', () => helpers.delete(p));
      return p;
    },
  };

  const exited = (async (): Promise<ExitStatus> => {
    try {
      await mkdir(spec.runDir, { recursive: true });
      await openLog();
      await spec.init(tools);
      if (aborted) return { code: null, signal: 'SIGTERM', message: 'stopped during initialisation' };
      let argv = wrapCommand(spec.command, spec.args, { user: spec.user, hostname: spec.hostname, netns: spec.netns });
      if (spec.wrap) argv = spec.wrap(argv);
      child = spawn(argv[0], argv.slice(1), {
        stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'ignore'],
        env: spec.env ?? process.env,
      });
      const c = child;
      if (c.pid !== undefined) onSpawn(c.pid);
      return await new Promise<ExitStatus>((resolve) => {
        c.on('error', (e) => resolve({ code: 127, signal: null, message: `${spec.command}: ${e.message}` }));
        c.on('exit', (code, signal) => resolve({ code, signal }));
      });
    } catch (err) {
      if (logFd !== undefined) writeLog(logFd, `${spec.name}: ${(err as Error).message}\n`);
      return { code: aborted ? null : 1, signal: aborted ? 'SIGTERM' : null, message: (err as Error).message };
    } finally {
      for (const h of helpers) h.kill('SIGKILL');
      if (logFd !== undefined) closeSync(logFd);
    }
  })();

  return {
    ip: spec.ip,
    port: spec.port,
    get pid() {
      return child?.pid;
    },
    exited,
    spawned,
    ping: () => (child ? spec.ping().catch(() => false) : Promise.resolve(false)),
    async ready(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      let done: ExitStatus | undefined;
      void exited.then((s) => {
        done = s;
      });
      while (Date.now() < deadline) {
        if (done) throw new Error(`${spec.name} exited before it was ready: ${describeExit(done)}`);
        if (child && (await spec.ping().catch(() => false))) return;
        await sleep(100);
      }
      throw new Error(
        `${spec.name} on ${spec.ip}:${spec.port} not ready within ${timeoutMs} ms (log: ${spec.logFile})`,
      );
    },
    async stop(graceMs = 10_000) {
      aborted = true;
      helper?.kill('SIGKILL');
      for (const h of helpers) h.kill('SIGKILL');
      child?.kill(spec.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function describeExit(s: ExitStatus): string {
  return s.message ?? (s.signal ? `killed by ${s.signal}` : `exit code ${s.code}`);
}

function writeLog(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // the log is best effort
  }
}

/** Makes every ancestor of `path` traversable by other users (PostgreSQL runs as `postgres`). */
export async function ensureTraversable(path: string): Promise<void> {
  for (let dir = dirname(path); dir !== '/' && dir !== '.'; dir = dirname(dir)) {
    const st = await stat(dir).catch(() => undefined);
    if (st && (st.mode & 0o001) === 0) await chmod(dir, st.mode | 0o001);
  }
}

export const defaultRunDir = (o: ServerOptions) => o.runDir ?? `${o.dataDir.replace(/\/+$/, '')}.run`;
export const defaultLogFile = (o: ServerOptions) => o.logFile ?? join(defaultRunDir(o), 'server.log');
