import type { V1StatefulSet } from '@kubernetes/client-node';
import { type Condition, metaTime } from '../../runtime/index.ts';
import type { StoragePlan } from './planStorage.ts';
import { sameValue } from './sameValue.ts';
import type { MusicService } from './types.ts';

export type Phase = 'Pending' | 'Progressing' | 'Available' | 'Degraded' | 'Failed';
export type DatabasePhase = 'Pending' | 'Progressing' | 'Ready' | 'Failed';

export interface DatabaseStatus {
  phase: DatabasePhase;
  masterReady: boolean;
  replicasReady: number;
  replicaEverCreated: boolean;
  replicaLastSeen?: string;
  replicaDeletionDetected: boolean;
  replicationReady: boolean;
}

export interface MusicServiceStatus {
  observedGeneration?: number;
  desiredReplicas?: number;
  readyReplicas?: number;
  replicas?: number;
  selector?: string;
  phase?: Phase;
  lastReconcileTime?: string;
  lastError?: string;
  conditions?: Condition[];
  database?: DatabaseStatus;
}

/** One replica as the engine saw it. */
export interface ReplicaObservation {
  name: string;
  /** IO and SQL threads running against the primary */
  replicating: boolean;
  lagSeconds: number | null;
}

/** What the database steps observed this pass (from the servers, through the engine). */
export interface DatabaseObservation {
  /** database.replicas: what the user asked for */
  wantReplicas: number;
  replication: boolean;
  masterPodExists: boolean;
  /** the primary answered a query */
  masterAnswers: boolean;
  /** and it is writable (read_only off) */
  masterWritable: boolean;
  replicaStatefulSetExists: boolean;
  /** replica pods that exist now */
  replicaPods: number;
  replicas: ReplicaObservation[];
  /** the engine refused to proceed (errant transactions, unreachable primary): why */
  blocked?: string;
}

export interface StatusInput {
  app?: V1StatefulSet;
  db?: DatabaseObservation;
  storage?: Pick<StoragePlan, 'refused'>;
  /** the step that failed this pass, with the error */
  error?: string;
}

/** Replicas further behind than this do not count as ready. */
export const MAX_LAG_SECONDS = 30;

const time = metaTime;

function condition(
  previous: Condition[] | undefined,
  input: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition {
  const before = previous?.find((c) => c.type === input.type);
  return {
    ...input,
    lastTransitionTime: before && before.status === input.status ? before.lastTransitionTime : time(now),
  };
}

const replicaReady = (r: ReplicaObservation) =>
  r.replicating && r.lagSeconds !== null && r.lagSeconds <= MAX_LAG_SECONDS;

/** status.database from what the servers said; the sticky history fields carry over from `previous`. */
export function buildDatabaseStatus(
  db: DatabaseObservation,
  previous: DatabaseStatus | undefined,
  now: Date,
): DatabaseStatus {
  const masterReady = db.masterAnswers && db.masterWritable;
  const replicasReady = db.replication ? db.replicas.filter(replicaReady).length : 0;
  const replicationReady = db.replication && db.wantReplicas > 0 && replicasReady >= db.wantReplicas;
  const replicaEverCreated = (previous?.replicaEverCreated ?? false) || db.replicaStatefulSetExists;
  // replicas that were there went away while the spec still wants them (not a scale-down); sticky until all are back
  const wasReady = previous?.replicasReady ?? 0;
  const missing = previous?.replicaDeletionDetected
    ? db.replicaPods < db.wantReplicas
    : db.replicaPods < Math.min(db.wantReplicas, wasReady);
  const replicaDeletionDetected =
    replicaEverCreated && db.wantReplicas > 0 && (!db.replicaStatefulSetExists || missing);
  // refreshed when the replicas seen change, not on every pass: a timestamp bumped each pass is a write each pass
  const replicaLastSeen =
    db.replicaPods > 0 && (!previous?.replicaLastSeen || previous.replicasReady !== replicasReady)
      ? time(now)
      : previous?.replicaLastSeen;
  let phase: DatabasePhase;
  if (db.blocked) phase = 'Failed';
  else if (!db.masterPodExists) phase = 'Pending';
  else if (masterReady && (!db.replication || db.wantReplicas === 0 || replicationReady)) phase = 'Ready';
  else phase = 'Progressing';
  return {
    phase,
    masterReady,
    replicasReady,
    replicaEverCreated,
    ...(replicaLastSeen ? { replicaLastSeen } : {}),
    replicaDeletionDetected,
    replicationReady,
  };
}

function databaseCondition(db: DatabaseObservation, status: DatabaseStatus) {
  if (db.blocked) return { status: 'False' as const, reason: 'ReplicationBlocked', message: db.blocked };
  if (status.phase === 'Ready') {
    return {
      status: 'True' as const,
      reason: 'Ready',
      message: 'The primary accepts writes and every replica replicates',
    };
  }
  if (!status.masterReady) {
    return {
      status: 'False' as const,
      reason: 'PrimaryNotReady',
      message: 'The primary does not answer or is read-only',
    };
  }
  return {
    status: 'False' as const,
    reason: 'ReplicationNotReady',
    message: `${status.replicasReady} of ${db.wantReplicas} replicas replicate within ${MAX_LAG_SECONDS} s`,
  };
}

/**
 * The whole status of one pass. lastReconcileTime moves only when something else in the status changes, so a
 * converged MusicService costs no status write (upstream wrote it on every pass).
 */
export function buildStatus(
  ms: MusicService,
  input: StatusInput,
  previous: MusicServiceStatus | undefined,
  now = new Date(),
): MusicServiceStatus {
  const generation = ms.metadata.generation;
  const name = ms.metadata.name!;
  const app = input.app;
  const desired = app?.spec?.replicas ?? ms.spec.replicas;
  const ready = app?.status?.readyReplicas ?? 0;
  const updated = app?.status?.updatedReplicas ?? 0;
  const rolledOut =
    !!app && (app.status?.observedGeneration ?? 0) >= (app.metadata?.generation ?? 0) && updated >= desired;
  const database = input.db ? buildDatabaseStatus(input.db, previous?.database, now) : undefined;

  let phase: Phase;
  if (input.error) phase = 'Failed';
  else if (ready === 0) phase = 'Pending';
  else if (ready < desired || !rolledOut) phase = 'Progressing';
  else if (database?.phase === 'Failed') phase = 'Degraded';
  else if (database && database.phase !== 'Ready') phase = 'Progressing';
  else phase = 'Available';

  const prev = previous?.conditions;
  const conditions: Condition[] = [
    condition(
      prev,
      input.error
        ? { type: 'Reconciled', status: 'False', reason: 'ReconcileError', message: input.error }
        : { type: 'Reconciled', status: 'True', reason: 'ReconcileSucceeded', message: 'All children are applied' },
      now,
    ),
    condition(
      prev,
      ready >= desired && rolledOut
        ? { type: 'Available', status: 'True', reason: 'PodsReady', message: 'All replicas are ready' }
        : {
            type: 'Available',
            status: 'False',
            reason: rolledOut ? 'PodsNotReady' : 'RollingUpdate',
            message: `${ready} of ${desired} replicas are ready`,
          },
      now,
    ),
  ];
  if (input.db && database) {
    conditions.push(condition(prev, { type: 'DatabaseReady', ...databaseCondition(input.db, database) }, now));
    if (database.replicaDeletionDetected) {
      conditions.push(
        condition(
          prev,
          {
            type: 'DatabaseReplicaHistory',
            status: 'True',
            reason: 'ReplicaDeletionDetected',
            message: `replicas existed and ${input.db.replicaPods} of ${input.db.wantReplicas} are there now; they are being recreated and reseeded`,
          },
          now,
        ),
      );
    }
  }
  for (const r of input.storage?.refused ?? []) {
    conditions.push(
      condition(prev, { type: `StorageWarning${r.scope}`, status: 'True', reason: r.reason, message: r.message }, now),
    );
  }
  for (const c of conditions) if (generation !== undefined) c.observedGeneration = generation;

  const next: MusicServiceStatus = {
    observedGeneration: generation,
    desiredReplicas: desired,
    readyReplicas: ready,
    replicas: app?.status?.replicas ?? 0,
    selector: `app=${name},component=music-service`,
    phase,
    ...(input.error ? { lastError: input.error } : {}),
    conditions,
    ...(database ? { database } : {}),
  };
  const { lastReconcileTime: before, ...rest } = previous ?? {};
  const unchanged = sameValue(rest, next);
  return { ...next, lastReconcileTime: unchanged && before ? before : time(now) };
}
