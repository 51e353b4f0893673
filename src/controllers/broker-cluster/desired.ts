/**
 * What a broker-cluster build returns: the objects to apply, and what the controller must check or decide with
 * cluster knowledge the pure build does not have (referenced Secrets, whether the ServiceMonitor CRD exists).
 */
import {
  type AutoscalingSettings,
  autoscaledReplicas,
  buildHorizontalPodAutoscaler,
} from '../../workloads/horizontal-pod-autoscaler.ts';
import { selectorLabels, standardLabels } from '../../workloads/labels.ts';
import { controllerReference } from '../../workloads/owner.ts';
import { buildPodDisruptionBudget } from '../../workloads/pod-disruption-budget.ts';
import type { ServiceMonitor } from '../../workloads/service-monitor.ts';
import type { PodSettings, StatefulSetCluster } from '../../workloads/statefulset-cluster.ts';

/** A Secret the cluster's pods read, and the keys they read from it. */
export interface SecretReference {
  /** the spec field that names it, for messages: "spec.tieredStorage.s3.credentialsSecret" */
  field: string;
  name: string;
  /** keys that must be present (a missing key breaks the pod as surely as a missing Secret) */
  keys: string[];
}

/** A child object as applied: plain JSON with the usual identity fields. */
export interface ChildObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface BrokerClusterDesired {
  /** applied in order; the StatefulSet comes last so its config and Services exist before pods start */
  objects: ChildObject[];
  /** the StatefulSet (also in `objects`); held back while a referenced Secret is missing */
  statefulSetName: string;
  /** applied only when monitoring asks for it and the monitoring.coreos.com CRD exists */
  serviceMonitor?: ServiceMonitor;
  secretRefs: SecretReference[];
  /** podLabels keys not applied because the operator owns them */
  ignoredPodLabels: string[];
  /** label selector of the cluster's pods (status.selector, for the scale subresource) */
  selector: Record<string, string>;
}

/** Kinds of children the controllers own, so they can watch them and prune what a spec no longer asks for. */
export const OWNED_KINDS = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
] as const;

export const asChild = (o: object): ChildObject => o as ChildObject;

/** name, namespace and uid of a custom resource read from the API (always set there; checked for the types). */
export function crIdentity(cr: { kind: string; metadata: { name?: string; namespace?: string; uid?: string } }): {
  name: string;
  namespace: string;
  uid: string;
} {
  const { name, namespace, uid } = cr.metadata;
  if (!name || !namespace || !uid)
    throw new Error(`${cr.kind} needs metadata.name, metadata.namespace and metadata.uid`);
  return { name, namespace, uid };
}

/** Identity, labels, selector, owner reference and replica count every broker-cluster build starts from. */
export function brokerBasics(
  cr: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; uid?: string } },
  app: { name: string; version?: string; partOf?: string },
  spec: { replicas?: number; autoscaling?: AutoscalingSettings },
  observed: { statefulSetReplicas?: number },
) {
  const { name, namespace } = crIdentity(cr);
  const id = { name: app.name, instance: name, component: 'broker', ...(app.partOf ? { partOf: app.partOf } : {}) };
  const replicas = spec.autoscaling
    ? autoscaledReplicas(spec.autoscaling, observed.statefulSetReplicas, spec.replicas ?? 3)
    : (spec.replicas ?? 3);
  return {
    name,
    namespace,
    labels: standardLabels({ ...id, version: app.version }),
    selector: selectorLabels(id),
    owner: controllerReference(cr),
    replicas,
  };
}

/** The pod placement and metadata settings both broker kinds spell the same way in their specs. */
export function brokerPodSettings(
  spec: Pick<PodSettings, 'podLabels' | 'podAnnotations' | 'nodeSelector' | 'tolerations' | 'affinity'>,
  imagePullSecrets: PodSettings['imagePullSecrets'],
): PodSettings {
  const { podLabels, podAnnotations, nodeSelector, tolerations, affinity } = spec;
  return { podLabels, podAnnotations, nodeSelector, tolerations, affinity, imagePullSecrets };
}

/**
 * The objects of a broker cluster in apply order: ConfigMap, Services and PDB first, then the kind's extras, the
 * HPA, and the StatefulSet last (its config and Services exist before pods start).
 */
export function assembleBrokerCluster(input: {
  basics: ReturnType<typeof brokerBasics>;
  configMap: object;
  cluster: StatefulSetCluster;
  extras?: object[];
  autoscaling?: AutoscalingSettings;
  serviceMonitor?: ServiceMonitor;
  secretRefs: SecretReference[];
}): BrokerClusterDesired {
  const { name, namespace, labels, selector, owner } = input.basics;
  const objects = [
    asChild(input.configMap),
    asChild(input.cluster.headlessService),
    asChild(input.cluster.clientService),
    asChild(buildPodDisruptionBudget({ name, namespace, labels, selector, owner })),
    ...(input.extras ?? []).map(asChild),
  ];
  if (input.autoscaling) {
    objects.push(
      asChild(
        buildHorizontalPodAutoscaler({ name, namespace, labels, owner, target: name, autoscaling: input.autoscaling }),
      ),
    );
  }
  objects.push(asChild(input.cluster.statefulSet));
  return {
    objects,
    statefulSetName: name,
    serviceMonitor: input.serviceMonitor,
    secretRefs: input.secretRefs,
    ignoredPodLabels: input.cluster.ignoredPodLabels,
    selector,
  };
}
