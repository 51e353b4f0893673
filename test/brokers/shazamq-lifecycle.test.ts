/**
 * A ShazamqCluster through its life: version upgrade and config change roll the brokers one at a time, scale
 * 3 → 5 through spec.replicas and back to 3 through the scale subresource, and deletion leaves only the claims.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { apis, clusterPods, condition, getCr, SHAZAMQ, sampleIn, startManager, trackUnavailable } from './support.ts';

const NAME = 'my-cluster';

test('ShazamqCluster: upgrade and config change roll one pod at a time, scale 3→5→3, delete keeps PVCs', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'sqc');
  await startManager(t, [ns]);
  const { core, apps } = await apis();
  const running = (replicas: number, check: (pods: Awaited<ReturnType<typeof clusterPods>>) => boolean = () => true) =>
    eventually(
      `${replicas} ready brokers, phase Running`,
      async () => {
        const cr = await getCr(SHAZAMQ, ns, NAME);
        const pods = await clusterPods(ns, NAME);
        return (
          cr?.status?.phase === 'Running' &&
          cr.status.observedGeneration === cr.metadata.generation &&
          cr.status.readyReplicas === replicas &&
          pods.length === replicas &&
          pods.every((p) => p.ready && !p.deleting) &&
          check(pods) && { cr, pods }
        );
      },
      120_000,
    );
  const patch = (p: unknown) =>
    cluster.kubectl(['patch', 'shazamqcluster', NAME, '-n', ns, '--type=json', `-p=${JSON.stringify(p)}`]);

  await cluster.kubectl(['apply', '-f', '-'], stringify(await sampleIn('shazamq-my-cluster.yaml', ns)));
  const first = await running(3);
  assert.deepEqual(
    (first.cr.status?.brokers as { id: number }[]).map((b) => b.id),
    [0, 1, 2],
  );

  await t.test('a version change rolls the brokers one at a time', async () => {
    const before = new Set(first.pods.map((p) => p.uid));
    const tracker = await trackUnavailable(ns, NAME, 3);
    await patch([{ op: 'replace', path: '/spec/version', value: '0.2.0' }]);
    const after = await running(3, (pods) => pods.every((p) => p.image === 'shazamq/shazamq:0.2.0'));
    tracker.stop();
    assert.ok(
      after.pods.every((p) => !before.has(p.uid)),
      'every pod was replaced',
    );
    assert.equal(tracker.maxUnavailable, 1, 'never more than one broker down');
  });

  await t.test('a config change rolls the brokers', async () => {
    const pods = await clusterPods(ns, NAME);
    const hash = pods[0].hash;
    const tracker = await trackUnavailable(ns, NAME, 3);
    await patch([{ op: 'add', path: '/spec/config', value: { broker: { num_io_threads: 16 } } }]);
    const after = await running(3, (ps) => ps.every((p) => p.hash !== hash));
    tracker.stop();
    assert.ok(after.pods.every((p) => !pods.some((q) => q.uid === p.uid)));
    assert.equal(tracker.maxUnavailable, 1);
    const cm = await core.readNamespacedConfigMap({ name: `${NAME}-config`, namespace: ns });
    assert.match(cm.data?.['config.toml'] ?? '', /num_io_threads = 16/);
  });

  await t.test('scale 3 → 5 through spec.replicas, back to 3 through the scale subresource', async () => {
    await patch([{ op: 'replace', path: '/spec/replicas', value: 5 }]);
    const five = await running(5);
    assert.equal((five.cr.status?.brokers as unknown[]).length, 5);
    await cluster.kubectl(['scale', 'shazamqcluster', NAME, '-n', ns, '--replicas=3']);
    const three = await running(3);
    assert.equal(three.cr.spec.replicas, 3);
    const scale = JSON.parse(
      await cluster.kubectl(['get', 'shazamqcluster', NAME, '-n', ns, '--subresource=scale', '-o', 'json']),
    );
    assert.equal(scale.status.replicas, 3);
    assert.match(scale.status.selector, /app\.kubernetes\.io\/instance=my-cluster/);
    await cluster.kubectl(['scale', 'shazamqcluster', NAME, '-n', ns, '--replicas=4']);
    await running(4);
    await patch([{ op: 'replace', path: '/spec/replicas', value: 3 }]);
    await running(3);
  });

  await t.test(
    'a claim size change the StatefulSet cannot take is Degraded with the reason, reverting heals',
    async () => {
      const sizePath = '/spec/storage/volumeClaimTemplate/spec/resources/requests/storage';
      await patch([{ op: 'replace', path: sizePath, value: '200Gi' }]);
      const degraded = await eventually('Degraded UpdateRejected', async () => {
        const cr = await getCr(SHAZAMQ, ns, NAME);
        return condition(cr, 'Degraded')?.reason === 'UpdateRejected' && cr;
      });
      assert.equal(degraded.status?.phase, 'Degraded');
      assert.match(
        condition(degraded, 'Degraded')?.message ?? '',
        /StatefulSet my-cluster update rejected.*volumeClaimTemplates|StatefulSet my-cluster update rejected.*forbidden/,
      );
      assert.equal(condition(degraded, 'Ready')?.status, 'True', 'the brokers keep running');
      await patch([{ op: 'replace', path: sizePath, value: '100Gi' }]);
      await running(3);
    },
  );

  await t.test('deleting the cluster removes every child and keeps the claims', async () => {
    await cluster.kubectl(['delete', 'shazamqcluster', NAME, '-n', ns]);
    const sel = `app.kubernetes.io/instance=${NAME}`;
    await eventually(
      'children gone',
      async () => {
        const [sts, svc, cm, pods] = await Promise.all([
          apps.listNamespacedStatefulSet({ namespace: ns }),
          core.listNamespacedService({ namespace: ns }),
          core.listNamespacedConfigMap({ namespace: ns, labelSelector: sel }),
          core.listNamespacedPod({ namespace: ns }),
        ]);
        const pdb = await cluster.kubectl(['get', 'pdb', '-n', ns, '-o', 'name']);
        return !sts.items.length && !svc.items.length && !cm.items.length && !pods.items.length && !pdb.trim();
      },
      60_000,
    );
    const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: ns });
    assert.deepEqual(
      pvcs.items.map((p) => p.metadata?.name).sort(),
      [0, 1, 2, 3, 4].map((i) => `data-${NAME}-${i}`),
    );
  });
});
