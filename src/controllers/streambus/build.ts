/**
 * Desired state of a StreamBusCluster: `buildStreamBus(cr, observed)` → the children to apply. Pure. Names follow
 * upstream (reference/seed-operators-upstream.md §C): ConfigMap `{name}-config`, Services `{name}` and
 * `{name}-headless`, StatefulSet `{name}` with container `streambus` and claim templates `data` and `raft-data`.
 * Pods carry `app.kubernetes.io/name=streambus-broker`, the label the seed README selects on.
 */
import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { StreamBusCluster, StreamBusClusterSpec } from '../../apis/streambuscluster.ts';
import { configHash } from '../../workloads/config-hash.ts';
import { buildConfigMap } from '../../workloads/config-map.ts';
import { buildNetworkPolicy } from '../../workloads/network-policy.ts';
import { buildResourceQuota } from '../../workloads/resource-quota.ts';
import { resourceRequirements } from '../../workloads/resources.ts';
import { buildServiceMonitor } from '../../workloads/service-monitor.ts';
import { buildStatefulSetCluster, headlessServiceName } from '../../workloads/statefulset-cluster.ts';
import {
  assembleBrokerCluster,
  type BrokerClusterDesired,
  brokerBasics,
  brokerPodSettings,
} from '../broker-cluster/desired.ts';
import {
  AUDIT_LOG,
  CA_DIR,
  CONFIG_DIR,
  DATA_DIR,
  logLevel,
  RAFT_DIR,
  RAFT_PORT,
  renderStreamBusConfigFiles,
  type StreamBusPorts,
  TLS_DIR,
} from './config.ts';

export const STREAMBUS_APP_LABEL = 'streambus-broker';
export const STREAMBUS_DEFAULT_REPOSITORY = 'streambus/broker';

export interface StreamBusObserved {
  statefulSetReplicas?: number;
}

export function streamBusPorts(spec: StreamBusClusterSpec): StreamBusPorts {
  return {
    port: spec.config?.port || 9092,
    httpPort: spec.config?.httpPort || 8081,
    grpcPort: spec.config?.grpcPort || 9093,
  };
}

export function streamBusImage(spec: StreamBusClusterSpec): string {
  const tag = spec.image?.tag ?? spec.version;
  if (!tag) throw new Error('spec.image.tag (or spec.version) is required: the broker image needs a tag');
  return `${spec.image?.repository ?? STREAMBUS_DEFAULT_REPOSITORY}:${tag}`;
}

export function buildStreamBus(cr: StreamBusCluster, observed: StreamBusObserved = {}): BrokerClusterDesired {
  const spec = cr.spec;
  const image = streamBusImage(spec);
  const ports = streamBusPorts(spec);
  const basics = brokerBasics(
    cr,
    { name: STREAMBUS_APP_LABEL, version: spec.image?.tag ?? spec.version, partOf: 'streambus' },
    spec,
    observed,
  );
  const { name, namespace, labels, selector, owner, replicas } = basics;
  const headless = headlessServiceName(name);
  const files = renderStreamBusConfigFiles(spec, { name, namespace, replicas, ports, headless });
  const configMap = buildConfigMap({ name: `${name}-config`, namespace, labels, owner, data: files });

  const obs = spec.observability ?? {};
  const env: V1EnvVar[] = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_ORDINAL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
    { name: 'STREAMBUS_CONFIG', value: `${CONFIG_DIR}/broker.yaml` },
    { name: 'STREAMBUS_LOG_LEVEL', value: logLevel(spec) },
    { name: 'STREAMBUS_LOG_FORMAT', value: obs.logging?.format ?? 'json' },
  ];
  if (obs.logging?.auditLog?.enabled) env.push({ name: 'STREAMBUS_AUDIT_LOG', value: AUDIT_LOG });
  if (obs.tracing?.enabled) {
    if (!obs.tracing.endpoint)
      throw new Error('spec.observability.tracing.endpoint is required when tracing is enabled');
    env.push(
      { name: 'OTEL_SERVICE_NAME', value: STREAMBUS_APP_LABEL },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: obs.tracing.endpoint },
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(obs.tracing.samplingRate ?? 1) },
    );
  }

  const secretRefs: BrokerClusterDesired['secretRefs'] = [];
  const volumes: V1Volume[] = [{ name: 'config', configMap: { name: `${name}-config` } }];
  const mounts: V1VolumeMount[] = [
    // each pod reads its own broker-<ordinal>.yaml as /etc/streambus/broker.yaml
    {
      name: 'config',
      mountPath: `${CONFIG_DIR}/broker.yaml`,
      subPathExpr: 'broker-$(POD_ORDINAL).yaml',
      readOnly: true,
    },
    { name: 'data', mountPath: DATA_DIR },
    { name: 'raft-data', mountPath: RAFT_DIR },
  ];
  const tls = spec.security?.tls;
  if (tls?.enabled) {
    if (!tls.certSecretName) throw new Error('spec.security.tls.certSecretName is required when TLS is enabled');
    secretRefs.push({
      field: 'spec.security.tls.certSecretName',
      name: tls.certSecretName,
      keys: ['tls.crt', 'tls.key'],
    });
    volumes.push({ name: 'tls', secret: { secretName: tls.certSecretName } });
    mounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
    if (tls.caSecretName) {
      secretRefs.push({ field: 'spec.security.tls.caSecretName', name: tls.caSecretName, keys: ['ca.crt'] });
      volumes.push({ name: 'ca', secret: { secretName: tls.caSecretName } });
      mounts.push({ name: 'ca', mountPath: CA_DIR, readOnly: true });
    }
  }

  const storageClass = spec.storage?.class ?? 'standard';
  const claim = (claimName: string, size: string) => ({
    metadata: { name: claimName },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: storageClass,
      resources: { requests: { storage: size } },
    },
  });
  const httpScheme = 'HTTP';
  const cluster = buildStatefulSetCluster({
    ...basics,
    containers: [
      {
        name: 'streambus',
        image,
        ...(spec.image?.pullPolicy ? { imagePullPolicy: spec.image.pullPolicy } : {}),
        args: ['--config', `${CONFIG_DIR}/broker.yaml`],
        env,
        ports: [
          { name: 'broker', containerPort: ports.port, protocol: 'TCP' },
          { name: 'http', containerPort: ports.httpPort, protocol: 'TCP' },
          { name: 'grpc', containerPort: ports.grpcPort, protocol: 'TCP' },
          { name: 'raft', containerPort: RAFT_PORT, protocol: 'TCP' },
        ],
        livenessProbe: {
          httpGet: { path: '/health', port: 'http', scheme: httpScheme },
          initialDelaySeconds: 30,
          periodSeconds: 10,
        },
        readinessProbe: {
          httpGet: { path: '/health/ready', port: 'http', scheme: httpScheme },
          initialDelaySeconds: 5,
          periodSeconds: 5,
        },
        ...(spec.resources ? { resources: resourceRequirements(spec.resources) } : {}),
        volumeMounts: mounts,
      },
    ],
    volumes,
    volumeClaimTemplates: [
      claim('data', spec.storage?.size ?? '10Gi'),
      claim('raft-data', spec.storage?.raftSize ?? '5Gi'),
    ],
    pvcRetention: spec.pvcRetention,
    configHash: configHash(files, secretRefs),
    pod: brokerPodSettings(
      spec,
      spec.image?.pullSecrets?.map((secret) => ({ name: secret })),
    ),
    clientService: {
      ports: [
        { name: 'broker', port: ports.port, targetPort: 'broker', protocol: 'TCP' },
        { name: 'http', port: ports.httpPort, targetPort: 'http', protocol: 'TCP' },
        { name: 'grpc', port: ports.grpcPort, targetPort: 'grpc', protocol: 'TCP' },
      ],
    },
    headlessPorts: [
      { name: 'broker', port: ports.port, targetPort: 'broker', protocol: 'TCP' },
      { name: 'http', port: ports.httpPort, targetPort: 'http', protocol: 'TCP' },
      { name: 'raft', port: RAFT_PORT, targetPort: 'raft', protocol: 'TCP' },
    ],
  });

  const extras: object[] = [];
  const mt = spec.multiTenancy;
  if (mt?.enabled && mt.isolation?.networkPolicies) {
    extras.push(
      buildNetworkPolicy({
        name: `${name}-isolation`,
        namespace,
        labels,
        owner,
        podSelector: selector,
        clientPorts: [ports.port, ports.grpcPort],
        peerPorts: [RAFT_PORT],
        publicPorts: [ports.httpPort],
      }),
    );
  }
  if (mt?.enabled && mt.isolation?.resourceQuotas) {
    // Namespace-wide by nature, so it limits only what tenants of an isolated broker namespace must not do
    // (expose brokers outside the cluster); per-tenant quotas are enforced by the brokers from broker.yaml.
    extras.push(
      buildResourceQuota({
        name: `${name}-quota`,
        namespace,
        labels,
        owner,
        hard: { 'services.loadbalancers': '0', 'services.nodeports': '0' },
      }),
    );
  }

  const metrics = obs.metrics;
  const serviceMonitor =
    (metrics?.enabled ?? true) && metrics?.serviceMonitor
      ? buildServiceMonitor({
          ...basics,
          port: 'http',
          interval: metrics.interval ?? '30s',
        })
      : undefined;

  return assembleBrokerCluster({
    basics,
    configMap,
    cluster,
    extras,
    autoscaling: spec.autoscaling,
    serviceMonitor,
    secretRefs,
  });
}
