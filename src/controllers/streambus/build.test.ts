import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { V1ConfigMap, V1StatefulSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { type StreamBusCluster, streamBusClusterSpecWithDefaults } from '../../apis/streambuscluster.ts';
import { CONFIG_HASH_ANNOTATION } from '../../workloads/config-hash.ts';
import { buildStreamBus } from './build.ts';

function sample(file: string): StreamBusCluster {
  const cr = parse(readFileSync(new URL(`../../../samples/${file}`, import.meta.url), 'utf8'));
  cr.metadata.uid = 'uid-1';
  cr.metadata.namespace ??= 'default';
  cr.spec = streamBusClusterSpecWithDefaults(cr.spec);
  return cr;
}
const find = <T>(d: ReturnType<typeof buildStreamBus>, kind: string) => d.objects.find((o) => o.kind === kind) as T;

test('minimal: two claim templates with the storage class, per-ordinal nested broker.yaml with peers', () => {
  const d = buildStreamBus(sample('streambus-minimal.yaml'));
  assert.deepEqual(
    d.objects.map((o) => `${o.kind}/${o.metadata?.name}`),
    [
      'ConfigMap/streambus-minimal-config',
      'Service/streambus-minimal-headless',
      'Service/streambus-minimal',
      'PodDisruptionBudget/streambus-minimal',
      'StatefulSet/streambus-minimal',
    ],
  );
  const sts = find<V1StatefulSet>(d, 'StatefulSet');
  assert.deepEqual(
    sts.spec!.volumeClaimTemplates!.map((t) => [
      t.metadata!.name,
      t.spec!.storageClassName,
      t.spec!.resources!.requests!.storage,
    ]),
    [
      ['data', 'standard', '10Gi'],
      ['raft-data', 'standard', '5Gi'],
    ],
  );
  const c = sts.spec!.template.spec!.containers[0];
  assert.equal(c.name, 'streambus');
  assert.equal(c.image, 'streambus/broker:v0.6.0');
  assert.equal(c.readinessProbe!.httpGet!.path, '/health/ready');
  assert.equal(c.volumeMounts![0].subPathExpr, 'broker-$(POD_ORDINAL).yaml');
  assert.equal(sts.spec!.template.metadata!.labels!['app.kubernetes.io/name'], 'streambus-broker');
  const files = find<V1ConfigMap>(d, 'ConfigMap').data!;
  assert.deepEqual(Object.keys(files), ['broker-0.yaml', 'broker-1.yaml', 'broker-2.yaml']);
  const b1 = parse(files['broker-1.yaml']);
  assert.equal(b1.broker.id, 2);
  assert.deepEqual(b1.server, {
    host: '0.0.0.0',
    advertised_host: 'streambus-minimal-1.streambus-minimal-headless.default.svc.cluster.local',
    port: 9092,
    http_port: 8081,
    grpc_port: 9093,
  });
  assert.equal(b1.cluster.peers[2], '3:streambus-minimal-2.streambus-minimal-headless.default.svc.cluster.local:7000');
  assert.equal(b1.storage.data_dir, '/data/streambus');
  assert.equal(b1.cluster.raft.data_dir, '/data/raft');
});

test('full: TLS Secrets mounted, tenancy objects and quotas, observability in config and env', () => {
  const cr = sample('streambus-full.yaml');
  const d = buildStreamBus(cr);
  assert.deepEqual(
    d.secretRefs.map((r) => `${r.field}=${r.name}`),
    ['spec.security.tls.certSecretName=streambus-tls-certs', 'spec.security.tls.caSecretName=streambus-ca-cert'],
  );
  const np = find<{ spec: { ingress: { ports: { port: number }[] }[] } }>(d, 'NetworkPolicy');
  assert.deepEqual(
    np.spec.ingress.map((r) => r.ports.map((p) => p.port)),
    [[9092, 9093], [8081], [7000]],
  );
  assert.ok(find(d, 'ResourceQuota'));
  assert.equal(d.serviceMonitor?.spec.endpoints[0].interval, '30s');
  const sts = find<V1StatefulSet>(d, 'StatefulSet');
  const pod = sts.spec!.template.spec!;
  assert.deepEqual(
    pod.volumes!.filter((v) => v.secret).map((v) => v.secret!.secretName),
    ['streambus-tls-certs', 'streambus-ca-cert'],
  );
  const env = Object.fromEntries(pod.containers[0].env!.map((e) => [e.name, e.value]));
  assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'jaeger-collector.observability.svc:4317');
  assert.equal(env.OTEL_TRACES_SAMPLER_ARG, '0.1');
  assert.equal(env.STREAMBUS_LOG_FORMAT, 'json');
  assert.equal(env.STREAMBUS_AUDIT_LOG, '/data/streambus/audit/audit.log');
  const b0 = parse(find<V1ConfigMap>(d, 'ConfigMap').data!['broker-0.yaml']);
  assert.equal(b0.security.tls.client_auth_required, true);
  assert.equal(b0.security.tls.ca_file, '/etc/streambus/ca/ca.crt');
  assert.deepEqual(b0.security.authentication.allowed_methods, ['mtls', 'jwt']);
  assert.equal(b0.security.authorization.default_policy, 'deny');
  assert.equal(b0.multi_tenancy.default_quotas.max_messages_per_second, 10000);
  assert.deepEqual(b0.multi_tenancy.tenant_overrides, [
    { tenant_id: 'premium-tenant', quotas: { max_topics: 500, max_connections: 5000 } },
  ]);
  assert.equal(b0.multi_tenancy.rate_limiting, true);
  assert.deepEqual(b0.tracing, {
    enabled: true,
    endpoint: 'jaeger-collector.observability.svc:4317',
    sampling_rate: 0.1,
    include_tenant_id: true,
  });
  assert.deepEqual(b0.logging.audit, { enabled: true, level: 'detailed', path: '/data/streambus/audit/audit.log' });
  assert.equal(b0.metrics.per_tenant, true);
  assert.equal(pod.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.length, 1);
  assert.equal(sts.spec!.template.metadata!.labels!.environment, 'production');
  assert.equal(sts.spec!.template.metadata!.annotations!['prometheus.io/scrape'], 'true');
  assert.deepEqual(pod.containers[0].resources, cr.spec.resources);
});

test('a tag change changes only the image; scaling rewrites the peer list; missing tag is named', () => {
  const cr = sample('streambus-minimal.yaml');
  const a = find<V1StatefulSet>(buildStreamBus(cr), 'StatefulSet');
  cr.spec.image = { ...cr.spec.image, tag: 'v0.7.0' };
  const b = find<V1StatefulSet>(buildStreamBus(cr), 'StatefulSet');
  assert.equal(b.spec!.template.spec!.containers[0].image, 'streambus/broker:v0.7.0');
  assert.equal(
    a.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION],
    b.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION],
  );
  cr.spec.replicas = 5;
  const files = find<V1ConfigMap>(buildStreamBus(cr), 'ConfigMap').data!;
  assert.equal(parse(files['broker-4.yaml']).cluster.peers.length, 5);
  cr.spec.image = { repository: 'x' };
  assert.throws(() => buildStreamBus(cr), /spec\.image\.tag/);
});
