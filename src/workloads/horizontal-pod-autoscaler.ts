import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import type { ControllerReference } from './owner.ts';

export interface AutoscalingSettings {
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
  targetMemoryUtilizationPercentage?: number;
}

export interface HpaInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: ControllerReference;
  /** the StatefulSet it scales */
  target: string;
  autoscaling: AutoscalingSettings;
}

/** An autoscaling/v2 HPA on the cluster's StatefulSet. */
export function buildHorizontalPodAutoscaler(input: HpaInput): V2HorizontalPodAutoscaler {
  const a = input.autoscaling;
  if (a.maxReplicas < a.minReplicas) {
    throw new Error(`autoscaling.maxReplicas (${a.maxReplicas}) is below autoscaling.minReplicas (${a.minReplicas})`);
  }
  const metrics: V2MetricSpec[] = [];
  const resource = (name: string, averageUtilization: number): V2MetricSpec => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  if (a.targetCPUUtilizationPercentage) metrics.push(resource('cpu', a.targetCPUUtilizationPercentage));
  if (a.targetMemoryUtilizationPercentage) metrics.push(resource('memory', a.targetMemoryUtilizationPercentage));
  if (!metrics.length) metrics.push(resource('cpu', 80));
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels, ownerReferences: [input.owner] },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: input.target },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics,
    },
  };
}

/**
 * The replica count to write into the StatefulSet when an HPA owns scaling: what the HPA last chose (the current
 * StatefulSet value), kept within the bounds. Writing spec.replicas instead would fight the HPA.
 */
export function autoscaledReplicas(a: AutoscalingSettings, current: number | undefined, fallback: number): number {
  const base = current ?? fallback;
  return Math.min(a.maxReplicas, Math.max(a.minReplicas, base));
}
