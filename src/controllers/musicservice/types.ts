/**
 * The MusicService shape the builders read. Temporary: replaced by the `apis` branch's schema-derived types
 * (src/apis/musicservice) once they are on main; keep this structurally identical to the seed's spec so the swap
 * is an import change.
 */
import type { V1ObjectMeta, V1ResourceRequirements } from '@kubernetes/client-node';

export interface AutoscalingSpec {
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage: number;
  targetMemoryUtilizationPercentage?: number;
}

export interface StorageSpec {
  size: string;
  updatePolicy?: 'Resize' | 'Recreate';
  /** Statecraft extension: the explicit opt-in for Recreate to delete and recreate claims (and their data). */
  recreateDeletesData?: boolean;
}

export interface DatabaseSpec {
  enabled: boolean;
  replicas?: number;
  image?: string;
  storage?: StorageSpec;
  rootPassword?: string;
  replication?: { enabled?: boolean; gtid?: boolean };
  autoscaling?: AutoscalingSpec;
  highAvailability?: { enabled: boolean };
}

export interface MusicServiceSpec {
  replicas: number;
  image: string;
  port: number;
  storage: StorageSpec;
  streaming: { bitrate: string; maxConnections: number };
  resources?: V1ResourceRequirements;
  autoscaling?: AutoscalingSpec;
  database?: DatabaseSpec;
  /** Statecraft extension: what happens to the PVCs when the MusicService is deleted (default Retain). */
  pvcRetention?: 'Retain' | 'Delete';
}

export interface MusicService {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: MusicServiceSpec;
  status?: Record<string, unknown>;
}
