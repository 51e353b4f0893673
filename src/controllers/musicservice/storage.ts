/**
 * What storage changes do to existing claims, and which claims follow the MusicService's life (pvcRetention).
 * Pure: the storage step (steps.ts) carries the plans out.
 */
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { MusicService, MusicServiceSpec } from '../../apis/musicservice.ts';
import type { OwnerReference } from '../../runtime/index.ts';
import { parseQuantity } from '../../workloads/quantity.ts';
import { APP_VOLUME, childNames, DB_VOLUME } from './children.ts';
import { databaseSettings } from './database.ts';

export type StorageSpec = MusicServiceSpec['storage'];

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

/** The claim sets of a MusicService: the app's, and the database roles' while the database is on. */
export function claimSets(ms: MusicService): ClaimSet[] {
  const n = childNames(ms.metadata.name!);
  const sets: ClaimSet[] = [{ scope: 'App', template: APP_VOLUME, statefulSet: n.app, storage: ms.spec.storage }];
  const db = databaseSettings(ms);
  const dbStorage = ms.spec.database?.storage;
  if (db.enabled && dbStorage) {
    sets.push({ scope: 'Database', template: DB_VOLUME, statefulSet: n.dbMaster, storage: dbStorage });
    if (db.replicas > 0) {
      sets.push({ scope: 'Database', template: DB_VOLUME, statefulSet: n.dbReplica, storage: dbStorage });
    }
  }
  return sets;
}

/** A claim whose ownerReferences must change for the retention choice (a merge patch guarded by resourceVersion). */
export interface RetentionChange {
  claim: string;
  resourceVersion?: string;
  ownerReferences: OwnerReference[];
}

/**
 * The PVC retention choice on the claims: with `pvcRetention: Delete` every claim of this instance carries a
 * (non-controller) ownerReference to the MusicService, so the garbage collector removes it with the MusicService;
 * with Retain (default) it carries none and outlives it. Claims of every set count, the database's too while it is
 * off: retention is about the MusicService's life.
 */
export function retentionChanges(ms: MusicService, claims: V1PersistentVolumeClaim[]): RetentionChange[] {
  const uid = ms.metadata.uid!;
  const name = ms.metadata.name!;
  const deleteWithOwner = ms.spec.pvcRetention === 'Delete';
  const n = childNames(name);
  const everySet = [
    ...claimSets(ms),
    { template: DB_VOLUME, statefulSet: n.dbMaster },
    { template: DB_VOLUME, statefulSet: n.dbReplica },
  ];
  const byName = new Map<string, V1PersistentVolumeClaim>();
  for (const set of everySet) for (const claim of claimsOf(set, claims)) byName.set(claim.metadata!.name!, claim);
  const changes: RetentionChange[] = [];
  for (const claim of byName.values()) {
    const refs = (claim.metadata?.ownerReferences ?? []) as OwnerReference[];
    const has = refs.some((r) => r.uid === uid);
    if (has === deleteWithOwner) continue;
    changes.push({
      claim: claim.metadata!.name!,
      resourceVersion: claim.metadata?.resourceVersion,
      ownerReferences: deleteWithOwner
        ? [...refs, { apiVersion: ms.apiVersion, kind: ms.kind, name, uid }]
        : refs.filter((r) => r.uid !== uid),
    });
  }
  return changes;
}
