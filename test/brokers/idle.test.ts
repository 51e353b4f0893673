/**
 * A converged cluster costs nothing: over an idle minute the operator sends no write request and no object of
 * the clusters changes (resourceVersions of the custom resources and every child stay the same).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { Manager } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { getCr, SHAZAMQ, STREAMBUS, sampleIn, startManager } from './support.ts';

const IDLE_MS = 60_000;
const KINDS =
  'shazamqclusters,streambusclusters,statefulsets,services,configmaps,poddisruptionbudgets,pods,persistentvolumeclaims';

async function writes(mgr: Manager): Promise<number> {
  const metric = await mgr.metrics.restRequests.get();
  return metric.values
    .filter((v) => !['GET', 'LIST', 'WATCH'].includes(String(v.labels.method)))
    .reduce((n, v) => n + v.value, 0);
}

test('a converged cluster causes zero writes over an idle minute', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'idle');
  const mgr = await startManager(t, [ns]);
  await cluster.kubectl(['apply', '-f', '-'], stringify(await sampleIn('shazamq-my-cluster.yaml', ns)));
  await cluster.kubectl(['apply', '-f', '-'], stringify(await sampleIn('streambus-minimal.yaml', ns)));
  for (const [kind, name] of [
    [SHAZAMQ, 'my-cluster'],
    [STREAMBUS, 'streambus-minimal'],
  ] as const) {
    await eventually(`${name} Running`, async () => (await getCr(kind, ns, name))?.status?.phase === 'Running', 90_000);
  }
  // converged = the write count stopped moving (the last status patch has been observed and changes nothing)
  let last = -1;
  await eventually(
    'writes settle',
    async () => {
      const now = await writes(mgr);
      const settled = now === last;
      last = now;
      return settled;
    },
    30_000,
    2_000,
  );

  const versions = async () =>
    (
      await cluster.kubectl([
        'get',
        KINDS,
        '-n',
        ns,
        '-o',
        'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\\n"}{end}',
      ])
    )
      .trim()
      .split('\n')
      .sort();
  // every write during the idle minute, printed if there is any (says what was written, not only that)
  const seen: string[] = [];
  const orig = mgr.client.request.bind(mgr.client);
  mgr.client.request = (async (method: string, path: string, o?: object) => {
    if (method !== 'GET')
      seen.push(
        `${new Date().toISOString()} ${method} ${path} ${JSON.stringify((o as { body?: unknown })?.body ?? '').slice(0, 300)}`,
      );
    return orig(method, path, o);
  }) as typeof mgr.client.request;
  t.after(() => {
    if (seen.length) console.log(`writes while idle:\n${seen.join('\n')}`);
  });
  const before = await versions();
  const writesBefore = await writes(mgr);
  const appliedBefore = mgr.applier.stats.applied;
  await sleep(IDLE_MS);
  const after = await versions();
  assert.equal(await writes(mgr), writesBefore, 'no write request from the operator');
  assert.equal(mgr.applier.stats.applied, appliedBefore, 'no apply request');
  assert.deepEqual(after, before, 'no object changed');
  assert.ok(before.length >= 14, `watched ${before.length} objects`);
});
