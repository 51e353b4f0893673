/** Everything one MusicService wants to exist, and what it wants gone: the pure desired state of a pass. */
import type { KubernetesObject, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import type { ChildRef } from '../../runtime/index.ts';
import { DEFAULT_BACKUP_IMAGE } from '../../workloads/backup-job.ts';
import { buildAppAutoscaler, buildAppHeadlessService, buildAppService, buildAppStatefulSet } from './app.ts';
import { backupName, buildDbBackupCronJob, CRON_JOB } from './backup.ts';
import { CONFIG_MAP, childNames, HPA, SERVICE, STATEFUL_SET } from './children.ts';
import {
  buildDbConfigMap,
  buildDbMasterService,
  buildDbMasterStatefulSet,
  buildDbReadService,
  buildDbReplicaService,
  buildDbReplicaStatefulSet,
  buildReplicaAutoscaler,
  databaseSettings,
} from './database.ts';
import { buildReplicationSecret, buildRootSecret } from './secrets.ts';

/** The children that exist now and that the builders read back (immutable parts, generated passwords). */
export interface ObservedChildren {
  app?: V1StatefulSet;
  dbMaster?: V1StatefulSet;
  dbReplica?: V1StatefulSet;
  replicationSecret?: V1Secret;
  rootSecret?: V1Secret;
}

/** What one reconcile wants: objects to apply, and children that must not exist (removed if this one owns them). */
export interface DesiredChildren {
  apply: KubernetesObject[];
  absent: ChildRef[];
}

const sts = (name: string): ChildRef => ({ ...STATEFUL_SET, name });
const svc = (name: string): ChildRef => ({ ...SERVICE, name });
const hpa = (name: string): ChildRef => ({ ...HPA, name });
const configMap = (name: string): ChildRef => ({ ...CONFIG_MAP, name });

/**
 * Every child of a MusicService as the spec asks for it. Children of a feature that is off are listed as absent
 * (upstream left them behind): no autoscaling → no app HPA; database.replicas 0 → no replica StatefulSet, read and
 * replica Services, replica HPA; database.enabled false → no database workloads, Services, HPA or config. The
 * database Secrets are kept while the MusicService exists, since the retained PVCs hold data protected by them;
 * PVCs are never in this list.
 */
export function buildChildren(
  ms: MusicService,
  observed: ObservedChildren,
  backupImage: string = DEFAULT_BACKUP_IMAGE,
): DesiredChildren {
  const names = childNames(ms.metadata.name!);
  const apply: KubernetesObject[] = [
    buildAppStatefulSet(ms, observed.app),
    buildAppService(ms),
    buildAppHeadlessService(ms),
  ];
  const absent: ChildRef[] = [];
  if (ms.spec.autoscaling) apply.push(buildAppAutoscaler(ms, ms.spec.autoscaling));
  else absent.push(hpa(names.appAutoscaler));

  const db = databaseSettings(ms);
  const replicaChildren = [
    sts(names.dbReplica),
    svc(names.dbReplica),
    svc(names.dbRead),
    hpa(names.dbReplicaAutoscaler),
  ];
  const backupCronJob = buildDbBackupCronJob(ms, db, backupImage);
  if (backupCronJob) apply.push(backupCronJob);
  else absent.push({ ...CRON_JOB, name: backupName(names.app) });
  if (!db.enabled) {
    absent.push(sts(names.dbMaster), svc(names.dbMaster), configMap(names.dbConfig), ...replicaChildren);
    return { apply, absent };
  }
  // the Secrets follow the PVCs' retention: a retained data directory is only usable with the passwords it was
  // initialised with, so with Retain they carry no ownerReference and outlive the MusicService with the data (a
  // MusicService of the same name adopts them again)
  const secrets = [buildRootSecret(ms, observed.rootSecret), buildReplicationSecret(ms, observed.replicationSecret)];
  if (ms.spec.pvcRetention !== 'Delete') for (const s of secrets) delete s.metadata!.ownerReferences;
  apply.push(
    ...secrets,
    buildDbConfigMap(ms, db),
    buildDbMasterStatefulSet(ms, db, observed.dbMaster),
    buildDbMasterService(ms),
  );
  // database.replicas 0 means no replicas, whatever a replica autoscaler would allow
  if (db.replicas === 0) {
    absent.push(...replicaChildren);
    return { apply, absent };
  }
  apply.push(buildDbReplicaStatefulSet(ms, db, observed.dbReplica), buildDbReplicaService(ms), buildDbReadService(ms));
  if (db.autoscaling) apply.push(buildReplicaAutoscaler(ms, db.autoscaling));
  else absent.push(hpa(names.dbReplicaAutoscaler));
  return { apply, absent };
}
