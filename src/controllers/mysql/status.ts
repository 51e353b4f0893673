/**
 * The MySQL status, as pure functions of what was observed: `phase` from a real login to the server (never from pod
 * phase), `lastBackup` = completion time of the newest SUCCESSFUL backup Job (never "now"), and conditions Ready,
 * BackupSucceeded and VersionAccepted.
 */
import type { MySQLStatus } from '../../apis/mysql.ts';
import { type Condition, type EventInput, findCondition, removeCondition, setCondition } from '../../runtime/index.ts';
import { type BackupObservation, backupCondition } from '../../workloads/backup-job.ts';
import type { VersionPlan } from './version.ts';

/** What the login to the server found. */
export type ServerObservation =
  | { state: 'ready'; message: string }
  | { state: 'pending' | 'failed'; reason: string; message: string };

export interface StatusInput {
  generation: number | undefined;
  server: ServerObservation;
  version: VersionPlan;
  /** undefined when no backups are scheduled */
  backups?: BackupObservation;
  /** a step that failed before the server could be observed */
  error?: string;
}

export function buildStatus(previous: MySQLStatus | undefined, input: StatusInput, now = new Date()): MySQLStatus {
  const g = input.generation;
  let conditions: Condition[] = previous?.conditions ?? [];
  const s = input.server;
  const ready = s.state === 'ready' && !input.error;
  conditions = setCondition(
    conditions,
    ready
      ? { type: 'Ready', status: 'True', reason: 'LoginSucceeded', message: s.message, observedGeneration: g }
      : {
          type: 'Ready',
          status: 'False',
          reason: input.error ? 'ReconcileFailed' : (s as { reason: string }).reason,
          message: input.error ?? s.message,
          observedGeneration: g,
        },
    now,
  );
  const v = input.version;
  conditions = setCondition(
    conditions,
    v.accepted
      ? {
          type: 'VersionAccepted',
          status: 'True',
          reason: 'Accepted',
          message: `running mysql:${v.run}`,
          observedGeneration: g,
        }
      : { type: 'VersionAccepted', status: 'False', reason: v.reason, message: v.message, observedGeneration: g },
    now,
  );
  const b = input.backups;
  if (!b) conditions = removeCondition(conditions, 'BackupSucceeded');
  else if (b.latest || !findCondition(conditions, 'BackupSucceeded')) {
    conditions = setCondition(
      conditions,
      { type: 'BackupSucceeded', ...backupCondition(b), observedGeneration: g },
      now,
    );
  }
  const phase = ready ? 'Ready' : s.state === 'failed' || input.error ? 'Failed' : 'Pending';
  const message = input.error ? input.error : !v.accepted ? `${s.message}; ${v.message}` : s.message;
  return {
    phase,
    message,
    ...(b?.lastBackup ? { lastBackup: b.lastBackup } : previous?.lastBackup ? { lastBackup: previous.lastBackup } : {}),
    observedGeneration: g,
    conditions,
  };
}

/** Events for what changed between two statuses (the recorder deduplicates repeats). */
export function transitionEvents(before: MySQLStatus | undefined, next: MySQLStatus): EventInput[] {
  const events: EventInput[] = [];
  if (before?.phase !== next.phase) {
    events.push({
      type: next.phase === 'Failed' ? 'Warning' : 'Normal',
      reason: `Phase${next.phase}`,
      action: 'Reconcile',
      note: next.message ?? '',
    });
  }
  const was = (t: string) => findCondition(before?.conditions, t);
  const is = (t: string) => findCondition(next.conditions, t);
  const v = is('VersionAccepted');
  if (
    v?.status === 'False' &&
    (was('VersionAccepted')?.status !== 'False' || was('VersionAccepted')?.message !== v.message)
  ) {
    events.push({ type: 'Warning', reason: v.reason, action: 'Upgrade', note: v.message });
  }
  const b = is('BackupSucceeded');
  if (b && b.status !== 'Unknown' && b.message !== was('BackupSucceeded')?.message) {
    events.push({
      type: b.status === 'True' ? 'Normal' : 'Warning',
      reason: b.status === 'True' ? 'BackupCompleted' : 'BackupFailed',
      action: 'Backup',
      note: b.message,
    });
  }
  return events;
}

export { type BackupObservation, observeBackups } from '../../workloads/backup-job.ts';
