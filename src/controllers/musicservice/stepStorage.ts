import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { OwnerReference } from '../../runtime/index.ts';
import type { StepContext } from './context.ts';
import { PVC, STATEFUL_SET } from './kinds.ts';
import { APP_VOLUME, childNames, DB_VOLUME } from './names.ts';
import { type ClaimSet, claimsOf, planStorage, type StoragePlan } from './planStorage.ts';
import { databaseSettings } from './settings.ts';
import { step } from './stepError.ts';

/** The claim sets of a MusicService: the app's, and the database roles' while the database is on. */
export function claimSets(c: Pick<StepContext, 'ms' | 'name'>): ClaimSet[] {
  const n = childNames(c.name);
  const sets: ClaimSet[] = [{ scope: 'App', template: APP_VOLUME, statefulSet: n.app, storage: c.ms.spec.storage }];
  const db = databaseSettings(c.ms);
  const dbStorage = c.ms.spec.database?.storage;
  if (db.enabled && dbStorage) {
    sets.push({ scope: 'Database', template: DB_VOLUME, statefulSet: n.dbMaster, storage: dbStorage });
    if (db.replicas > 0) {
      sets.push({ scope: 'Database', template: DB_VOLUME, statefulSet: n.dbReplica, storage: dbStorage });
    }
  }
  return sets;
}

/**
 * Storage: grows claims in place, refuses shrinks (a condition, nothing deleted) unless Recreate was explicitly
 * allowed to delete data, and keeps the PVC retention choice on the claims: with `pvcRetention: Delete` every
 * claim of this instance carries a (non-controller) ownerReference to the MusicService, so the garbage collector
 * removes it with the MusicService; with Retain (default) it carries none and outlives it.
 */
export async function reconcileStorage(c: StepContext): Promise<StoragePlan> {
  const all = (await c.mgr.cache.list(PVC, { namespace: c.namespace })) as unknown as V1PersistentVolumeClaim[];
  const sets = claimSets(c);
  const plan = planStorage(sets, all);
  for (const { claim, size } of plan.expand) {
    await step(`expanding PersistentVolumeClaim ${claim}`, () =>
      c.mgr.client.patch(PVC, c.namespace, claim, { spec: { resources: { requests: { storage: size } } } }, 'merge'),
    );
    c.event({
      type: 'Normal',
      reason: 'StorageExpanded',
      action: 'Resize',
      note: `PersistentVolumeClaim ${claim} expanded in place to ${size}`,
    });
  }
  for (const set of plan.recreate) {
    const claims = claimsOf(set, all);
    await step(`recreating StatefulSet ${set.statefulSet} for a smaller volume`, async () => {
      await c.mgr.client.delete(STATEFUL_SET, c.namespace, set.statefulSet, { propagationPolicy: 'Foreground' });
      for (const claim of claims) await c.mgr.client.delete(PVC, c.namespace, claim.metadata!.name!);
    });
    c.event({
      type: 'Warning',
      reason: 'StorageRecreated',
      action: 'Recreate',
      note: `StatefulSet ${set.statefulSet} and its claims (${claims.map((x) => x.metadata?.name).join(', ')}) were deleted to recreate them at ${set.storage.size}, as storage.recreateDeletesData allows`,
    });
  }
  await keepRetention(c, sets, all);
  return plan;
}

async function keepRetention(c: StepContext, sets: ClaimSet[], all: V1PersistentVolumeClaim[]): Promise<void> {
  const uid = c.ms.metadata.uid!;
  const deleteWithOwner = c.ms.spec.pvcRetention === 'Delete';
  // claims of every set, including the database's while it is off: retention is about the MusicService's life
  const n = childNames(c.name);
  const everySet = [
    ...sets,
    { template: DB_VOLUME, statefulSet: n.dbMaster },
    { template: DB_VOLUME, statefulSet: n.dbReplica },
  ];
  const claims = new Map<string, V1PersistentVolumeClaim>();
  for (const set of everySet) for (const claim of claimsOf(set, all)) claims.set(claim.metadata!.name!, claim);
  for (const claim of claims.values()) {
    const refs = (claim.metadata?.ownerReferences ?? []) as OwnerReference[];
    const has = refs.some((r) => r.uid === uid);
    if (has === deleteWithOwner) continue;
    const next = deleteWithOwner
      ? [...refs, { apiVersion: c.ms.apiVersion, kind: c.ms.kind, name: c.name, uid }]
      : refs.filter((r) => r.uid !== uid);
    await step(`setting the retention of PersistentVolumeClaim ${claim.metadata?.name}`, () =>
      c.mgr.client.patch(
        PVC,
        c.namespace,
        claim.metadata!.name!,
        { metadata: { ownerReferences: next, resourceVersion: claim.metadata?.resourceVersion } },
        'merge',
      ),
    );
  }
}
