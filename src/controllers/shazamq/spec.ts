/**
 * TEMPORARY: the ShazamqCluster spec as the seed and the upstream CRD describe it, until src/apis provides the
 * schema-derived type (then this file re-exports it).
 */
import type {
  V1Affinity,
  V1LocalObjectReference,
  V1PersistentVolumeClaimSpec,
  V1ResourceRequirements,
  V1Toleration,
} from '@kubernetes/client-node';

export interface ShazamqMirrorSource {
  name: string;
  bootstrapServers: string;
  securityProtocol?: string;
  saslMechanism?: string;
  credentialsSecret?: string;
  topicWhitelist?: string[];
  topicBlacklist?: string[];
  consumerGroupId?: string;
  numConsumers?: number;
  exactlyOnce?: boolean;
}

export interface ShazamqClusterSpec {
  replicas?: number;
  version?: string;
  image?: string;
  imagePullPolicy?: string;
  storage?: {
    segmentBytes?: number;
    retentionHours?: number;
    retentionBytes?: number;
    volumeClaimTemplate?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: V1PersistentVolumeClaimSpec;
    };
  };
  tieredStorage?: {
    enabled?: boolean;
    provider?: string;
    hotTierRetentionHours?: number;
    s3?: { bucket?: string; region?: string; prefix?: string; endpoint?: string; credentialsSecret?: string };
  };
  mirror?: { enabled?: boolean; sources?: ShazamqMirrorSource[] };
  replication?: { defaultReplicationFactor?: number; minInsyncReplicas?: number };
  resources?: V1ResourceRequirements;
  podAnnotations?: Record<string, string>;
  podLabels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  imagePullSecrets?: V1LocalObjectReference[];
  service?: { type?: string; port?: number; metricsPort?: number; annotations?: Record<string, string> };
  security?: {
    enabled?: boolean;
    tls?: { enabled?: boolean; secretName?: string };
    auth?: { enabled?: boolean; mechanism?: string; secretName?: string };
  };
  monitoring?: { enabled?: boolean; serviceMonitor?: { enabled?: boolean; interval?: string; scrapeTimeout?: string } };
  config?: Record<string, unknown>;
  autoscaling?: {
    minReplicas: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
    targetMemoryUtilizationPercentage?: number;
  };
  pvcRetention?: 'Retain' | 'Delete';
}

export interface ShazamqCluster {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; generation?: number; [key: string]: unknown };
  spec: ShazamqClusterSpec;
  status?: Record<string, unknown>;
}
