import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ControllerReference } from './owner.ts';

export interface ConfigMapInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: ControllerReference;
  data: Record<string, string>;
}

export function buildConfigMap(input: ConfigMapInput): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels, ownerReferences: [input.owner] },
    data: input.data,
  };
}
