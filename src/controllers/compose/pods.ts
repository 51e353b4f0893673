import type { GroupVersionKind, KubeObject, Manager } from '../../runtime/index.ts';

const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
export type PodObject = KubeObject & { status?: { podIP?: string; phase?: string } };

/** The pods a CR names, from the cache, by name; a pod that does not exist is absent from the map. */
export async function namedPods(mgr: Manager, namespace: string | undefined, names: readonly string[]) {
  const pods = new Map<string, PodObject>();
  for (const name of names) {
    const p = await mgr.cache.get<PodObject>(POD, namespace, name);
    if (p) pods.set(name, p);
  }
  return pods;
}

/**
 * Server-side applies each existing pod's role labels (field manager statecraft): a key this manager applied
 * before and no longer lists is removed, so a label moves by applying the new set. Pods that do not exist are
 * skipped: compose kinds manage pods the user owns.
 */
export async function applyPodLabels(
  mgr: Manager,
  namespace: string | undefined,
  labels: Record<string, Record<string, string>>,
  pods: ReadonlyMap<string, KubeObject>,
): Promise<void> {
  for (const [name, l] of Object.entries(labels)) {
    if (!pods.has(name)) continue;
    await mgr.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: l } });
  }
}
