/**
 * R2 API server restart, on a PRIVATE control plane (restarting the shared one would disturb every other test
 * file). The operator (its own process) converges a mixed workload; kube-apiserver is SIGKILLed and started again
 * in the middle of the convergence, and once more at idle. Right after each restart the test changes things (new
 * objects, a scaled object, a deleted one): the operator must act on every change (none missed), the time from
 * the API server being ready to the operator's first reaction is reported, and the audit log counts the LISTs the
 * operator sent after the restart — a watch that resumes needs at most one relist per informer, not a storm. At
 * idle the restart must cost no write either.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { apiserverReady, clusterDown, clusterUp } from '../../src/devcluster/cluster.ts';
import { startDetached } from '../../src/devcluster/processes.ts';
import { KubeClient, type KubeObject, userAgentFor } from '../../src/runtime/index.ts';
import { kubectlFor, type TestCluster } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { kindsOf, mixedWorkload } from './bases.ts';
import type { Obj } from './mutations.ts';
import { snapshot } from './snapshot.ts';
import { auditTime, MUTATING_VERBS, readAudit, recordFigures, size, startOperator } from './support.ts';

const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const SB = { apiVersion: 'streambus.io/v1alpha1', kind: 'StreamBusCluster' };

interface Phase {
  phase: 'mid-convergence' | 'idle';
  outageMs: number;
  firstReactionMs: number;
  allChangesSeenMs: number;
  listsAfter: number;
  informers: number;
  writesAfterIdleRestart?: number;
}

test('R2: kube-apiserver restarted mid-convergence and at idle: watches resume, no change missed, no relist storm', {
  timeout: 600_000,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-chaos-r2-'));
  t.after(async () => {
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  });
  const { state } = await clusterUp({ dir });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const cluster: TestCluster = { state, kubeconfigPath: state.kubeconfig, kc, kubectl: kubectlFor(state) };
  await installCrds(kc);
  const ns = 'chaos-r2';
  const client = new KubeClient(kc);
  t.after(() => client.close());
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as KubeObject);
  const op = await startOperator(cluster, ns, 'r2-operator');
  t.after(() => op.kill());
  const ua = userAgentFor(op.identity);

  const objects = mixedWorkload(size(12, 60));
  const kinds = kindsOf(objects);
  const place = (o: Obj) => ({ ...structuredClone(o), metadata: { ...o.metadata, namespace: ns } }) as KubeObject;

  const restart = async (): Promise<{ readyAt: number; outageMs: number }> => {
    const entry = state.processes.find((p) => p.name === 'kube-apiserver')!;
    const argv = readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const killedAt = Date.now();
    process.kill(entry.pid, 'SIGKILL');
    await eventually(
      'kube-apiserver to exit',
      async () => !(await apiserverReady(state.server, join(dir, 'pki')).catch(() => false)),
      20_000,
      100,
    );
    const restarted = startDetached('kube-apiserver', argv[0], argv.slice(1), entry.logPath);
    entry.pid = restarted.pid; // clusterDown stops the new one
    await writeFile(join(dir, 'state.json'), JSON.stringify(state, null, 2));
    await eventually(
      'kube-apiserver to be ready again',
      () => apiserverReady(state.server, join(dir, 'pki')).catch(() => false),
      90_000,
      100,
    );
    const readyAt = Date.now();
    return { readyAt, outageMs: readyAt - killedAt };
  };

  /** Changes right after the restart, and the time until the operator has acted on the first and on all. */
  const changeAndWatch = async (
    tag: string,
    readyAt: number,
    scale: { name: string; replicas: number },
    deleteName: string,
  ) => {
    const fresh: Obj[] = mixedWorkload(3).map((o, i) => ({ ...o, metadata: { name: `${tag}-${i}` } }));
    await eventually(
      'a create after the restart',
      async () => {
        await client.create(place(fresh[0]));
        return true;
      },
      30_000,
      100,
    );
    for (const o of fresh.slice(1)) await client.create(place(o));
    await client.patch(SB, ns, scale.name, { spec: { replicas: scale.replicas } }, 'merge');
    await client.delete(SB, ns, deleteName);
    let firstAt = 0;
    await eventually(
      `the operator to act on every change made after the ${tag} restart`,
      async () => {
        const snap = await snapshot(client, ns, kinds);
        const done = fresh.map((o) => {
          const p = snap.crs.get(`${o.kind}/${o.metadata.name}`);
          return !!p && (JSON.parse(p) as { conditions: string[] }).conditions.length > 0;
        });
        const sets = await client.list<KubeObject & { spec: { replicas: number } }>(STS, { namespace: ns });
        const sts = sets.items.find((x) => x.metadata?.ownerReferences?.some((r) => r.name === scale.name));
        const scaled = sts?.spec.replicas === scale.replicas;
        if (!firstAt && (done.some(Boolean) || scaled)) firstAt = Date.now();
        return (done.every(Boolean) && scaled) || undefined;
      },
      120_000,
      100,
    );
    return { firstReactionMs: firstAt - readyAt, allChangesSeenMs: Date.now() - readyAt };
  };

  const opLists = async (since: number) =>
    (await readAudit(cluster, (e) => e.userAgent === ua && e.verb === 'list')).filter(
      (e) => auditTime(e.requestReceivedTimestamp) >= since,
    ).length;
  // one LIST per informer at start-up: counted once the caches have synced (the count stops growing)
  let informers = 0;
  await eventually(
    'the operator to list every informer at start-up',
    async () => {
      const n = await opLists(0);
      const stable = n > 0 && n === informers;
      informers = n;
      return stable || undefined;
    },
    30_000,
    1500,
  );

  const phases: Phase[] = [];
  // mid-convergence: the objects were just created
  await Promise.all(objects.map((o) => client.create(place(o))));
  await sleep(1000);
  const mid = await restart();
  // StreamBusClusters are w0, w6, ... and the first of each batch of fresh objects
  const midSeen = await changeAndWatch('mid', mid.readyAt, { name: 'w0', replicas: 2 }, 'w6');
  phases.push({
    phase: 'mid-convergence',
    outageMs: mid.outageMs,
    ...midSeen,
    listsAfter: await opLists(mid.readyAt - 1000),
    informers,
  });

  // idle: wait until nothing is written for a while, then restart
  const writes = async (since: number) =>
    (await readAudit(cluster, (e) => e.userAgent === ua && MUTATING_VERBS.has(e.verb))).filter(
      (e) => auditTime(e.requestReceivedTimestamp) >= since && (e.responseStatus?.code ?? 0) < 300,
    ).length;
  await eventually(
    'the operator to go idle (no write for 10 s)',
    async () => (await writes(Date.now() - 10_000)) === 0 || undefined,
    size(120_000, 300_000),
    2000,
  );
  const idle = await restart();
  await sleep(size(10_000, 20_000)); // resync after the restart: a converged object must cost no write
  const writesAfterIdleRestart = await writes(idle.readyAt - 1000);
  const idleSeen = await changeAndWatch('idle', Date.now(), { name: 'w0', replicas: 3 }, 'mid-0');
  phases.push({
    phase: 'idle',
    outageMs: idle.outageMs,
    ...idleSeen,
    listsAfter: await opLists(idle.readyAt - 1000),
    informers,
    writesAfterIdleRestart,
  });
  for (const p of phases) t.diagnostic(JSON.stringify(p));

  const bounded = (p: Phase) => p.listsAfter <= 2 * p.informers;
  recordFigures({
    suite: 'R2 API server restart',
    runs: phases.length,
    passed: phases.filter((p) => bounded(p) && (p.writesAfterIdleRestart ?? 0) === 0).length,
    key: phases
      .map((p) => `${p.phase}: first reaction ${p.firstReactionMs} ms, ${p.listsAfter} LISTs/${p.informers} informers`)
      .join('; '),
    figures: { phases },
  });
  assert.ok(informers > 0, 'the audit log shows the operator listing at start-up');
  for (const p of phases) {
    assert.ok(bounded(p), `${p.phase}: ${p.listsAfter} LISTs after the restart for ${p.informers} informers`);
  }
  assert.equal(writesAfterIdleRestart, 0, 'a restart at idle costs no write');
  assert.ok(op.alive(), 'the operator did not crash');
});
