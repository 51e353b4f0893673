/**
 * Desired state of a ShazamqCluster: `buildShazamq(cr, observed)` → the children to apply. Pure; names and labels
 * follow the upstream operator (reference/seed-operators-upstream.md §B) so existing tooling keeps working:
 * ConfigMap `{name}-config` (config.toml), Services `{name}` and `{name}-headless`, StatefulSet `{name}` with
 * container `shazamq` and claim template `data`, pods labelled `app=shazamq` and `shazamq.io/cluster={name}`.
 */
import type {
  V1EnvVar,
  V1PersistentVolumeClaim,
  V1PersistentVolumeClaimSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { ShazamqCluster } from '../../apis/shazamqcluster.ts';
import { configHash } from '../../workloads/config-hash.ts';
import { buildConfigMap } from '../../workloads/config-map.ts';
import { resourceRequirements } from '../../workloads/resources.ts';
import { buildServiceMonitor } from '../../workloads/service-monitor.ts';
import { buildStatefulSetCluster, headlessServiceName, podDnsName } from '../../workloads/statefulset-cluster.ts';
import {
  assembleBrokerCluster,
  type BrokerClusterDesired,
  brokerBasics,
  brokerPodSettings,
} from '../broker-cluster/desired.ts';
import {
  AUTH_DIR,
  CONFIG_DIR,
  DATA_DIR,
  mirrorCredentialEnv,
  renderShazamqConfig,
  S3_ACCESS_KEY_ENV,
  S3_SECRET_KEY_ENV,
  TLS_DIR,
} from './config.ts';

export const SHAZAMQ_DEFAULT_IMAGE = 'shazamq/shazamq';
export const SHAZAMQ_DEFAULT_VERSION = '0.1.0-rc1';
/** keys the tiered-storage credentials Secret must hold (as the seed's `kubectl create secret` shows) */
export const S3_SECRET_KEYS = { accessKeyId: 'access-key-id', secretAccessKey: 'secret-access-key' } as const;
/** keys a mirror source's credentials Secret must hold */
export const MIRROR_SECRET_KEYS = { username: 'username', password: 'password' } as const;

export interface ShazamqObserved {
  /** spec.replicas of the existing StatefulSet (what an HPA last chose) */
  statefulSetReplicas?: number;
}

export function buildShazamq(cr: ShazamqCluster, observed: ShazamqObserved = {}): BrokerClusterDesired {
  const spec = cr.spec;
  const version = spec.version ?? SHAZAMQ_DEFAULT_VERSION;
  const port = spec.service?.port ?? 9092;
  const metricsPort = spec.service?.metricsPort ?? 9090;
  const basics = brokerBasics(cr, { name: 'shazamq', version }, spec, observed);
  const { name, namespace, labels, owner, replicas } = basics;
  const headless = headlessServiceName(name);
  const peers = Array.from({ length: replicas }, (_, i) => `${podDnsName(name, i, namespace, headless)}:${port}`);

  const configToml = renderShazamqConfig(spec, { name, namespace, replicas, port, metricsPort, peers });
  const configMap = buildConfigMap({
    name: `${name}-config`,
    namespace,
    labels,
    owner,
    data: { 'config.toml': configToml },
  });

  const secretRefs: BrokerClusterDesired['secretRefs'] = [];
  const env: V1EnvVar[] = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    {
      name: 'SHAZAMQ_BROKER_ID',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
    },
    { name: 'SHAZAMQ_ADVERTISED_HOST', value: `$(POD_NAME).${headless}.${namespace}.svc` },
  ];
  const secretEnv = (envName: string, secret: string, key: string): V1EnvVar => ({
    name: envName,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });
  const s3 = spec.tieredStorage?.s3;
  if (spec.tieredStorage?.enabled && s3?.credentialsSecret) {
    secretRefs.push({
      field: 'spec.tieredStorage.s3.credentialsSecret',
      name: s3.credentialsSecret,
      keys: [S3_SECRET_KEYS.accessKeyId, S3_SECRET_KEYS.secretAccessKey],
    });
    env.push(secretEnv(S3_ACCESS_KEY_ENV, s3.credentialsSecret, S3_SECRET_KEYS.accessKeyId));
    env.push(secretEnv(S3_SECRET_KEY_ENV, s3.credentialsSecret, S3_SECRET_KEYS.secretAccessKey));
  }
  if (spec.mirror?.enabled) {
    (spec.mirror.sources ?? []).forEach((source, i) => {
      if (!source.credentialsSecret) return;
      secretRefs.push({
        field: `spec.mirror.sources[${i}].credentialsSecret`,
        name: source.credentialsSecret,
        keys: [MIRROR_SECRET_KEYS.username, MIRROR_SECRET_KEYS.password],
      });
      const names = mirrorCredentialEnv(source);
      env.push(secretEnv(names.username, source.credentialsSecret, MIRROR_SECRET_KEYS.username));
      env.push(secretEnv(names.password, source.credentialsSecret, MIRROR_SECRET_KEYS.password));
    });
  }

  const volumes: V1Volume[] = [{ name: 'config', configMap: { name: `${name}-config` } }];
  const mounts: V1VolumeMount[] = [
    { name: 'data', mountPath: DATA_DIR },
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
  ];
  const security = spec.security;
  if (security?.enabled && security.tls?.enabled) {
    if (!security.tls.secretName) throw new Error('spec.security.tls.secretName is required when TLS is enabled');
    secretRefs.push({
      field: 'spec.security.tls.secretName',
      name: security.tls.secretName,
      keys: ['tls.crt', 'tls.key'],
    });
    volumes.push({ name: 'tls', secret: { secretName: security.tls.secretName } });
    mounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
  }
  if (security?.enabled && security.auth?.enabled) {
    if (!security.auth.secretName) throw new Error('spec.security.auth.secretName is required when auth is enabled');
    secretRefs.push({ field: 'spec.security.auth.secretName', name: security.auth.secretName, keys: [] });
    volumes.push({ name: 'auth', secret: { secretName: security.auth.secretName } });
    mounts.push({ name: 'auth', mountPath: AUTH_DIR, readOnly: true });
  }

  const vct = spec.storage?.volumeClaimTemplate;
  const dataClaim: V1PersistentVolumeClaim = {
    metadata: { name: 'data', ...(vct?.metadata?.annotations ? { annotations: vct.metadata.annotations } : {}) },
    spec: vct?.spec
      ? claimSpec(vct.spec)
      : { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } },
  };

  const cluster = buildStatefulSetCluster({
    ...basics,
    podOnlyLabels: { app: 'shazamq', 'shazamq.io/cluster': name },
    containers: [
      {
        name: 'shazamq',
        image: `${spec.image ?? SHAZAMQ_DEFAULT_IMAGE}:${version}`,
        ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
        args: ['--config', `${CONFIG_DIR}/config.toml`],
        env,
        ports: [
          { name: 'kafka', containerPort: port, protocol: 'TCP' },
          { name: 'metrics', containerPort: metricsPort, protocol: 'TCP' },
        ],
        readinessProbe: { tcpSocket: { port: 'kafka' }, periodSeconds: 10 },
        livenessProbe: { tcpSocket: { port: 'kafka' }, initialDelaySeconds: 30, periodSeconds: 20 },
        ...(spec.resources ? { resources: resourceRequirements(spec.resources) } : {}),
        volumeMounts: mounts,
      },
    ],
    volumes,
    volumeClaimTemplates: [dataClaim],
    pvcRetention: spec.pvcRetention,
    // the Secrets' names are part of the hash: pointing at another Secret restarts the brokers to read it
    configHash: configHash(configToml, secretRefs),
    pod: brokerPodSettings(spec, spec.imagePullSecrets),
    clientService: {
      type: spec.service?.type,
      annotations: spec.service?.annotations,
      ports: [
        { name: 'kafka', port, targetPort: 'kafka', protocol: 'TCP' },
        { name: 'metrics', port: metricsPort, targetPort: 'metrics', protocol: 'TCP' },
      ],
    },
    headlessPorts: [
      { name: 'kafka', port, targetPort: 'kafka', protocol: 'TCP' },
      { name: 'metrics', port: metricsPort, targetPort: 'metrics', protocol: 'TCP' },
    ],
  });

  const monitoring = spec.monitoring;
  const serviceMonitor =
    (monitoring?.enabled ?? true) && monitoring?.serviceMonitor?.enabled
      ? buildServiceMonitor({
          ...basics,
          port: 'metrics',
          interval: monitoring.serviceMonitor.interval ?? '30s',
          scrapeTimeout: monitoring.serviceMonitor.scrapeTimeout ?? '10s',
        })
      : undefined;

  return assembleBrokerCluster({
    basics,
    configMap,
    cluster,
    autoscaling: spec.autoscaling,
    serviceMonitor,
    secretRefs,
  });
}

/** The README's volumeClaimTemplate spec, used as given (quantities as strings). */
function claimSpec(given: NonNullable<NonNullable<ShazamqCluster['spec']['storage']['volumeClaimTemplate']>['spec']>) {
  const { resources, ...rest } = given;
  const spec: V1PersistentVolumeClaimSpec = { ...rest };
  if (resources) spec.resources = resourceRequirements(resources);
  return spec;
}
