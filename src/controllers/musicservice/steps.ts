/**
 * The I/O steps of one MusicService pass — children, storage, status — each reading what the pure builders need,
 * applying what they decided, and naming itself when it fails. (The database step is replication.ts.)
 */
import type { V1Job, V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { MusicService, MusicServiceStatus } from '../../apis/musicservice.ts';
import { isConflict, type KubeObject, type Manager, type ObjectContext, StatecraftError } from '../../runtime/index.ts';
import { type BackupObservation, observeBackups, podFailureDetail } from '../../workloads/backup-job.ts';
import type { AddressMode } from '../address-mode.ts';
import { backupJobLabels, backupName, buildDbBackupClaim, JOB } from './backup.ts';
import { childNames, POD, PVC, SECRET, STATEFUL_SET } from './children.ts';
import { databaseSettings } from './database.ts';
import { buildChildren, type ObservedChildren } from './desired.ts';
import { buildStatus, type StatusInput, transitionEvents } from './status.ts';
import { claimSets, claimsOf, planStorage, retentionChanges, type StoragePlan } from './storage.ts';

/**
 * What every step of one reconcile shares: the object reconciler's context (log, signal, and patchStatus, event
 * and deleteOwned bound to this MusicService), the manager's client, cache and applier, and the MusicService —
 * a private copy whose status is the freshest known, kept current by patchStatus.
 */
export interface StepContext extends ObjectContext<MusicService> {
  mgr: Manager;
  ms: MusicService;
  namespace: string;
  name: string;
  addressMode: AddressMode;
  /** the image of backup pods (spec.database.backup) */
  backupImage: string;
}

/** A reconcile step that failed: the message names the step, so status.lastError tells the user where. */
export class StepError extends StatecraftError {
  readonly step: string;
  constructor(step: string, cause: unknown) {
    super('ERR_MUSICSERVICE_STEP', `${step}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.step = step;
  }
}

/** Runs `fn`, turning its failure into a StepError named `step`. */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof StepError ? err : new StepError(name, err);
  }
}

/** The children the builders read back, from the cache. */
export async function observeChildren(c: StepContext): Promise<ObservedChildren> {
  const n = childNames(c.name);
  const cache = c.mgr.cache;
  const [app, dbMaster, dbReplica, replicationSecret, rootSecret] = await Promise.all([
    cache.get(STATEFUL_SET, c.namespace, n.app),
    cache.get(STATEFUL_SET, c.namespace, n.dbMaster),
    cache.get(STATEFUL_SET, c.namespace, n.dbReplica),
    c.ms.spec.database?.enabled ? cache.get(SECRET, c.namespace, n.replicationSecret) : undefined,
    c.ms.spec.database?.enabled ? cache.get(SECRET, c.namespace, n.rootSecret) : undefined,
  ]);
  // cached objects are shared: the builders only read them
  return { app, dbMaster, dbReplica, replicationSecret, rootSecret } as ObservedChildren;
}

/**
 * Applies every wanted child (server-side apply; a converged child costs no request) and deletes the children of
 * features that are off — only those this MusicService controls. Returns the app StatefulSet as applied.
 */
export async function applyChildren(c: StepContext, observed: ObservedChildren): Promise<V1StatefulSet | undefined> {
  const desired = buildChildren(c.ms, observed, c.backupImage);
  let app: V1StatefulSet | undefined;
  // independent objects: applied side by side (the StatefulSets only reference the Secrets and ConfigMap by name,
  // and their pods wait for them)
  await Promise.all(
    desired.apply.map(async (obj) => {
      const kube = obj as unknown as KubeObject;
      const { object } = await step(`applying ${obj.kind} ${obj.metadata?.name}`, () => c.mgr.apply(kube));
      if (obj.kind === 'StatefulSet' && obj.metadata?.name === c.name) app = object as V1StatefulSet;
    }),
  );
  // one at a time, so a failure names the child (deleteOwned checks our ownership and emits ChildRemoved)
  for (const ref of desired.absent) await step(`removing ${ref.kind} ${ref.name}`, () => c.deleteOwned([ref]));
  return app;
}

/**
 * Storage: grows claims in place, refuses shrinks (a condition, nothing deleted) unless Recreate was explicitly
 * allowed to delete data, and keeps the PVC retention choice on the claims (see retentionChanges).
 */
export async function reconcileStorage(c: StepContext): Promise<StoragePlan> {
  const all = (await c.mgr.cache.list(PVC, { namespace: c.namespace })) as unknown as V1PersistentVolumeClaim[];
  const plan = planStorage(claimSets(c.ms), all);
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
  for (const change of retentionChanges(c.ms, all)) {
    await step(`setting the retention of PersistentVolumeClaim ${change.claim}`, () =>
      c.mgr.client.patch(
        PVC,
        c.namespace,
        change.claim,
        { metadata: { ownerReferences: change.ownerReferences, resourceVersion: change.resourceVersion } },
        'merge',
      ),
    );
  }
  return plan;
}

/**
 * Writes the status when it changed (one merge patch of the top-level fields, skipped when equal; read-your-writes,
 * so `before` is never older than our last write) and records the transitions as events. Fields no longer set
 * are removed (lastError after a recovery, database when disabled), nested keys no longer given too.
 */
export async function writeStatus(c: StepContext, input: StatusInput): Promise<MusicServiceStatus> {
  const before = c.ms.status;
  const next = buildStatus(c.ms, input, before);
  const patch: Record<string, unknown> = { ...next };
  for (const k of ['lastError', 'database'] as const) if (!(k in next)) patch[k] = undefined;
  await c.patchStatus(patch);
  for (const e of transitionEvents(before, next)) c.event(e);
  return next;
}

/**
 * spec.database.backup: the backup claim (created once, never owned, so backups outlive the MusicService) and what
 * the backup Jobs say (lastBackup from the newest success, the newest outcome with its pod's error).
 */
export async function reconcileBackups(c: StepContext): Promise<BackupObservation | undefined> {
  const db = databaseSettings(c.ms);
  if (!db.enabled || !c.ms.spec.database?.backup) return undefined;
  const claim = backupName(c.name);
  if (!(await c.mgr.cache.get(PVC, c.namespace, claim))) {
    await step(`creating PersistentVolumeClaim ${claim}`, async () => {
      try {
        await c.mgr.client.create(buildDbBackupClaim(c.ms, db) as unknown as KubeObject);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    });
  }
  const jobs = (await c.mgr.cache.list(JOB, {
    namespace: c.namespace,
    labels: backupJobLabels(c.name),
  })) as unknown as V1Job[];
  const backups = observeBackups(jobs, c.ms.status?.database?.lastBackup);
  if (backups.latest && !backups.latest.succeeded) {
    const pods = await c.mgr.cache.list(POD, { namespace: c.namespace, labels: { 'job-name': backups.latest.job } });
    backups.latest.message = podFailureDetail(pods as unknown as V1Pod[]) ?? backups.latest.message;
  }
  return backups;
}
