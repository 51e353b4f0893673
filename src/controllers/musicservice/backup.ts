/**
 * MusicService backups (`spec.database.backup`, a Statecraft extension — the seed lists "automated backup" as its
 * next feature): the shared backup machinery (workloads/backup-job.ts, src/backup) pointed at this instance. The
 * dump is taken from the read Service's replica when it is a healthy replica, else from the primary; it goes to
 * claim `{name}-db-backup`, which carries no owner reference (deleting the MusicService never deletes backups).
 * Pure.
 */
import type { V1CronJob, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import { controllerReference, type GroupVersionKind } from '../../runtime/index.ts';
import { buildBackupCronJob } from '../../workloads/backup-job.ts';
import { standardLabels } from '../../workloads/labels.ts';
import { childLabels, childNames, DB_NAME, DB_PORT } from './children.ts';
import type { DatabaseSettings } from './database.ts';

export const CRON_JOB: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'CronJob' };
export const JOB: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'Job' };

export const backupName = (name: string): string => `${name}-db-backup`;

/** The Jobs' and their pods' labels: no `app`/`component` pair, so no Service of the instance selects a backup pod. */
export function backupJobLabels(name: string): Record<string, string> {
  return standardLabels({ name: 'music-service', instance: name, component: 'db-backup', managedBy: 'music-operator' });
}

export function buildDbBackupCronJob(ms: MusicService, db: DatabaseSettings, image: string): V1CronJob | undefined {
  const backup = ms.spec.database?.backup;
  if (!db.enabled || !backup) return undefined;
  const name = ms.metadata.name!;
  const n = childNames(name);
  return buildBackupCronJob({
    name: backupName(name),
    namespace: ms.metadata.namespace!,
    labels: childLabels(name, 'database'),
    jobLabels: backupJobLabels(name),
    owner: controllerReference(ms),
    schedule: backup.schedule,
    retention: backup.retention ?? 7,
    image,
    // a replica first (never the primary's load when a replica is healthy), the primary last
    hosts: [...(db.replicas > 0 ? [n.dbRead] : []), n.dbMaster],
    port: DB_PORT,
    database: DB_NAME,
    password: { secret: n.rootSecret, key: 'password' },
    claim: backupName(name),
  });
}

/** The backup claim, created once (never applied again, never owned). */
export function buildDbBackupClaim(ms: MusicService, db: DatabaseSettings): V1PersistentVolumeClaim {
  const name = ms.metadata.name!;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: backupName(name), namespace: ms.metadata.namespace, labels: childLabels(name, 'database') },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: ms.spec.database?.backup?.size ?? db.storageSize } },
    },
  };
}
