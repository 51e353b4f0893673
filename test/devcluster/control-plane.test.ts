import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { clusterDown, clusterUp, isRunning, readState } from '../../src/devcluster/cluster.ts';
import { isOurs, processesMentioning } from '../../src/devcluster/processes.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

test('a StatefulSet with a volumeClaimTemplate gets 3 Bound PVCs and 3 Running, Ready pods', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'sts');
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        serviceName: 'web',
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  });
  const pvcs = await eventually('3 Bound PVCs', async () => {
    const list = await core.listNamespacedPersistentVolumeClaim({ namespace: ns });
    const bound = list.items.filter((p) => p.status?.phase === 'Bound');
    return bound.length === 3 ? bound : undefined;
  });
  assert.deepEqual(pvcs.map((p) => p.metadata?.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
  assert.ok(
    pvcs.every((p) => p.spec?.storageClassName === 'standard'),
    'the default StorageClass is applied',
  );
  const pods = await eventually('3 Running and Ready pods', async () => {
    const list = await core.listNamespacedPod({ namespace: ns });
    const ready = list.items.filter(
      (p) =>
        p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    return ready.length === 3 ? ready : undefined;
  });
  assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 3, 'each pod has its own IP');
  const sts = await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns });
  await eventually('StatefulSet status readyReplicas 3', async () => {
    const s = await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns });
    return s.status?.readyReplicas === 3;
  });
  assert.equal(sts.spec?.replicas, 3);
});

test('a claim naming a StorageClass that does not exist is still provisioned and bound', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'pvc');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: {
      metadata: { name: 'claim' },
      spec: {
        storageClassName: 'fast-ssd',
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '2Gi' } },
      },
    },
  });
  const pvc = await eventually('claim Bound', async () => {
    const p = await core.readNamespacedPersistentVolumeClaim({ name: 'claim', namespace: ns });
    return p.status?.phase === 'Bound' ? p : undefined;
  });
  assert.equal(pvc.status?.capacity?.storage, '2Gi');
});

test('a ConfigMap whose owner is deleted is garbage-collected', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'gc');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: {
        name: 'owned',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, controller: true },
        ],
      },
      data: { k: 'v' },
    },
  });
  await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
  await eventually(
    'the owned ConfigMap to be garbage-collected',
    async () => {
      try {
        await core.readNamespacedConfigMap({ name: 'owned', namespace: ns });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    },
    60_000,
  );
});

test('a namespace with objects in it finishes deleting', async () => {
  const { kc } = await testCluster();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = `doomed-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'x' } } });
  await core.createNamespacedSecret({ namespace: name, body: { metadata: { name: 'y' }, stringData: { a: 'b' } } });
  await core.deleteNamespace({ name });
  await eventually(
    'the namespace to be gone',
    async () => {
      try {
        await core.readNamespace({ name });
        return false; // still there (Terminating)
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    },
    60_000,
  );
});

test('cluster up on a second directory runs side by side; cluster down leaves no process behind', async () => {
  await testCluster(); // the shared cluster keeps running meanwhile
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-updown-'));
  try {
    const first = await clusterUp({ dir });
    assert.equal(first.alreadyRunning, false);
    assert.equal(await isRunning(first.state), true);
    const again = await clusterUp({ dir });
    assert.equal(again.alreadyRunning, true, 'up on a running cluster only reports it');
    const state = (await readState(dir))!;
    assert.deepEqual(
      state.processes.map((p) => p.name),
      [
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
        'kwok',
        'node-agent',
        // the pod network's (on by default as root): cluster DNS, the API relay kube-proxy dials, kube-proxy
        ...(state.network ? ['coredns', 'api-relay', 'kube-proxy'] : []),
      ],
    );
    assert.ok(processesMentioning(dir).length >= state.processes.length, 'the processes mention their directory');

    const { stopped } = await clusterDown(dir);
    assert.equal(stopped.length, state.processes.length);
    assert.deepEqual(state.processes.filter(isOurs), [], 'every recorded process is gone');
    assert.deepEqual(processesMentioning(dir), [], 'nothing started for this directory still runs');
    const shared = await testCluster();
    assert.equal(await isRunning(shared.state), true, 'the other cluster was not touched');
  } finally {
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  }
});
