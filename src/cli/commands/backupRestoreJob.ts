/**
 * `statecraft backup restore --mysql NAME`: restores a backup of a MySQL instance from outside the cluster. It
 * creates a Job from the instance's backup CronJob — the same image, Secret and backup claim, so nothing new is
 * granted — that runs `statecraft backup restore` in the cluster, waits for it and reports its outcome.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import type { MySQL } from '../../apis/mysql.ts';
import { stamp } from '../../backup/files.ts';
import { buildRestoreJob, CRON_JOB, childNames, JOB, MYSQL, POD } from '../../controllers/mysql/desired.ts';
import { KubeClient, type KubeObject, loadKubeConfig } from '../../runtime/index.ts';
import { UserError } from '../command.ts';

export interface RestoreJobOptions {
  kubeconfig?: string;
  namespace?: string;
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
    const cr = await client.get<MySQL>(MYSQL, ns, o.name);
    if (!cr) throw new UserError(`MySQL ${ns}/${o.name} not found`);
    const n = childNames(o.name);
    const cronJob = await client.get<V1CronJob & KubeObject>(CRON_JOB, ns, n.cronJob);
    const image = cronJob?.spec?.jobTemplate.spec?.template.spec?.containers[0]?.image;
    if (!image) {
      throw new UserError(
        `MySQL ${ns}/${o.name} has no backup CronJob ${n.cronJob} (spec.backupSchedule unset?): there is no backup claim to restore from`,
      );
    }
    const jobName = `mysql-restore-${o.name}`.slice(0, 46) + `-${stamp(new Date()).toLowerCase()}`;
    await client.create(buildRestoreJob(cr, image, jobName, o.backup) as V1Job & KubeObject);
    log(`created Job ${ns}/${jobName} restoring backup ${o.backup} into MySQL ${o.name}`);
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
