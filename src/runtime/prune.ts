/**
 * Deleting the children a spec no longer wants — the one way every controller does it.
 *
 * Guarantees: only an object whose controller ownerReference is `owner` (same uid) is deleted — a same-named
 * object someone else made, or one the user took over by removing our reference, is left alone; the DELETE
 * carries a uid precondition, so an object recreated under the same name meanwhile is not deleted either; the
 * applier forgets what it applied for the deleted object (a later apply is sent, not skipped); the caller learns
 * exactly what was deleted (to emit one event each).
 * Caveats: the live object is read from the cache when its kind is cached, else with one GET.
 */
import type { Applier } from './apply.ts';
import type { Cache } from './cache.ts';
import type { KubeClient } from './client.ts';
import { isConflict } from './errors.ts';
import type { GroupVersionKind, KubeObject } from './gvk.ts';
import { controllerOf } from './ownerrefs.ts';

/** A child by kind and name; the owner's namespace unless given. */
export interface ChildRef extends GroupVersionKind {
  name: string;
  namespace?: string;
}

export interface DeleteOwnedOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

export async function deleteOwned(
  deps: { client: KubeClient; cache: Cache; applier: Applier },
  owner: KubeObject,
  refs: readonly ChildRef[],
  options: DeleteOwnedOptions = {},
): Promise<KubeObject[]> {
  const uid = owner.metadata?.uid;
  if (!uid) throw new Error('deleteOwned: the owner has no metadata.uid');
  const deleted: KubeObject[] = [];
  for (const ref of refs) {
    const gvk = { apiVersion: ref.apiVersion, kind: ref.kind };
    const namespace = ref.namespace ?? owner.metadata?.namespace;
    const cached = deps.cache.peek(gvk, namespace, ref.name);
    const live = cached === null ? await deps.client.get(gvk, namespace, ref.name) : cached;
    if (!live || live.metadata?.deletionTimestamp || controllerOf(live)?.uid !== uid) continue;
    let gone: boolean;
    try {
      gone = await deps.client.delete(gvk, namespace, ref.name, {
        propagationPolicy: options.propagationPolicy ?? 'Background',
        uid: live.metadata?.uid,
      });
    } catch (err) {
      if (!isConflict(err)) throw err;
      gone = false; // the uid precondition failed: a different object now has that name, and it is not ours
    }
    deps.applier.forget(live);
    if (gone) deleted.push(live);
  }
  return deleted;
}
