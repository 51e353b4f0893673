/**
 * What every child of a MusicService shares: its kind, its name, its labels and metadata, and the pieces the app
 * and database builders have in common (Services, HPAs, claim templates, a replica count that never fights an HPA).
 * Pure: no I/O.
 */
import type {
  V1PersistentVolumeClaim,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { MusicService, MusicServiceSpec } from '../../apis/musicservice.ts';
import { controllerReference, type GroupVersionKind } from '../../runtime/index.ts';
import { autoscaledReplicas, buildHorizontalPodAutoscaler } from '../../workloads/horizontal-pod-autoscaler.ts';
import { standardLabels } from '../../workloads/labels.ts';

export type AutoscalingSpec = NonNullable<MusicServiceSpec['autoscaling']>;

export const MUSIC_SERVICE: GroupVersionKind = { apiVersion: 'music.mixcorp.org/v1', kind: 'MusicService' };
export const STATEFUL_SET: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };
export const HPA: GroupVersionKind = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };
export const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
export const CONFIG_MAP: GroupVersionKind = { apiVersion: 'v1', kind: 'ConfigMap' };
export const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
export const PVC: GroupVersionKind = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };

/** Child object names, as the seed README and the upstream operator spell them (users and scripts rely on them). */
export function childNames(name: string) {
  return {
    app: name,
    appHeadless: `${name}-headless`,
    appAutoscaler: `${name}-autoscaler`,
    dbMaster: `${name}-db-master`,
    dbReplica: `${name}-db-replica`,
    dbRead: `${name}-db-read`,
    dbReplicaAutoscaler: `${name}-db-replica-autoscaler`,
    replicationSecret: `${name}-db-replication`,
    rootSecret: `${name}-db-root`,
    dbConfig: `${name}-db-config`,
  };
}

/** volumeClaimTemplate names: the PVCs are `music-data-{name}-N` and `db-data-{name}-db-{master,replica}-N`. */
export const APP_VOLUME = 'music-data';
export const DB_VOLUME = 'db-data';
export const DB_PORT = 3306;
/** The database every instance gets, as upstream's MYSQL_DATABASE. */
export const DB_NAME = 'musicdb';
export const REPLICATION_USER = 'repl';

/** The `component` label values upstream uses; selectors match on `{app, component}`. */
export type Component = 'music-service' | 'db-master' | 'db-replica' | 'db-read' | 'database';

/** The labels every child carries, exactly as upstream sets them (dashboards and scripts select on them). */
export function childLabels(name: string, component: Component): Record<string, string> {
  return {
    app: name,
    component,
    ...standardLabels({ name: 'music-service', instance: name, managedBy: 'music-operator' }),
  };
}

/**
 * Pod selector of a workload: `{app, component}` as upstream, so existing pods keep matching (a StatefulSet's
 * selector is immutable). The same mechanism as the shared builders' selectorLabels (workloads/labels.ts: a stable
 * subset of the labels every child carries, written out with selectorString), with upstream's keys.
 */
export function selectorLabels(name: string, component: Component): Record<string, string> {
  return { app: name, component };
}

/** metadata for a child: name, namespace, labels, owner. */
export function childMeta(ms: MusicService, name: string, component: Component) {
  return {
    name,
    namespace: ms.metadata.namespace,
    labels: childLabels(ms.metadata.name!, component),
    ownerReferences: [controllerReference(ms)],
  };
}

/** A Service of the instance: headless (a StatefulSet's governing Service, per-pod DNS names) or ClusterIP. */
export function childService(
  ms: MusicService,
  name: string,
  labelComponent: Component,
  selects: Component,
  port: { name: string; port: number },
  headless: boolean,
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(ms, name, labelComponent),
    spec: {
      ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : { type: 'ClusterIP' }),
      selector: selectorLabels(ms.metadata.name!, selects),
      ports: [{ name: port.name, port: port.port, targetPort: port.port, protocol: 'TCP' }],
    },
  };
}

/** An HPA on one of the instance's StatefulSets (the shared builder: CPU utilization, plus memory when asked). */
export function childAutoscaler(
  ms: MusicService,
  name: string,
  component: Component,
  target: string,
  autoscaling: AutoscalingSpec,
): V2HorizontalPodAutoscaler {
  return buildHorizontalPodAutoscaler({
    name,
    namespace: ms.metadata.namespace!,
    labels: childLabels(ms.metadata.name!, component),
    owner: controllerReference(ms),
    target,
    autoscaling,
  });
}

/**
 * A StatefulSet's volumeClaimTemplate. volumeClaimTemplates are immutable on an existing StatefulSet, so once it
 * exists the size it was created with is kept here; growing is done on the PVCs themselves (see storage.ts).
 */
export function claimTemplate(
  name: string,
  labels: Record<string, string>,
  size: string,
  observed: V1StatefulSet | undefined,
): V1PersistentVolumeClaim {
  const existing = observed?.spec?.volumeClaimTemplates?.find((t) => t.metadata?.name === name);
  const keptSize = existing?.spec?.resources?.requests?.storage;
  return {
    metadata: { name, labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: keptSize ? String(keptSize) : size } },
    },
  };
}

/**
 * Annotation on a StatefulSet recording the replica count the user last asked for in the MusicService. It lets
 * the operator tell a user's change (apply it) from an autoscaler's change (leave it alone).
 */
export const REQUESTED_REPLICAS_ANNOTATION = 'music.mixcorp.org/requested-replicas';

/**
 * The replica count to write on a StatefulSet, and never a fight with its HPA:
 * - without autoscaling, the spec is the count;
 * - with autoscaling, the spec (clamped to the HPA's range, so a spec change never asks the HPA for the impossible)
 *   is written when the StatefulSet is created and when the user changes the spec (`kubectl scale musicservice`,
 *   an edit); between such changes the count the HPA chose is echoed back unchanged, so applying the StatefulSet
 *   never resets it.
 */
export function replicaCount(
  requested: number,
  autoscaling: AutoscalingSpec | undefined,
  observed: V1StatefulSet | undefined,
): number {
  if (!autoscaling) return requested;
  const wanted = autoscaledReplicas(autoscaling, undefined, requested);
  if (!observed) return wanted;
  const lastRequested = observed.metadata?.annotations?.[REQUESTED_REPLICAS_ANNOTATION];
  if (lastRequested !== String(requested)) return wanted;
  return observed.spec?.replicas ?? wanted;
}
