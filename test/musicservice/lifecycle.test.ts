/**
 * MusicService lifecycle against the local cluster: features switched off remove their children (never the PVCs),
 * storage grows in place and a shrink is refused with a condition, deleting the MusicService keeps the PVCs unless
 * `pvcRetention: Delete`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { TestCluster } from '../support/cluster.ts';
import { testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { getJson, patchMusicService, sampleYaml, startOperator, waitForPhase } from './operator.ts';

const names = async (cluster: TestCluster, ns: string, kind: string, selector = 'app=miku-stream') =>
  (await cluster.kubectl(['-n', ns, 'get', kind, '-l', selector, '-o', 'name'])).split('\n').filter(Boolean).sort();

/** The sample as an app only: `replicas` pods, no autoscaler, no database. */
function appOnly(replicas: number) {
  return (s: Record<string, any>) => {
    s.replicas = replicas;
    delete s.autoscaling;
    s.database.enabled = false;
  };
}

async function sample(edit: (spec: Record<string, any>) => void): Promise<string> {
  const ms = parse(await sampleYaml());
  edit(ms.spec);
  return JSON.stringify(ms);
}

test('database.replicas 0 removes the replica children; database.enabled false removes the database but keeps PVCs', async (t) => {
  const ns = await testNamespace(t, 'ms-off');
  const { cluster } = await startOperator(t, ns);
  await cluster.kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    await sample((s) => {
      s.replicas = 1;
      delete s.autoscaling;
    }),
  );
  await eventually(
    'database children and claims',
    async () =>
      (await names(cluster, ns, 'pvc')).length === 4 &&
      (await names(cluster, ns, 'hpa')).includes(
        'horizontalpodautoscaler.autoscaling/miku-stream-db-replica-autoscaler',
      ),
    90_000,
  );
  const claims = await names(cluster, ns, 'pvc');
  assert.deepEqual(claims, [
    'persistentvolumeclaim/db-data-miku-stream-db-master-0',
    'persistentvolumeclaim/db-data-miku-stream-db-replica-0',
    'persistentvolumeclaim/db-data-miku-stream-db-replica-1',
    'persistentvolumeclaim/music-data-miku-stream-0',
  ]);

  await patchMusicService(cluster, ns, { spec: { database: { replicas: 0 } } });
  await eventually(
    'replica children removed',
    async () => {
      const all = [
        ...(await names(cluster, ns, 'statefulset')),
        ...(await names(cluster, ns, 'service')),
        ...(await names(cluster, ns, 'hpa')),
      ];
      return !all.some((n) => /db-replica|db-read/.test(n)) && all;
    },
    60_000,
  );
  assert.ok(await getJson(cluster, ns, 'statefulset/miku-stream-db-master'), 'the primary stays');

  await patchMusicService(cluster, ns, { spec: { database: { enabled: false } } });
  const left = await eventually(
    'database workloads removed',
    async () => {
      const all = [...(await names(cluster, ns, 'statefulset')), ...(await names(cluster, ns, 'service'))];
      return !all.some((n) => n.includes('-db-')) && all;
    },
    60_000,
  );
  assert.deepEqual(left, ['statefulset.apps/miku-stream', 'service/miku-stream', 'service/miku-stream-headless']);
  assert.equal(await getJson(cluster, ns, 'configmap/miku-stream-db-config'), undefined);
  assert.deepEqual(await names(cluster, ns, 'pvc'), claims, 'every PVC kept, with its data');
});

test('storage grows in place; a shrink is refused with a condition and nothing is deleted', async (t) => {
  const ns = await testNamespace(t, 'ms-storage');
  const { cluster } = await startOperator(t, ns);
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], await sample(appOnly(2)));
  await waitForPhase(cluster, ns, 'Available');
  // another instance whose claims share the name prefix (music-data-miku-…): never touched (upstream bug 5)
  const other = parse(await sample(appOnly(1)));
  other.metadata.name = 'miku';
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(other));
  await eventually('the other claim', async () => await getJson(cluster, ns, 'pvc/music-data-miku-0'), 60_000);
  const stsUid = (await getJson(cluster, ns, 'statefulset/miku-stream'))!.metadata.uid;

  await patchMusicService(cluster, ns, { spec: { storage: { size: '60Gi' } } });
  await eventually('claims expanded in place', async () => {
    const sizes = await Promise.all(
      [0, 1].map(
        async (i) => (await getJson(cluster, ns, `pvc/music-data-miku-stream-${i}`))!.spec.resources.requests.storage,
      ),
    );
    return sizes.every((s) => s === '60Gi');
  });
  assert.equal((await getJson(cluster, ns, 'pvc/music-data-miku-0'))!.spec.resources.requests.storage, '50Gi');

  await patchMusicService(cluster, ns, { spec: { storage: { size: '40Gi' } } }); // the sample's policy is Recreate, no opt-in
  const refused = await eventually('shrink refused', async () => {
    const o = await getJson(cluster, ns, 'musicservice/miku-stream');
    return o?.status?.conditions?.find((c: any) => c.type === 'StorageWarningApp');
  });
  assert.equal(refused.reason, 'RecreateNeedsOptIn');
  assert.match(refused.message, /recreateDeletesData/);
  assert.equal((await getJson(cluster, ns, 'pvc/music-data-miku-stream-0'))!.spec.resources.requests.storage, '60Gi');
  assert.equal((await getJson(cluster, ns, 'statefulset/miku-stream'))!.metadata.uid, stsUid, 'StatefulSet kept');

  await patchMusicService(cluster, ns, { spec: { storage: { size: '60Gi' } } });
  await eventually('warning cleared', async () => {
    const o = await getJson(cluster, ns, 'musicservice/miku-stream');
    return !o?.status?.conditions?.some((c: any) => c.type === 'StorageWarningApp');
  });
});

test('with recreateDeletesData a shrink recreates the StatefulSet and its claims at the new size', async (t) => {
  const ns = await testNamespace(t, 'ms-recreate');
  const { cluster } = await startOperator(t, ns);
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], await sample(appOnly(1)));
  await waitForPhase(cluster, ns, 'Available');
  const claimUid = (await getJson(cluster, ns, 'pvc/music-data-miku-stream-0'))!.metadata.uid;
  await patchMusicService(cluster, ns, { spec: { storage: { size: '40Gi', recreateDeletesData: true } } });
  await eventually(
    'a new 40Gi claim and the service Available again',
    async () => {
      const pvc = await getJson(cluster, ns, 'pvc/music-data-miku-stream-0');
      const ms = await getJson(cluster, ns, 'musicservice/miku-stream');
      return (
        pvc?.metadata?.uid !== claimUid &&
        pvc?.spec?.resources?.requests?.storage === '40Gi' &&
        ms?.status?.phase === 'Available' &&
        ms.status.readyReplicas === 1
      );
    },
    120_000,
  );
});

test('deleting a MusicService removes its children and keeps PVCs; pvcRetention Delete removes them too', async (t) => {
  const ns = await testNamespace(t, 'ms-delete');
  const { cluster } = await startOperator(t, ns);
  const spec = appOnly(1);
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], await sample(spec));
  await waitForPhase(cluster, ns, 'Available');
  await cluster.kubectl(['-n', ns, 'delete', 'musicservice', 'miku-stream', '--wait=true']);
  await eventually('children collected', async () => (await names(cluster, ns, 'statefulset')).length === 0, 60_000);
  assert.deepEqual(await names(cluster, ns, 'pvc'), ['persistentvolumeclaim/music-data-miku-stream-0']);

  // the same name again with pvcRetention Delete: it adopts the retained claim's retention, then deletes it with itself
  await cluster.kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    await sample((s) => {
      spec(s);
      s.pvcRetention = 'Delete';
    }),
  );
  await eventually(
    'claim owned by the MusicService',
    async () => {
      const pvc = await getJson(cluster, ns, 'pvc/music-data-miku-stream-0');
      return pvc?.metadata?.ownerReferences?.some((r: any) => r.kind === 'MusicService');
    },
    60_000,
  );
  await cluster.kubectl(['-n', ns, 'delete', 'musicservice', 'miku-stream', '--wait=true']);
  await eventually('claim deleted with it', async () => (await names(cluster, ns, 'pvc')).length === 0, 60_000);
});
