/**
 * `npm run bench:musicservice`: N MusicServices (the seed's sample with the database disabled, one replica, no
 * autoscaler, small resource requests) until all are Available, against the floor — the same child objects (StatefulSet, Service, headless
 * Service) server-side applied by a plain client at the same concurrency, in the same run, until their pods are
 * ready. Then the operator's API writes per minute once converged, and its RSS. The operator runs as its own
 * process (`statecraft run`), so RSS and request counts are its alone.
 *
 *   BENCH_N=300 BENCH_CONCURRENCY=4 BENCH_IDLE_SECONDS=60 BENCH_CLUSTER_DIR=/tmp/x npm run bench:musicservice
 *
 * Without BENCH_CLUSTER_DIR a fresh local cluster is started and stopped. Prints a table; the last line is JSON.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { installCrds } from '../src/apis/install.ts';
import type { MusicService } from '../src/apis/musicservice.ts';
import { buildAppHeadlessService, buildAppService, buildAppStatefulSet } from '../src/controllers/musicservice/app.ts';
import { clusterDown, clusterUp, isRunning, readState } from '../src/devcluster/cluster.ts';
import { KubeClient } from '../src/runtime/index.ts';

const N = Number(process.env.BENCH_N ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const MS = { apiVersion: 'music.mixcorp.org/v1', kind: 'MusicService' };
const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const NS = { apiVersion: 'v1', kind: 'Namespace' };

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function sampleSpec(): Promise<MusicService['spec']> {
  const text = await readFile(new URL('../samples/musicservice-miku-stream.yaml', import.meta.url), 'utf8');
  const spec = parse(text).spec;
  spec.database.enabled = false;
  delete spec.autoscaling;
  spec.replicas = 1;
  // the sample's 500m CPU request would cap the fake node (64 CPU) at 128 pods; the operator does not care
  spec.resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
  return spec;
}

const cr = (ns: string, i: number, spec: MusicService['spec']) => ({
  ...MS,
  metadata: { name: `ms-${i}`, namespace: ns },
  spec,
});

/** The operator's write requests so far, from its /metrics (rest_client_requests_total). */
async function operatorWrites(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^rest_client_requests_total\{(.*)\} ([0-9.e+]+)$/.exec(line);
    if (m && /method="(POST|PUT|PATCH|DELETE)"/.test(m[1]!)) sum += Number(m[2]);
  }
  return sum;
}

async function rssMB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  let ownDir: string | undefined;
  let dir = process.env.BENCH_CLUSTER_DIR;
  const state0 = dir ? await readState(dir) : undefined;
  if (!dir || !state0 || !(await isRunning(state0))) {
    ownDir = dir ?? (await mkdtemp(join(tmpdir(), 'statecraft-bench-')));
    dir = ownDir;
    console.error(`starting a local cluster in ${dir}`);
    await clusterUp({ dir, progress: (l) => console.error(`[cluster] ${l}`) });
  }
  const state = (await readState(dir))!;
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const client = new KubeClient(kc);
  await installCrds(kc);
  const spec = await sampleSpec();
  const run = Date.now().toString(36);
  const floorNs = `bench-floor-${run}`;
  const opNs = `bench-op-${run}`;
  for (const ns of [floorNs, opNs]) await client.create({ ...NS, metadata: { name: ns } });
  const indexes = Array.from({ length: N }, (_, i) => i);
  let operator: ReturnType<typeof spawn> | undefined;
  try {
    // floor: the children the operator would create, applied by a plain client, until their pods are ready
    const t0 = Date.now();
    await pool(indexes, CONCURRENCY, async (i) => {
      const ms = { ...cr(floorNs, i, spec), metadata: { name: `ms-${i}`, namespace: floorNs, uid: 'floor' } };
      const children = [buildAppStatefulSet(ms), buildAppService(ms), buildAppHeadlessService(ms)];
      await Promise.all(
        children.map((obj) => {
          delete obj.metadata!.ownerReferences; // no owner exists: the garbage collector would remove them
          return client.patch(
            { apiVersion: obj.apiVersion!, kind: obj.kind! },
            floorNs,
            obj.metadata!.name!,
            obj,
            'apply',
            { fieldManager: 'bench-floor', force: true },
          );
        }),
      );
    });
    await until('floor pods ready', async () => {
      const { items } = await client.list<{ status?: { readyReplicas?: number } }>(STS, { namespace: floorNs });
      return items.filter((s) => s.status?.readyReplicas === 1).length === N;
    });
    const floorSeconds = (Date.now() - t0) / 1000;
    console.error(`floor: ${floorSeconds.toFixed(1)} s`);

    // operator, in its own process
    const port = await freePort();
    operator = spawn(
      process.execPath,
      [
        new URL('../bin/statecraft.js', import.meta.url).pathname,
        'run',
        `--kubeconfig=${state.kubeconfig}`,
        `--metrics-bind-address=127.0.0.1:${port}`,
        '--health-probe-bind-address=0',
        `--watch-namespace=${opNs}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    await until(
      'operator metrics',
      async () =>
        operatorWrites(port).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    const t1 = Date.now();
    await pool(indexes, CONCURRENCY, (i) =>
      client.patch(MS, opNs, `ms-${i}`, cr(opNs, i, spec), 'apply', { fieldManager: 'bench', force: true }),
    );
    await until('all MusicServices Available', async () => {
      const { items } = await client.list<{ status?: { phase?: string } }>(MS, { namespace: opNs });
      return items.filter((m) => m.status?.phase === 'Available').length === N;
    });
    const operatorSeconds = (Date.now() - t1) / 1000;
    console.error(`operator: ${operatorSeconds.toFixed(1)} s; idle for ${IDLE_SECONDS} s`);

    await sleep(5000); // let the last status updates and owned-object events settle
    const w0 = await operatorWrites(port);
    await sleep(IDLE_SECONDS * 1000);
    const w1 = await operatorWrites(port);
    const idleWritesPerMinute = ((w1 - w0) * 60) / IDLE_SECONDS;
    const { rss, peak } = await rssMB(operator.pid!);
    const result = {
      n: N,
      concurrency: CONCURRENCY,
      operatorSeconds: Number(operatorSeconds.toFixed(2)),
      floorSeconds: Number(floorSeconds.toFixed(2)),
      ratio: Number((operatorSeconds / floorSeconds).toFixed(3)),
      idleWritesPerMinute,
      rssMB: Number(rss.toFixed(1)),
      peakRssMB: Number(peak.toFixed(1)),
      totalOperatorWrites: w1,
    };
    const rows: [string, string, string][] = [
      ['MusicServices', String(N), ''],
      ['floor (plain client) s', result.floorSeconds.toFixed(1), ''],
      ['operator s', result.operatorSeconds.toFixed(1), 'target ≤ 1.25× floor'],
      ['ratio', result.ratio.toFixed(2), result.ratio <= 1.25 ? 'ok' : 'over target'],
      ['idle writes/min', String(idleWritesPerMinute), idleWritesPerMinute === 0 ? 'ok' : 'over target'],
      ['operator RSS MB', result.rssMB.toFixed(1), result.rssMB <= 150 ? 'ok (≤ 150)' : 'over target'],
      ['operator peak RSS MB', result.peakRssMB.toFixed(1), ''],
    ];
    for (const [k, v, note] of rows) console.log(`${k.padEnd(24)} ${v.padStart(10)}  ${note}`);
    console.log(JSON.stringify(result));
  } finally {
    operator?.kill('SIGTERM');
    for (const ns of [floorNs, opNs]) await client.delete(NS, undefined, ns).catch(() => {});
    client.close();
    if (ownDir) {
      await clusterDown(ownDir);
      if (!process.env.BENCH_CLUSTER_DIR) await rm(ownDir, { recursive: true, force: true });
    }
  }
}

await main();
