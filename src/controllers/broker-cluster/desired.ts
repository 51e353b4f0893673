/**
 * What a broker-cluster build returns: the objects to apply, and what the controller must check or decide with
 * cluster knowledge the pure build does not have (referenced Secrets, whether the ServiceMonitor CRD exists).
 */
import type { ServiceMonitor } from '../../workloads/service-monitor.ts';

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
