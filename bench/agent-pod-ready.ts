/**
 * How fast the node agent turns database pods into real servers: for mariadb:10.11, redis:7 and postgres:15 the
 * time from pod creation to Ready (first start: data directory initialisation included), and from delete to gone.
 *
 *   node bench/agent-pod-ready.ts                 (starts and stops its own cluster)
 *   STATECRAFT_BENCH_CLUSTER_DIR=/tmp/c node bench/agent-pod-ready.ts
 *
 * Prints a table; the last line is one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { clusterDown, clusterUp, readState } from '../src/devcluster/cluster.ts';

const own = !process.env.STATECRAFT_BENCH_CLUSTER_DIR;
const dir = process.env.STATECRAFT_BENCH_CLUSTER_DIR ?? (await mkdtemp(join(tmpdir(), 'statecraft-bench-')));
const state = own ? (await clusterUp({ dir })).state : await readState(dir);
if (!state) throw new Error(`no cluster in ${dir}`);
const kc = new k8s.KubeConfig();
kc.loadFromFile(state.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const ns = `bench-${Date.now().toString(36)}`;
await core.createNamespace({ body: { metadata: { name: ns } } });

const images: Record<string, { image: string; env: Record<string, string> }> = {
  mariadb: { image: 'mariadb:10.11', env: { MARIADB_ROOT_PASSWORD: 'bench' } },
  redis: { image: 'redis:7', env: {} },
  postgres: { image: 'postgres:15', env: { POSTGRES_PASSWORD: 'bench' } },
};

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 180_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check().catch(() => false)) return (Date.now() - start) / 1000;
    await sleep(50);
  }
  throw new Error(`${what} timed out`);
}

const rows: { image: string; readySeconds: number; deleteSeconds: number }[] = [];
try {
  for (const [name, { image, env }] of Object.entries(images)) {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name },
        spec: { containers: [{ name, image, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] },
      },
    });
    const readySeconds = await until(`${name} Ready`, async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    await core.deleteNamespacedPod({ name, namespace: ns });
    const deleteSeconds = await until(`${name} gone`, async () => {
      try {
        await core.readNamespacedPod({ name, namespace: ns });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    rows.push({ image, readySeconds, deleteSeconds });
  }
} finally {
  await core.deleteNamespace({ name: ns }).catch(() => {});
  if (own) {
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

console.log('image           created→Ready (s)  delete→gone (s)');
for (const r of rows) {
  console.log(
    `${r.image.padEnd(16)}${r.readySeconds.toFixed(2).padStart(17)}${r.deleteSeconds.toFixed(2).padStart(17)}`,
  );
}
console.log(JSON.stringify({ bench: 'agent-pod-ready', results: rows }));
