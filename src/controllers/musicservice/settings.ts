import type { AutoscalingSpec, MusicService } from './types.ts';

/**
 * The database settings with upstream's in-code defaults applied (the CRD may default them too; applying them
 * here keeps the builders correct for objects stored before a default existed).
 */
export interface DatabaseSettings {
  enabled: boolean;
  replicas: number;
  image: string;
  storageSize: string;
  updatePolicy: 'Resize' | 'Recreate';
  replication: boolean;
  gtid: boolean;
  autoscaling?: AutoscalingSpec;
}

export function databaseSettings(ms: MusicService): DatabaseSettings {
  const db = ms.spec.database;
  return {
    enabled: db?.enabled === true,
    replicas: db?.replicas ?? 0,
    image: db?.image || 'mariadb:10.11',
    storageSize: db?.storage?.size || '10Gi',
    updatePolicy: db?.storage?.updatePolicy ?? 'Resize',
    replication: db?.replication?.enabled ?? true,
    gtid: db?.replication?.gtid ?? true,
    autoscaling: db?.autoscaling,
  };
}

/** spec.replicas clamped into the autoscaler's range, so a spec change never asks the HPA for the impossible. */
export function clampReplicas(replicas: number, autoscaling: AutoscalingSpec | undefined): number {
  if (!autoscaling) return replicas;
  return Math.min(autoscaling.maxReplicas, Math.max(autoscaling.minReplicas, replicas));
}
