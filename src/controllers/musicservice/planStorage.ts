import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { parseQuantity } from '../../workloads/quantity.ts';
import type { StorageSpec } from './types.ts';

/** One StatefulSet's claims: `{template}-{statefulSet}-{ordinal}`. */
export interface ClaimSet {
  /** 'App' or 'Database', used in condition types (StorageWarningApp, StorageWarningDatabase) */
  scope: 'App' | 'Database';
  template: string;
  statefulSet: string;
  storage: StorageSpec;
}

export interface StoragePlan {
  /** claims to grow in place, to this size */
  expand: { claim: string; size: string }[];
  /** StatefulSets whose claims the user allowed to be recreated (Recreate + recreateDeletesData) for a shrink */
  recreate: ClaimSet[];
  /** a size change refused, by scope; nothing is changed for it */
  refused: { scope: ClaimSet['scope']; reason: string; message: string }[];
}

/** The claims of one StatefulSet, matched by exact name (`music-data-miku-` must not match `music-data-miku-stream-0`). */
export function claimsOf(set: Pick<ClaimSet, 'template' | 'statefulSet'>, claims: V1PersistentVolumeClaim[]) {
  const prefix = `${set.template}-${set.statefulSet}-`;
  return claims.filter((c) => {
    const name = c.metadata?.name ?? '';
    return name.startsWith(prefix) && /^[0-9]+$/.test(name.slice(prefix.length));
  });
}

/**
 * What a storage size change does to existing claims. Growing is always done in place (no data at risk, whatever
 * the policy). Shrinking cannot be done in place: with Resize it is refused; with Recreate it is refused unless
 * `recreateDeletesData` is true, in which case the StatefulSet and its claims are recreated at the new size.
 */
export function planStorage(sets: ClaimSet[], claims: V1PersistentVolumeClaim[]): StoragePlan {
  const plan: StoragePlan = { expand: [], recreate: [], refused: [] };
  for (const set of sets) {
    const want = parseQuantity(set.storage.size, `storage.size of ${set.statefulSet}`);
    const shrunk: string[] = [];
    for (const claim of claimsOf(set, claims)) {
      // a claim already on its way out (a Recreate in progress) is neither grown nor counted as a shrink again
      if (claim.metadata?.deletionTimestamp) continue;
      const current = claim.spec?.resources?.requests?.storage;
      if (current === undefined) continue;
      const have = parseQuantity(String(current), `claim ${claim.metadata?.name}`);
      if (have < want) plan.expand.push({ claim: claim.metadata!.name!, size: set.storage.size });
      else if (have > want) shrunk.push(`${claim.metadata!.name} (${current})`);
    }
    if (!shrunk.length) continue;
    const policy = set.storage.updatePolicy ?? 'Resize';
    if (policy === 'Recreate' && set.storage.recreateDeletesData) {
      plan.recreate.push(set);
    } else if (policy === 'Recreate') {
      plan.refused.push({
        scope: set.scope,
        reason: 'RecreateNeedsOptIn',
        message: `storage.size ${set.storage.size} is smaller than ${shrunk.join(', ')}: updatePolicy Recreate would delete their data; set storage.recreateDeletesData: true to allow it, or restore the size`,
      });
    } else {
      plan.refused.push({
        scope: set.scope,
        reason: 'ShrinkNotSupported',
        message: `storage.size ${set.storage.size} is smaller than ${shrunk.join(', ')}: volumes cannot shrink in place; nothing was changed`,
      });
    }
  }
  return plan;
}
