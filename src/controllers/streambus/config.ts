/**
 * The nested broker.yaml of StreamBus brokers. One file per pod ordinal (`broker-<i>.yaml` in the ConfigMap, each
 * pod mounts its own at /etc/streambus/broker.yaml through subPathExpr), because the broker id and the raft
 * self-address differ per pod while everything else is shared.
 */
import { stringify } from 'yaml';
import type { StreamBusClusterSpec } from '../../apis/streambuscluster.ts';

type StreamBusQuotas = NonNullable<StreamBusClusterSpec['multiTenancy']>['defaultQuotas'];

export const CONFIG_DIR = '/etc/streambus';
export const DATA_DIR = '/data/streambus';
export const RAFT_DIR = '/data/raft';
export const TLS_DIR = '/etc/streambus/tls';
export const CA_DIR = '/etc/streambus/ca';
export const AUDIT_LOG = '/data/streambus/audit/audit.log';
export const RAFT_PORT = 7000;

export interface StreamBusPorts {
  port: number;
  httpPort: number;
  grpcPort: number;
}

export interface StreamBusConfigContext {
  name: string;
  namespace: string;
  replicas: number;
  ports: StreamBusPorts;
  headless: string;
}

/** Raft peers as upstream writes them: "<id>:<pod>.<headless>.<ns>.svc.cluster.local:7000", id = ordinal + 1. */
export function streamBusPeers(ctx: Pick<StreamBusConfigContext, 'name' | 'namespace' | 'replicas' | 'headless'>) {
  return Array.from(
    { length: ctx.replicas },
    (_, i) => `${i + 1}:${ctx.name}-${i}.${ctx.headless}.${ctx.namespace}.svc.cluster.local:${RAFT_PORT}`,
  );
}

export function logLevel(spec: StreamBusClusterSpec): string {
  return spec.observability?.logging?.level ?? spec.config?.logLevel ?? 'info';
}

function quotas(q: StreamBusQuotas | undefined) {
  if (!q) return undefined;
  return {
    max_topics: q.maxTopics,
    max_partitions_per_topic: q.maxPartitionsPerTopic,
    max_connections: q.maxConnections,
    max_bandwidth_mbps: q.maxBandwidthMBps,
    max_storage_gb: q.maxStorageGB,
    max_messages_per_second: q.maxMessagesPerSecond,
  };
}

/** The configuration object of the broker with pod ordinal `ordinal`. */
export function streamBusConfig(spec: StreamBusClusterSpec, ctx: StreamBusConfigContext, ordinal: number) {
  const sec = spec.security ?? {};
  const mt = spec.multiTenancy;
  const obs = spec.observability ?? {};
  const tls = sec.tls?.enabled
    ? {
        enabled: true,
        cert_file: `${TLS_DIR}/tls.crt`,
        key_file: `${TLS_DIR}/tls.key`,
        ...(sec.tls.caSecretName ? { ca_file: `${CA_DIR}/ca.crt` } : {}),
        client_auth_required: sec.tls.clientAuthRequired ?? false,
      }
    : { enabled: false };
  return prune({
    broker: { id: ordinal + 1, cluster_name: ctx.name },
    server: {
      host: '0.0.0.0',
      advertised_host: `${ctx.name}-${ordinal}.${ctx.headless}.${ctx.namespace}.svc.cluster.local`,
      port: ctx.ports.port,
      http_port: ctx.ports.httpPort,
      grpc_port: ctx.ports.grpcPort,
    },
    storage: { data_dir: DATA_DIR },
    cluster: {
      raft: { data_dir: RAFT_DIR, port: RAFT_PORT },
      peers: streamBusPeers(ctx),
    },
    security: {
      tls,
      authentication: sec.authentication?.enabled
        ? {
            enabled: true,
            method: sec.authentication.method ?? 'mtls',
            allowed_methods: sec.authentication.allowedMethods ?? [sec.authentication.method ?? 'mtls'],
          }
        : { enabled: false },
      authorization: sec.authorization?.enabled
        ? { enabled: true, default_policy: sec.authorization.defaultPolicy ?? 'deny' }
        : { enabled: false },
    },
    multi_tenancy: mt?.enabled
      ? {
          enabled: true,
          rate_limiting: mt.isolation?.rateLimiting ?? false,
          default_quotas: quotas(mt.defaultQuotas),
          tenant_overrides: (mt.tenantOverrides ?? []).map((o) => ({
            tenant_id: o.tenantId,
            quotas: quotas(o.quotas),
          })),
        }
      : { enabled: false },
    metrics: {
      enabled: obs.metrics?.enabled ?? true,
      path: '/metrics',
      port: ctx.ports.httpPort,
      per_tenant: obs.metrics?.perTenantMetrics ?? false,
    },
    tracing: obs.tracing?.enabled
      ? {
          enabled: true,
          endpoint: obs.tracing.endpoint,
          sampling_rate: Number(obs.tracing.samplingRate ?? 1),
          include_tenant_id: obs.tracing.includeTenantId ?? false,
        }
      : { enabled: false },
    logging: {
      level: logLevel(spec),
      format: obs.logging?.format ?? 'json',
      include_tenant_context: obs.logging?.includeTenantContext ?? false,
      audit: obs.logging?.auditLog?.enabled
        ? { enabled: true, level: obs.logging.auditLog.level ?? 'basic', path: AUDIT_LOG }
        : { enabled: false },
    },
  });
}

export function renderStreamBusConfigFiles(spec: StreamBusClusterSpec, ctx: StreamBusConfigContext) {
  const files: Record<string, string> = {};
  for (let i = 0; i < ctx.replicas; i++) files[`broker-${i}.yaml`] = stringify(streamBusConfig(spec, ctx, i));
  return files;
}

/** Drops undefined values so the YAML carries only what is set. */
function prune<T>(v: T): T {
  if (Array.isArray(v)) return v.map(prune) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, prune(x)]),
    ) as T;
  }
  return v;
}
