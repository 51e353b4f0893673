import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { V1ConfigMap, V1StatefulSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { type ShazamqCluster, shazamqClusterSpecWithDefaults } from '../../apis/shazamqcluster.ts';
import { CONFIG_HASH_ANNOTATION } from '../../workloads/config-hash.ts';
import { buildShazamq } from './build.ts';

function sample(file: string): ShazamqCluster {
  const cr = parse(readFileSync(new URL(`../../../samples/${file}`, import.meta.url), 'utf8'));
  cr.metadata.uid = 'uid-1';
  // as the API server stores it: CRD defaults filled in
  cr.spec = shazamqClusterSpecWithDefaults(cr.spec);
  return cr;
}
const find = <T>(d: ReturnType<typeof buildShazamq>, kind: string, name?: string) =>
  d.objects.find((o) => o.kind === kind && (!name || o.metadata?.name === name)) as T;

test('my-cluster: names and labels as upstream, volumeClaimTemplate used as given, soft anti-affinity', () => {
  const d = buildShazamq(sample('shazamq-my-cluster.yaml'));
  assert.deepEqual(
    d.objects.map((o) => `${o.kind}/${o.metadata?.name}`),
    [
      'ConfigMap/my-cluster-config',
      'Service/my-cluster-headless',
      'Service/my-cluster',
      'PodDisruptionBudget/my-cluster',
      'StatefulSet/my-cluster',
    ],
  );
  const sts = find<V1StatefulSet>(d, 'StatefulSet');
  const pod = sts.spec!.template;
  assert.equal(pod.spec!.containers[0].name, 'shazamq');
  assert.equal(pod.spec!.containers[0].image, 'shazamq/shazamq:0.1.0-rc1');
  assert.deepEqual(pod.spec!.containers[0].args, ['--config', '/etc/shazamq/config.toml']);
  assert.equal(pod.metadata!.labels!.app, 'shazamq');
  assert.equal(pod.metadata!.labels!['shazamq.io/cluster'], 'my-cluster');
  assert.equal(sts.spec!.volumeClaimTemplates![0].metadata!.name, 'data');
  assert.deepEqual(sts.spec!.volumeClaimTemplates![0].spec!.resources!.requests, { storage: '100Gi' });
  assert.ok(pod.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution);
  assert.deepEqual(d.secretRefs, []);
  assert.equal(d.serviceMonitor, undefined);
  const toml = find<V1ConfigMap>(d, 'ConfigMap').data!['config.toml'];
  assert.match(toml, /\[broker\]\nhost = "0.0.0.0"\nport = 9092\ndata_dir = "\/data\/shazamq"/);
  assert.match(toml, /\[metrics\]\nenabled = true\nport = 9090/);
  assert.match(toml, /"my-cluster-2\.my-cluster-headless\.messaging\.svc:9092"/);
});

test('production: tiered storage and mirror credentials come from Secrets as env, never in the ConfigMap', () => {
  const cr = sample('shazamq-production.yaml');
  const d = buildShazamq(cr);
  const toml = find<V1ConfigMap>(d, 'ConfigMap').data!['config.toml'];
  assert.match(toml, /\[tiered_storage\]\nenabled = true\nprovider = "s3"\nhot_tier_retention_hours = 24/);
  assert.match(toml, /\[tiered_storage\.s3\]\nbucket = "shazamq-data"\nregion = "us-east-1"\nprefix = "prod\/shazamq"/);
  assert.match(toml, /access_key_id_env = "AWS_ACCESS_KEY_ID"/);
  assert.match(toml, /\[\[mirror\.sources\]\]\nname = "kafka-prod"\nbootstrap_servers = "kafka-1:9092,kafka-2:9092"/);
  assert.match(toml, /topic_whitelist = \["orders\.\*", "events\.\*"\]/);
  assert.match(toml, /num_consumers = 8\nexactly_once = true/);
  assert.match(toml, /sasl_password_env = "SHAZAMQ_MIRROR_KAFKA_PROD_PASSWORD"/);
  assert.doesNotMatch(toml, /aws-credentials|kafka-credentials/);
  assert.deepEqual(
    d.secretRefs.map((r) => [r.field, r.name]),
    [
      ['spec.tieredStorage.s3.credentialsSecret', 'aws-credentials'],
      ['spec.mirror.sources[0].credentialsSecret', 'kafka-credentials'],
    ],
  );
  const c = find<V1StatefulSet>(d, 'StatefulSet').spec!.template.spec!;
  const env = Object.fromEntries(c.containers[0].env!.map((e) => [e.name, e.valueFrom?.secretKeyRef]));
  assert.deepEqual(env.AWS_ACCESS_KEY_ID, { name: 'aws-credentials', key: 'access-key-id' });
  assert.deepEqual(env.AWS_SECRET_ACCESS_KEY, { name: 'aws-credentials', key: 'secret-access-key' });
  assert.deepEqual(env.SHAZAMQ_MIRROR_KAFKA_PROD_USERNAME, { name: 'kafka-credentials', key: 'username' });
  assert.deepEqual(c.containers[0].resources, cr.spec.resources);
  assert.deepEqual(c.nodeSelector, { workload: 'messaging', disk: 'nvme' });
  assert.deepEqual(c.tolerations, cr.spec.tolerations);
  assert.deepEqual(c.affinity, cr.spec.affinity);
});

test('service.port, monitoring, autoscaling, security, podLabels and config changes', () => {
  const cr = sample('shazamq-my-cluster.yaml');
  const base = find<V1StatefulSet>(buildShazamq(cr), 'StatefulSet');
  cr.spec.service = { ...cr.spec.service, port: 19092, type: 'LoadBalancer' };
  cr.spec.monitoring.serviceMonitor.enabled = true;
  cr.spec.autoscaling = { minReplicas: 3, maxReplicas: 7, targetCPUUtilizationPercentage: 60 };
  cr.spec.security = { enabled: true, tls: { enabled: true, secretName: 'tls' } };
  cr.spec.podLabels = { 'app.kubernetes.io/instance': 'x', team: 'a' };
  const d = buildShazamq(cr, { statefulSetReplicas: 5 });
  const svc = find<{ spec: { type: string; ports: { port: number }[] } }>(d, 'Service', 'my-cluster');
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.equal(svc.spec.ports[0].port, 19092);
  assert.equal(d.serviceMonitor?.spec.endpoints[0].interval, '30s');
  assert.ok(find(d, 'HorizontalPodAutoscaler'));
  const sts = find<V1StatefulSet>(d, 'StatefulSet');
  assert.equal(sts.spec!.replicas, 5, 'the HPA choice is kept');
  assert.equal(sts.spec!.template.spec!.containers[0].ports![0].containerPort, 19092);
  assert.deepEqual(d.secretRefs[0], {
    field: 'spec.security.tls.secretName',
    name: 'tls',
    keys: ['tls.crt', 'tls.key'],
  });
  assert.deepEqual(d.ignoredPodLabels, ['app.kubernetes.io/instance']);
  assert.equal(sts.spec!.selector.matchLabels!['app.kubernetes.io/instance'], 'my-cluster');
  assert.notEqual(
    sts.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION],
    base.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION],
  );
  cr.spec.config = { broker: { num_io_threads: 8 }, extra: { a: 'b' } };
  const toml = find<V1ConfigMap>(buildShazamq(cr), 'ConfigMap').data!['config.toml'];
  assert.match(toml, /num_io_threads = 8/);
  assert.match(toml, /\[extra\]\na = "b"/);
  cr.spec.config = { bad: null };
  assert.throws(() => buildShazamq(cr), /spec\.config\.bad/);
});
