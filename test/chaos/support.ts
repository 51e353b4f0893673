/**
 * Shared pieces of the reliability suites (test/chaos): the size of a run, where a suite records its figures for
 * `npm run chaos` (scripts/chaos.ts), the operator as a separate process (operator-main.ts) that a suite can
 * SIGKILL or SIGSTOP, its reconcile counter read from /metrics, and the API server's audit log.
 *
 * Every suite is one *.test.ts file: `npm test` runs it at the fast size; `npm run chaos` runs it again with
 * STATECRAFT_CHAOS=full and collects the figures each suite wrote to STATECRAFT_CHAOS_FIGURES.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { auditLogPath } from '../../src/devcluster/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';

const OPERATOR_MAIN = fileURLToPath(new URL('./operator-main.ts', import.meta.url));

/** 'full' under `npm run chaos`, 'fast' in `npm test`. */
export const FULL = process.env.STATECRAFT_CHAOS === 'full';
/** `fast` in `npm test`, `full` under `npm run chaos` */
export const size = <T>(fast: T, full: T): T => (FULL ? full : fast);

export interface SuiteFigures {
  /** R1..R6 */
  suite: string;
  /** what one run exercised (e.g. 'kills', 'mutations') */
  runs: number;
  passed: number;
  /** the one figure that goes into the table, already formatted */
  key: string;
  figures: Record<string, unknown>;
}

/** Records a suite's figures for the chaos table (a JSON line in STATECRAFT_CHAOS_FIGURES, when it is set). */
export function recordFigures(f: SuiteFigures): void {
  const file = process.env.STATECRAFT_CHAOS_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}

/**
 * Secrets a suite used, for the R5 scan: kept in STATECRAFT_CHAOS_SECRETS during `npm run chaos` so the scan at
 * the end covers every suite; within one file the returned list is what that file's own scan covers.
 */
const usedSecrets: string[] = [];
export function useSecret(value: string): string {
  usedSecrets.push(value);
  const file = process.env.STATECRAFT_CHAOS_SECRETS;
  if (file) appendFileSync(file, `${JSON.stringify(value)}\n`);
  return value;
}
export async function allUsedSecrets(): Promise<string[]> {
  const file = process.env.STATECRAFT_CHAOS_SECRETS;
  const fromRun = file
    ? (await readFile(file, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string)
    : [];
  return [...new Set([...usedSecrets, ...fromRun])];
}

/**
 * Where operator logs are kept, so R5 can scan every suite's: STATECRAFT_CHAOS_LOGS under `npm run chaos`; else one
 * folder per test run (node's runner starts every test file as a child of one process: the parent pid).
 */
export function logDir(): string {
  const dir = process.env.STATECRAFT_CHAOS_LOGS ?? join(tmpdir(), `statecraft-chaos-logs-${process.ppid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface OperatorProcess {
  identity: string;
  child: ChildProcess;
  /** the log lines it printed (pino JSON), also written to `logFile` */
  lines: string[];
  logFile: string;
  metrics: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** resolves once a log line contains `text` (e.g. '"msg":"caches synced"'), false after `timeoutMs` */
  logged(text: string, timeoutMs?: number): Promise<boolean>;
}

/** Starts operator-main.ts for `namespace`; resolves once its /metrics is bound. */
export async function startOperator(
  cluster: TestCluster,
  namespace: string,
  identity: string,
  options: { lease?: string } = {},
): Promise<OperatorProcess> {
  const args = [OPERATOR_MAIN, cluster.kubeconfigPath, namespace, identity];
  if (options.lease) args.push('--leader-election', options.lease);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = join(logDir(), `${namespace}-${identity}-${child.pid}.log`);
  const out = createWriteStream(logFile);
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr!.on('data', (d: Buffer) => {
    out.write(d);
    lines.push(d.toString());
  });
  const metrics = await new Promise<string>((resolve, reject) => {
    const rl = createInterface(child.stdout!);
    rl.on('line', (line) => {
      out.write(`${line}\n`);
      lines.push(line);
      if (line.startsWith('{"chaos":"ready"')) resolve((JSON.parse(line) as { metrics: string }).metrics);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`operator ${identity} exited (${code ?? signal}) before it was ready: ${lines.join('\n')}`)),
    );
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    identity,
    child,
    lines,
    logFile,
    metrics,
    exited,
    alive,
    async logged(text, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && alive()) {
        if (lines.some((l) => l.includes(text))) return true;
        await new Promise((r) => setTimeout(r, 25));
      }
      return lines.some((l) => l.includes(text));
    },
    async kill(signal = 'SIGKILL') {
      if (!alive()) return;
      if (signal === 'SIGKILL') child.kill('SIGCONT'); // a frozen process dies all the same, but say it plainly
      child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
    },
  };
}

/** Sum of controller_runtime_reconcile_total over every controller and result, from the operator's /metrics. */
export async function reconcileTotal(metrics: string): Promise<number> {
  const text = await (await fetch(`http://${metrics}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('controller_runtime_reconcile_total')) sum += Number(line.split(' ').pop());
  }
  return sum;
}

export interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestURI: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** The audit log's events (src/devcluster/audit-policy.yaml), optionally only those matching `keep`. */
export async function readAudit(cluster: TestCluster, keep: (e: AuditEvent) => boolean = () => true) {
  const text = await readFile(auditLogPath(cluster.state.dir), 'utf8');
  const out: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as AuditEvent;
    if (keep(e)) out.push(e);
  }
  return out;
}

/** Audit timestamps are RFC 3339 with microseconds. */
export const auditTime = (s: string): number => Date.parse(s.replace(/(\.\d{3})\d*Z$/, '$1Z'));

export const MUTATING_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
