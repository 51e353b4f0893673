/**
 * RedisReplication end to end: real redis-server pods (run by the node agent as processes), the controller in a
 * Manager outside the cluster (address mode pod-ip), the seed's sample verbatim and its switchover patch.
 * One set of pods serves every step, in order: sample → ready, writes reach replicas, Services select the right
 * pods; five switchovers under a counting writer (0 lost); a refused switchover that backs off; the source pod
 * killed, a replica promoted by spec, the old pod back as a replica with nothing lost.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  GROUP,
  missingWrites,
  REDIS_PW,
  readwritePods,
  redisClient,
  redisNodeSpec,
  redisPod,
  redisReplicationFixture,
  redisReplications,
  startWriter,
} from '../support/redisReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const NODES = ['redis-rr-node-0', 'redis-rr-node-1', 'redis-rr-node-2'];
const [N0, N1, N2] = NODES;
const CR = 'redis-replication-sample';
const SOURCE_HOST = 'compose-operator/redis-replication.source.host';

test('RedisReplication on real redis pods: sample ready, Services, 5 lossless switchovers, refused switchover backs off, a returning old source rejoins as replica', async (t) => {
  const ns = await testNamespace(t, 'rr');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  // the third node has no config file: CONFIG REWRITE cannot persist there, which is reported, not fatal
  await apply(ns, redisReplicationFixture(NODES, [N2]));
  const pods = await Promise.all(NODES.map((n) => readyPod(ns, n)));
  const ips: Record<string, string> = Object.fromEntries(NODES.map((n, i) => [n, pods[i].status!.podIP!]));
  await startManager(
    t,
    controllers({
      addressMode: 'pod-ip',
      redisReplication: { resyncMs: 1000, catchUpTimeoutMs: 2000, switchoverBackoffMs: () => 6000 },
      only: ['redisreplication'],
    }),
    { namespaces: [ns] },
  );
  const crs = redisReplications(custom, ns);
  await cluster.kubectl(
    ['apply', '-n', ns, '-f', '-'],
    await readFile('samples/compose-redisreplication.yaml', 'utf8'),
  );

  const readyWith = (source: string, timeoutMs = 60_000) =>
    eventually(
      `${CR} ready with ${source} as source`,
      async () => {
        const o = await crs.get(CR);
        return o.status?.ready === true && o.status.topology?.[source]?.role === 'Source' && o.status;
      },
      timeoutMs,
      100,
    );
  const selected = async (service: string) => {
    const svc = await core.readNamespacedService({ name: service, namespace: ns });
    const selector = Object.entries(svc.spec!.selector!)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: selector });
    return list.items.map((p) => p.metadata!.name!).sort();
  };

  // --- the sample verbatim converges ---
  const status = await readyWith(N0);
  assert.equal(status.readwriteService, `${CR}-readwrite`);
  assert.equal(status.readonlyService, `${CR}-readonly`);
  for (const r of [N1, N2]) {
    const node = status.topology?.[r];
    assert.equal(node?.role, 'Replica');
    assert.equal(node?.sourceHost, ips[N0]);
    assert.equal(node?.sourcePort, 6379);
    assert.equal(node?.masterLinkStatus, 'up');
    assert.equal(node?.masterSyncInProgress, false);
    assert.equal(typeof node?.slaveReplOffset, 'number');
  }
  const topo = status.conditions?.find((c) => c.type === 'TopologyReady');
  assert.equal(topo?.status, 'True');
  assert.match(topo!.message, new RegExp(`note: ${N2} runs without a config file`));
  assert.deepEqual(await selected(`${CR}-readwrite`), [N0]);
  assert.deepEqual(await selected(`${CR}-readonly`), [N1, N2]);
  const rwSvc = await core.readNamespacedService({ name: `${CR}-readwrite`, namespace: ns });
  assert.equal(rwSvc.spec?.ports?.[0].name, 'redis');
  const pod0 = await core.readNamespacedPod({ name: N0, namespace: ns });
  assert.equal(pod0.metadata?.labels?.[SOURCE_HOST], 'redis-rr-node-0.default.svc.cluster.local');
  assert.equal(pod0.metadata?.labels?.['compose-operator/redis-replication.source.port'], '6379');
  // the roles were persisted where there is a config file: a replica's redis.conf names its source
  const c1 = redisClient(ips[N1]);
  await c1.connect();
  assert.equal(((await c1.config('GET', 'masterauth')) as string[])[1], REDIS_PW);
  c1.disconnect();

  // --- writes through the read-write pod appear on every replica ---
  const c0 = redisClient(ips[N0]);
  await c0.connect();
  const pipeline = c0.pipeline();
  for (let i = 0; i < 500; i++) pipeline.set(`seed:${i}`, String(i));
  await pipeline.exec();
  c0.disconnect();
  for (const r of [N1, N2]) {
    await eventually(`500 keys on ${r}`, async () => {
      const c = redisClient(ips[r]);
      await c.connect();
      try {
        return (await c.get('seed:499')) === '499' && (await c.dbsize()) >= 500;
      } finally {
        c.disconnect();
      }
    });
  }

  // --- five switchovers back and forth under a writer that counts acknowledged writes ---
  const writer = startWriter(core, ns, CR);
  t.after(() => writer.stop());
  // the Service never selects two pods: sampled every 20 ms through all switchovers
  let maxReadWrite = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxReadWrite = Math.max(maxReadWrite, (await readwritePods(core, ns, CR)).length);
      await sleep(20);
    }
  })();
  let source = N0;
  const durations: number[] = [];
  for (let i = 0; i < 5; i++) {
    const next = source === N0 ? N1 : N0;
    const before = writer.acked.length;
    await eventually('writes before the switchover', async () => writer.acked.length > before + 50, 30_000, 20);
    const started = Date.now();
    await crs.patchSource(
      CR,
      next,
      NODES.filter((n) => n !== next),
    );
    await readyWith(next);
    durations.push(Date.now() - started);
    source = next;
    assert.deepEqual(await selected(`${CR}-readwrite`), [next]);
  }
  const ackedAtEnd = writer.acked.length;
  await eventually('writes after the last switchover', async () => writer.acked.length > ackedAtEnd + 50, 30_000, 20);
  await writer.stop();
  sampling = false;
  await sampler;
  assert.equal(maxReadWrite, 1, 'at most one pod is read-write at any time');
  const lost = await missingWrites(ips[source], writer.acked);
  t.diagnostic(
    `switchovers 5, patch→ready ms ${durations.join(', ')}, acked ${writer.acked.length}, failed attempts ${writer.failures}, lost ${lost.length}`,
  );
  assert.equal(lost.length, 0, `lost ${lost.length} acknowledged writes: ${lost.slice(0, 10)}`);
  const afterSwitch = await crs.get(CR);
  const old = source === N0 ? N1 : N0;
  assert.equal(afterSwitch.status?.topology?.[old]?.role, 'Replica');
  assert.equal(afterSwitch.status?.topology?.[old]?.sourceHost, ips[source]);
  assert.equal(afterSwitch.status?.topology?.[source]?.sourceHost, undefined, 'no stale replica fields on the source');
  const events = await core.listNamespacedEvent({ namespace: ns });
  assert.ok(events.items.filter((e) => e.reason === 'SwitchoverCompleted').length >= 5);

  // --- a candidate that cannot catch up: refused, the old source stays the source, retried only after backoff ---
  const lagging = source === N0 ? N1 : N0;
  const cl = redisClient(ips[lagging]);
  await cl.connect();
  // a paused replica does not apply its master's stream (Redis pauses replication traffic too)
  await cl.call('CLIENT', 'PAUSE', '60000', 'WRITE');
  const cs = redisClient(ips[source]);
  await cs.connect();
  for (let i = 0; i < 50; i++) await cs.set(`lag:${i}`, String(i));
  const refusedAt = Date.now();
  await crs.patchSource(
    CR,
    lagging,
    NODES.filter((n) => n !== lagging),
  );
  const refused = await eventually(
    'switchover refused',
    async () => {
      const c = (await crs.get(CR)).status?.conditions?.find((x) => x.type === 'TopologyReady');
      return c?.status === 'False' && c.reason === 'SwitchoverRefused' && c;
    },
    20_000,
    100,
  );
  assert.match(refused.message, /retrying at \d{4}-\d\d-\d\dT/);
  // the old source accepts writes again and still has the read-write label
  assert.equal(await cs.set('after-refusal', 'x'), 'OK');
  assert.deepEqual(await selected(`${CR}-readwrite`), [source]);
  const refusals = async () =>
    (await core.listNamespacedEvent({ namespace: ns })).items
      .filter((e) => e.reason === 'SwitchoverRefused')
      .reduce((n, e) => n + (e.count ?? 1), 0);
  // resync is 1 s: without the backoff there would be several more refusals in this window
  await sleep(Math.max(0, refusedAt + 4500 - Date.now()));
  assert.equal(await refusals(), 1, 'a refused switchover is not retried every pass');
  await cl.call('CLIENT', 'UNPAUSE');
  cl.disconnect();
  cs.disconnect();
  await readyWith(lagging, 30_000);
  source = lagging;

  // --- the source pod dies, a replica is promoted by spec, the old pod comes back empty: it rejoins as replica ---
  const dead = source;
  const heir = NODES.find((n) => n !== dead && n !== N2)!;
  await core.deleteNamespacedPod({ name: dead, namespace: ns, gracePeriodSeconds: 0 });
  await eventually(
    `pod ${dead} gone`,
    async () => !(await core.listNamespacedPod({ namespace: ns })).items.some((p) => p.metadata?.name === dead),
    60_000,
  );
  await crs.patchSource(
    CR,
    heir,
    NODES.filter((n) => n !== heir),
  );
  await eventually(
    `${heir} promoted`,
    async () => (await crs.get(CR)).status?.topology?.[heir]?.role === 'Source',
    30_000,
    100,
  );
  const promotedEvent = (await core.listNamespacedEvent({ namespace: ns })).items.find(
    (e) => e.reason === 'PromotedWithoutSource',
  );
  assert.ok(promotedEvent, 'the promotion without the old source is an event');
  const writer2 = startWriter(core, ns, CR, 1_000_000);
  t.after(() => writer2.stop());
  await eventually('writes on the new source', async () => writer2.acked.length > 100, 30_000, 20);
  // the old pod returns (empty: emptyDir) while writes go on; it must never be read-write
  let everReadWrite = false;
  let watching = true;
  const labelWatch = (async () => {
    while (watching) {
      const p = await core.readNamespacedPod({ name: dead, namespace: ns }).catch(() => undefined);
      if (p?.metadata?.labels?.['compose-operator/redis-replication.readonly'] === 'false') everReadWrite = true;
      await sleep(30);
    }
  })();
  await apply(ns, [redisPod(dead)]);
  const back = await readyPod(ns, dead);
  ips[dead] = back.status!.podIP!;
  const rejoined = await eventually(
    `${dead} back as a replica of ${heir}`,
    async () => {
      const o = await crs.get(CR);
      const n = o.status?.topology?.[dead];
      return o.status?.ready === true && n?.role === 'Replica' && n.sourceHost === ips[heir] && o.status;
    },
    60_000,
    100,
  );
  watching = false;
  await labelWatch;
  await writer2.stop();
  assert.equal(everReadWrite, false, 'the returning old source was never labelled read-write');
  assert.equal(rejoined.topology?.[heir]?.role, 'Source');
  assert.deepEqual(await selected(`${CR}-readwrite`), [heir]);
  const lostOnHeir = await missingWrites(ips[heir], [...writer.acked, ...writer2.acked]);
  assert.equal(lostOnHeir.length, 0, `the new source lost ${lostOnHeir.length} acknowledged writes`);
  await eventually(`${dead} has every write the new source acknowledged`, async () => {
    const m = await missingWrites(ips[dead], writer2.acked);
    return m.length === 0;
  });

  // --- an isolated replica leaves replication (a master of itself) and both Services ---
  const isolatedSpec = NODES.filter((n) => n !== heir).map((n) => ({
    ...redisNodeSpec(n, ns),
    ...(n === N2 ? { isolated: true } : {}),
  }));
  await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'redisreplications',
      name: CR,
      body: { spec: { replica: isolatedSpec } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await eventually(
    `${N2} isolated`,
    async () => {
      const o = await crs.get(CR);
      return o.status?.ready === true && o.status.topology?.[N2]?.role === 'Source' && o.status;
    },
    30_000,
    100,
  );
  assert.deepEqual(await selected(`${CR}-readonly`), [dead]);
  assert.deepEqual(await selected(`${CR}-readwrite`), [heir]);
  const isolatedLabels = (await core.readNamespacedPod({ name: N2, namespace: ns })).metadata?.labels ?? {};
  assert.equal(isolatedLabels['compose-operator/redis-replication.name'], undefined);
  assert.equal(isolatedLabels['compose-operator/redis-replication.readonly'], undefined);

  // no password anywhere in status or events
  const everything = JSON.stringify([await crs.get(CR), (await core.listNamespacedEvent({ namespace: ns })).items]);
  assert.doesNotMatch(everything, new RegExp(REDIS_PW.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});
