/**
 * The status of a pass, from what it observed (the app StatefulSet, the database servers, the storage plan, the
 * step that failed), and the events its transitions deserve. Pure.
 */
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { MusicService, MusicServiceStatus } from '../../apis/musicservice.ts';
import {
  type Condition,
  type ConditionInput,
  deepEqual,
  type EventInput,
  metaTime,
  setCondition,
} from '../../runtime/index.ts';
import { type BackupObservation, backupCondition } from '../../workloads/backup-job.ts';
import { selectorString } from '../../workloads/labels.ts';
import { selectorLabels } from './children.ts';
import type { StoragePlan } from './storage.ts';

// the status types are the schema's (src/apis/musicservice.ts): one source for the CRD and the code
type Phase = NonNullable<MusicServiceStatus['phase']>;
export type DatabaseStatus = NonNullable<MusicServiceStatus['database']>;
type DatabasePhase = NonNullable<DatabaseStatus['phase']>;

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
  /** the primary this pass tried to reach: its pod, its address, and why it did not answer (no error: it did) */
  primary?: { pod: string; address: string; error?: string };
}

export interface StatusInput {
  app?: V1StatefulSet;
  db?: DatabaseObservation;
  storage?: Pick<StoragePlan, 'refused'>;
  /** spec.database.backup: what the backup Jobs say */
  backups?: BackupObservation;
  /** the step that failed this pass, with the error */
  error?: string;
}

/** Replicas further behind than this do not count as ready. */
export const MAX_LAG_SECONDS = 30;

const time = metaTime;

/**
 * This pass's conditions, in this order and no others (a condition no longer produced is dropped); each keeps its
 * lastTransitionTime from `previous` while its status holds (setCondition's rule).
 */
function conditionsOf(previous: Condition[] | undefined, inputs: ConditionInput[], now: Date): Condition[] {
  return inputs.map(
    (input) =>
      setCondition(
        previous?.filter((c) => c.type === input.type),
        input,
        now,
      )[0]!,
  );
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
    const p = db.primary;
    // the address the operator tried, so a wrong address mode or an unresolvable name shows for what it is
    let message = 'The primary does not answer or is read-only';
    if (p?.error !== undefined) message = `The primary ${p.pod} does not answer at ${p.address}: ${p.error}`;
    else if (p) message = `The primary ${p.pod} answers at ${p.address} but does not accept writes`;
    return { status: 'False' as const, reason: 'PrimaryNotReady', message };
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
  const observed = input.db ? buildDatabaseStatus(input.db, previous?.database, now) : undefined;
  const lastBackup = input.backups?.lastBackup ?? previous?.database?.lastBackup;
  const database = observed && lastBackup ? { ...observed, lastBackup } : observed;

  let phase: Phase;
  if (input.error) phase = 'Failed';
  else if (ready === 0) phase = 'Pending';
  else if (ready < desired || !rolledOut) phase = 'Progressing';
  else if (database?.phase === 'Failed') phase = 'Degraded';
  else if (database && database.phase !== 'Ready') phase = 'Progressing';
  else phase = 'Available';

  const inputs: ConditionInput[] = [
    input.error
      ? { type: 'Reconciled', status: 'False', reason: 'ReconcileError', message: input.error }
      : { type: 'Reconciled', status: 'True', reason: 'ReconcileSucceeded', message: 'All children are applied' },
    ready >= desired && rolledOut
      ? { type: 'Available', status: 'True', reason: 'PodsReady', message: 'All replicas are ready' }
      : {
          type: 'Available',
          status: 'False',
          reason: rolledOut ? 'PodsNotReady' : 'RollingUpdate',
          message: `${ready} of ${desired} replicas are ready`,
        },
  ];
  if (input.db && database) {
    inputs.push({ type: 'DatabaseReady', ...databaseCondition(input.db, database) });
    if (database.replicaDeletionDetected) {
      inputs.push({
        type: 'DatabaseReplicaHistory',
        status: 'True',
        reason: 'ReplicaDeletionDetected',
        message: `replicas existed and ${input.db.replicaPods} of ${input.db.wantReplicas} are there now; they are being recreated and reseeded`,
      });
    }
  }
  if (ms.spec.database?.enabled === true && ms.spec.database.highAvailability?.enabled === true) {
    // upstream's Galera mode (in its own sample): accepted by the schema, not implemented — said, not ignored
    inputs.push({
      type: 'HighAvailabilitySupported',
      status: 'False',
      reason: 'GaleraNotSupported',
      message:
        'database.highAvailability.enabled: true asks for a multi-primary Galera cluster, which Statecraft does not run; the database runs as one primary with read replicas',
    });
  }
  if (input.backups) inputs.push({ type: 'BackupSucceeded', ...backupCondition(input.backups) });
  for (const r of input.storage?.refused ?? []) {
    inputs.push({ type: `StorageWarning${r.scope}`, status: 'True', reason: r.reason, message: r.message });
  }
  if (generation !== undefined) for (const c of inputs) c.observedGeneration = generation;
  const conditions = conditionsOf(previous?.conditions, inputs, now);

  const next: MusicServiceStatus = {
    observedGeneration: generation,
    desiredReplicas: desired,
    readyReplicas: ready,
    replicas: app?.status?.replicas ?? 0,
    selector: selectorString(selectorLabels(name, 'music-service')),
    phase,
    ...(input.error ? { lastError: input.error } : {}),
    conditions,
    ...(database ? { database } : {}),
  };
  const { lastReconcileTime: before, ...rest } = previous ?? {};
  const unchanged = deepEqual(rest, next);
  return { ...next, lastReconcileTime: unchanged && before ? before : time(now) };
}

/** Events for what changed between two statuses: transitions only, never a repeat of the same state. */
export function transitionEvents(before: MusicServiceStatus | undefined, after: MusicServiceStatus): EventInput[] {
  const events: EventInput[] = [];
  if (after.phase && before?.phase !== after.phase) {
    const warning = after.phase === 'Failed' || after.phase === 'Degraded';
    events.push({
      type: warning ? 'Warning' : 'Normal',
      reason: after.phase,
      action: 'Reconcile',
      note:
        after.phase === 'Failed'
          ? `Reconcile failed: ${after.lastError ?? 'unknown error'}`
          : `MusicService is ${after.phase}`,
    });
  }
  const db = after.database;
  if (db && before?.database?.phase !== db.phase) {
    events.push({
      type: db.phase === 'Failed' ? 'Warning' : 'Normal',
      reason: `Database${db.phase}`,
      action: 'Reconcile',
      note: `Database is ${db.phase}: ${after.conditions?.find((c) => c.type === 'DatabaseReady')?.message ?? ''}`,
    });
  }
  if (db?.replicaDeletionDetected && !before?.database?.replicaDeletionDetected) {
    events.push({
      type: 'Warning',
      reason: 'ReplicaDeletionDetected',
      action: 'Observe',
      note: 'Database replicas disappeared without a spec change; they are being recreated',
    });
  }
  const ha = after.conditions?.find((c) => c.type === 'HighAvailabilitySupported');
  if (ha && !before?.conditions?.some((c) => c.type === ha.type && c.reason === ha.reason)) {
    events.push({ type: 'Warning', reason: ha.reason, action: 'Reconcile', note: ha.message });
  }
  const backup = after.conditions?.find((c) => c.type === 'BackupSucceeded');
  const backupBefore = before?.conditions?.find((c) => c.type === 'BackupSucceeded');
  if (backup && backup.status !== 'Unknown' && backup.message !== backupBefore?.message) {
    events.push({
      type: backup.status === 'True' ? 'Normal' : 'Warning',
      reason: backup.status === 'True' ? 'BackupCompleted' : 'BackupFailed',
      action: 'Backup',
      note: backup.message,
    });
  }
  for (const c of after.conditions ?? []) {
    if (!c.type.startsWith('StorageWarning')) continue;
    const prev = before?.conditions?.find((p) => p.type === c.type);
    if (prev?.reason !== c.reason)
      events.push({ type: 'Warning', reason: c.reason, action: 'Resize', note: c.message });
  }
  return events;
}
