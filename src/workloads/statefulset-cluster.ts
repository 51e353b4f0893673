/**
 * The shape every broker-style cluster shares: a StatefulSet with stable pod identities, a headless Service that
 * gives each pod a DNS name even before it is ready (peers must find each other to become ready), and a client
 * Service. Pure: the same input always gives the same objects, so a converged cluster is never rewritten.
 */
import type {
  V1Affinity,
  V1Container,
  V1LocalObjectReference,
  V1PersistentVolumeClaim,
  V1PodSecurityContext,
  V1Service,
  V1ServicePort,
  V1StatefulSet,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import { CONFIG_HASH_ANNOTATION } from './config-hash.ts';
import { podTemplateLabels } from './labels.ts';
import type { ControllerReference } from './owner.ts';

export type PvcRetention = 'Retain' | 'Delete';

export interface PodSettings {
  /** user pod labels (spec.podLabels); they never override `labels`/`selector` keys */
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  /** when absent, a soft anti-affinity spreads the pods over nodes */
  affinity?: V1Affinity;
  imagePullSecrets?: V1LocalObjectReference[];
  serviceAccountName?: string;
  securityContext?: V1PodSecurityContext;
  terminationGracePeriodSeconds?: number;
}

export interface StatefulSetClusterInput {
  name: string;
  namespace: string;
  owner: ControllerReference;
  /** labels on every object (standard labels) */
  labels: Record<string, string>;
  /** immutable selector labels; must be a subset of `labels` */
  selector: Record<string, string>;
  /** extra operator labels only on pods (e.g. upstream's `app=shazamq`), also protected from podLabels */
  podOnlyLabels?: Record<string, string>;
  replicas: number;
  /** name of the headless Service; default `{name}-headless` */
  headlessServiceName?: string;
  /** name of the client Service; default `{name}` */
  clientServiceName?: string;
  containers: V1Container[];
  initContainers?: V1Container[];
  volumes?: V1Volume[];
  volumeClaimTemplates: V1PersistentVolumeClaim[];
  /** Retain (default) keeps the claims when the StatefulSet is deleted; scaling down always keeps them */
  pvcRetention?: PvcRetention;
  /** hash of everything the pods read at start (config, mounted secrets' names): a change rolls the pods */
  configHash: string;
  pod: PodSettings;
  clientService: { type?: string; ports: V1ServicePort[]; annotations?: Record<string, string> };
  headlessPorts: V1ServicePort[];
}

export interface StatefulSetCluster {
  statefulSet: V1StatefulSet;
  headlessService: V1Service;
  clientService: V1Service;
  /** podLabels keys that were not applied because the operator owns them */
  ignoredPodLabels: string[];
}

export const headlessServiceName = (name: string): string => `${name}-headless`;

/** The soft pod anti-affinity used when the user gives none: prefer one pod of this cluster per node. */
export function defaultAntiAffinity(selector: Record<string, string>): V1Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels: { ...selector } }, topologyKey: 'kubernetes.io/hostname' },
        },
      ],
    },
  };
}

export function buildStatefulSetCluster(input: StatefulSetClusterInput): StatefulSetCluster {
  for (const [k, v] of Object.entries(input.selector)) {
    if (input.labels[k] !== v) throw new Error(`selector label ${k}=${v} is not among the object labels`);
  }
  const meta = (name: string, annotations?: Record<string, string>) => ({
    name,
    namespace: input.namespace,
    labels: { ...input.labels },
    ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
    ownerReferences: [input.owner],
  });
  const headlessName = input.headlessServiceName ?? headlessServiceName(input.name);
  const { labels: podLabels, ignored } = podTemplateLabels(
    { ...input.labels, ...(input.podOnlyLabels ?? {}) },
    input.pod.podLabels,
  );
  const pod = input.pod;

  const statefulSet: V1StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(input.name),
    spec: {
      replicas: input.replicas,
      serviceName: headlessName,
      selector: { matchLabels: { ...input.selector } },
      // Parallel: brokers must all start to form a quorum (OrderedReady can deadlock a full restart); rolling
      // updates still replace one pod at a time, waiting for each to be Ready.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: input.pvcRetention ?? 'Retain',
        whenScaled: 'Retain',
      },
      template: {
        metadata: {
          labels: podLabels,
          annotations: { ...(pod.podAnnotations ?? {}), [CONFIG_HASH_ANNOTATION]: input.configHash },
        },
        spec: {
          ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
          ...(pod.imagePullSecrets?.length ? { imagePullSecrets: pod.imagePullSecrets } : {}),
          ...(pod.nodeSelector && Object.keys(pod.nodeSelector).length ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod.tolerations?.length ? { tolerations: pod.tolerations } : {}),
          affinity:
            pod.affinity && Object.keys(pod.affinity).length ? pod.affinity : defaultAntiAffinity(input.selector),
          ...(pod.securityContext ? { securityContext: pod.securityContext } : {}),
          ...(pod.terminationGracePeriodSeconds !== undefined
            ? { terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds }
            : {}),
          ...(input.initContainers?.length ? { initContainers: input.initContainers } : {}),
          containers: input.containers,
          ...(input.volumes?.length ? { volumes: input.volumes } : {}),
        },
      },
      volumeClaimTemplates: input.volumeClaimTemplates.map((t) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: t.metadata?.name, labels: { ...input.selector }, ...pick(t.metadata, 'annotations') },
        spec: t.spec,
      })),
    },
  };

  const headlessService: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(headlessName),
    spec: {
      clusterIP: 'None',
      // peers resolve each other while starting, before any of them is Ready
      publishNotReadyAddresses: true,
      selector: { ...input.selector },
      ports: input.headlessPorts,
    },
  };

  const clientService: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(input.clientServiceName ?? input.name, input.clientService.annotations),
    spec: {
      type: input.clientService.type ?? 'ClusterIP',
      selector: { ...input.selector },
      ports: input.clientService.ports,
    },
  };

  return { statefulSet, headlessService, clientService, ignoredPodLabels: ignored };
}

function pick<T extends object, K extends keyof T>(obj: T | undefined, key: K): Partial<Pick<T, K>> {
  return obj && obj[key] !== undefined ? ({ [key]: obj[key] } as Partial<Pick<T, K>>) : {};
}

/** Stable DNS name of pod `ordinal` through the headless Service. */
export function podDnsName(name: string, ordinal: number, namespace: string, headless = headlessServiceName(name)) {
  return `${name}-${ordinal}.${headless}.${namespace}.svc`;
}
