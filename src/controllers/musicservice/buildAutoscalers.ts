import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { controllerReference } from '../../runtime/index.ts';
import { buildHorizontalPodAutoscaler } from '../../workloads/horizontal-pod-autoscaler.ts';
import { type Component, childLabels } from './labels.ts';
import { childNames } from './names.ts';
import type { AutoscalingSpec, MusicService } from './types.ts';

/** The shared HPA builder with a MusicService child's metadata: CPU utilization, plus memory when asked. */
function autoscaler(
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

/** HPA `{name}-autoscaler` on the app StatefulSet. */
export function buildAppAutoscaler(ms: MusicService, spec: AutoscalingSpec): V2HorizontalPodAutoscaler {
  const names = childNames(ms.metadata.name!);
  return autoscaler(ms, names.appAutoscaler, 'music-service', names.app, spec);
}

/** HPA `{name}-db-replica-autoscaler` on the replica StatefulSet. */
export function buildReplicaAutoscaler(ms: MusicService, spec: AutoscalingSpec): V2HorizontalPodAutoscaler {
  const names = childNames(ms.metadata.name!);
  return autoscaler(ms, names.dbReplicaAutoscaler, 'db-replica', names.dbReplica, spec);
}
