/**
 * The finalizer helper (like kube-rs `finalizer()`): guarantees `cleanup` has finished before the object can be
 * deleted.
 *
 *   const f = await finalize(client, obj, 'statecraft.dev/cleanup', async () => { ...release external state... });
 *   if (f.deleting) return done();   // cleanup ran and the finalizer was removed (or was not ours)
 *   ...normal reconcile...
 *
 * - Not being deleted and the finalizer missing: it is added first (one patch), then the caller continues.
 * - Being deleted and the finalizer present: `cleanup` runs; only when it resolves is the finalizer removed. If it
 *   throws, the error propagates (the reconcile is retried with backoff) and the finalizer stays.
 * Patches carry the object's resourceVersion, so a concurrent change fails with 409 and is retried rather than
 * overwriting someone else's finalizer list.
 */
import { type KubeClient, kindOf } from './client.ts';
import type { KubeObject } from './gvk.ts';

export const hasFinalizer = (obj: KubeObject, name: string): boolean => !!obj.metadata?.finalizers?.includes(name);

async function setFinalizers<T extends KubeObject>(client: KubeClient, obj: T, finalizers: string[]): Promise<T> {
  const m = obj.metadata!;
  return client.patch<T>(
    kindOf(obj),
    m.namespace,
    m.name!,
    { metadata: { finalizers, resourceVersion: m.resourceVersion } },
    'merge',
  );
}

export async function finalize<T extends KubeObject>(
  client: KubeClient,
  obj: T,
  name: string,
  cleanup: (obj: T) => Promise<void>,
): Promise<{ deleting: boolean; object: T }> {
  const current = obj.metadata?.finalizers ?? [];
  if (obj.metadata?.deletionTimestamp) {
    if (!current.includes(name)) return { deleting: true, object: obj };
    await cleanup(obj);
    const object = await setFinalizers(
      client,
      obj,
      current.filter((f) => f !== name),
    );
    return { deleting: true, object };
  }
  if (current.includes(name)) return { deleting: false, object: obj };
  return { deleting: false, object: await setFinalizers(client, obj, [...current, name]) };
}
