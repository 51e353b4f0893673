/**
 * A StreamBusCluster with TLS: a missing or incomplete TLS Secret gives Degraded with the reason, the Secret
 * appearing makes it Running; a tag change rolls one pod at a time; podLabels cannot break the selector; with
 * pvcRetention Delete the claims go with the cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { apis, clusterPods, condition, getCr, STREAMBUS, sampleIn, startManager, trackUnavailable } from './support.ts';

const NAME = 'streambus-minimal';

test('StreamBusCluster: TLS Secret missing → Degraded → Running; tag roll; HPA; pvcRetention Delete', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'sbc');
  await startManager(t, [ns]);
  const { core } = await apis();
  const patch = (type: 'merge' | 'json', body: string) =>
    cluster.kubectl(['patch', 'streambuscluster', NAME, '-n', ns, `--type=${type}`, `-p=${body}`]);
  const cr = await sampleIn('streambus-minimal.yaml', ns);
  cr.spec.security = { tls: { enabled: true, certSecretName: 'broker-tls' } };
  cr.spec.podLabels = { 'app.kubernetes.io/instance': 'hijack', team: 'streaming' };
  cr.spec.pvcRetention = 'Delete';
  await cluster.kubectl(['apply', '-f', '-'], stringify(cr));

  await t.test('a missing TLS Secret, then a Secret without tls.key: Degraded with the reason', async () => {
    const degraded = await eventually('Degraded', async () => {
      const c = await getCr(STREAMBUS, ns, NAME);
      return c?.status?.phase === 'Degraded' && c;
    });
    assert.equal(condition(degraded, 'Ready')?.reason, 'SecretMissing');
    assert.match(
      condition(degraded, 'Ready')?.message ?? '',
      new RegExp(`${ns}/broker-tls \\(spec\\.security\\.tls\\.certSecretName\\) not found`),
    );
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'broker-tls' }, stringData: { 'tls.crt': 'C' } },
    });
    await eventually('reason names the missing key', async () =>
      /lacks key tls\.key/.test(condition(await getCr(STREAMBUS, ns, NAME), 'Degraded')?.message ?? ''),
    );
    await cluster.kubectl([
      'patch',
      'secret',
      'broker-tls',
      '-n',
      ns,
      '--type=merge',
      '-p={"stringData":{"tls.key":"K"}}',
    ]);
  });

  await t.test('the Secret completed, the cluster runs; podLabels added without breaking the selector', async () => {
    await eventually('Running', async () => (await getCr(STREAMBUS, ns, NAME))?.status?.phase === 'Running', 90_000);
    const pods = await clusterPods(ns, NAME);
    assert.equal(pods.length, 3);
    const pod = await core.readNamespacedPod({ namespace: ns, name: `${NAME}-0` });
    assert.equal(pod.metadata?.labels?.['app.kubernetes.io/instance'], NAME);
    assert.equal(pod.metadata?.labels?.team, 'streaming');
    assert.ok(pod.spec?.volumes?.some((v) => v.secret?.secretName === 'broker-tls'));
    const c = await getCr(STREAMBUS, ns, NAME);
    assert.equal(condition(c, 'Degraded')?.status, 'False');
    assert.deepEqual(
      c?.status?.endpoints,
      [0, 1, 2].map((i) => `${NAME}-${i}.${NAME}-headless.${ns}.svc:9092`),
    );
  });

  await t.test('an image tag change rolls the brokers one at a time', async () => {
    const tracker = await trackUnavailable(ns, NAME, 3);
    await patch('merge', '{"spec":{"image":{"tag":"v0.7.0"}}}');
    await eventually(
      'rolled to v0.7.0',
      async () => {
        const c = await getCr(STREAMBUS, ns, NAME);
        const pods = await clusterPods(ns, NAME);
        return (
          c?.status?.phase === 'Running' &&
          c.status.observedGeneration === c.metadata.generation &&
          pods.length === 3 &&
          pods.every((p) => p.ready && !p.deleting && p.image === 'streambus/broker:v0.7.0')
        );
      },
      90_000,
    );
    tracker.stop();
    assert.equal(tracker.maxUnavailable, 1);
  });

  await t.test('autoscaling creates an HPA whose choice the operator keeps; removing it deletes the HPA', async () => {
    const { apps } = await apis();
    await patch(
      'merge',
      '{"spec":{"autoscaling":{"minReplicas":3,"maxReplicas":6,"targetCPUUtilizationPercentage":70}}}',
    );
    const hpa = await eventually('HPA', async () =>
      JSON.parse(await cluster.kubectl(['get', 'hpa', NAME, '-n', ns, '-o', 'json']).catch(() => 'false')),
    );
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: NAME });
    assert.equal(hpa.spec.maxReplicas, 6);
    // what the HPA controller does when it scales: write the StatefulSet's scale
    await cluster.kubectl(['scale', 'statefulset', NAME, '-n', ns, '--replicas=4']);
    await eventually(
      '4 brokers kept',
      async () => {
        const c = await getCr(STREAMBUS, ns, NAME);
        return c?.status?.phase === 'Running' && c.status.readyReplicas === 4;
      },
      60_000,
    );
    const sts = await apps.readNamespacedStatefulSet({ name: NAME, namespace: ns });
    assert.equal(sts.spec?.replicas, 4, 'the operator does not fight the autoscaler');
    await patch('json', '[{"op":"remove","path":"/spec/autoscaling"}]');
    await eventually(
      'HPA deleted, back to spec.replicas',
      async () => {
        const c = await getCr(STREAMBUS, ns, NAME);
        const left = await cluster.kubectl(['get', 'hpa', '-n', ns, '-o', 'name']);
        return (
          !left.trim() && c?.status?.phase === 'Running' && c.status.readyReplicas === 3 && c.status.replicas === 3
        );
      },
      60_000,
    );
  });

  await t.test('with pvcRetention Delete, deleting the cluster also deletes its claims', async () => {
    const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: ns });
    assert.equal(pvcs.items.length, 8, 'data and raft-data per broker (4 brokers at most)');
    await cluster.kubectl(['delete', 'streambuscluster', NAME, '-n', ns]);
    await eventually(
      'everything gone',
      async () => {
        const out = await cluster.kubectl([
          'get',
          'statefulsets,services,configmaps,pods,pvc,pdb',
          '-n',
          ns,
          '-l',
          `app.kubernetes.io/instance=${NAME}`,
          '-o',
          'name',
        ]);
        return out.trim() === '';
      },
      60_000,
    );
  });
});
