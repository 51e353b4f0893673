/** Facts read from a StatefulSet's pods. */

/**
 * The StatefulSet ordinal of a pod, from its name `{statefulSet}-{ordinal}` (`x-db-replica-2` → 2), as the
 * StatefulSet controller parses it; NaN when the name does not end in one (so `Number.isInteger` filters it out).
 */
export function podOrdinal(pod: { metadata?: { name?: string } }): number {
  const m = /-([0-9]+)$/.exec(pod.metadata?.name ?? '');
  return m ? Number(m[1]) : Number.NaN;
}
