/**
 * `npm run bench:runtime [-- --n 1000 --concurrency 16 --idle-seconds 60 --status]`
 *
 * N Widgets, each owning one ConfigMap. Measures, in one run on one cluster:
 * - floor: a plain client creating the same N ConfigMaps at the same concurrency — measured twice, with
 *   @kubernetes/client-node's CoreV1Api and with bare keep-alive POSTs; `floorSeconds` is the faster of the two;
 * - operator: from the moment the operator's caches synced (the N Widgets already exist) until all N ConfigMaps
 *   exist with the right data (with --status also every Widget Ready);
 * - writes per minute to the Widgets and ConfigMaps once converged (watched from their resourceVersion);
 * - operator RSS (VmRSS of its process, as bench:musicservice measures it) at the end.
 * Prints a table, then one JSON line. Uses a private cluster unless STATECRAFT_BENCH_CLUSTER_DIR names a running one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { clusterDown, clusterUp, readState } from '../src/devcluster/cluster.ts';
import { Informer, isConditionTrue, KubeClient, type KubeObject } from '../src/runtime/index.ts';
import { CONFIGMAP, installWidgetCRD, WIDGET, type Widget } from '../test/runtime/fixtures/widget.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    'idle-seconds': { type: 'string', default: '60' },
    status: { type: 'boolean', default: false },
    /** node flags for the operator process; default: those `statecraft run` sets itself (bin/statecraft.js) */
    'operator-node-flags': { type: 'string', default: '--max-semi-space-size=4' },
  },
});
const N = Number(values.n);
const C = Number(values.concurrency);
const IDLE_S = Number(values['idle-seconds']);
const withStatus = values.status!;

async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const silent = pino({ level: 'silent' });
let ownDir: string | undefined;
let kubeconfigPath: string;
const sharedDir = process.env.STATECRAFT_BENCH_CLUSTER_DIR;
if (sharedDir) {
  const state = await readState(sharedDir);
  if (!state) throw new Error(`no cluster in ${sharedDir}`);
  kubeconfigPath = state.kubeconfig;
} else {
  ownDir = await mkdtemp(join(tmpdir(), 'statecraft-bench-'));
  kubeconfigPath = (await clusterUp({ dir: ownDir, progress: (l) => console.error(`[cluster] ${l}`) })).state
    .kubeconfig;
}
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath);
const core = kc.makeApiClient(k8s.CoreV1Api);
const client = new KubeClient(kc);
const suffix = Date.now().toString(36);
const floorNs = `bench-floor-${suffix}`;
const opNs = `bench-op-${suffix}`;
let operator: ReturnType<typeof spawn> | undefined;

try {
  await installWidgetCRD(client);
  for (const name of [floorNs, opNs]) await core.createNamespace({ body: { metadata: { name } } });

  // Floor: the same ConfigMaps, plain client, same concurrency.
  const floorStart = performance.now();
  await pool(N, C, (i) =>
    core.createNamespacedConfigMap({
      namespace: floorNs,
      body: { metadata: { name: `w${i}-data`, labels: { widget: `w${i}` } }, data: { value: `v${i}` } },
    }),
  );
  const clientNodeFloorSeconds = (performance.now() - floorStart) / 1000;
  console.error(`floor (client-node): ${N} ConfigMaps in ${clientNodeFloorSeconds.toFixed(2)} s`);
  // A stricter floor: bare POSTs over one keep-alive agent (the runtime's transport, no controller around it).
  const rawStart = performance.now();
  await pool(N, C, (i) =>
    client.create({
      ...CONFIGMAP,
      metadata: { name: `w${i}-raw`, namespace: floorNs, labels: { widget: `w${i}` } },
      data: { value: `v${i}` },
    } as KubeObject),
  );
  const rawFloorSeconds = (performance.now() - rawStart) / 1000;
  console.error(`floor (keep-alive POSTs): ${N} ConfigMaps in ${rawFloorSeconds.toFixed(2)} s`);
  const floorSeconds = Math.min(clientNodeFloorSeconds, rawFloorSeconds);
  // Reference, not a floor: the same ConfigMaps by bare server-side apply PATCHes — what the apply protocol costs
  // the API server compared with a create, without any controller around it.
  const ssaStart = performance.now();
  await pool(N, C, (i) =>
    client.patch(
      CONFIGMAP,
      floorNs,
      `w${i}-ssa`,
      { ...CONFIGMAP, metadata: { name: `w${i}-ssa`, namespace: floorNs }, data: { value: `v${i}` } },
      'apply',
      { fieldManager: 'statecraft', force: true },
    ),
  );
  const ssaSeconds = (performance.now() - ssaStart) / 1000;
  console.error(`reference (bare SSA PATCHes): ${N} ConfigMaps in ${ssaSeconds.toFixed(2)} s`);

  // The Widgets exist before the operator starts; its clock starts when its caches have synced.
  await pool(N, C, (i) =>
    client.create({ ...WIDGET, metadata: { name: `w${i}`, namespace: opNs }, spec: { value: `v${i}` } } as KubeObject),
  );
  const stop = new AbortController();
  const cms = new Informer(client, CONFIGMAP, true, { namespaces: [opNs], log: silent });
  const widgets = new Informer(client, WIDGET, true, { namespaces: [opNs], log: silent });
  cms.start(stop.signal);
  widgets.start(stop.signal);
  await Promise.all([cms.waitForSync(), widgets.waitForSync()]);
  const converged = () => {
    let ok = 0;
    for (const cm of cms.store.list()) if (cm.metadata?.name?.endsWith('-data')) ok++;
    if (ok < N) return false;
    if (!withStatus) return true;
    return widgets.store.list().every((w) => isConditionTrue((w as Widget).status?.conditions, 'Ready'));
  };

  // Like `statecraft run` (bin/statecraft.js): the operator loads its TypeScript from Node's compile cache, filled
  // beforehand by a child that only imports its modules, so the measured process never loads the type stripper.
  const operatorScript = fileURLToPath(new URL('./runtime-operator.ts', import.meta.url));
  const operatorEnv = { ...process.env, NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') };
  spawnSync(process.execPath, [operatorScript, '--warm-up'], { stdio: 'inherit', env: operatorEnv });
  operator = spawn(
    process.execPath,
    [
      ...values['operator-node-flags']!.split(/\s+/).filter(Boolean),
      operatorScript,
      kubeconfigPath,
      opNs,
      String(C),
      withStatus ? '1' : '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: operatorEnv },
  );
  const spawnedAt = Date.now();
  const ready = JSON.parse(
    await new Promise<string>((resolve, reject) => {
      createInterface(operator!.stdout!).once('line', resolve);
      operator!.once('exit', (c) => reject(new Error(`operator exited (${c})`)));
    }),
  ) as { metrics: string; syncedAt: number };
  while (!converged()) await new Promise((r) => setTimeout(r, 20));
  const operatorSeconds = (Date.now() - ready.syncedAt) / 1000;
  const startupSeconds = (ready.syncedAt - spawnedAt) / 1000;
  console.error(`operator: converged ${operatorSeconds.toFixed(2)} s after its caches synced`);

  // Idle: count every change to the operator's objects for IDLE_S seconds.
  let writes = 0;
  cms.addEventHandler({ updated: () => writes++, deleted: () => writes++ });
  widgets.addEventHandler({ updated: () => writes++, deleted: () => writes++ });
  const cmCountAtIdle = cms.store.size;
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  writes += Math.max(0, cms.store.size - cmCountAtIdle);
  const idleWritesPerMinute = (writes * 60) / IDLE_S;
  const metrics = await (await fetch(`http://${ready.metrics}/metrics`)).text();
  const procStatus = await readFile(`/proc/${operator.pid}/status`, 'utf8');
  const rssMB = Number(/VmRSS:\s+(\d+)/.exec(procStatus)?.[1] ?? Number.NaN) / 1024;
  const peakRssMB = Number(/VmHWM:\s+(\d+)/.exec(procStatus)?.[1] ?? Number.NaN) / 1024;
  for (const m of ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes']) {
    const v = Number(new RegExp(`^${m} (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20;
    console.error(`operator ${m}: ${v.toFixed(1)} MB`);
  }
  const reconciles = Number(
    /controller_runtime_reconcile_total\{controller="widget",result="success"\} (\d+)/.exec(metrics)?.[1] ?? 0,
  );
  stop.abort();

  const ratio = operatorSeconds / floorSeconds;
  const rows: [string, string, string][] = [
    ['N (Widgets → ConfigMaps)', String(N), ''],
    ['concurrency', String(C), ''],
    ['status reporting', withStatus ? 'on' : 'off', ''],
    ['floor: client-node CoreV1Api creates N ConfigMaps', `${clientNodeFloorSeconds.toFixed(2)} s`, ''],
    ['floor: bare keep-alive POSTs create N ConfigMaps', `${rawFloorSeconds.toFixed(2)} s`, ''],
    ['reference: bare server-side applies of N ConfigMaps', `${ssaSeconds.toFixed(2)} s`, ''],
    ['operator: synced → all converged', `${operatorSeconds.toFixed(2)} s`, ''],
    ['ratio operator / faster floor', ratio.toFixed(2), '≤ 1.25'],
    ['operator startup (spawn → caches synced)', `${startupSeconds.toFixed(2)} s`, ''],
    ['reconciles', String(reconciles), ''],
    [`idle writes per minute (${IDLE_S} s)`, String(idleWritesPerMinute), '0'],
    ['operator RSS', `${rssMB.toFixed(1)} MB`, '≤ 150 MB'],
    ['operator peak RSS', `${peakRssMB.toFixed(1)} MB`, ''],
    ['operator node flags', values['operator-node-flags'] || '(none)', ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'metric'.padEnd(w)}  ${'value'.padStart(10)}  target`);
  for (const [k, v, target] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(10)}  ${target}`);
  console.log(
    JSON.stringify({
      n: N,
      concurrency: C,
      status: withStatus,
      operatorSeconds: Number(operatorSeconds.toFixed(3)),
      floorSeconds: Number(floorSeconds.toFixed(3)),
      clientNodeFloorSeconds: Number(clientNodeFloorSeconds.toFixed(3)),
      rawFloorSeconds: Number(rawFloorSeconds.toFixed(3)),
      ssaSeconds: Number(ssaSeconds.toFixed(3)),
      ratio: Number(ratio.toFixed(3)),
      idleWritesPerMinute,
      rssMB: Number(rssMB.toFixed(1)),
      peakRssMB: Number(peakRssMB.toFixed(1)),
      operatorNodeFlags: values['operator-node-flags'],
      startupSeconds: Number(startupSeconds.toFixed(3)),
      reconciles,
    }),
  );
} finally {
  if (operator && operator.exitCode === null) {
    operator.kill('SIGTERM');
    await new Promise((r) => operator!.once('exit', r));
  }
  for (const name of [floorNs, opNs]) await core.deleteNamespace({ name }).catch(() => {});
  client.close();
  if (ownDir) {
    await clusterDown(ownDir);
    await rm(ownDir, { recursive: true, force: true });
  }
}
