import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { done, requeueAfter, TerminalError } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { startManager } from './support.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('1000 rapid updates: far fewer reconciles, never two at once per key, last state reconciled', async (t) => {
  const ns = await testNamespace(t, 'rt-burst');
  const core = (await testCluster()).kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'hot' }, data: { v: '-1' } } });
  let reconciles = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastSeen = '';
  const mgr = await startManager(
    t,
    (m) =>
      m
        .controller('burst')
        .for(CM)
        .withOptions({ maxConcurrentReconciles: 4 })
        .complete(async (_ctx, req) => {
          if (req.name !== 'hot') return done();
          reconciles++;
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            await sleep(100); // a reconcile takes time: updates pile up meanwhile and must coalesce
            const cm = await m.cache.get(CM, req.namespace, req.name);
            lastSeen = String((cm?.data as Record<string, string> | undefined)?.v);
          } finally {
            inFlight--;
          }
        }),
    { namespaces: [ns] },
  );
  const updates = 1000;
  const parallel = 16;
  for (let i = 0; i < updates; i += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, updates - i) }, (_, j) =>
        mgr.client.patch(CM, ns, 'hot', { data: { v: String(i + j) } }, 'merge'),
      ),
    );
  }
  const final = (await core.readNamespacedConfigMap({ name: 'hot', namespace: ns })).data?.v;
  await eventually('the final state to be reconciled', async () => lastSeen === final, 30_000);
  assert.equal(lastSeen, final);
  assert.equal(maxInFlight, 1, 'one key is never reconciled by two workers at once');
  assert.ok(reconciles < updates / 2, `${reconciles} reconciles for ${updates} updates`);
  t.diagnostic(`${updates} updates → ${reconciles} reconciles`);
});

test('errors back off exponentially, requeueAfter is honoured, terminal errors are not retried', async (t) => {
  const ns = await testNamespace(t, 'rt-backoff');
  const core = (await testCluster()).kc.makeApiClient(k8s.CoreV1Api);
  const calls: Record<string, number[]> = { failing: [], later: [], terminal: [], rejecting: [] };
  const mgr = await startManager(
    t,
    (m) =>
      m
        .controller('backoff')
        .for(CM)
        .withOptions({ maxConcurrentReconciles: 2 })
        .complete(async (_ctx, req) => {
          const seen = calls[req.name];
          if (!seen) return done();
          seen.push(performance.now());
          if (req.name === 'failing') throw new Error('always fails');
          if (req.name === 'rejecting') return Promise.reject(new Error('rejected'));
          if (req.name === 'terminal') throw new TerminalError('bad spec');
          return seen.length === 1 ? requeueAfter(1500) : done();
        }),
    { namespaces: [ns] },
  );
  for (const name of Object.keys(calls)) {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
  }
  await eventually('9 failed attempts', async () => calls.failing.length >= 9, 30_000);
  await eventually('the requeued reconcile', async () => calls.later.length >= 2, 10_000);
  await eventually('rejections retried too', async () => calls.rejecting.length >= 4, 10_000);

  const gaps = calls.failing.slice(1).map((t1, i) => t1 - calls.failing[i]);
  t.diagnostic(`retry gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
  // Scheduled: 5, 10, 20, 40, 80, 160, 320, 640 ms. A loaded machine only ever adds delay, so each gap is at least
  // its scheduled value, and the last ones (far apart) keep growing whatever the noise.
  for (const [i, g] of gaps.entries())
    assert.ok(g >= 5 * 2 ** i - 2, `gap ${i} (${g.toFixed(0)} ms) ≥ ${5 * 2 ** i} ms`);
  for (let i = 6; i < gaps.length; i++) assert.ok(gaps[i] > gaps[i - 1], `gap ${i} (${gaps[i]}) grows`);

  const requeueGap = calls.later[1] - calls.later[0];
  assert.ok(requeueGap >= 1490 && requeueGap < 4000, `requeueAfter(1500) came after ${requeueGap} ms`);

  await sleep(500);
  assert.equal(calls.terminal.length, 1, 'a terminal error is not retried');
  const metrics = await mgr.metrics.registry.getSingleMetricAsString('workqueue_retries_total');
  assert.match(metrics, /workqueue_retries_total\{name="backoff",controller="backoff"\} \d+/);
});
