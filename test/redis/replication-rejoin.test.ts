/**
 * A returning old source never wins, and what it took while cut off is reported: the source is frozen (SIGSTOP:
 * the operator cannot reach it), a replica is promoted by spec and takes writes; with no operator running the old
 * source thaws and acknowledges a write of its own (a client that still had its address); when the operator comes
 * back it makes the old source a replica of the new one before any label routes writes to it, and reports the
 * discarded writes in an event and the DivergentWrites condition. Nothing the new source acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { apply, podProcesses, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  missingWrites,
  redisClient,
  redisReplicationCr,
  redisReplicationFixture,
  redisReplications,
  startWriter,
} from '../support/redisReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const NODES = ['d-0', 'd-1', 'd-2'];

test('a cut-off old source that took writes rejoins as a replica; its writes are reported, the new source loses nothing', async (t) => {
  const ns = await testNamespace(t, 'rr-rejoin');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, redisReplicationFixture(NODES));
  const pods = await Promise.all(NODES.map((n) => readyPod(ns, n)));
  const ip = (n: string) => pods[NODES.indexOf(n)].status!.podIP!;
  const registrations = () =>
    controllers({
      addressMode: 'pod-ip',
      redisReplication: { resyncMs: 1000, connectTimeoutMs: 1000, commandTimeoutMs: 1500 },
      only: ['redisreplication'],
    });
  const first = await startManager(t, registrations(), { namespaces: [ns] });
  const crs = redisReplications(custom, ns);
  await crs.create(redisReplicationCr('rr', ns, 'd-0', ['d-1', 'd-2']));
  await eventually('rr ready', async () => (await crs.get('rr')).status?.ready === true, 60_000, 100);

  // freeze the source: its process keeps its data and its role, but answers nobody
  const frozen = podProcesses(pods[0].metadata!.uid!);
  assert.ok(frozen.length > 0, 'the source pod runs a server process');
  for (const pid of frozen) process.kill(pid, 'SIGSTOP');
  t.after(() => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {}
    }
  });
  await crs.patchSource('rr', 'd-1', ['d-0', 'd-2']);
  await eventually(
    'd-1 promoted, d-2 following it',
    async () => {
      const o = await crs.get('rr');
      return o.status?.topology?.['d-1']?.role === 'Source' && o.status.topology['d-2']?.sourceHost === ip('d-1');
    },
    60_000,
    100,
  );
  const writer = startWriter(core, ns, 'rr');
  t.after(() => writer.stop());
  await eventually('writes on the new source', async () => writer.acked.length > 200, 30_000, 20);
  await writer.stop();

  // no operator: the old source thaws and a client that still had its address writes there
  await first.stop();
  for (const pid of frozen) process.kill(pid, 'SIGCONT');
  const stray = redisClient(ip('d-0'));
  await stray.connect();
  await eventually('the old source acknowledges a write', async () => (await stray.set('stray', 'x')) === 'OK', 10_000);
  stray.disconnect();

  let everReadWrite = false;
  let watching = true;
  const labelWatch = (async () => {
    while (watching) {
      const p = await core.readNamespacedPod({ name: 'd-0', namespace: ns });
      if (p.metadata?.labels?.['compose-operator/redis-replication.readonly'] === 'false') everReadWrite = true;
      await sleep(30);
    }
  })();
  await startManager(t, registrations(), { namespaces: [ns] });
  const reported = await eventually(
    'd-0 back as a replica of d-1, its writes reported',
    async () => {
      const o = await crs.get('rr');
      const c = o.status?.conditions?.find((x) => x.type === 'DivergentWrites');
      return (
        o.status?.ready === true &&
        o.status.topology?.['d-0']?.role === 'Replica' &&
        o.status.topology['d-0'].sourceHost === ip('d-1') &&
        c?.status === 'True' &&
        c
      );
    },
    60_000,
    100,
  );
  watching = false;
  await labelWatch;
  assert.equal(everReadWrite, false, 'the returning old source was never labelled read-write');
  assert.equal(reported.reason, 'WritesDiscarded');
  assert.match(reported.message, /d-0 rejoined as a replica of d-1: it took \d+ bytes of writes/);
  const events = (await core.listNamespacedEvent({ namespace: ns })).items;
  assert.ok(events.some((e) => e.reason === 'DivergentWritesDiscarded' && /d-0/.test(e.message ?? '')));

  // the new source kept everything it acknowledged, and the old one now has exactly that
  assert.deepEqual(await missingWrites(ip('d-1'), writer.acked), []);
  await eventually('d-0 has every write d-1 acknowledged', async () => {
    return (await missingWrites(ip('d-0'), writer.acked)).length === 0;
  });
  const c0 = redisClient(ip('d-0'));
  await c0.connect();
  assert.equal(await c0.get('stray'), null, 'the stray write was discarded by the resync, as reported');
  c0.disconnect();
});
