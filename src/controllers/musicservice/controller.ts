import type { V1StatefulSet } from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import {
  type ControllerRegistration,
  done,
  generationChanged,
  type KubeObject,
  type Manager,
  type ReconcileContext,
  type Request,
  type Result,
  requeueAfter,
} from '../../runtime/index.ts';
import { type AddressMode, resolveAddressMode } from '../address-mode.ts';
import { CONFIG_MAP, HPA, MUSIC_SERVICE, POD, PVC, SECRET, SERVICE, STATEFUL_SET } from './children.ts';
import { databaseSettings } from './database.ts';
import { reconcileDatabase } from './replication.ts';
import type { DatabaseObservation } from './status.ts';
import { applyChildren, observeChildren, reconcileStorage, type StepContext, step, writeStatus } from './steps.ts';
import type { StoragePlan } from './storage.ts';

export interface MusicServiceControllerOptions {
  /** how the operator reaches database pods; default: cluster DNS in a pod, pod IPs elsewhere */
  addressMode?: AddressMode;
  maxConcurrentReconciles?: number;
  /** how often the database is re-observed while it is not ready / once it is; defaults 5 s / 30 s */
  pollWhileProgressingMs?: number;
  pollWhenReadyMs?: number;
}

/** Database pods map to their MusicService (they are owned by its StatefulSets, not by it). */
function databasePodOwner(pod: KubeObject): Request[] {
  const l = pod.metadata?.labels ?? {};
  if (l['app.kubernetes.io/managed-by'] !== 'music-operator') return [];
  if (l.component !== 'db-master' && l.component !== 'db-replica') return [];
  return l.app ? [{ namespace: pod.metadata?.namespace ?? '', name: l.app }] : [];
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
  const events = mgr.events('musicservice');
  const pollWhileProgressing = options.pollWhileProgressingMs ?? 5000;
  const pollWhenReady = options.pollWhenReadyMs ?? 30_000;

  async function reconcile(ctx: ReconcileContext, req: Request): Promise<Result> {
    const live = await mgr.cache.get<MusicService>(MUSIC_SERVICE, req.namespace, req.name);
    if (!live || live.metadata?.deletionTimestamp) return done();
    const ms = structuredClone(live); // cached objects are shared
    const c: StepContext = {
      mgr,
      ms,
      owner: live,
      namespace: req.namespace,
      name: req.name,
      log: ctx.log,
      addressMode,
      event: (e) => events.event(live, e),
    };
    const dbEnabled = databaseSettings(ms).enabled;
    let app: V1StatefulSet | undefined;
    let storage: StoragePlan | undefined;
    let db: DatabaseObservation | undefined;
    let failure: unknown;
    try {
      const observed = await observeChildren(c);
      app = (await applyChildren(c, observed)) ?? observed.app;
      storage = await reconcileStorage(c);
      if (dbEnabled) db = await step('configuring the database', () => reconcileDatabase(c));
    } catch (err) {
      failure = err;
    }
    const status = await writeStatus(c, {
      app,
      db,
      storage,
      error: failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure),
    });
    if (failure !== undefined) throw failure;
    if (!dbEnabled) return done();
    return requeueAfter(status.database?.phase === 'Ready' ? pollWhenReady : pollWhileProgressing);
  }

  mgr
    .controller('musicservice')
    .for(MUSIC_SERVICE, { predicates: [generationChanged] })
    .owns(STATEFUL_SET)
    .owns(SERVICE)
    .owns(HPA)
    .owns(SECRET)
    .owns(CONFIG_MAP)
    .watches(POD, databasePodOwner)
    .watches(PVC, (pvc) => {
      const l = pvc.metadata?.labels ?? {};
      return l['app.kubernetes.io/managed-by'] === 'music-operator' && l.app
        ? [{ namespace: pvc.metadata?.namespace ?? '', name: l.app }]
        : [];
    })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4 })
    .complete(reconcile);
}
