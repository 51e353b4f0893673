import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process the local cluster started, recorded so that `cluster down` stops exactly it. */
export interface StartedProcess {
  name: string;
  pid: number;
  /** the executable, used to tell our process from an unrelated one that reused the pid */
  command: string;
  logPath: string;
}

/**
 * Starts a long-running component detached in its own process group, output appended to its log file. It outlives
 * the caller (so `cluster up` can return); stopping its group also stops anything it started (database servers).
 */
export function startDetached(
  name: string,
  command: string,
  args: string[],
  logPath: string,
  env: NodeJS.ProcessEnv = process.env,
): StartedProcess {
  const out = openSync(logPath, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  child.unref();
  return { name, pid: child.pid, command, logPath };
}

/** True when pid is alive and still runs the recorded command (pids are reused). */
export function isOurs(p: Pick<StartedProcess, 'pid' | 'command'>): boolean {
  try {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    // a zombie (state Z) has exited; it only waits for its parent to reap it
    if (/^\d+ \(.*\) Z/.test(stat)) return false;
    return cmdline.split('\0').some((arg) => arg === p.command || arg.endsWith(p.command));
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the process group, then SIGKILL after the grace period. Resolves once the process is gone.
 * Guarantees: never signals a pid that no longer runs the recorded command.
 */
export async function stopProcess(p: StartedProcess, graceMs = 10_000): Promise<void> {
  if (!isOurs(p)) return;
  signalGroup(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(p)) return;
    await sleep(50);
  }
  signalGroup(p.pid, 'SIGKILL');
  while (isOurs(p)) await sleep(50);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Pids of live processes whose command line mentions `needle` (used to prove nothing was left behind). */
export function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      if (cmdline.includes(needle)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * A port that was free a moment ago on 127.0.0.1. Ports are picked at start so that clusters can run side by side;
 * the window between picking and binding is small, and a component that loses the race fails its readiness wait.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls until check() resolves true, or fails with a message naming what never became ready. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  hint = '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(
    `${what} did not become ready within ${Math.round(timeoutMs / 1000)} s${cause}${hint ? ` (${hint})` : ''}`,
  );
}
