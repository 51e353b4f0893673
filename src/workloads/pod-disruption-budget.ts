import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { ControllerReference } from './owner.ts';

export interface PdbInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  owner: ControllerReference;
}

/** At most one broker voluntarily disrupted at a time (drains, node upgrades), whatever the cluster size. */
export function buildPodDisruptionBudget(input: PdbInput): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels, ownerReferences: [input.owner] },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...input.selector } } },
  };
}
