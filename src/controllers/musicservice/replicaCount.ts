import type { V1StatefulSet } from '@kubernetes/client-node';
import { clampReplicas } from './settings.ts';
import type { AutoscalingSpec } from './types.ts';

/**
 * Annotation on a StatefulSet recording the replica count the user last asked for in the MusicService. It lets
 * the operator tell a user's change (apply it) from an autoscaler's change (leave it alone).
 */
export const REQUESTED_REPLICAS_ANNOTATION = 'music.mixcorp.org/requested-replicas';

/**
 * The replica count to write on a StatefulSet, and never a fight with its HPA:
 * - without autoscaling, the spec is the count;
 * - with autoscaling, the spec (clamped to the HPA's range) is written when the StatefulSet is created and when
 *   the user changes the spec (`kubectl scale musicservice`, an edit); between such changes the count the HPA
 *   chose is echoed back unchanged, so applying the StatefulSet never resets it.
 */
export function replicaCount(
  requested: number,
  autoscaling: AutoscalingSpec | undefined,
  observed: V1StatefulSet | undefined,
): number {
  const wanted = clampReplicas(requested, autoscaling);
  if (!autoscaling || !observed) return wanted;
  const lastRequested = observed.metadata?.annotations?.[REQUESTED_REPLICAS_ANNOTATION];
  if (lastRequested !== String(requested)) return wanted;
  return observed.spec?.replicas ?? wanted;
}
