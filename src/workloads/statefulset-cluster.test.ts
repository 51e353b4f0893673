import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_HASH_ANNOTATION } from './config-hash.ts';
import { autoscaledReplicas, buildHorizontalPodAutoscaler } from './horizontal-pod-autoscaler.ts';
import { buildNetworkPolicy } from './network-policy.ts';
import { controllerReference } from './owner.ts';
import { buildPodDisruptionBudget } from './pod-disruption-budget.ts';
import { buildResourceQuota } from './resource-quota.ts';
import { buildServiceMonitor } from './service-monitor.ts';
import { buildStatefulSetCluster, podDnsName, type StatefulSetClusterInput } from './statefulset-cluster.ts';

const owner = controllerReference({ apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'c1', uid: 'u-1' } });
const selector = { 'app.kubernetes.io/name': 'x', 'app.kubernetes.io/instance': 'c1' };
const labels = { ...selector, 'app.kubernetes.io/managed-by': 'statecraft' };

function input(over: Partial<StatefulSetClusterInput> = {}): StatefulSetClusterInput {
  return {
    name: 'c1',
    namespace: 'ns',
    owner,
    labels,
    selector,
    replicas: 3,
    containers: [{ name: 'x', image: 'x:1' }],
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
    configHash: 'abc',
    pod: {},
    clientService: { ports: [{ name: 'client', port: 9092, targetPort: 'client' }] },
    headlessPorts: [{ name: 'client', port: 9092 }],
    ...over,
  };
}

test('StatefulSet cluster: stable identity, headless Service publishing not-ready pods, client Service', () => {
  const c = buildStatefulSetCluster(input());
  const sts = c.statefulSet;
  assert.equal(sts.spec?.serviceName, 'c1-headless');
  assert.equal(sts.spec?.replicas, 3);
  assert.deepEqual(sts.spec?.selector.matchLabels, selector);
  assert.equal(sts.spec?.updateStrategy?.type, 'RollingUpdate');
  assert.equal(sts.spec?.updateStrategy?.rollingUpdate?.partition, 0);
  assert.deepEqual(sts.spec?.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION], 'abc');
  assert.equal(sts.spec?.volumeClaimTemplates?.[0].metadata?.name, 'data');
  assert.deepEqual(sts.metadata?.ownerReferences, [owner]);
  assert.equal(c.headlessService.spec?.clusterIP, 'None');
  assert.equal(c.headlessService.spec?.publishNotReadyAddresses, true);
  assert.equal(c.headlessService.metadata?.name, 'c1-headless');
  assert.equal(c.clientService.metadata?.name, 'c1');
  assert.equal(c.clientService.spec?.type, 'ClusterIP');
  assert.equal(podDnsName('c1', 2, 'ns'), 'c1-2.c1-headless.ns.svc');
});

test('a soft pod anti-affinity is the default; a user affinity replaces it', () => {
  const soft = buildStatefulSetCluster(input()).statefulSet.spec?.template.spec?.affinity;
  const term = soft?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0];
  assert.equal(term?.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
  assert.deepEqual(term?.podAffinityTerm.labelSelector?.matchLabels, selector);
  assert.equal(soft?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, undefined);
  const mine = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } };
  assert.deepEqual(
    buildStatefulSetCluster(input({ pod: { affinity: mine } })).statefulSet.spec?.template.spec?.affinity,
    mine,
  );
});

test('pod settings are applied and podLabels cannot break the selector', () => {
  const c = buildStatefulSetCluster(
    input({
      podOnlyLabels: { app: 'x' },
      pod: {
        podLabels: { 'app.kubernetes.io/instance': 'other', app: 'y', environment: 'prod' },
        podAnnotations: { 'prometheus.io/scrape': 'true', [CONFIG_HASH_ANNOTATION]: 'user' },
        nodeSelector: { disk: 'nvme' },
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }],
        imagePullSecrets: [{ name: 'reg' }],
      },
    }),
  );
  const tpl = c.statefulSet.spec?.template;
  assert.equal(tpl?.metadata?.labels?.['app.kubernetes.io/instance'], 'c1');
  assert.equal(tpl?.metadata?.labels?.app, 'x');
  assert.equal(tpl?.metadata?.labels?.environment, 'prod');
  assert.deepEqual(c.ignoredPodLabels.sort(), ['app', 'app.kubernetes.io/instance']);
  for (const [k, v] of Object.entries(selector)) assert.equal(tpl?.metadata?.labels?.[k], v);
  assert.equal(tpl?.metadata?.annotations?.['prometheus.io/scrape'], 'true');
  assert.equal(tpl?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION], 'abc', 'the operator hash wins');
  assert.deepEqual(tpl?.spec?.nodeSelector, { disk: 'nvme' });
  assert.equal(tpl?.spec?.tolerations?.[0].key, 'k');
  assert.deepEqual(tpl?.spec?.imagePullSecrets, [{ name: 'reg' }]);
});

test('a config change changes the pod template; the same input gives the same objects', () => {
  const a = buildStatefulSetCluster(input());
  assert.deepEqual(a, buildStatefulSetCluster(input()));
  const b = buildStatefulSetCluster(input({ configHash: 'def' }));
  assert.notDeepEqual(a.statefulSet.spec?.template, b.statefulSet.spec?.template);
  assert.equal(
    buildStatefulSetCluster(input({ pvcRetention: 'Delete' })).statefulSet.spec?.persistentVolumeClaimRetentionPolicy
      ?.whenDeleted,
    'Delete',
  );
  assert.throws(() => buildStatefulSetCluster(input({ labels: { a: 'b' } })), /selector label/);
});

test('PDB allows one unavailable pod; HPA targets the StatefulSet and respects bounds', () => {
  const pdb = buildPodDisruptionBudget({ name: 'c1', namespace: 'ns', labels, selector, owner });
  assert.equal(pdb.spec?.maxUnavailable, 1);
  assert.deepEqual(pdb.spec?.selector?.matchLabels, selector);
  const a = {
    minReplicas: 3,
    maxReplicas: 6,
    targetCPUUtilizationPercentage: 70,
    targetMemoryUtilizationPercentage: 80,
  };
  const hpa = buildHorizontalPodAutoscaler({
    name: 'c1',
    namespace: 'ns',
    labels,
    owner,
    target: 'c1',
    autoscaling: a,
  });
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'c1' });
  assert.deepEqual(
    hpa.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.averageUtilization]),
    [
      ['cpu', 70],
      ['memory', 80],
    ],
  );
  assert.equal(autoscaledReplicas(a, 5, 3), 5);
  assert.equal(autoscaledReplicas(a, 9, 3), 6);
  assert.equal(autoscaledReplicas(a, undefined, 1), 3);
  assert.throws(
    () =>
      buildHorizontalPodAutoscaler({
        name: 'c',
        namespace: 'n',
        labels,
        owner,
        target: 'c',
        autoscaling: { minReplicas: 4, maxReplicas: 2 },
      }),
    /maxReplicas/,
  );
});

test('ServiceMonitor, NetworkPolicy and ResourceQuota', () => {
  const sm = buildServiceMonitor({
    name: 'c1',
    namespace: 'ns',
    labels,
    owner,
    selector,
    port: 'metrics',
    interval: '30s',
  });
  assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '30s' }]);
  const np = buildNetworkPolicy({
    name: 'c1',
    namespace: 'ns',
    labels,
    owner,
    podSelector: selector,
    clientPorts: [9092],
    peerPorts: [7000],
  });
  assert.deepEqual(np.spec?.policyTypes, ['Ingress']);
  assert.deepEqual(np.spec?.ingress?.[1].from, [{ podSelector: { matchLabels: selector } }]);
  assert.deepEqual(np.spec?.ingress?.[1].ports, [{ protocol: 'TCP', port: 7000 }]);
  const rq = buildResourceQuota({ name: 'c1', namespace: 'ns', labels, owner, hard: { pods: '4' } });
  assert.deepEqual(rq.spec?.hard, { pods: '4' });
  assert.throws(() => controllerReference({ apiVersion: 'a', kind: 'K', metadata: { name: 'n', uid: '' } }), /uid/);
});
