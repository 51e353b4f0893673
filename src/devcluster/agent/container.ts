import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import { MARIADB_PROGRAMS, startMariadb } from '../servers/mariadb.ts';
import { tcpOpen } from '../servers/ping.ts';
import { POSTGRES_PROGRAMS, startPostgres } from '../servers/postgres.ts';
import { describeExit, type ExitStatus, launch, type ServerHandle } from '../servers/process.ts';
import { missingProgramsMessage } from '../servers/programs.ts';
import { REDIS_PROGRAMS, startRedis } from '../servers/redis.ts';
import { findProgram, packageProviding } from '../system-packages.ts';
import {
  bindToPodAddress,
  type ContainerPlan,
  expandVars,
  hostPathOf,
  type Mount,
  mapArgPaths,
  podLoopback,
  restartBackoffMs,
  type ServerKind,
} from './podspec.ts';
import { sandboxArgv } from './sandbox.ts';

export interface ContainerContext {
  pod: k8s.V1Pod;
  container: k8s.V1Container;
  plan: Exclude<ContainerPlan, { kind: 'unsupported' }>;
  ip: string;
  env: Record<string, string>;
  mounts: Mount[];
  /** this container's private directory (server run dir, emptyDir-like data when no volume is mounted) */
  dir: string;
  hostsFile: string;
  /** the pod's network namespace (pod network); absent: the machine's network, pod IPs in 127.0.0.0/8 */
  netns?: string;
  binDir: string;
  /** where the servers' programs and pods' commands are looked up (PATH syntax) */
  programPath: string;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** restarts already counted for this container (agent restarts keep counting) */
  restartCount: number;
  onChange(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

const DEFAULT_PORTS = { mariadb: 3306, redis: 6379, postgres: 5432 } as const;
const SERVER_PROGRAMS: Record<ServerKind, readonly string[]> = {
  mariadb: MARIADB_PROGRAMS,
  redis: REDIS_PROGRAMS,
  postgres: POSTGRES_PROGRAMS,
};
/** The container state reason (and event reason) while a program the image needs is not installed here. */
export const PACKAGE_NOT_INSTALLED = 'PackageNotInstalled';
/** How often a container waiting for a package looks again, so it starts soon after the package is installed. */
const PROGRAM_RECHECK_MS = 3000;

/**
 * Programs of this machine that a container would run and that are not there: a server's (all of them, init tools
 * included) or, for a command, its tool when a listed package provides it (others fail as they would in a
 * container). Checked before every start, so a missing package is a waiting state, not a crash loop.
 */
export function missingPrograms(plan: ContainerContext['plan'], programPath: string): string[] {
  if (plan.kind === 'server') return SERVER_PROGRAMS[plan.server].filter((p) => !findProgram(p, programPath));
  const tool = toolOf(plan.argv);
  return tool && packageProviding(tool) && !findProgram(tool, programPath) ? [tool] : [];
}

/** The program a command runs: argv[0], or the first word of `sh -c "..."`. */
function toolOf(argv: string[]): string | undefined {
  if (/^(\/bin\/)?(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c') return (argv[2] ?? '').trim().split(/\s+/)[0];
  return argv[0];
}

/**
 * One container of a pod as a local process: starts it, restarts it by the pod's restartPolicy with backoff, and
 * keeps a Kubernetes ContainerStatus (state, lastState, restartCount, ready) that the pod runner reports.
 */
export class ContainerRunner {
  readonly ctx: ContainerContext;
  status: k8s.V1ContainerStatus;
  private handle: ServerHandle | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** resolves when the container will not run again (terminal state or stopped) */
  readonly finished: Promise<void>;

  constructor(ctx: ContainerContext) {
    this.ctx = ctx;
    this.status = {
      name: ctx.container.name,
      image: ctx.container.image ?? '',
      imageID: `docker.io/library/${ctx.container.image}`,
      ready: false,
      started: false,
      restartCount: ctx.restartCount,
      state: { waiting: { reason: 'ContainerCreating' } },
    };
    this.finished = this.loop();
  }

  get pid(): number | undefined {
    return this.handle?.pid;
  }

  /** SIGTERM, SIGKILL after the grace period; the container does not restart any more. */
  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.handle?.stop(graceSeconds * 1000);
    await this.finished;
  }

  private async loop(): Promise<void> {
    for (;;) {
      await this.untilProgramsPresent();
      if (this.stopping) return;
      const startedAt = new Date();
      const handle = this.start();
      this.handle = handle;
      // `<dir>.pid` names the running process, for people and tests that want to kill it by hand
      void handle.spawned.then((pid) => writeFile(`${this.ctx.dir}.pid`, `${pid}\n`).catch(() => {}));
      this.status = {
        ...this.status,
        state: { running: { startedAt } },
        started: true,
        ready: false,
        containerID: `statecraft://${this.ctx.pod.metadata?.uid}/${this.ctx.container.name}/${this.status.restartCount}`,
      };
      this.ctx.onChange();
      this.ctx.event('Normal', 'Started', `Started container ${this.ctx.container.name}`);
      const probing = this.probe(handle);
      const exit = await handle.exited;
      await probing;
      const terminated: k8s.V1ContainerStateTerminated = {
        exitCode: exit.code ?? 128 + signalNumber(exit.signal),
        signal: exit.signal ? signalNumber(exit.signal) : undefined,
        reason: exit.code === 0 ? 'Completed' : 'Error',
        message: exit.message ?? (exit.code ? logTail(`${this.ctx.dir}.log`) : undefined),
        startedAt,
        finishedAt: new Date(),
      };
      const again =
        !this.stopping &&
        (this.ctx.restartPolicy === 'Always' || (this.ctx.restartPolicy === 'OnFailure' && terminated.exitCode !== 0));
      if (!again) {
        this.status = { ...this.status, ready: false, started: false, state: { terminated } };
        this.ctx.onChange();
        return;
      }
      const delay = Date.now() - startedAt.getTime() > 600_000 ? 0 : restartBackoffMs(this.status.restartCount! + 1);
      this.status = {
        ...this.status,
        ready: false,
        started: false,
        lastState: { terminated },
        restartCount: this.status.restartCount! + 1,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${Math.round(delay / 1000)}s restarting failed container ${this.ctx.container.name}: ${describeExit(exit)}`,
          },
        },
      };
      this.ctx.onChange();
      this.ctx.event(
        'Warning',
        'BackOff',
        `Back-off restarting container ${this.ctx.container.name} (${describeExit(exit)})`,
      );
      await this.sleep(delay);
    }
  }

  /** Waits (stop() wakes it) without keeping a timer behind. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * While a program the container needs is missing: state Waiting with reason PackageNotInstalled and a message
   * naming the package and the command that installs it, one Warning event with the same words (again only if
   * they change); looks again every few seconds, so the container starts once the package is there.
   */
  private async untilProgramsPresent(): Promise<void> {
    let reported = '';
    for (;;) {
      if (this.stopping) return;
      const missing = missingPrograms(this.ctx.plan, this.ctx.programPath);
      if (missing.length === 0) return;
      const message = `image ${this.ctx.container.image} runs on this machine's programs, and ${missingProgramsMessage(missing)}; the container starts once it is installed`;
      if (message !== reported) {
        reported = message;
        this.status = {
          ...this.status,
          ready: false,
          started: false,
          state: { waiting: { reason: PACKAGE_NOT_INSTALLED, message } },
        };
        this.ctx.onChange();
        this.ctx.event('Warning', PACKAGE_NOT_INSTALLED, message);
      }
      await this.sleep(PROGRAM_RECHECK_MS);
    }
  }

  private start(): ServerHandle {
    const { ctx } = this;
    const plan = ctx.plan;
    const logFile = `${ctx.dir}.log`;
    const hostname = ctx.pod.spec?.hostname ?? ctx.pod.metadata?.name ?? 'pod';
    if (plan.kind === 'server') {
      const args = mapArgPaths(
        plan.args.map((a) => expandVars(a, ctx.env)),
        ctx.mounts,
      );
      const port = this.port(DEFAULT_PORTS[plan.server]);
      const common = {
        ip: ctx.ip,
        port,
        env: ctx.env,
        hostname,
        logFile,
        runDir: join(ctx.dir, 'run'),
        programPath: ctx.programPath,
        netns: ctx.netns,
      };
      const dataDir = (path: string) => hostPathOf(path, ctx.mounts) ?? join(ctx.dir, 'data');
      if (plan.server === 'mariadb') {
        return startMariadb({
          ...common,
          dataDir: dataDir('/var/lib/mysql'),
          args,
          configFiles: [
            ...filesIn(hostPathOf('/etc/mysql/conf.d', ctx.mounts), '.cnf'),
            ...filesIn(hostPathOf('/etc/mysql/mariadb.conf.d', ctx.mounts), '.cnf'),
            ...(ctx.mounts.some((m) => m.containerPath === '/etc/mysql/my.cnf')
              ? [hostPathOf('/etc/mysql/my.cnf', ctx.mounts)!]
              : []),
          ],
          initScripts: filesIn(hostPathOf('/docker-entrypoint-initdb.d', ctx.mounts), '.sql'),
        });
      }
      if (plan.server === 'redis') {
        // `redis-server /etc/redis/redis.conf --x y`: a leading non-option argument is the config file
        const [first, ...rest] = args;
        const config = first && !first.startsWith('-') ? [first] : [];
        return startRedis({
          ...common,
          dataDir: dataDir('/data'),
          configFiles: config,
          args: config.length ? rest : args,
        });
      }
      const pgdata = ctx.env.PGDATA ?? '/var/lib/postgresql/data';
      return startPostgres({
        ...common,
        dataDir: hostPathOf(pgdata, ctx.mounts) ?? join(ctx.dir, 'data'),
        args,
        initScripts: filesIn(hostPathOf('/docker-entrypoint-initdb.d', ctx.mounts), '.sql'),
      });
    }
    const argv = plan.argv.map((a) => {
      const arg = podLoopback(expandVars(a, ctx.env), ctx.ip);
      return plan.bindsPodAddress ? bindToPodAddress(arg, ctx.ip) : arg;
    });
    return launch({
      name: ctx.container.name,
      runDir: ctx.dir,
      logFile,
      ip: ctx.ip,
      port: 0,
      async init() {},
      command: argv[0],
      args: argv.slice(1),
      env: this.commandEnv(),
      wrap: (a) => sandboxArgv(a, this.sandbox()),
      ping: async () => true,
    });
  }

  /**
   * How `kubectl exec` runs a command in this container: in its sandbox (mounts, /etc/hosts, working dir, host
   * name) with its environment; undefined while the container is not running (as a kubelet refuses exec then).
   */
  execLauncher(): ((argv: string[]) => { argv: string[]; env: NodeJS.ProcessEnv }) | undefined {
    if (!this.status.state?.running) return undefined;
    return (argv) => ({ argv: sandboxArgv(argv, this.sandbox()), env: this.commandEnv() });
  }

  private sandbox() {
    const { ctx } = this;
    return {
      hostname: ctx.pod.spec?.hostname ?? ctx.pod.metadata?.name ?? 'pod',
      mounts: ctx.mounts,
      hostsFile: ctx.hostsFile,
      netns: ctx.netns,
      workingDir: ctx.container.workingDir,
      keepVisible: ctx.plan.kind === 'command' ? ctx.plan.keepVisible : undefined,
      extraBinds:
        ctx.plan.kind === 'server' && ctx.plan.server === 'mariadb'
          ? [{ hostPath: join(ctx.dir, 'run'), containerPath: '/run/mysqld' }]
          : ctx.plan.kind === 'server' && ctx.plan.server === 'postgres'
            ? [{ hostPath: join(ctx.dir, 'run'), containerPath: '/var/run/postgresql' }]
            : [],
    };
  }

  private commandEnv(): NodeJS.ProcessEnv {
    return {
      PATH: `${this.ctx.binDir}:${this.ctx.programPath}`,
      HOME: '/root',
      ...this.ctx.env,
      STATECRAFT_POD_IP: this.ctx.ip,
    };
  }

  private port(fallback: number): number {
    const ports = this.ctx.container.ports ?? [];
    return ports.find((p) => p.protocol !== 'UDP')?.containerPort ?? fallback;
  }

  private namedPort(p: number | string | undefined): number {
    if (typeof p === 'number') return p;
    const named = (this.ctx.container.ports ?? []).find((x) => x.name === p)?.containerPort;
    return named ?? (Number(p) || this.port(0));
  }

  /**
   * Readiness (and liveness) while the process runs. A probe is honoured when it can be here (tcpSocket, httpGet,
   * exec of a tool this machine has); otherwise readiness is "the server answers". Until the first success the
   * probe runs every 250 ms instead of every periodSeconds, so pods become Ready promptly.
   */
  private async probe(handle: ServerHandle): Promise<void> {
    let done = false;
    void handle.exited.then(() => {
      done = true;
    });
    const readiness = this.ctx.container.readinessProbe;
    const liveness = this.ctx.container.livenessProbe;
    const check = async (probe: k8s.V1Probe | undefined): Promise<boolean> => {
      if (handle.pid === undefined) return false; // still initialising
      if (probe && this.honourable(probe)) return this.runProbe(probe);
      return handle.ping();
    };
    const started = Date.now();
    let readyOnce = false;
    let livenessFailures = 0;
    let lastLiveness = 0;
    while (!done && !this.stopping) {
      const delay = (readiness?.initialDelaySeconds ?? 0) * 1000;
      if (Date.now() - started >= delay) {
        const ok = await check(readiness).catch(() => false);
        if (done || this.stopping) break;
        if (ok !== this.status.ready) {
          this.status = { ...this.status, ready: ok };
          this.ctx.onChange();
          if (!ok) this.ctx.event('Warning', 'Unhealthy', `Readiness probe failed for ${this.ctx.container.name}`);
        }
        readyOnce ||= ok;
      }
      // liveness counts only once the server has been ready (initialisation can take longer than in the image)
      if (readyOnce && liveness && this.honourable(liveness)) {
        const period = (liveness.periodSeconds ?? 10) * 1000;
        const livenessDelay = (liveness.initialDelaySeconds ?? 0) * 1000;
        if (Date.now() - started >= livenessDelay && Date.now() - lastLiveness >= period) {
          lastLiveness = Date.now();
          livenessFailures = (await this.runProbe(liveness).catch(() => false)) ? 0 : livenessFailures + 1;
          if (livenessFailures >= (liveness.failureThreshold ?? 3) && !done) {
            this.ctx.event('Warning', 'Unhealthy', `Liveness probe failed; restarting ${this.ctx.container.name}`);
            void handle.stop((this.ctx.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
            livenessFailures = 0;
          }
        }
      }
      const period = readyOnce ? (readiness?.periodSeconds ?? 10) * 1000 : 250;
      await Promise.race([sleep(period), handle.exited]);
    }
  }

  private honourable(probe: k8s.V1Probe): boolean {
    if (probe.tcpSocket || probe.httpGet) return true;
    const cmd = probe.exec?.command;
    if (!cmd?.length) return false;
    // sh -c "tool ...": the tool decides; scripts from the image (healthcheck.sh) are not here
    const tool = toolOf(cmd);
    return !!tool && !!findProgram(tool, this.ctx.programPath);
  }

  private async runProbe(probe: k8s.V1Probe): Promise<boolean> {
    const timeout = (probe.timeoutSeconds ?? 1) * 1000;
    if (probe.tcpSocket) return tcpOpen(this.ctx.ip, this.namedPort(probe.tcpSocket.port as number | string), timeout);
    if (probe.httpGet) {
      const port = this.namedPort(probe.httpGet.port as number | string);
      const res = await fetch(`http://${this.ctx.ip}:${port}${probe.httpGet.path ?? '/'}`, {
        signal: AbortSignal.timeout(timeout),
      });
      return res.status >= 200 && res.status < 400;
    }
    const argv = sandboxArgv(
      probe.exec!.command!.map((a) => podLoopback(expandVars(a, this.ctx.env), this.ctx.ip)),
      this.sandbox(),
    );
    return new Promise((resolve) => {
      execFile(argv[0], argv.slice(1), { env: this.commandEnv(), timeout: Math.max(timeout, 1000) }, (err) =>
        resolve(!err),
      );
    });
  }
}

/** The end of a container's log, as terminationMessagePolicy FallbackToLogsOnError reports it. */
function logTail(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').slice(-20).join('\n').slice(-2048) || undefined;
  } catch {
    return undefined;
  }
}

function filesIn(dir: string | undefined, ext: string): string[] {
  if (!dir) return [];
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(ext) && !f.startsWith('.'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 };
function signalNumber(s: NodeJS.Signals | null): number {
  return s ? (SIGNALS[s] ?? 0) : 0;
}

export type { ExitStatus };
