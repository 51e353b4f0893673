import type { V1StatefulSet } from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import {
  type ControllerRegistration,
  done,
  hasLabels,
  type KubeObject,
  type Manager,
  type ObjectContext,
  or,
  type Request,
  type Result,
  requeueAfter,
} from '../../runtime/index.ts';
import { type BackupObservation, DEFAULT_BACKUP_IMAGE } from '../../workloads/backup-job.ts';
import { type AddressMode, resolveAddressMode } from '../address-mode.ts';
import { CRON_JOB, JOB } from './backup.ts';
import { CONFIG_MAP, HPA, MUSIC_SERVICE, POD, PVC, SECRET, SERVICE, STATEFUL_SET } from './children.ts';
import { databaseSettings } from './database.ts';
import { reconcileDatabase } from './replication.ts';
import type { DatabaseObservation } from './status.ts';
import {
  applyChildren,
  observeChildren,
  reconcileBackups,
  reconcileStorage,
  type StepContext,
  step,
  writeStatus,
} from './steps.ts';
import type { StoragePlan } from './storage.ts';

export interface MusicServiceControllerOptions {
  /** how the operator reaches database pods; default: cluster DNS in a pod, pod IPs elsewhere */
  addressMode?: AddressMode;
  maxConcurrentReconciles?: number;
  /** how often the database is re-observed while it is not ready / once it is; defaults 5 s / 30 s */
  pollWhileProgressingMs?: number;
  pollWhenReadyMs?: number;
  /** the image of backup pods (spec.database.backup); default Statecraft's own at this version */
  backupImage?: string;
}

/** Only the database's pods: their start, restart or new IP must be observed at once (app pods show in their StatefulSet's status). */
const databasePods = or(hasLabels({ component: 'db-master' }), hasLabels({ component: 'db-replica' }));

/**
 * A claim maps to its MusicService by label. PVCs cannot go through `owns`: the StatefulSets keep the default
 * persistentVolumeClaimRetentionPolicy (Retain), so the StatefulSet controller gives their claims no
 * ownerReference, and the only one they ever carry is the non-controller reference to the MusicService that
 * `pvcRetention: Delete` adds (storage.ts) — none at all under Retain.
 */
function claimOwner(pvc: KubeObject): Request[] {
  const l = pvc.metadata?.labels ?? {};
  return l['app.kubernetes.io/managed-by'] === 'music-operator' && l.app
    ? [{ namespace: pvc.metadata?.namespace ?? '', name: l.app }]
    : [];
}

/**
 * The MusicService controller: a straight line of guarded steps — children (app and database objects), storage,
 * database (replication through the MySQL engine), status. A failed step ends the pass: the status records it
 * (phase Failed, Reconciled False, lastError) and the error goes back to the runtime, which retries with backoff.
 * Deleting a MusicService is the garbage collector's job (every child has a controller ownerReference); the PVCs
 * stay unless `pvcRetention: Delete` (see storage.ts).
 */
export function musicServiceController(options: MusicServiceControllerOptions = {}): ControllerRegistration {
  return { name: 'musicservice', register: (mgr) => registerMusicService(mgr, options) };
}

function registerMusicService(mgr: Manager, options: MusicServiceControllerOptions): void {
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  const pollWhileProgressing = options.pollWhileProgressingMs ?? 5000;
  const pollWhenReady = options.pollWhenReadyMs ?? 30_000;

  async function reconcile(ctx: ObjectContext<MusicService>, ms: MusicService): Promise<Result> {
    const c: StepContext = {
      ...ctx,
      mgr,
      ms,
      namespace: ms.metadata.namespace!,
      name: ms.metadata.name!,
      addressMode,
      backupImage: options.backupImage ?? DEFAULT_BACKUP_IMAGE,
    };
    const dbEnabled = databaseSettings(ms).enabled;
    let app: V1StatefulSet | undefined;
    let storage: StoragePlan | undefined;
    let db: DatabaseObservation | undefined;
    let backups: BackupObservation | undefined;
    let failure: unknown;
    try {
      const observed = await observeChildren(c);
      app = (await applyChildren(c, observed)) ?? observed.app;
      storage = await reconcileStorage(c);
      if (dbEnabled) db = await step('configuring the database', () => reconcileDatabase(c));
      backups = await reconcileBackups(c);
    } catch (err) {
      failure = err;
    }
    const status = await writeStatus(c, {
      app,
      db,
      storage,
      backups,
      error: failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure),
    });
    if (failure !== undefined) throw failure;
    if (!dbEnabled) return done();
    return requeueAfter(status.database?.phase === 'Ready' ? pollWhenReady : pollWhileProgressing);
  }

  mgr
    .controller('musicservice')
    .for(MUSIC_SERVICE)
    .owns(STATEFUL_SET)
    .owns(SERVICE)
    .owns(HPA)
    .owns(SECRET)
    .owns(CONFIG_MAP)
    .owns(POD, { via: STATEFUL_SET, predicates: [databasePods] })
    .owns(CRON_JOB)
    .owns(JOB, { via: CRON_JOB })
    .watches(PVC, claimOwner)
    .access(PVC, ['create'], 'create the backup claim {name}-db-backup (spec.database.backup), never owned or deleted')
    .access(PVC, ['patch'], 'expand claims in place, set their retention (owner references)')
    .access(PVC, ['delete'], 'recreate a smaller volume, only with storage.recreateDeletesData')
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4 })
    .reconcile<MusicService>(reconcile);
}
