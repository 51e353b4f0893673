/**
 * The Helm chart on the local cluster, for real: the node agent runs the chart's operator pods (Statecraft's image)
 * from this checkout, with in-cluster config and only the chart's RBAC. Two replicas elect one leader; metrics are
 * served on each pod; a watched namespace is reconciled and another is neither reconciled nor permitted; the
 * leader's death hands over; upgrade keeps the AES key and uninstall keeps it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { helmBinary } from '../../src/devcluster/build.ts';
import { CHART_DIR } from '../../src/install/generated.ts';
import { ensureCrds, getCr, SHAZAMQ, sampleIn } from '../brokers/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('helm install: two operator pods, one leader, metrics, watchNamespace, failover, upgrade and uninstall', async (t) => {
  const cluster = await testCluster();
  await ensureCrds(cluster);
  const helmBin = await helmBinary();
  const helm = (args: string[]) =>
    run(helmBin, [...args, '--kubeconfig', cluster.kubeconfigPath], { cwd: ROOT, maxBuffer: 32 << 20 });
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const coordination = cluster.kc.makeApiClient(k8s.CoordinationV1Api);
  const ns = await testNamespace(t, 'sc-system');
  const teamA = await testNamespace(t, 'team-a');
  const teamB = await testNamespace(t, 'team-b');
  const release = `sc${Math.random().toString(36).slice(2, 7)}`;
  const sa = `system:serviceaccount:${ns}:${release}-statecraft`;
  t.after(async () => {
    await helm(['uninstall', release, '-n', ns]).catch(() => {});
    await cluster.kubectl(['delete', 'clusterrole', `${release}-statecraft-manager`, '--ignore-not-found']);
  });

  // the suite's CRDs are installed already (not by Helm): the chart must not take them over
  await helm([
    'install',
    release,
    CHART_DIR,
    '-n',
    ns,
    '--set',
    'crds.install=false',
    '--set',
    `watchNamespace=${teamA}`,
    // cluster DNS does not resolve on this machine (the operator reaches databases by pod IP)
    '--set',
    'addressMode=pod-ip',
  ]);

  const operatorPods = async () =>
    (await core.listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/instance=${release}` })).items;
  const readyPods = () =>
    until('two Ready operator pods', async () => {
      const pods = (await operatorPods()).filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return pods.length === 2 && pods;
    });
  const pods = await readyPods();
  const names = pods.map((p) => p.metadata!.name!);

  const leader = async () => {
    const lease = await coordination.readNamespacedLease({ name: 'statecraft-leader', namespace: ns });
    return names
      .concat((await operatorPods()).map((p) => p.metadata!.name!))
      .find((n) => lease.spec?.holderIdentity?.startsWith(`${n}_`));
  };
  const first = await until('a leader among the operator pods', leader);
  assert.ok(names.includes(first), `leader ${first} is one of ${names}`);

  await t.test('each pod answers on its metrics port', async () => {
    for (const p of pods) {
      const res = await fetch(`http://${p.status!.podIP}:8080/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /controller_runtime_reconcile_total/);
    }
  });

  await t.test('the watched namespace is reconciled; another is ignored and not permitted', async () => {
    for (const namespace of [teamA, teamB]) {
      await cluster.kubectl(['apply', '-f', '-'], stringify(await sampleIn('shazamq-my-cluster.yaml', namespace)));
    }
    await until(
      'the team-a ShazamqCluster Running',
      async () => (await getCr(SHAZAMQ, teamA, 'my-cluster'))?.status?.phase === 'Running',
      120_000,
    );
    assert.equal((await getCr(SHAZAMQ, teamB, 'my-cluster'))?.status, undefined, 'team-b is left alone');
    const can = async (verb: string, resource: string, namespace: string) =>
      (await cluster.kubectl(['auth', 'can-i', verb, resource, '-n', namespace, `--as=${sa}`]).catch((e) => String(e)))
        .trim()
        .endsWith('yes');
    assert.equal(await can('list', 'pods', teamA), true);
    assert.equal(await can('create', 'statefulsets', teamA), true);
    assert.equal(await can('list', 'pods', teamB), false);
    assert.equal(await can('get', 'secrets', teamB), false);
    assert.equal(await can('create', 'pods', teamA), false, 'the operator never creates pods itself');
    assert.equal(await can('get', 'leases', teamA), false, 'the Lease only in the operator namespace');
  });

  await t.test('the leader dies: the other pod takes over and keeps reconciling', async () => {
    const current = (await leader())!;
    const other = names.find((n) => n !== current)!;
    await core.deleteNamespacedPod({ name: current, namespace: ns, gracePeriodSeconds: 0 });
    const next = await until(
      'the other pod holding the lease',
      async () => (await leader()) === other && other,
      60_000,
    );
    assert.equal(next, other);
    await cluster.kubectl([
      'patch',
      'shazamqcluster',
      'my-cluster',
      '-n',
      teamA,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { replicas: 2 } }),
    ]);
    const apps = cluster.kc.makeApiClient(k8s.AppsV1Api);
    await until('the StatefulSet scaled by the new leader', async () => {
      const sts = await apps.readNamespacedStatefulSet({ name: 'my-cluster', namespace: teamA });
      return sts.spec?.replicas === 2;
    });
  });

  await t.test('upgrade keeps the AES key; uninstall keeps it', async () => {
    const key = async (namespace: string) =>
      (await core.readNamespacedSecret({ name: 'aes-secret-key', namespace })).data?.AES_SECRET_KEY;
    const before = await key(ns);
    assert.equal(Buffer.from(before!, 'base64').length, 32);
    assert.equal(await key(teamA), before, 'the same key in the watched namespace');
    await helm(['upgrade', release, CHART_DIR, '-n', ns, '--reuse-values', '--set', 'logLevel=debug']);
    assert.equal(await key(ns), before);
    await helm(['uninstall', release, '-n', ns]);
    assert.equal(await key(ns), before, 'kept after uninstall');
    await until('the operator pods gone', async () => (await operatorPods()).length === 0);
  });
});
