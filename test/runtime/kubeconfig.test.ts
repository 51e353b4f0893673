import assert from 'node:assert/strict';
import { delimiter } from 'node:path';
import { test } from 'node:test';
import { KubeClient, type KubeObject, loadKubeConfig } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' };

test("our kubeconfig loader reaches the test cluster: the cluster's file, by path and through KUBECONFIG", async (t) => {
  const { kubeconfigPath } = await testCluster();
  const ns = await testNamespace(t, 'rt-kubeconfig');
  for (const kc of [
    loadKubeConfig({ path: kubeconfigPath }),
    loadKubeConfig({ env: { KUBECONFIG: ['/nonexistent/kubeconfig', kubeconfigPath].join(delimiter) } }),
  ]) {
    const client = new KubeClient(kc);
    t.after(() => client.close());
    const { items } = await client.list<KubeObject>(NAMESPACE);
    const names = items.map((n) => n.metadata?.name);
    assert.ok(names.includes('default'), `namespaces: ${names.join(', ')}`);
    assert.ok(names.includes(ns), `the test's namespace ${ns} is listed`);
    const cm = await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'kc-', namespace: ns },
      data: { a: 'b' },
    } as KubeObject);
    assert.ok(cm.metadata?.uid, 'a write with the client certificate is accepted');
  }
});
