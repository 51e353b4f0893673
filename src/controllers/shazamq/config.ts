/**
 * config.toml for Shazamq brokers. Credentials never appear here: the file names the environment variables that
 * carry them (filled from the referenced Secrets by the pod spec), so the ConfigMap is safe to read.
 */

import type { ShazamqClusterSpec } from '../../apis/shazamqcluster.ts';
import { renderToml, type TomlTable, type TomlValue } from '../../workloads/toml.ts';

export type ShazamqMirrorSource = NonNullable<NonNullable<ShazamqClusterSpec['mirror']>['sources']>[number];

export const CONFIG_DIR = '/etc/shazamq';
export const DATA_DIR = '/data/shazamq';
export const TLS_DIR = '/etc/shazamq/tls';
export const AUTH_DIR = '/etc/shazamq/auth';
export const S3_ACCESS_KEY_ENV = 'AWS_ACCESS_KEY_ID';
export const S3_SECRET_KEY_ENV = 'AWS_SECRET_ACCESS_KEY';

/** Environment variable names for one mirror source's SASL credentials: SHAZAMQ_MIRROR_<NAME>_USERNAME/_PASSWORD. */
export function mirrorCredentialEnv(source: Pick<ShazamqMirrorSource, 'name'>): { username: string; password: string } {
  const id = source.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { username: `SHAZAMQ_MIRROR_${id}_USERNAME`, password: `SHAZAMQ_MIRROR_${id}_PASSWORD` };
}

export interface ShazamqConfigContext {
  name: string;
  namespace: string;
  replicas: number;
  port: number;
  metricsPort: number;
  peers: string[];
}

export function renderShazamqConfig(spec: ShazamqClusterSpec, ctx: ShazamqConfigContext): string {
  const storage = spec.storage ?? {};
  const tiered = spec.tieredStorage;
  const security = spec.security;
  const root: TomlTable = {
    broker: {
      host: '0.0.0.0',
      port: ctx.port,
      data_dir: DATA_DIR,
      cluster_name: ctx.name,
      // the broker id is the pod ordinal, given in SHAZAMQ_BROKER_ID (one ConfigMap serves every pod)
      broker_id_env: 'SHAZAMQ_BROKER_ID',
      advertised_host_env: 'SHAZAMQ_ADVERTISED_HOST',
      peers: ctx.peers,
    },
    storage: {
      segment_bytes: storage.segmentBytes,
      retention_hours: storage.retentionHours ?? 168,
      retention_bytes: storage.retentionBytes,
    },
    replication: {
      default_replication_factor: Math.min(spec.replication?.defaultReplicationFactor ?? 3, ctx.replicas),
      min_insync_replicas: Math.min(spec.replication?.minInsyncReplicas ?? 2, ctx.replicas),
    },
    metrics: { enabled: spec.monitoring?.enabled ?? true, port: ctx.metricsPort },
  };
  if (security?.enabled) {
    root.security = {
      tls: security.tls?.enabled
        ? {
            enabled: true,
            cert_file: `${TLS_DIR}/tls.crt`,
            key_file: `${TLS_DIR}/tls.key`,
            ca_file: `${TLS_DIR}/ca.crt`,
          }
        : { enabled: false },
      auth: security.auth?.enabled
        ? { enabled: true, mechanism: security.auth.mechanism ?? 'SCRAM-SHA-512', credentials_dir: AUTH_DIR }
        : { enabled: false },
    };
  }
  if (tiered?.enabled) {
    const s3 = tiered.s3;
    root.tiered_storage = {
      enabled: true,
      provider: tiered.provider ?? 's3',
      hot_tier_retention_hours: tiered.hotTierRetentionHours ?? 24,
      s3: {
        bucket: s3?.bucket,
        region: s3?.region,
        prefix: s3?.prefix,
        endpoint: s3?.endpoint,
        ...(s3?.credentialsSecret
          ? { access_key_id_env: S3_ACCESS_KEY_ENV, secret_access_key_env: S3_SECRET_KEY_ENV }
          : {}),
      },
    };
  }
  if (spec.mirror?.enabled) {
    root.mirror = {
      enabled: true,
      sources: (spec.mirror.sources ?? []).map((s) => {
        const env = mirrorCredentialEnv(s);
        return {
          name: s.name,
          bootstrap_servers: s.bootstrapServers,
          security_protocol: s.securityProtocol ?? 'PLAINTEXT',
          sasl_mechanism: s.saslMechanism,
          topic_whitelist: s.topicWhitelist ?? ['.*'],
          topic_blacklist: s.topicBlacklist ?? [],
          consumer_group_id: s.consumerGroupId ?? 'shazamq-mirror',
          num_consumers: s.numConsumers ?? 4,
          exactly_once: s.exactlyOnce ?? true,
          ...(s.credentialsSecret ? { sasl_username_env: env.username, sasl_password_env: env.password } : {}),
        };
      }),
    };
  }
  return renderToml(mergeUserConfig(root, spec.config ?? {}, 'spec.config'));
}

/** spec.config is merged over the generated file (user keys win); nested objects become tables. */
function mergeUserConfig(base: TomlTable, user: Record<string, unknown>, path: string): TomlTable {
  const out: TomlTable = { ...base };
  for (const [k, v] of Object.entries(user)) {
    const cur = out[k];
    if (isPlainObject(v) && isPlainObject(cur)) {
      out[k] = mergeUserConfig(cur as TomlTable, v, `${path}.${k}`);
    } else {
      out[k] = toToml(v, `${path}.${k}`);
    }
  }
  return out;
}

function toToml(v: unknown, path: string): TomlValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x, i) => toToml(x, `${path}[${i}]`));
  if (isPlainObject(v)) return mergeUserConfig({}, v, path);
  throw new Error(`${path}: ${JSON.stringify(v)} cannot be written to config.toml`);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
