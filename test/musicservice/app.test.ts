/**
 * MusicService app side against the local cluster (app pods under KWOK), database disabled: children and status,
 * no write once converged, the HPA's count respected, `kubectl scale` through the scale subresource, an image
 * change rolling only the app StatefulSet, a failed step retried with backoff.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { getJson, patchMusicService, sampleYaml, startOperator, waitForPhase } from './operator.ts';

async function sampleWithoutDatabase(): Promise<Record<string, any>> {
  const ms = parse(await sampleYaml());
  ms.spec.database.enabled = false;
  return ms;
}

const reconciles = async (mgr: { metrics: { reconcileTotal: { get(): Promise<{ values: { value: number }[] }> } } }) =>
  (await mgr.metrics.reconcileTotal.get()).values.reduce((a, v) => a + v.value, 0);

test('the sample without its database: children as the README names them, Available, then no writes', async (t) => {
  const ns = await testNamespace(t, 'ms-app');
  const { mgr, cluster } = await startOperator(t, ns);
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(await sampleWithoutDatabase()));

  const ms = await waitForPhase(cluster, ns, 'Available');
  assert.equal(ms.status.readyReplicas, 3);
  assert.equal(ms.status.desiredReplicas, 3);
  assert.equal(ms.status.observedGeneration, ms.metadata.generation);
  assert.ok(ms.status.lastReconcileTime);
  const available = ms.status.conditions.find((c: any) => c.type === 'Available');
  assert.deepEqual([available.status, available.reason], ['True', 'PodsReady']);

  const sts = await getJson(cluster, ns, 'statefulset/miku-stream');
  const c = sts!.spec.template.spec.containers[0];
  assert.equal(c.ports[0].containerPort, 8080);
  assert.deepEqual(
    c.env.map((e: any) => [e.name, e.value]),
    [
      ['STREAMING_BITRATE', '320k'],
      ['MAX_CONNECTIONS', '5000'],
    ],
  );
  assert.equal(sts!.spec.volumeClaimTemplates[0].metadata.name, 'music-data');
  const svc = await getJson(cluster, ns, 'service/miku-stream');
  assert.deepEqual([svc!.spec.ports[0].port, svc!.spec.ports[0].targetPort], [8080, 8080]);
  const hpa = await getJson(cluster, ns, 'hpa/miku-stream-autoscaler');
  assert.deepEqual(
    hpa!.spec.metrics.map((m: any) => m.resource.name),
    ['cpu', 'memory'],
  );
  assert.equal(await getJson(cluster, ns, 'statefulset/miku-stream-db-master'), undefined);
  const printed = await cluster.kubectl(['-n', ns, 'get', 'musicservice', 'miku-stream']);
  assert.match(printed, /REPLICAS\s+READY\s+PHASE\s+AGE/);

  // converged: another pass (triggered by an owned object's change) sends no apply and no status write
  const events = async () =>
    (
      await cluster.kubectl([
        '-n',
        ns,
        'get',
        'events',
        '--field-selector=involvedObject.kind=MusicService',
        '-o',
        'jsonpath={range .items[*]}{.reason}{"\\n"}{end}',
      ])
    )
      .split('\n')
      .filter(Boolean);
  const eventsBefore = await eventually('the transition events', async () => {
    const list = await events();
    return list.includes('Available') && list;
  });
  const applied = mgr.applier.stats.applied;
  const rv = ms.metadata.resourceVersion;
  const before = await reconciles(mgr);
  await cluster.kubectl(['-n', ns, 'annotate', 'service', 'miku-stream', 'test/poke=1']);
  await eventually('another reconcile', async () => (await reconciles(mgr)) > before);
  assert.equal(mgr.applier.stats.applied, applied, 'no apply request once converged');
  const after = await getJson(cluster, ns, 'musicservice/miku-stream');
  assert.equal(after!.metadata.resourceVersion, rv, 'no status write once converged');
  assert.deepEqual(await events(), eventsBefore, 'events only on transitions');
});

test('the HPA owns the count; kubectl scale musicservice works through the scale subresource', async (t) => {
  const ns = await testNamespace(t, 'ms-scale');
  const { mgr, cluster } = await startOperator(t, ns);
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(await sampleWithoutDatabase()));
  await waitForPhase(cluster, ns, 'Available');

  // the HPA scales the StatefulSet (same call as the HPA controller: the scale subresource)
  await cluster.kubectl(['-n', ns, 'scale', 'statefulset', 'miku-stream', '--replicas=6']);
  const before = await reconciles(mgr);
  await cluster.kubectl(['-n', ns, 'annotate', 'service', 'miku-stream', 'test/poke=1']);
  await eventually('another reconcile', async () => (await reconciles(mgr)) > before);
  await eventually('status follows the HPA', async () => {
    const o = await getJson(cluster, ns, 'musicservice/miku-stream');
    return o?.status?.desiredReplicas === 6 && o.status.readyReplicas === 6;
  });
  assert.equal((await getJson(cluster, ns, 'statefulset/miku-stream'))!.spec.replicas, 6, 'operator did not reset it');

  await cluster.kubectl(['-n', ns, 'scale', 'musicservice', 'miku-stream', '--replicas=5']);
  const ms = await eventually(
    '5 ready replicas',
    async () => {
      const o = await getJson(cluster, ns, 'musicservice/miku-stream');
      return o?.status?.readyReplicas === 5 && o.status.phase === 'Available' && o;
    },
    60_000,
  );
  assert.equal(ms.spec.replicas, 5);
  assert.equal((await getJson(cluster, ns, 'statefulset/miku-stream'))!.spec.replicas, 5);
  const scale = JSON.parse(
    await cluster.kubectl(['-n', ns, 'get', 'musicservice', 'miku-stream', '--subresource=scale', '-o', 'json']),
  );
  assert.deepEqual([scale.spec.replicas, scale.status.replicas], [5, 5]);
  assert.equal(scale.status.selector, 'app=miku-stream,component=music-service');
});

test('changing spec.image rolls the app StatefulSet and rewrites nothing else', async (t) => {
  const ns = await testNamespace(t, 'ms-image');
  const { cluster } = await startOperator(t, ns);
  const ms = await sampleWithoutDatabase();
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(ms));
  await waitForPhase(cluster, ns, 'Available');
  // Services: their resourceVersion (nothing else writes them); the HPA: its spec generation, since the HPA
  // controller rewrites its status whenever the StatefulSet's replicas move, which is not a write of ours
  const others = ['service/miku-stream', 'service/miku-stream-headless', 'hpa/miku-stream-autoscaler'];
  const versions = async () =>
    Promise.all(
      others.map(async (r) => {
        const o = (await getJson(cluster, ns, r))!;
        return r.startsWith('hpa/') ? `generation ${o.metadata.generation}` : o.metadata.resourceVersion;
      }),
    );
  const before = await versions();
  const stsBefore = await getJson(cluster, ns, 'statefulset/miku-stream');

  await patchMusicService(cluster, ns, { spec: { image: 'nginx:1.27-alpine' } });
  await eventually(
    'rolled out',
    async () => {
      const sts = await getJson(cluster, ns, 'statefulset/miku-stream');
      const o = await getJson(cluster, ns, 'musicservice/miku-stream');
      return (
        sts!.spec.template.spec.containers[0].image === 'nginx:1.27-alpine' &&
        sts!.status.updateRevision !== stsBefore!.status.updateRevision &&
        sts!.status.updatedReplicas === 3 &&
        o?.status?.phase === 'Available' &&
        o.status.observedGeneration === o.metadata.generation
      );
    },
    60_000,
  );
  assert.deepEqual(await versions(), before, 'Services and HPA untouched');
});

test('a failed step is reported and retried with backoff until it succeeds', async (t) => {
  const ns = await testNamespace(t, 'ms-retry');
  const { cluster } = await startOperator(t, ns);
  // a StatefulSet of the same name with another selector: applying ours fails (the selector is immutable)
  const blocker = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'miku-stream', namespace: ns },
    spec: {
      replicas: 0,
      serviceName: 'x',
      selector: { matchLabels: { blocker: 'yes' } },
      template: { metadata: { labels: { blocker: 'yes' } }, spec: { containers: [{ name: 'x', image: 'x' }] } },
    },
  };
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(blocker));
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(await sampleWithoutDatabase()));
  const failed = await waitForPhase(cluster, ns, 'Failed');
  assert.match(failed.status.lastError, /applying StatefulSet miku-stream/);
  const reconciled = failed.status.conditions.find((c: any) => c.type === 'Reconciled');
  assert.deepEqual([reconciled.status, reconciled.reason], ['False', 'ReconcileError']);
  // no event reaches the controller from this delete (the blocker is not owned): only the retry can recover
  await cluster.kubectl(['-n', ns, 'delete', 'statefulset', 'miku-stream', '--wait=true']);
  const ok = await waitForPhase(cluster, ns, 'Available', 90_000);
  assert.equal(ok.status.lastError, undefined);
});
