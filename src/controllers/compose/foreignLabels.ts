import type { GroupVersionKind, KubeObject, Manager } from '../../runtime/index.ts';

const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };

/**
 * Role label keys on a pod that this operator does not want there, whoever set them: server-side apply only
 * removes keys our field manager owned, so a `kubectl label` (or compose-operator's old labels on a migrated pod)
 * would keep a second pod in the read-write Service. Pure: which keys of `keys` to drop from each live pod.
 */
export function foreignRoleLabels(
  keys: readonly string[],
  wanted: Readonly<Record<string, Readonly<Record<string, string>>>>,
  live: ReadonlyMap<string, KubeObject>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, want] of Object.entries(wanted)) {
    const labels = live.get(name)?.metadata?.labels ?? {};
    const drop = keys.filter((k) => labels[k] !== undefined && want[k] === undefined);
    if (drop.length) out[name] = drop;
  }
  return out;
}

/**
 * Removes those keys with a merge patch (`null` deletes a label whatever field manager owns it). Keys we want
 * with another value need nothing here: our apply forces its value and takes the field over.
 */
export async function removeForeignRoleLabels(
  mgr: Manager,
  namespace: string | undefined,
  keys: readonly string[],
  wanted: Readonly<Record<string, Readonly<Record<string, string>>>>,
  live: ReadonlyMap<string, KubeObject>,
): Promise<string[]> {
  const removed: string[] = [];
  for (const [name, drop] of Object.entries(foreignRoleLabels(keys, wanted, live))) {
    await mgr.client.patch(
      POD,
      namespace,
      name,
      { metadata: { labels: Object.fromEntries(drop.map((k) => [k, null])) } },
      'merge',
    );
    removed.push(...drop.map((k) => `${name}/${k}`));
  }
  return removed;
}
