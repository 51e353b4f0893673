/**
 * Scheduled logical backups as Kubernetes objects, shared by every kind that offers them (MySQL, MusicService):
 * the pod that runs `statecraft backup ACTION` (src/backup) in Statecraft's own image, the CronJob around it, and
 * what the Jobs it made say about the last backup. Pure.
 */
import { readFileSync } from 'node:fs';
import type { V1CronJob, V1Job, V1PodSpec } from '@kubernetes/client-node';
import type { OwnerReference } from '../runtime/index.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
/** Statecraft's own image at this version: what backup pods run unless the operator is told otherwise. */
export const DEFAULT_BACKUP_IMAGE = `ghcr.io/statecraft-dev/statecraft:${VERSION}`;

/** On every backup and restore Job and its pod (`kubectl create job --from=cronjob/…` copies it). */
export const JOB_ACTION_LABEL = 'operators.example.com/job';
export const BACKUP_DIR = '/backup';

export interface BackupPodInput {
  image: string;
  /** hosts to dump from, in order of preference: all but the last are used only if they are a healthy replica */
  hosts: string[];
  port: number;
  database: string;
  /** root's password: a consistent position needs RELOAD and REPLICATION CLIENT */
  password: { secret: string; key: string };
  claim: string;
}

/**
 * The pod of a backup or restore: `statecraft backup ACTION --host … --database … --dir /backup` as root, the
 * password from the Secret through MYSQL_PWD (never argv), the backup claim at /backup. `Never` restarts and
 * (in the Jobs) no retries: a failure is reported at once, and the next schedule tries again.
 */
export function backupPodSpec(p: BackupPodInput, args: string[]): V1PodSpec {
  return {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'backup',
        image: p.image,
        args: [
          'backup',
          ...args,
          ...p.hosts.map((h) => `--host=${h}`),
          `--port=${p.port}`,
          '--user=root',
          `--database=${p.database}`,
          `--dir=${BACKUP_DIR}`,
        ],
        env: [{ name: 'MYSQL_PWD', valueFrom: { secretKeyRef: { name: p.password.secret, key: p.password.key } } }],
        volumeMounts: [{ name: 'backup-storage', mountPath: BACKUP_DIR }],
      },
    ],
    volumes: [{ name: 'backup-storage', persistentVolumeClaim: { claimName: p.claim } }],
  };
}

export interface BackupCronJobInput extends BackupPodInput {
  name: string;
  namespace: string;
  /** the CronJob's labels */
  labels: Record<string, string>;
  /** the Jobs' and pods' labels: never a Service's selector (a backup pod must not receive connections) */
  jobLabels: Record<string, string>;
  owner: OwnerReference;
  schedule: string;
  retention: number;
}

/** `batch/v1` (`batch/v1beta1` is gone since Kubernetes 1.25); one backup at a time. */
export function buildBackupCronJob(c: BackupCronJobInput): V1CronJob {
  const labels = { ...c.jobLabels, [JOB_ACTION_LABEL]: 'backup' };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: c.name, namespace: c.namespace, labels: c.labels, ownerReferences: [c.owner] },
    spec: {
      schedule: c.schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 0,
          template: { metadata: { labels }, spec: backupPodSpec(c, ['run', `--keep=${c.retention}`]) },
        },
      },
    },
  };
}

/** What the backup Jobs say. */
export interface BackupObservation {
  lastBackup?: string;
  /** the newest finished backup Job, when there is one */
  latest?: { job: string; succeeded: boolean; at: string; reason?: string; message?: string };
}

const jobCondition = (job: V1Job, type: string) =>
  job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const iso = (t: Date | string | undefined) => (t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined);

/**
 * From an instance's Jobs: the backup Jobs (the CronJob's and `kubectl create job --from`'s), the newest success
 * (lastBackup: its completion time, never "now") and the newest outcome. `previous` keeps lastBackup from going
 * back when the CronJob's history limit deletes old Jobs.
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

/** The BackupSucceeded condition for an observation (type, status, reason, message). */
export function backupCondition(b: BackupObservation): {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
} {
  if (b.latest?.succeeded) {
    return {
      status: 'True',
      reason: 'BackupCompleted',
      message: `backup Job ${b.latest.job} completed at ${b.latest.at}`,
    };
  }
  if (b.latest) {
    return {
      status: 'False',
      reason: b.latest.reason ?? 'BackupFailed',
      message: `backup Job ${b.latest.job} failed at ${b.latest.at}${b.latest.message ? `: ${b.latest.message}` : ''}; see kubectl logs job/${b.latest.job}`,
    };
  }
  return { status: 'Unknown', reason: 'NoBackupYet', message: 'no backup Job has finished yet' };
}

/** A failed Job's reason in its pod's words: the last line of the container's termination message, shortened. */
export function podFailureDetail(
  pods: readonly { status?: { containerStatuses?: { state?: { terminated?: { message?: string } } }[] } }[],
): string | undefined {
  const message = pods
    .flatMap((p) => p.status?.containerStatuses ?? [])
    .map((c) => c.state?.terminated?.message?.trim())
    .find(Boolean);
  if (!message) return undefined;
  const last = message.split('\n').filter(Boolean).pop() ?? message;
  return last.length > 300 ? `${last.slice(0, 300)}…` : last;
}

/**
 * A Job restoring one backup (a file name of the backup claim, or `latest`), made from the instance's backup
 * CronJob: the same image, Secret and claim, so a restore needs nothing the backups do not have. It loads into
 * the last `--host` (the primary), owned by the CronJob's owner, labelled as a restore (never counted as a backup).
 */
export function restoreJobFromCronJob(cronJob: V1CronJob, jobName: string, backup: string): V1Job {
  const template = structuredClone(cronJob.spec!.jobTemplate);
  const pod = template.spec!.template;
  const container = pod.spec!.containers[0];
  const args = container.args ?? [];
  const hosts = args.filter((a) => a.startsWith('--host='));
  container.args = [
    'backup',
    'restore',
    `--backup=${backup}`,
    ...hosts.slice(-1),
    ...args.filter((a) => a.startsWith('--') && !a.startsWith('--host=') && !a.startsWith('--keep=')),
  ];
  const labels = { ...(template.metadata?.labels ?? {}), [JOB_ACTION_LABEL]: 'restore' };
  pod.metadata = { ...pod.metadata, labels };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: cronJob.metadata?.namespace,
      labels,
      ownerReferences: cronJob.metadata?.ownerReferences,
    },
    spec: { ...template.spec!, template: pod, backoffLimit: 0 },
  };
}
