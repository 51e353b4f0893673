/**
 * The MySQL controller (operators.example.com/v1alpha1, seeds/mysql-operator-tutorial.md): a straight line of
 * guarded steps — credentials, claims, version, server objects, backups, then the status from a real login.
 *
 * Deleting a MySQL: the finalizer `mysql.operators.example.com/finalizer` (the tutorial's) deletes the backup
 * CronJob first (no backup starts against a server going away) and the Deployment (the server stops cleanly
 * before the object is gone); the Service and Jobs go with the garbage collector. The Secret and both claims are
 * KEPT — they carry no owner reference — so no data and no password is lost: a MySQL of the same name created
 * again runs on them. `kubectl delete pvc,secret -l mysql-instance=NAME` removes them for good.
 */
import type { V1Job, V1PersistentVolumeClaim, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { MySQL } from '../../apis/mysql.ts';
import { connectNode, MysqlEngineError } from '../../engines/mysql/index.ts';
import {
  type ControllerRegistration,
  isConflict,
  type KubeObject,
  type Manager,
  type ObjectContext,
  type Request,
  type Result,
  requeueAfter,
} from '../../runtime/index.ts';
import { DEFAULT_BACKUP_IMAGE, podFailureDetail } from '../../workloads/backup-job.ts';
import { type AddressMode, resolveAddressMode } from '../address-mode.ts';
import {
  buildBackupCronJob,
  buildClaim,
  buildDeployment,
  buildSecret,
  buildService,
  CRON_JOB,
  childNames,
  DATA_VERSION_ANNOTATION,
  DEPLOYMENT,
  FINALIZER,
  instanceJobSelector,
  JOB,
  MYSQL,
  PASSWORD_KEY,
  POD,
  PORT,
  PVC,
  SECRET,
  SERVICE,
  selectorLabels,
} from './desired.ts';
import { buildStatus, observeBackups, type ServerObservation, transitionEvents } from './status.ts';
import { planVersion } from './version.ts';

export interface MySQLControllerOptions {
  addressMode?: AddressMode;
  /** the image of the backup CronJob's pods (`statecraft backup run`); default Statecraft's own at this version */
  backupImage?: string;
  pollWhileProgressingMs?: number;
  pollWhenReadyMs?: number;
}

/** Container states that will not get better by waiting. */
const STUCK: readonly string[] = [
  'CrashLoopBackOff',
  'ImageNotSupported',
  'PackageNotInstalled',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
];

/** Objects without an owner reference (claims, the Secret) and the pods map back by the tutorial's label. */
function byInstanceLabel(o: KubeObject): Request[] {
  const l = o.metadata?.labels ?? {};
  return l.app === 'mysql' && l['mysql-instance']
    ? [{ namespace: o.metadata?.namespace ?? '', name: l['mysql-instance'] }]
    : [];
}

const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

export function mysqlController(options: MySQLControllerOptions = {}): ControllerRegistration {
  return { name: 'mysql', register: (mgr) => registerMySQL(mgr, options) };
}

function registerMySQL(mgr: Manager, options: MySQLControllerOptions): void {
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  const image = options.backupImage ?? DEFAULT_BACKUP_IMAGE;
  const pollWhileProgressing = options.pollWhileProgressingMs ?? 5000;
  const pollWhenReady = options.pollWhenReadyMs ?? 30_000;

  /** The Secret, created once with fresh passwords; an existing one is used as it is, never rewritten. */
  async function ensureSecret(ctx: ObjectContext<MySQL>, cr: MySQL): Promise<V1Secret> {
    const ns = cr.metadata.namespace!;
    const name = childNames(cr.metadata.name!).secret;
    const cached = await mgr.cache.get<V1Secret & KubeObject>(SECRET, ns, name);
    if (cached) return cached;
    try {
      const created = await mgr.client.create(buildSecret(cr) as V1Secret & KubeObject);
      ctx.event({
        type: 'Normal',
        reason: 'SecretCreated',
        action: 'Create',
        note: `Secret ${name} created with generated passwords (keys password, root-password)`,
      });
      return created;
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await mgr.client.get<V1Secret & KubeObject>(SECRET, ns, name);
      if (!existing) throw new Error(`Secret ${name} was deleted while it was being created; retrying`);
      return existing;
    }
  }

  async function ensureClaim(cr: MySQL, name: string, component: string, version?: string) {
    const ns = cr.metadata.namespace!;
    const cached = await mgr.cache.get<V1PersistentVolumeClaim & KubeObject>(PVC, ns, name);
    if (cached) return cached;
    try {
      return await mgr.client.create(buildClaim(cr, name, component, version) as V1PersistentVolumeClaim & KubeObject);
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await mgr.client.get<V1PersistentVolumeClaim & KubeObject>(PVC, ns, name);
      if (!existing) throw new Error(`PersistentVolumeClaim ${name} was deleted while it was being created; retrying`);
      return existing;
    }
  }

  /** Why a backup Job failed, in its pod's words (the scrubbed error `statecraft backup` printed last). */
  async function failedJobDetail(ns: string, job: string, fallback: string | undefined): Promise<string | undefined> {
    const pods = await mgr.cache.list<V1Pod & KubeObject>(POD, { namespace: ns, labels: { 'job-name': job } });
    return podFailureDetail(pods) ?? fallback;
  }

  /** Logs in as the application user, as the tutorial tells its reader to; the answer is the phase. */
  async function observeServer(cr: MySQL, secret: V1Secret): Promise<ServerObservation> {
    const ns = cr.metadata.namespace!;
    const pods = (
      await mgr.cache.list<V1Pod & KubeObject>(POD, { namespace: ns, labels: selectorLabels(cr.metadata.name!) })
    )
      .filter((p) => !p.metadata?.deletionTimestamp)
      .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const pod = pods[0];
    if (!pod) return { state: 'pending', reason: 'PodMissing', message: 'waiting for the server pod to be created' };
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    if (waiting?.reason && STUCK.includes(waiting.reason)) {
      return {
        state: 'failed',
        reason: waiting.reason,
        message: `server pod ${pod.metadata?.name}: ${waiting.message ?? waiting.reason}`,
      };
    }
    const host = addressMode === 'pod-ip' ? pod.status?.podIP : `${childNames(cr.metadata.name!).service}.${ns}.svc`;
    if (!host || !pod.status?.containerStatuses?.some((c) => c.state?.running)) {
      return { state: 'pending', reason: 'ServerStarting', message: `server pod ${pod.metadata?.name} is starting` };
    }
    const password = unb64(secret.data?.[PASSWORD_KEY]);
    if (!password) {
      return {
        state: 'failed',
        reason: 'SecretIncomplete',
        message: `Secret ${secret.metadata?.name} has no key ${PASSWORD_KEY}`,
      };
    }
    const user = cr.spec.databaseUser;
    let session: Awaited<ReturnType<typeof connectNode>> | undefined;
    try {
      session = await connectNode({ host, port: PORT }, { user, password }, { connectTimeoutMs: 3000 });
      const [row] = await session.run({
        sql: 'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        params: [cr.spec.databaseName],
      });
      if (Number(row.n) !== 1) {
        return {
          state: 'failed',
          reason: 'DatabaseMissing',
          message: `${user} logs in, but database ${cr.spec.databaseName} does not exist or ${user} has no access to it`,
        };
      }
      return {
        state: 'ready',
        message: `${user} logged in to ${session.version.raw}; database ${cr.spec.databaseName} is there`,
      };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (err instanceof MysqlEngineError && err.code === 'ERR_MYSQL_ACCESS_DENIED') {
        return { state: 'failed', reason: 'AccessDenied', message: msg };
      }
      return { state: 'pending', reason: 'ServerNotAnswering', message: msg };
    } finally {
      await session?.close();
    }
  }

  async function reconcile(ctx: ObjectContext<MySQL>, cr: MySQL): Promise<Result> {
    const ns = cr.metadata.namespace!;
    const n = childNames(cr.metadata.name!);
    const before = cr.status;
    let server: ServerObservation = { state: 'pending', reason: 'Reconciling', message: 'creating the instance' };
    const recordedBefore = (await mgr.cache.get<V1PersistentVolumeClaim & KubeObject>(PVC, ns, n.dataClaim))?.metadata
      ?.annotations?.[DATA_VERSION_ANNOTATION];
    let version = planVersion(cr.spec.mysqlVersion, recordedBefore);
    let backups: ReturnType<typeof observeBackups> | undefined;
    let error: string | undefined;
    try {
      const secret = await ensureSecret(ctx, cr);
      const data = await ensureClaim(cr, n.dataClaim, 'data', version.run);
      version = planVersion(cr.spec.mysqlVersion, data.metadata?.annotations?.[DATA_VERSION_ANNOTATION]);
      if (version.accepted && version.record) {
        await mgr.client.patch(
          PVC,
          ns,
          n.dataClaim,
          { metadata: { annotations: { [DATA_VERSION_ANNOTATION]: version.record } } },
          'merge',
        );
      }
      await mgr.apply(buildDeployment(cr, version.run) as unknown as KubeObject);
      await mgr.apply(buildService(cr) as unknown as KubeObject);
      if (cr.spec.backupSchedule) {
        await ensureClaim(cr, n.backupClaim, 'backup');
        await mgr.apply(buildBackupCronJob(cr, image) as unknown as KubeObject);
        const jobs = await mgr.cache.list<V1Job & KubeObject>(JOB, {
          namespace: ns,
          labels: instanceJobSelector(cr.metadata.name!),
        });
        backups = observeBackups(jobs, before?.lastBackup);
        if (backups.latest && !backups.latest.succeeded) {
          backups.latest.message = await failedJobDetail(ns, backups.latest.job, backups.latest.message);
        }
      } else {
        await ctx.deleteOwned([{ ...CRON_JOB, name: n.cronJob }]);
      }
      server = await observeServer(cr, secret);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const next = buildStatus(before, { generation: cr.metadata.generation, server, version, backups, error });
    await ctx.patchStatus({ ...next, ...(next.lastBackup ? {} : { lastBackup: undefined }) });
    for (const e of transitionEvents(before, next)) ctx.event(e);
    if (error !== undefined) throw new Error(error);
    return requeueAfter(next.phase === 'Ready' ? pollWhenReady : pollWhileProgressing);
  }

  async function cleanup(ctx: ObjectContext<MySQL>, cr: MySQL): Promise<void> {
    const n = childNames(cr.metadata.name!);
    const deleted = await ctx.deleteOwned(
      [
        { ...CRON_JOB, name: n.cronJob },
        { ...DEPLOYMENT, name: n.deployment },
      ],
      { reason: 'ChildRemoved' },
    );
    ctx.log.info(
      { deleted: deleted.map((d) => `${d.kind}/${d.metadata?.name}`) },
      'MySQL deleted: server and backup schedule removed; Secret and claims kept',
    );
    ctx.event({
      type: 'Normal',
      reason: 'DataKept',
      action: 'Delete',
      note: `Secret ${n.secret} and claims ${n.dataClaim}${cr.spec.backupSchedule ? `, ${n.backupClaim}` : ''} are kept (no owner reference); delete them with kubectl delete pvc,secret -l mysql-instance=${cr.metadata.name}`,
    });
  }

  mgr
    .controller('mysql')
    .for(MYSQL)
    .owns(DEPLOYMENT)
    .owns(SERVICE)
    .owns(CRON_JOB)
    .owns(JOB, { via: CRON_JOB })
    .watches(POD, byInstanceLabel)
    .watches(PVC, byInstanceLabel)
    .watches(SECRET, byInstanceLabel)
    .access(SECRET, ['create'], "create the MySQL kind's Secret mysql-secret-{name} once (never updated or deleted)")
    .access(PVC, ['create'], "create the MySQL kind's claims mysql-pvc-{name} and backup-pvc-{name} (never deleted)")
    .access(PVC, ['patch'], 'record on the data claim the highest MySQL version that has run on it')
    .reconcile<MySQL>({ reconcile, finalizer: { name: FINALIZER, cleanup } });
}
