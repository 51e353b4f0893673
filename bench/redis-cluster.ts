import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { installCrds } from '../src/apis/install.ts';
import { controllers } from '../src/controllers/index.ts';
import { Manager } from '../src/runtime/index.ts';
import {
  missingKeys,
  percentile,
  REDIS_PW,
  redisClusterCr,
  redisClusterPod,
  redisClusters,
  redisCredentialSecrets,
  startClusterWriter,
} from '../test/support/redisClusterFixture.ts';
import type { RedisBenchEnv, RedisBenchSection } from './redis.ts';
import { benchCluster } from './support.ts';

export interface RedisClusterBenchResult {
  preloadedKeys: number;
  keysMoved: number;
  reshardSeconds: number;
  keysMovedPerSecond: number;
  writerAcked: number;
  writerLost: number;
  writerP50Ms: number;
  writerP99Ms: number;
  writerMaxMs: number;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One 3 → 4 shard reshard under a writer, in a namespace of its own on the cluster `kc` points at. */
export async function benchRedisCluster(
  kc: k8s.KubeConfig,
  options: {
    keys?: number /** a namespace the caller made (and deletes); default: one of its own */;
    namespace?: string;
  } = {},
): Promise<RedisClusterBenchResult> {
  const preload = options.keys ?? Number(process.env.KEYS ?? 50_000);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = options.namespace ?? `bench-rcc-${Date.now().toString(36)}`;
  const names = ['rc-0', 'rc-1', 'rc-2', 'rc-3'];
  let mgr: Manager | undefined;
  const clients: Array<{ disconnect(): void }> = [];
  try {
    await installCrds(kc);
    if (!options.namespace) await core.createNamespace({ body: { metadata: { name: ns } } });
    for (const s of redisCredentialSecrets())
      await core.createNamespacedSecret({ namespace: ns, body: s as k8s.V1Secret });
    for (const n of names) await core.createNamespacedPod({ namespace: ns, body: redisClusterPod(n) as k8s.V1Pod });
    const ips = await until('4 ready redis pods', async () => {
      const pods = await Promise.all(names.map((name) => core.readNamespacedPod({ name, namespace: ns })));
      const ready = pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready && pods.map((p) => p.status!.podIP!);
    });
    mgr = new Manager(kc, {
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
      namespaces: [ns],
      logger: pino({ level: 'silent' }),
    });
    mgr.add(...controllers({ addressMode: 'pod-ip', only: ['rediscluster'], redisCluster: { resyncMs: 1000 } }));
    mgr.start().catch(() => {});
    const api = redisClusters(kc.makeApiClient(k8s.CustomObjectsApi), ns);
    await api.create(redisClusterCr('bench', ns, { 'shard-a': ['rc-0'], 'shard-b': ['rc-1'], 'shard-c': ['rc-2'] }));
    const readyWith = (shards: number) =>
      until(`ready with ${shards} shards`, async () => {
        const o = await api.get('bench');
        return (
          o.status?.ready === true &&
          o.status.numberOfShard === shards &&
          o.status.observedGeneration === o.metadata.generation
        );
      });
    await readyWith(3);

    // preload through a cluster client, 1000 SETs in flight
    const loader = startClusterWriter({ host: ips[0], port: 6379 }, 1);
    await loader.stop();
    clients.push(loader.client);
    for (let i = 0; i < preload; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, preload - i) }, (_, j) => loader.client.set(`p:${i + j}`, 'x'.repeat(64))),
      );
    }

    const writer = startClusterWriter({ host: ips[0], port: 6379 }, 4);
    clients.push(writer.client);
    await sleep(1000);
    const startIndex = writer.latencies.length;
    const t0 = Date.now();
    await api.patchMembers('bench', { 'shard-d': ['rc-3'] });
    await readyWith(4);
    const seconds = (Date.now() - t0) / 1000;
    const during = writer.latencies.slice(startIndex);
    await writer.stop();
    const direct = new Redis({ host: ips[3], port: 6379, password: REDIS_PW });
    clients.push(direct);
    const moved = await direct.dbsize();
    const lost = (await missingKeys(writer.client, writer.acked)).length;
    return {
      preloadedKeys: preload,
      keysMoved: moved,
      reshardSeconds: Number(seconds.toFixed(2)),
      keysMovedPerSecond: Math.round(moved / seconds),
      writerAcked: writer.acked.size,
      writerLost: lost,
      writerP50Ms: Number(percentile(during, 50).toFixed(2)),
      writerP99Ms: Number(percentile(during, 99).toFixed(2)),
      writerMaxMs: Number(Math.max(0, ...during).toFixed(2)),
    };
  } finally {
    for (const c of clients) c.disconnect();
    await mgr?.stop();
    if (!options.namespace) await core.deleteNamespace({ name: ns }).catch(() => {});
  }
}

export function redisClusterTable(r: RedisClusterBenchResult): string[] {
  return ['reshard 3 → 4 shards        value', ...Object.entries(r).map(([k, v]) => `${k.padEnd(28)}${v}`)];
}

/** The section for bench/redis.ts (`npm run bench:redis`): its table and `keysMovedPerSecond`, `writerP99Ms`. */
export async function benchRedisClusterSection(env: RedisBenchEnv): Promise<RedisBenchSection> {
  const r = await benchRedisCluster(env.kc, { namespace: await env.namespace('bench-redis-cluster') });
  return {
    table: redisClusterTable(r),
    result: { keysMovedPerSecond: r.keysMovedPerSecond, writerP99Ms: r.writerP99Ms, reshardLostWrites: r.writerLost },
  };
}

if (import.meta.main) {
  const cluster = await benchCluster();
  const { kc } = cluster;
  try {
    const r = await benchRedisCluster(kc);
    for (const line of redisClusterTable(r)) console.log(line);
    console.log(JSON.stringify(r));
  } finally {
    await cluster.close();
  }
}
