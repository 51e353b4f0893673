import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import { type Component, childMeta } from './labels.ts';
import { childNames } from './names.ts';
import type { AutoscalingSpec, MusicService } from './types.ts';

function utilization(resource: 'cpu' | 'memory', percent: number): V2MetricSpec {
  return {
    type: 'Resource',
    resource: { name: resource, target: { type: 'Utilization', averageUtilization: percent } },
  };
}

function autoscaler(
  ms: MusicService,
  name: string,
  component: Component,
  target: string,
  spec: AutoscalingSpec,
): V2HorizontalPodAutoscaler {
  const metrics = [utilization('cpu', spec.targetCPUUtilizationPercentage)];
  if (spec.targetMemoryUtilizationPercentage !== undefined) {
    metrics.push(utilization('memory', spec.targetMemoryUtilizationPercentage));
  }
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(ms, name, component),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: target },
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics,
    },
  };
}

/** HPA `{name}-autoscaler` on the app StatefulSet: CPU utilization, plus memory when asked. */
export function buildAppAutoscaler(ms: MusicService, spec: AutoscalingSpec): V2HorizontalPodAutoscaler {
  const names = childNames(ms.metadata.name!);
  return autoscaler(ms, names.appAutoscaler, 'music-service', names.app, spec);
}

/** HPA `{name}-db-replica-autoscaler` on the replica StatefulSet. */
export function buildReplicaAutoscaler(ms: MusicService, spec: AutoscalingSpec): V2HorizontalPodAutoscaler {
  const names = childNames(ms.metadata.name!);
  return autoscaler(ms, names.dbReplicaAutoscaler, 'db-replica', names.dbReplica, spec);
}
