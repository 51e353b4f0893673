/**
 * TEMPORARY: the StreamBusCluster spec as the seed README describes it, until src/apis provides the schema-derived
 * type (then this file re-exports it).
 */
import type { V1Affinity, V1LocalObjectReference, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';

export interface StreamBusQuotas {
  maxTopics?: number;
  maxPartitionsPerTopic?: number;
  maxConnections?: number;
  maxBandwidthMBps?: number;
  maxStorageGB?: number;
  maxMessagesPerSecond?: number;
}

export interface StreamBusClusterSpec {
  replicas?: number;
  version?: string;
  image?: { repository?: string; tag?: string; pullPolicy?: string; pullSecrets?: V1LocalObjectReference[] };
  resources?: V1ResourceRequirements;
  storage?: { class?: string; size?: string; raftSize?: string };
  config?: { logLevel?: string; port?: number; httpPort?: number; grpcPort?: number };
  security?: {
    tls?: { enabled?: boolean; certSecretName?: string; caSecretName?: string; clientAuthRequired?: boolean };
    authentication?: { enabled?: boolean; method?: string; allowedMethods?: string[] };
    authorization?: { enabled?: boolean; defaultPolicy?: string };
  };
  multiTenancy?: {
    enabled?: boolean;
    isolation?: { networkPolicies?: boolean; resourceQuotas?: boolean; rateLimiting?: boolean };
    defaultQuotas?: StreamBusQuotas;
    tenantOverrides?: { tenantId: string; quotas?: StreamBusQuotas }[];
  };
  observability?: {
    metrics?: { enabled?: boolean; serviceMonitor?: boolean; interval?: string; perTenantMetrics?: boolean };
    tracing?: { enabled?: boolean; endpoint?: string; samplingRate?: number | string; includeTenantId?: boolean };
    logging?: {
      level?: string;
      format?: string;
      includeTenantContext?: boolean;
      auditLog?: { enabled?: boolean; level?: string };
    };
  };
  affinity?: V1Affinity;
  tolerations?: V1Toleration[];
  nodeSelector?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  podLabels?: Record<string, string>;
  autoscaling?: {
    minReplicas: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
    targetMemoryUtilizationPercentage?: number;
  };
  pvcRetention?: 'Retain' | 'Delete';
}

export interface StreamBusCluster {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; generation?: number; [key: string]: unknown };
  spec: StreamBusClusterSpec;
  status?: Record<string, unknown>;
}
