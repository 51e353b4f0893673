import type { KubernetesObject, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import { buildAppStatefulSet } from './buildAppStatefulSet.ts';
import { buildAppAutoscaler, buildReplicaAutoscaler } from './buildAutoscalers.ts';
import { buildDbConfigMap } from './buildDbConfigMap.ts';
import { buildReplicationSecret, buildRootSecret } from './buildDbSecrets.ts';
import { buildDbMasterStatefulSet, buildDbReplicaStatefulSet } from './buildDbStatefulSets.ts';
import {
  buildAppHeadlessService,
  buildAppService,
  buildDbMasterService,
  buildDbReadService,
  buildDbReplicaService,
} from './buildServices.ts';
import { childNames } from './names.ts';
import { databaseSettings } from './settings.ts';
import type { MusicService } from './types.ts';

/** The children that exist now and that the builders read back (immutable parts, generated passwords). */
export interface ObservedChildren {
  app?: V1StatefulSet;
  dbMaster?: V1StatefulSet;
  dbReplica?: V1StatefulSet;
  replicationSecret?: V1Secret;
  rootSecret?: V1Secret;
}

export interface ChildRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** What one reconcile wants: objects to apply, and children that must not exist (removed if present). */
export interface DesiredChildren {
  apply: KubernetesObject[];
  absent: ChildRef[];
}

const sts = (name: string): ChildRef => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name });
const svc = (name: string): ChildRef => ({ apiVersion: 'v1', kind: 'Service', name });
const hpa = (name: string): ChildRef => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name });
const configMap = (name: string): ChildRef => ({ apiVersion: 'v1', kind: 'ConfigMap', name });

/**
 * Every child of a MusicService as the spec asks for it. Children of a feature that is off are listed as absent
 * (upstream left them behind): no autoscaling → no app HPA; database.replicas 0 → no replica StatefulSet, read and
 * replica Services, replica HPA; database.enabled false → no database workloads, Services, HPA or config. The
 * database Secrets are kept while the MusicService exists, since the retained PVCs hold data protected by them;
 * PVCs are never in this list.
 */
export function buildChildren(ms: MusicService, observed: ObservedChildren): DesiredChildren {
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
