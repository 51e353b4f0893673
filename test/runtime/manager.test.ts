import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { done, finalize, type KubeObject, Manager, requeueAfter } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { httpGet, startManager } from './support.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

const METRIC_NAMES = [
  'controller_runtime_reconcile_total',
  'controller_runtime_reconcile_errors_total',
  'controller_runtime_reconcile_time_seconds',
  'controller_runtime_active_workers',
  'controller_runtime_max_concurrent_reconciles',
  'workqueue_depth',
  'workqueue_adds_total',
  'workqueue_queue_duration_seconds',
  'workqueue_work_duration_seconds',
  'workqueue_retries_total',
  'workqueue_unfinished_work_seconds',
  'workqueue_longest_running_processor_seconds',
  'leader_election_master_status',
];

test('/metrics carries the controller-runtime names; /healthz answers', async (t) => {
  const ns = await testNamespace(t, 'rt-metrics');
  const mgr = await startManager(
    t,
    (m) =>
      m
        .controller('metrics')
        .for(CM)
        .complete(async () => done()),
    { namespaces: [ns], leaderElection: true, leaderElectionNamespace: ns, leaderElectionID: 'rt-metrics' },
  );
  await eventually('leadership', async () => mgr.isLeader, 30_000);
  await eventually('a reconcile', async () => {
    const { body } = await httpGet(mgr.metricsAddress!, '/metrics');
    return /controller_runtime_reconcile_total\{controller="metrics",result="success"\} [1-9]/.test(body) && body;
  });
  const { status, body } = await httpGet(mgr.metricsAddress!, '/metrics');
  assert.equal(status, 200);
  for (const name of METRIC_NAMES) assert.match(body, new RegExp(`^${name}(\\{|_bucket|_sum| )`, 'm'), name);
  assert.match(body, /leader_election_master_status\{name="rt-metrics"\} 1/);
  assert.match(body, /workqueue_adds_total\{name="metrics",controller="metrics"\} [1-9]/);
  assert.equal((await httpGet(mgr.healthAddress!, '/healthz')).status, 200);
});

test('/readyz fails until the caches have synced, then passes', async (t) => {
  const { kc } = await testCluster();
  // A kind whose CRD is not installed yet: its cache cannot sync until we install it.
  const group = `r${randomBytes(4).toString('hex')}.runtime.statecraft.dev`;
  const gvk = { apiVersion: `${group}/v1`, kind: 'Gadget' };
  const mgr = new Manager(kc, {
    metricsBindAddress: '0',
    healthProbeBindAddress: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
  });
  mgr
    .controller('gadget')
    .for(gvk)
    .complete(async () => done());
  const running = mgr.start();
  running.catch(() => {});
  t.after(async () => {
    await mgr.stop();
    await mgr.client.delete(CRD, undefined, `gadgets.${group}`);
  });
  await eventually('the probe server', async () => mgr.healthAddress);
  const before = await httpGet(mgr.healthAddress!, '/readyz');
  assert.equal(before.status, 503, 'not ready before sync');
  assert.equal((await httpGet(mgr.healthAddress!, '/healthz')).status, 200, 'but alive');

  await mgr.client.create({
    ...CRD,
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  } as KubeObject);
  await eventually(
    '/readyz to pass',
    async () => (await httpGet(mgr.healthAddress!, '/readyz')).status === 200,
    60_000,
  );
});

test('finalizer cleanup runs before deletion completes; repeated events fold into one', async (t) => {
  const ns = await testNamespace(t, 'rt-helpers');
  const FIN = 'runtime.statecraft.dev/cleanup';
  const cleaned: string[] = [];
  const mgr = await startManager(
    t,
    (m) =>
      m
        .controller('helpers')
        .for(CM)
        .complete(async (_ctx, req) => {
          const cm = await m.cache.get(CM, req.namespace, req.name);
          if (!cm || !cm.metadata?.labels?.helpers) return done();
          const f = await finalize(m.client, cm, FIN, async (o) => {
            cleaned.push(o.metadata!.name!);
          });
          if (f.deleting) return done();
          m.events('helpers').event(cm, {
            type: 'Warning',
            reason: 'Flapping',
            action: 'Reconcile',
            note: 'same note',
          });
          return requeueAfter(100); // flap: the event repeats every 100 ms
        }),
    { namespaces: [ns] },
  );
  const obj = { ...CM, metadata: { name: 'h', namespace: ns, labels: { helpers: 'yes' } } } as KubeObject;
  await mgr.client.create(obj);
  await eventually('the finalizer to be added', async () =>
    (await mgr.client.get(CM, ns, 'h'))?.metadata?.finalizers?.includes(FIN),
  );
  await new Promise((r) => setTimeout(r, 1_500)); // ~15 repeats of the same event
  const events = await mgr.client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event' }, { namespace: ns });
  const flapping = events.items.filter((e) => e.reason === 'Flapping');
  assert.equal(flapping.length, 1, 'repeats are folded into one Event');
  const recorder = mgr.events('helpers');
  assert.equal(recorder.stats.created, 1);

  // deletion waits for cleanup, then completes
  await mgr.client.delete(CM, ns, 'h');
  await eventually('the object to be gone', async () => (await mgr.client.get(CM, ns, 'h')) === undefined);
  // at least once: a pass that read the object from a cache not yet showing the finalizer's removal runs the
  // (idempotent) cleanup again, as controller-runtime's finalizers may
  assert.ok(cleaned.length >= 1, 'cleanup ran before deletion completed');
  assert.deepEqual([...new Set(cleaned)], ['h']);
});
