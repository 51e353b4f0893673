/**
 * What the benchmarks share: the local cluster they run on (the one in $STATECRAFT_CLUSTER_DIR if it runs, else a
 * private one that `close()` stops and removes) and a polling wait that gives up after a deadline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { type ClusterState, clusterDown, clusterUp, isRunning, readState } from '../src/devcluster/cluster.ts';

export interface BenchCluster {
  state: ClusterState;
  kc: k8s.KubeConfig;
  /** stops and removes the cluster if this benchmark started it; a shared one keeps running */
  close(): Promise<void>;
}

export async function benchCluster(): Promise<BenchCluster> {
  const shared = process.env.STATECRAFT_CLUSTER_DIR;
  let ownDir: string | undefined;
  let state = shared ? await readState(shared) : undefined;
  if (!state || !(await isRunning(state))) {
    ownDir = await mkdtemp(join(tmpdir(), 'statecraft-bench-'));
    state = (await clusterUp({ dir: ownDir })).state;
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  return {
    state,
    kc,
    async close() {
      if (!ownDir) return;
      await clusterDown(ownDir);
      await rm(ownDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` every `intervalMs` until it returns a value (not undefined/false; a throw counts as not yet). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One timed switchover: patch → first write acknowledged by the new source. */
export interface SwitchoverRow {
  n: number;
  from: string;
  to: string;
  seconds: number;
}

/**
 * What every switchover benchmark reports alike: a table (one line per switchover, under `title`) and the JSON
 * fields `switchovers`, `medianSeconds`, `maxSeconds`, `ackedWrites`, `lostWrites`.
 */
export function switchoverReport(
  title: string,
  rows: SwitchoverRow[],
  ackedWrites: number,
  lostWrites: number,
): { table: string[]; result: Record<string, number> } {
  const secs = rows.map((r) => r.seconds).sort((a, b) => a - b);
  const mid = secs.length >> 1;
  const median = secs.length % 2 ? secs[mid] : (secs[mid - 1] + secs[mid]) / 2;
  const indent = title.indexOf('switchover') + 'switchover'.length;
  return {
    table: [title, ...rows.map((r) => `${String(r.n).padStart(indent)}  ${r.from}  ${r.to}  ${r.seconds.toFixed(3)}`)],
    result: {
      switchovers: rows.length,
      medianSeconds: Number(median.toFixed(3)),
      maxSeconds: Number((secs.at(-1) ?? 0).toFixed(3)),
      ackedWrites,
      lostWrites,
    },
  };
}
