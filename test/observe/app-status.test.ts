/**
 * `statecraft status` on a broker kind with real objects: a ShazamqCluster (the seed's sample) run by the broker
 * controller on the local cluster — its pods with readiness, the PVCs of its StatefulSet, the Services and the
 * pods each selects (the same report the web view draws).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { getCr, SHAZAMQ, sampleIn, startManager } from '../brokers/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

const run = promisify(execFile);

interface Report {
  replicas?: { desired?: number; ready?: number };
  pods?: Array<{ name: string; ready: boolean; phase?: string }>;
  claims?: Array<{ name: string; capacity?: string }>;
  services?: Array<{ role: string; name: string; selects?: string[] }>;
}

test('statecraft status shows a ShazamqCluster with its pods, PVCs and the pods each Service selects', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'appst');
  await startManager(t, [ns]);
  await cluster.kubectl(['apply', '-f', '-'], stringify(await sampleIn('shazamq-my-cluster.yaml', ns)));
  await eventually(
    'my-cluster Running',
    async () => (await getCr(SHAZAMQ, ns, 'my-cluster'))?.status?.phase === 'Running',
    90_000,
  );
  const status = async (...args: string[]) =>
    (
      await run(
        process.execPath,
        [
          'bin/statecraft.js',
          'status',
          'shazamqcluster/my-cluster',
          '-n',
          ns,
          '--kubeconfig',
          cluster.kubeconfigPath,
          ...args,
        ],
        { env: { ...process.env, NO_COLOR: '1' } },
      )
    ).stdout;
  const r = await eventually(
    'status shows three ready pods',
    async () => {
      const rep = JSON.parse(await status('-o', 'json')) as Report;
      return rep.pods?.length === 3 && rep.pods.every((p) => p.ready) && rep;
    },
    60_000,
    500,
  );
  assert.deepEqual(
    r.pods?.map((p) => p.name),
    ['my-cluster-0', 'my-cluster-1', 'my-cluster-2'],
  );
  assert.equal(r.replicas?.ready, 3);
  assert.deepEqual(
    r.claims?.map((c) => c.capacity),
    ['100Gi', '100Gi', '100Gi'],
    'one PVC per broker from the volumeClaimTemplate',
  );
  const selecting = (r.services ?? []).filter((s) => s.selects?.length === 3);
  assert.ok(selecting.length > 0, `a Service selects the three brokers: ${JSON.stringify(r.services)}`);
  const text = await status();
  assert.match(text, /Pods\n\s*NAME\s+PHASE\s+READY\s+RESTARTS\n\s*my-cluster-0\s+Running\s+yes/);
  assert.match(text, /PVCs\n/);
  assert.match(text, new RegExp(`${selecting[0].name} -> my-cluster-0, my-cluster-1, my-cluster-2`));
});
