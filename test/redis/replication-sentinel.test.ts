/**
 * RedisReplication with `spec.sentinel`: Sentinel owns failover, so the operator changes no server; it reports the
 * topology and keeps the labels — role labels and the source host/port on the Sentinel pods — following the master
 * it observes (`unknown` while there is none it can tell).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  REDIS_PW,
  redisClient,
  redisReplicationCr,
  redisReplicationFixture,
  redisReplications,
} from '../support/redisReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const HOST = 'compose-operator/redis-replication.source.host';
const PORT = 'compose-operator/redis-replication.source.port';
const READONLY = 'compose-operator/redis-replication.readonly';

test('spec.sentinel: no server changes; labels and the Sentinel pods follow the observed master, unknown without one', async (t) => {
  const ns = await testNamespace(t, 'rr-sentinel');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  // s-sentinel stands in for a Sentinel pod: only its labels matter here
  await apply(ns, redisReplicationFixture(['s-0', 's-1', 's-sentinel']));
  const pods = await Promise.all(['s-0', 's-1', 's-sentinel'].map((n) => readyPod(ns, n)));
  const ip = (i: number) => pods[i].status!.podIP!;
  await startManager(
    t,
    controllers({ addressMode: 'pod-ip', redisReplication: { resyncMs: 500 }, only: ['redisreplication'] }),
    { namespaces: [ns] },
  );
  const crs = redisReplications(custom, ns);
  await crs.create(redisReplicationCr('rs', ns, 's-0', ['s-1'], { sentinel: ['s-sentinel'] }));
  const labels = async (name: string) => (await core.readNamespacedPod({ name, namespace: ns })).metadata?.labels ?? {};

  // two unconfigured masters: the operator does not make s-1 a replica, and cannot tell the source
  await eventually('status observed', async () => (await crs.get('rs')).status?.topology?.['s-1']?.role === 'Source');
  await sleep(1500); // three passes
  const c1 = redisClient(ip(1));
  await c1.connect();
  t.after(() => c1.disconnect());
  assert.match(String(await c1.info('replication')), /role:master/, 'no REPLICAOF from the operator');
  assert.equal((await crs.get('rs')).status?.ready, false);
  assert.equal((await labels('s-sentinel'))[HOST], 'unknown');
  assert.equal((await labels('s-sentinel'))[PORT], 'unknown');
  assert.notEqual((await labels('s-0'))[READONLY], 'false');

  // "Sentinel" sets up replication: the spec's topology holds, s-0 is the source everywhere
  await c1.call('CONFIG', 'SET', 'masterauth', REDIS_PW);
  await c1.call('REPLICAOF', ip(0), '6379');
  await eventually('ready as the spec says', async () => (await crs.get('rs')).status?.ready === true, 30_000, 100);
  await eventually('labels follow s-0', async () => {
    const [l0, l1, ls] = await Promise.all([labels('s-0'), labels('s-1'), labels('s-sentinel')]);
    return l0[READONLY] === 'false' && l1[READONLY] === 'true' && ls[HOST] === `s-0.${ns}.svc.cluster.local`;
  });

  // "Sentinel" fails over to s-1: the labels follow the observed master, the spec is not forced back
  const c0 = redisClient(ip(0));
  await c0.connect();
  t.after(() => c0.disconnect());
  await c1.call('REPLICAOF', 'NO', 'ONE');
  await c0.call('CONFIG', 'SET', 'masterauth', REDIS_PW);
  await c0.call('REPLICAOF', ip(1), '6379');
  await eventually(
    'labels follow s-1',
    async () => {
      const [l0, l1, ls] = await Promise.all([labels('s-0'), labels('s-1'), labels('s-sentinel')]);
      return l1[READONLY] === 'false' && l0[READONLY] === 'true' && ls[HOST] === `s-1.${ns}.svc.cluster.local`;
    },
    30_000,
    100,
  );
  const o = await crs.get('rs');
  assert.equal(o.status?.ready, false, 'the spec (s-0 the source) and the servers disagree');
  assert.match(String(await c0.info('replication')), /role:slave/, 'the operator did not undo the failover');
});
