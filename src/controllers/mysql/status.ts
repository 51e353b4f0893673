/**
 * The MySQL status, as pure functions of what was observed: `phase` from a real login to the server (never from pod
 * phase), `lastBackup` = completion time of the newest SUCCESSFUL backup Job (never "now"), and conditions Ready,
 * BackupSucceeded and VersionAccepted.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { MySQLStatus } from '../../apis/mysql.ts';
import { type Condition, type EventInput, findCondition, removeCondition, setCondition } from '../../runtime/index.ts';
import { JOB_ACTION_LABEL } from './desired.ts';
import type { VersionPlan } from './version.ts';

/** What the login to the server found. */
export type ServerObservation =
  | { state: 'ready'; message: string }
  | { state: 'pending' | 'failed'; reason: string; message: string };

export interface BackupObservation {
  lastBackup?: string;
  /** the newest finished backup Job, when there is one */
  latest?: { job: string; succeeded: boolean; at: string; reason?: string; message?: string };
}

const jobCondition = (job: V1Job, type: string) =>
  job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const iso = (t: Date | string | undefined) => (t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined);

/**
 * From the instance's Jobs: the backup Jobs (the CronJob's and `kubectl create job --from`'s, which copy its
 * labels), their newest success and their newest outcome. `previous` keeps lastBackup from going back when the
 * CronJob's history limit deletes old Jobs.
 */
export function observeBackups(jobs: readonly V1Job[], previous: string | undefined): BackupObservation {
  let lastBackup = previous;
  let latest: BackupObservation['latest'];
  for (const job of jobs) {
    if (job.metadata?.labels?.[JOB_ACTION_LABEL] !== 'backup') continue;
    const complete = jobCondition(job, 'Complete');
    const failed = jobCondition(job, 'Failed');
    const at = complete
      ? iso(job.status?.completionTime ?? complete.lastTransitionTime)
      : iso(failed?.lastTransitionTime);
    if (!at || (!complete && !failed)) continue;
    if (complete && (!lastBackup || at > lastBackup)) lastBackup = at;
    if (!latest || at >= latest.at) {
      latest = {
        job: job.metadata!.name!,
        succeeded: !!complete,
        at,
        ...(failed ? { reason: failed.reason ?? 'Failed', message: failed.message ?? '' } : {}),
      };
    }
  }
  return { lastBackup, latest };
}

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
  else if (b.latest?.succeeded) {
    conditions = setCondition(
      conditions,
      {
        type: 'BackupSucceeded',
        status: 'True',
        reason: 'BackupCompleted',
        message: `backup Job ${b.latest.job} completed at ${b.latest.at}`,
        observedGeneration: g,
      },
      now,
    );
  } else if (b.latest) {
    conditions = setCondition(
      conditions,
      {
        type: 'BackupSucceeded',
        status: 'False',
        reason: b.latest.reason ?? 'BackupFailed',
        message: `backup Job ${b.latest.job} failed at ${b.latest.at}${b.latest.message ? `: ${b.latest.message}` : ''}; see kubectl logs job/${b.latest.job}`,
        observedGeneration: g,
      },
      now,
    );
  } else if (!findCondition(conditions, 'BackupSucceeded')) {
    conditions = setCondition(
      conditions,
      {
        type: 'BackupSucceeded',
        status: 'Unknown',
        reason: 'NoBackupYet',
        message: 'no backup Job has finished yet',
        observedGeneration: g,
      },
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
