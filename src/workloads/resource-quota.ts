import type { V1ResourceQuota } from '@kubernetes/client-node';
import type { ControllerReference } from './owner.ts';

export interface ResourceQuotaInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: ControllerReference;
  hard: Record<string, string>;
}

export function buildResourceQuota(input: ResourceQuotaInput): V1ResourceQuota {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels, ownerReferences: [input.owner] },
    spec: { hard: { ...input.hard } },
  };
}
