/**
 * The RedisReplication section of `npm run bench:redis`: 10 switchovers (the seed's merge patch of spec.source
 * and spec.replica) on three redis pods while a writer sets keys without pause.
 *
 * For each switchover: time from the patch to the first SET acknowledged by the new source (the writer targets
 * the spec's source, so until the promotion its writes there answer READONLY). Every acknowledged key must exist
 * on the final source: `lostWrites` counts those that do not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { controllers } from '../src/controllers/index.ts';
import { Manager } from '../src/runtime/index.ts';
import {
  missingWrites,
  redisClient,
  redisReplicationCr,
  redisReplicationFixture,
  redisReplications,
} from '../test/support/redisReplicationFixture.ts';
import type { RedisBenchEnv, RedisBenchSection } from './redis.ts';
import { switchoverReport, until } from './support.ts';

const SWITCHOVERS = Number(process.env.SWITCHOVERS ?? 10);
const NODES = ['rb-0', 'rb-1', 'rb-2'];

async function create(core: k8s.CoreV1Api, ns: string, objects: object[]): Promise<void> {
  for (const o of objects as Array<{ kind: string }>) {
    if (o.kind === 'Pod') await core.createNamespacedPod({ namespace: ns, body: o as k8s.V1Pod });
    else if (o.kind === 'Secret') await core.createNamespacedSecret({ namespace: ns, body: o as k8s.V1Secret });
    else await core.createNamespacedConfigMap({ namespace: ns, body: o as k8s.V1ConfigMap });
  }
}

export async function benchRedisReplication(env: RedisBenchEnv): Promise<RedisBenchSection> {
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = await env.namespace('bench-redis-replication');
  await create(core, ns, redisReplicationFixture(NODES));
  const ips = await until(
    '3 ready redis pods',
    async () => {
      const pods = await Promise.all(NODES.map((name) => core.readNamespacedPod({ name, namespace: ns })));
      const ready = pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready && Object.fromEntries(pods.map((p) => [p.metadata!.name!, p.status!.podIP!]));
    },
    240_000,
  );
  const mgr = new Manager(env.kc, {
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    namespaces: [ns],
    logger: pino({ level: 'silent' }),
  });
  mgr.add(
    ...controllers({
      addressMode: 'pod-ip',
      redisReplication: { resyncMs: 5000, catchUpTimeoutMs: 10_000 },
      only: ['redisreplication'],
    }),
  );
  mgr.start().catch(() => {});
  try {
    const crs = redisReplications(custom, ns);
    await crs.create(redisReplicationCr('rr', ns, 'rb-0', ['rb-1', 'rb-2']));
    const readyWith = (source: string) =>
      until(`ready with ${source}`, async () => {
        const o = await crs.get('rr');
        return o.status?.ready === true && o.status.topology?.[source]?.role === 'Source';
      });
    await readyWith('rb-0');

    // writer: sets keys at `target`; ack times per server give the first write each new source accepted
    let target = 'rb-0';
    let stop = false;
    let nextId = 1;
    const acked: Array<{ id: number; at: number; on: string }> = [];
    const writer = (async () => {
      let client: ReturnType<typeof redisClient> | undefined;
      let on = '';
      while (!stop) {
        try {
          if (!client || on !== target) {
            client?.disconnect();
            on = target;
            client = redisClient(ips[on]);
            await client.connect();
          }
          const id = nextId++;
          await client.set(`w:${id}`, String(id));
          acked.push({ id, at: Date.now(), on });
        } catch {
          // READONLY from a demoted (or not yet promoted) server: reconnect and try again
          client?.disconnect();
          client = undefined;
          await sleep(2);
        }
      }
      client?.disconnect();
    })();

    const rows: Array<{ n: number; from: string; to: string; seconds: number; ackedDuring: number }> = [];
    let source = 'rb-0';
    for (let i = 0; i < SWITCHOVERS; i++) {
      const to = source === 'rb-0' ? 'rb-1' : 'rb-0';
      await sleep(500);
      const ackedBefore = acked.length;
      const patchedAt = Date.now();
      await crs.patchSource(
        'rr',
        to,
        NODES.filter((n) => n !== to),
      );
      target = to;
      const first = await until(
        `a write acknowledged by ${to}`,
        async () => acked.find((a) => a.on === to && a.at >= patchedAt),
        120_000,
        20, // the ack is already timestamped; a short poll only ends the wait sooner
      );
      rows.push({
        n: i + 1,
        from: source,
        to,
        seconds: (first.at - patchedAt) / 1000,
        ackedDuring: acked.length - ackedBefore,
      });
      await readyWith(to);
      source = to;
    }
    await sleep(300);
    stop = true;
    await writer;
    const lost = await missingWrites(
      ips[source],
      acked.map((a) => a.id),
    );
    return switchoverReport(
      'redis replication: switchover  from  to    patch→first write on new source (s)',
      rows,
      acked.length,
      lost.length,
    );
  } finally {
    await mgr.stop();
  }
}
