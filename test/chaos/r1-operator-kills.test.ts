/**
 * R1 operator kills. The same set of custom resources of mixed kinds (bases.ts `mixedWorkload`) is created in two
 * namespaces at once: one operator process converges the reference namespace undisturbed; in the other the
 * operator is SIGKILLed at random moments while it converges and started again each time. Once both have settled,
 * the two are compared object by object (snapshot.ts): no missing, extra (duplicate) or orphaned child, the same
 * statuses, and no PVC lost — every claim that existed at any kill still exists with the same uid. Between kills
 * the test keeps scaling StreamBusClusters up (in both namespaces alike), so every restart finds new work half done.
 *
 * Fast (npm test): 12 objects, 4 kills. Full (npm run chaos): 100 objects, 50 kills.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCrds } from '../../src/apis/install.ts';
import { KubeClient, type KubeObject } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { kindsOf, mixedWorkload } from './bases.ts';
import { compare, type Snapshot, snapshot } from './snapshot.ts';
import { type OperatorProcess, recordFigures, size, startOperator } from './support.ts';

const SB = { apiVersion: 'streambus.io/v1alpha1', kind: 'StreamBusCluster' };

/** Polls until two consecutive snapshots 3 s apart are equal and every custom resource is answered. */
async function settle(
  client: KubeClient,
  ns: string,
  kinds: { apiVersion: string; kind: string }[],
  count: number,
  timeoutMs: number,
): Promise<{ snap: Snapshot; seconds: number; settled: boolean }> {
  const started = Date.now();
  let last: Snapshot | undefined;
  for (;;) {
    const snap = await snapshot(client, ns, kinds);
    const answered = [...snap.crs.values()].filter((v) => {
      const p = JSON.parse(v) as { conditions: string[]; observed: boolean };
      return p.conditions.length > 0 && p.observed;
    }).length;
    if (last && answered === count && compare(snap, last).length === 0) {
      return { snap, seconds: (Date.now() - started) / 1000, settled: true };
    }
    if (Date.now() - started > timeoutMs) return { snap, seconds: (Date.now() - started) / 1000, settled: false };
    last = snap;
    await sleep(3000);
  }
}

test('R1: operator SIGKILLed at random moments while converging: final state equals an undisturbed run', {
  timeout: 1_500_000,
}, async (t) => {
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const chaosNs = await testNamespace(t, 'chaos-r1');
  const refNs = await testNamespace(t, 'chaos-r1-ref');
  const client = new KubeClient(cluster.kc);
  const running: OperatorProcess[] = [];
  t.after(async () => {
    for (const p of running) await p.kill();
    client.close();
  });
  const objects = mixedWorkload(size(12, 100));
  const kinds = kindsOf(objects);
  const kills = size(4, 50);

  const reference = await startOperator(cluster, refNs, 'r1-reference');
  running.push(reference);
  let op = await startOperator(cluster, chaosNs, 'r1-chaos-0');
  running.push(op);
  const create = (ns: string) =>
    Promise.all(
      objects.map((o) =>
        client.create({ ...structuredClone(o), metadata: { ...o.metadata, namespace: ns } } as KubeObject),
      ),
    );
  await Promise.all([create(refNs), create(chaosNs)]);

  // kills at random moments (0-2.5 s after each start's caches synced), spread over the convergence
  const pvcUids = new Map<string, string>();
  let restarts = 0;
  const killStarted = Date.now();
  // new work keeps coming while the kills go on: a StreamBusCluster scaled between 1 and 2 before each kill, the
  // same change in both namespaces (so the final states must still agree)
  const scalable = objects.filter((o) => o.kind === 'StreamBusCluster').map((o) => o.metadata.name as string);
  for (let i = 0; i < kills; i++) {
    // only ever up (2, then 3): the final spec is the same however many steps a restarted operator skipped, and a
    // level-triggered operator may skip steps (scaled 1 → 2 → 1 while it was down, it never makes replica 2)
    const target = scalable[i % scalable.length];
    const replicas = Math.min(3, 2 + Math.floor(i / scalable.length));
    for (const ns of [refNs, chaosNs]) await client.patch(SB, ns, target, { spec: { replicas } }, 'merge');
    // a random moment of the reconcile wave every start begins with (the clock starts when its caches synced, so
    // a machine slow to start the process does not turn every kill into a kill during start-up)
    await op.logged('"msg":"caches synced"');
    await sleep(Math.random() * 2500);
    for (const [name, uid] of (await snapshot(client, chaosNs, kinds)).pvcs)
      if (!pvcUids.has(name)) pvcUids.set(name, uid);
    await op.kill('SIGKILL');
    op = await startOperator(cluster, chaosNs, `r1-chaos-${i + 1}`);
    running.push(op);
    restarts++;
  }
  const killSeconds = (Date.now() - killStarted) / 1000;

  const timeout = size(120_000, 600_000);
  const afterKills = Date.now();
  const ref = await settle(client, refNs, kinds, objects.length, timeout);
  // the disturbed run has converged when it agrees with the reference (an in-between state such as
  // Ready=False/BrokersStarting can look stable for a few seconds on a loaded machine)
  const act = await settle(client, chaosNs, kinds, objects.length, timeout);
  const agreeBy = Date.now() + timeout;
  while (compare(act.snap, ref.snap).length && Date.now() < agreeBy) {
    await sleep(3000);
    act.snap = await snapshot(client, chaosNs, kinds);
  }
  act.seconds = (Date.now() - afterKills) / 1000;
  const differences = compare(act.snap, ref.snap);
  const lostPvcs = [...pvcUids].filter(([name, uid]) => act.snap.pvcs.get(name) !== uid).map(([n]) => n);
  // every process that ended was ended by one of our SIGKILLs
  const crashed = running.filter((p) => p !== op && p !== reference && p.child.signalCode !== 'SIGKILL').length;
  t.diagnostic(
    `${objects.length} objects, ${restarts} SIGKILLs in ${killSeconds.toFixed(0)} s; settled after the kills in ` +
      `${act.seconds.toFixed(0)} s (reference ${ref.seconds.toFixed(0)} s); ${act.snap.children.size} children vs ` +
      `${ref.snap.children.size}; ${act.snap.pvcs.size} PVCs, ${lostPvcs.length} lost; ${differences.length} differences`,
  );
  for (const d of differences.slice(0, 30)) t.diagnostic(d);
  recordFigures({
    suite: 'R1 operator kills',
    runs: restarts,
    passed: differences.length === 0 && lostPvcs.length === 0 ? restarts : 0,
    key: `${objects.length} CRs, ${restarts} kills: ${differences.length} differences, ${act.snap.children.size} children, ${lostPvcs.length}/${act.snap.pvcs.size} PVCs lost; settled ${act.seconds.toFixed(0)} s after the last kill`,
    figures: {
      objects: objects.length,
      kills: restarts,
      killSeconds,
      settleSeconds: act.seconds,
      referenceSeconds: ref.seconds,
      children: act.snap.children.size,
      pvcs: act.snap.pvcs.size,
      lostPvcs,
      differences: differences.slice(0, 50),
    },
  });
  assert.ok(ref.settled, 'the undisturbed run settled');
  assert.ok(act.settled, 'the disturbed run settled');
  assert.ok(op.alive() && reference.alive() && crashed === 0, 'no operator process exited on its own');
  assert.ok(act.snap.children.size > objects.length, 'the workload made children to compare');
  assert.deepEqual(differences, [], 'the same objects and statuses as the undisturbed run');
  assert.deepEqual(lostPvcs, [], 'no PVC lost');
});
