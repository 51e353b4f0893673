import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Controller, isConditionTrue, KubeClient, type KubeObject } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { CONFIGMAP, installWidgetCRD, WIDGET, type Widget, widgetController } from './fixtures/widget.ts';
import { startManager } from './support.ts';

const IDLE_MS = 60_000;

test('a converged object causes zero writes over an idle minute, even while being reconciled', {
  timeout: 180_000,
}, async (t) => {
  const ns = await testNamespace(t, 'rt-idle');
  const setup = new KubeClient((await testCluster()).kc);
  await installWidgetCRD(setup);
  setup.close();
  let controller: Controller | undefined;
  const mgr = await startManager(
    t,
    (m) => {
      controller = widgetController(m);
    },
    { namespaces: [ns] },
  );
  await mgr.client.create({ ...WIDGET, metadata: { name: 'w', namespace: ns }, spec: { value: 'v1' } } as KubeObject);
  const converged = await eventually('the widget to converge', async () => {
    const w = await mgr.client.get<Widget>(WIDGET, ns, 'w');
    const cm = await mgr.client.get(CONFIGMAP, ns, 'w-data');
    return (
      isConditionTrue(w?.status?.conditions, 'Ready') &&
      (cm?.data as { value?: string } | undefined)?.value === 'v1' && { w, cm }
    );
  });

  // Every change to either object shows up on a watch started from their current resourceVersions.
  const writes: string[] = [];
  const stop = new AbortController();
  const watchers = [
    { gvk: WIDGET, rv: converged.w!.metadata!.resourceVersion },
    { gvk: CONFIGMAP, rv: converged.cm!.metadata!.resourceVersion },
  ].map(async ({ gvk, rv }) => {
    try {
      for await (const e of mgr.client.watch(gvk, { namespace: ns, resourceVersion: rv, signal: stop.signal })) {
        if (e.type !== 'BOOKMARK') writes.push(`${e.type} ${gvk.kind}/${e.object.metadata?.name}`);
      }
    } catch (err) {
      if (!stop.signal.aborted) throw err;
    }
  });
  const appliedBefore = mgr.applier.stats.applied;
  const reconcilesBefore = await reconciles(mgr.metrics.registry.getSingleMetricAsString.bind(mgr.metrics.registry));
  // keep reconciling the converged object: each pass must find nothing to write
  const poke = setInterval(() => controller!.enqueue({ namespace: ns, name: 'w' }), 2_000);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  clearInterval(poke);
  stop.abort();
  await Promise.all(watchers);

  const reconcilesDuring =
    (await reconciles(mgr.metrics.registry.getSingleMetricAsString.bind(mgr.metrics.registry))) - reconcilesBefore;
  t.diagnostic(
    `${reconcilesDuring} reconciles, ${writes.length} writes, ${mgr.applier.stats.applied - appliedBefore} apply requests`,
  );
  assert.ok(reconcilesDuring >= 20, `reconciled while idle (${reconcilesDuring})`);
  assert.deepEqual(writes, [], 'no writes');
  assert.equal(mgr.applier.stats.applied - appliedBefore, 0, 'no apply requests either');
});

async function reconciles(get: (name: string) => Promise<string>): Promise<number> {
  const text = await get('controller_runtime_reconcile_total');
  const m = /controller_runtime_reconcile_total\{controller="widget",result="success"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? 0);
}
