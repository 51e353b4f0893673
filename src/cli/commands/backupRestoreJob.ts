/**
 * `statecraft backup restore --mysql NAME` / `--musicservice NAME`: restores a backup from outside the cluster.
 * It creates a Job from the instance's backup CronJob — the same image, Secret and backup claim, so nothing new is
 * granted — that runs `statecraft backup restore` in the cluster, waits for it and reports its outcome.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import { stamp } from '../../backup/files.ts';
import { MUSIC_SERVICE } from '../../controllers/musicservice/children.ts';
import { CRON_JOB, childNames, JOB, MYSQL, POD } from '../../controllers/mysql/desired.ts';
import { KubeClient, type KubeObject, loadKubeConfig } from '../../runtime/index.ts';
import { restoreJobFromCronJob } from '../../workloads/backup-job.ts';
import { UserError } from '../command.ts';

export interface RestoreJobOptions {
  kubeconfig?: string;
  namespace?: string;
  kind: 'MySQL' | 'MusicService';
  name: string;
  backup: string;
  timeoutSeconds: number;
  log?: (line: string) => void;
}

/** Resolves to the Job's name when it succeeded; throws a UserError with the pod's message when it failed. */
export async function restoreWithJob(o: RestoreJobOptions): Promise<string> {
  const log = o.log ?? ((l: string) => console.error(l));
  const kc = loadKubeConfig({ path: o.kubeconfig });
  const ns = o.namespace ?? kc.namespace ?? 'default';
  const client = new KubeClient(kc);
  try {
    const kind = o.kind === 'MySQL' ? MYSQL : MUSIC_SERVICE;
    const cr = await client.get(kind, ns, o.name);
    if (!cr) throw new UserError(`${o.kind} ${ns}/${o.name} not found`);
    const cronJobName = o.kind === 'MySQL' ? childNames(o.name).cronJob : `${o.name}-db-backup`;
    const cronJob = await client.get<V1CronJob & KubeObject>(CRON_JOB, ns, cronJobName);
    if (!cronJob) {
      const field = o.kind === 'MySQL' ? 'spec.backupSchedule' : 'spec.database.backup';
      throw new UserError(
        `${o.kind} ${ns}/${o.name} has no backup CronJob ${cronJobName} (${field} unset?): there is no backup claim to restore from`,
      );
    }
    const jobName = `${`restore-${o.name}`.slice(0, 46)}-${stamp(new Date()).toLowerCase()}`;
    await client.create(restoreJobFromCronJob(cronJob, jobName, o.backup) as V1Job & KubeObject);
    log(`created Job ${ns}/${jobName} restoring backup ${o.backup} into ${o.kind} ${o.name}`);
    const deadline = Date.now() + o.timeoutSeconds * 1000;
    while (Date.now() < deadline) {
      const job = await client.get<V1Job & KubeObject>(JOB, ns, jobName);
      if (job?.status?.succeeded) return jobName;
      if (job?.status?.failed) {
        const pods = await client.list<V1Pod & KubeObject>(POD, {
          namespace: ns,
          labelSelector: `job-name=${jobName}`,
        });
        const why = pods.items
          .flatMap((p) => p.status?.containerStatuses ?? [])
          .map((c) => c.state?.terminated?.message?.trim())
          .find(Boolean);
        throw new UserError(
          `restore Job ${jobName} failed${why ? `: ${why}` : ''} (kubectl -n ${ns} logs job/${jobName})`,
        );
      }
      await sleep(1000);
    }
    throw new UserError(
      `restore Job ${jobName} did not finish within ${o.timeoutSeconds} s (kubectl -n ${ns} get job ${jobName})`,
    );
  } finally {
    client.close();
  }
}
