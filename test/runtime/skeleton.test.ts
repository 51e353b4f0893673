/**
 * The controller skeleton against the real API server: reverse references through cache indexes, pruning only
 * what the owner controls, and status writes that read their own writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient, type KubeObject, requeueAfter, setControllerReference } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { CONFIGMAP, installWidgetCRD, WIDGET, type Widget } from './fixtures/widget.ts';
import { startManager } from './support.ts';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const EVENT = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };

interface RefWidget extends Widget {
  spec?: { value?: string; secret?: string; extra?: boolean };
  status?: Widget['status'] & { secretValue?: string; passes?: number };
}

test('skeleton: Secrets map to the Widgets naming them (cache index), deleteOwned prunes only owned children, status reads its own writes', async (t) => {
  const ns = await testNamespace(t, 'rt-skel');
  const setup = new KubeClient((await testCluster()).kc);
  await installWidgetCRD(setup);
  setup.close();
  const passes = new Map<string, number>();
  const mgr = await startManager(
    t,
    (m) =>
      m
        .controller('skeleton')
        .for(WIDGET)
        .owns(CONFIGMAP)
        .watches(SECRET, { referencedBy: (w) => [(w as RefWidget).spec?.secret ?? ''].filter(Boolean) })
        .withOptions({ maxConcurrentReconciles: 2 })
        .reconcile<RefWidget>(async (ctx, w) => {
          const name = w.metadata!.name!;
          passes.set(name, (passes.get(name) ?? 0) + 1);
          const secret = w.spec?.secret ? await m.cache.get(SECRET, ns, w.spec.secret) : undefined;
          const extra = { ...CONFIGMAP, metadata: { name: `${name}-extra`, namespace: ns }, data: { v: '1' } };
          if (w.spec?.extra) await m.apply(setControllerReference(extra, w));
          else await ctx.deleteOwned([{ ...CONFIGMAP, name: `${name}-extra` }]);
          const data = (secret?.data as Record<string, string> | undefined)?.v;
          // a counter kept in status: a reconcile that saw a stale status would lose an increment
          await ctx.patchStatus({
            secretValue: data ? Buffer.from(data, 'base64').toString() : undefined,
            passes: (w.status?.passes ?? 0) + 1,
          });
          return w.spec?.value === 'spin' ? requeueAfter(0) : undefined;
        }),
    { namespaces: [ns] },
  );
  const widget = (name: string, spec: RefWidget['spec']): RefWidget => ({
    ...WIDGET,
    metadata: { name, namespace: ns },
    spec,
  });
  const get = (name: string) => mgr.client.get<RefWidget>(WIDGET, ns, name);
  const secret = (name: string, v: string) => ({
    ...SECRET,
    metadata: { name, namespace: ns },
    data: { v: Buffer.from(v).toString('base64') },
  });

  // a Widget waiting for its Secret gets it as soon as the Secret appears; a Widget naming another does not move
  await mgr.client.create(widget('a', { secret: 's1', extra: true }));
  await mgr.client.create(widget('b', { secret: 's2' }));
  await eventually('both reconciled', async () => (await get('a'))?.status?.passes && (await get('b'))?.status?.passes);
  const settled = async () => {
    const before = JSON.stringify([...passes]);
    await sleep(800);
    return JSON.stringify([...passes]) === before;
  };
  await eventually('a and b to settle', settled);
  const bBefore = passes.get('b');
  await mgr.client.create(secret('s1', 'one'));
  await eventually('a sees s1', async () => (await get('a'))?.status?.secretValue === 'one');
  assert.equal(passes.get('b'), bBefore, 'a Secret only b does not name must not enqueue b');

  // re-pointed: the index follows the spec, before any reconcile had to remember anything
  await mgr.client.patch(WIDGET, ns, 'a', { spec: { secret: 's3' } }, 'merge');
  await eventually('a re-pointed', async () => (await get('a'))?.status?.secretValue === undefined);
  await sleep(500);
  const aBefore = passes.get('a');
  await mgr.client.patch(SECRET, ns, 's1', { data: { v: Buffer.from('changed').toString('base64') } }, 'merge');
  await sleep(1500);
  assert.equal(passes.get('a'), aBefore, 'a Secret a no longer names must not enqueue it');
  await mgr.client.create(secret('s3', 'three'));
  await eventually('a sees s3', async () => (await get('a'))?.status?.secretValue === 'three');

  // pruning: a's extra ConfigMap goes when the spec drops it; a same-named ConfigMap a does not control stays
  await eventually('a-extra exists', () => mgr.client.get(CONFIGMAP, ns, 'a-extra'));
  await mgr.client.create({ ...CONFIGMAP, metadata: { name: 'b-extra', namespace: ns }, data: { mine: 'yes' } });
  await mgr.client.patch(WIDGET, ns, 'a', { spec: { extra: false } }, 'merge');
  await mgr.client.patch(WIDGET, ns, 'b', { spec: { extra: false, value: 'touch' } }, 'merge');
  await eventually('a-extra deleted', async () => !(await mgr.client.get(CONFIGMAP, ns, 'a-extra')));
  await sleep(1000);
  assert.ok(await mgr.client.get(CONFIGMAP, ns, 'b-extra'), 'a ConfigMap b does not control must survive');
  const events = await mgr.client.list<KubeObject & { reason?: string; note?: string }>(EVENT, { namespace: ns });
  const removed = events.items.filter((e) => e.reason === 'ChildRemoved');
  assert.equal(removed.length, 1, JSON.stringify(removed.map((e) => e.note)));
  assert.match(removed[0]!.note!, /ConfigMap a-extra/);

  // read your own writes: back-to-back reconciles (requeueAfter 0) each add one to status.passes; the cache lags
  // behind those writes, so only the writer's memory keeps every increment
  await mgr.client.create(widget('c', { value: 'spin' }));
  await eventually('c spins', async () => (passes.get('c') ?? 0) >= 40, 60_000, 50);
  await mgr.client.patch(WIDGET, ns, 'c', { spec: { value: 'still' } }, 'merge');
  await eventually('c settles', settled);
  const c = await get('c');
  t.diagnostic(`c: ${passes.get('c')} reconciles, status.passes ${c?.status?.passes}`);
  assert.equal(c?.status?.passes, passes.get('c'), 'every reconcile counted once: no stale status was written back');
});
