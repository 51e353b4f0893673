/**
 * ServiceMonitor handling: skipped with a condition while the monitoring.coreos.com CRD is missing, created once it
 * exists, deleted when the spec stops asking for it. This file is the only one that installs that CRD (a stand-in
 * with the real group, kind and names) and removes it at the end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { condition, getCr, STREAMBUS, sampleIn, startManager } from './support.ts';

const NAME = 'streambus-minimal';
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: {
      kind: 'ServiceMonitor',
      listKind: 'ServiceMonitorList',
      plural: 'servicemonitors',
      singular: 'servicemonitor',
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

test('ServiceMonitor: skipped with a condition without the CRD, created with it, deleted when unwanted', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'sm');
  await startManager(t, [ns]);
  const crdInstalled = await cluster.kubectl(['get', 'crd', CRD.metadata.name, '-o', 'name']).then(
    () => true,
    () => false,
  );
  assert.equal(crdInstalled, false, 'the test cluster starts without the Prometheus Operator CRDs');
  t.after(() =>
    cluster.kubectl(['delete', 'crd', CRD.metadata.name, '--ignore-not-found', '--wait=false']).then(() => {}),
  );

  const cr = await sampleIn('streambus-minimal.yaml', ns);
  cr.spec.observability = { metrics: { enabled: true, serviceMonitor: true, interval: '15s' } };
  await cluster.kubectl(['apply', '-f', '-'], stringify(cr));
  const skipped = await eventually(
    'ServiceMonitor skipped',
    async () => {
      const c = await getCr(STREAMBUS, ns, NAME);
      return c?.status?.phase === 'Running' && condition(c, 'ServiceMonitorReady')?.reason === 'CRDNotInstalled' && c;
    },
    60_000,
  );
  assert.match(
    condition(skipped, 'ServiceMonitorReady')?.message ?? '',
    /monitoring\.coreos\.com CRD .* not installed/,
  );

  await cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(CRD));
  await eventually('CRD established', async () =>
    /True/.test(
      await cluster.kubectl([
        'get',
        'crd',
        CRD.metadata.name,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]),
    ),
  );
  // any change to the cluster makes the operator look again (it also rechecks every 5 minutes on its own)
  await cluster.kubectl(['annotate', 'streambuscluster', NAME, '-n', ns, 'test/poke=1']);
  const sm = await eventually('ServiceMonitor created', async () =>
    JSON.parse(await cluster.kubectl(['get', 'servicemonitor', NAME, '-n', ns, '-o', 'json']).catch(() => 'false')),
  );
  assert.deepEqual(sm.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '15s' }]);
  assert.equal(sm.metadata.ownerReferences[0].kind, 'StreamBusCluster');
  await eventually(
    'condition True',
    async () => condition(await getCr(STREAMBUS, ns, NAME), 'ServiceMonitorReady')?.status === 'True',
  );

  await cluster.kubectl([
    'patch',
    'streambuscluster',
    NAME,
    '-n',
    ns,
    '--type=merge',
    '-p={"spec":{"observability":{"metrics":{"serviceMonitor":false}}}}',
  ]);
  await eventually('ServiceMonitor deleted and condition gone', async () => {
    const left = await cluster.kubectl(['get', 'servicemonitor', '-n', ns, '-o', 'name']);
    return !left.trim() && !condition(await getCr(STREAMBUS, ns, NAME), 'ServiceMonitorReady');
  });
});
