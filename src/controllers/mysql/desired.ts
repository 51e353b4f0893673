/**
 * The MySQL kind's children, as pure functions, with the tutorial's names (users and scripts rely on them):
 * Deployment and Service `mysql-{name}`, Secret `mysql-secret-{name}`, claims `mysql-pvc-{name}` and
 * `backup-pvc-{name}`, CronJob `mysql-backup-{name}`.
 *
 * The Secret and the claims carry no owner reference on purpose: deleting the MySQL object must not delete the
 * password or the data (the garbage collector would). Re-creating an object of the same name finds both again.
 */
import { randomBytes } from 'node:crypto';
import type {
  V1Container,
  V1CronJob,
  V1Deployment,
  V1PersistentVolumeClaim,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import type { MySQL } from '../../apis/mysql.ts';
import { controllerReference, type GroupVersionKind } from '../../runtime/index.ts';
import {
  type BackupPodInput,
  buildBackupCronJob as buildScheduledBackup,
  JOB_ACTION_LABEL,
} from '../../workloads/backup-job.ts';
import { standardLabels } from '../../workloads/labels.ts';

export const MYSQL: GroupVersionKind = { apiVersion: 'operators.example.com/v1alpha1', kind: 'MySQL' };
export const DEPLOYMENT: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'Deployment' };
export const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };
export const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
export const PVC: GroupVersionKind = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
export const CRON_JOB: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'CronJob' };
export const JOB: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'Job' };
export const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };

export const FINALIZER = 'mysql.operators.example.com/finalizer';
export const PORT = 3306;
export const DEFAULT_STORAGE = '1Gi';
export const DEFAULT_RETENTION = 7;
/**
 * The highest mysqlVersion a data claim has been given to, recorded before the server rolls (a server of that version
 * may have upgraded the data directory by the time anyone looks): a downgrade below it is refused (see version.ts).
 */
export const DATA_VERSION_ANNOTATION = 'operators.example.com/mysql-version';
/** Secret keys: the application user's password (the tutorial's key) and root's. */
export const PASSWORD_KEY = 'password';
export const ROOT_PASSWORD_KEY = 'root-password';

export function childNames(name: string) {
  return {
    deployment: `mysql-${name}`,
    service: `mysql-${name}`,
    secret: `mysql-secret-${name}`,
    dataClaim: `mysql-pvc-${name}`,
    backupClaim: `backup-pvc-${name}`,
    cronJob: `mysql-backup-${name}`,
  };
}

/** The tutorial's pod labels (its Deployment and Service select on exactly these). */
export const selectorLabels = (name: string): Record<string, string> => ({ app: 'mysql', 'mysql-instance': name });

export function childLabels(name: string, component: string): Record<string, string> {
  return { ...selectorLabels(name), ...standardLabels({ name: 'mysql', instance: name, component }) };
}

/**
 * Labels of backup and restore Jobs and their pods: NOT the tutorial's `app`/`mysql-instance` pair, which the
 * Service selects on — a backup pod must never receive the instance's connections.
 */
export function jobLabels(name: string, action: 'backup' | 'restore'): Record<string, string> {
  return { ...standardLabels({ name: 'mysql', instance: name, component: action }), [JOB_ACTION_LABEL]: action };
}

/** What selects every Job of one instance. */
export const instanceJobSelector = (name: string): Record<string, string> => ({
  'app.kubernetes.io/name': 'mysql',
  'app.kubernetes.io/instance': name,
});

function meta(cr: MySQL, name: string, component: string, owned = true) {
  return {
    name,
    namespace: cr.metadata.namespace,
    labels: childLabels(cr.metadata.name!, component),
    ...(owned ? { ownerReferences: [controllerReference(cr)] } : {}),
  };
}

/** 24 random bytes from the CSPRNG, base64url: 32 characters a shell and a DSN take as they are. */
export const generatePassword = (): string => randomBytes(24).toString('base64url');

const secretKey = (cr: MySQL, key: string) => ({
  secretKeyRef: { name: childNames(cr.metadata.name!).secret, key },
});

/** Created once (never applied again: a new password would lock the user out of an existing data directory). */
export function buildSecret(cr: MySQL, generate: () => string = generatePassword): V1Secret {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(cr, childNames(cr.metadata.name!).secret, 'credentials', false),
    type: 'Opaque',
    data: { [PASSWORD_KEY]: b64(generate()), [ROOT_PASSWORD_KEY]: b64(generate()) },
  };
}

/** A claim of the instance's size, created once; `version` is recorded on the data claim. */
export function buildClaim(cr: MySQL, name: string, component: string, version?: string): V1PersistentVolumeClaim {
  const m = meta(cr, name, component, false);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: version ? { ...m, annotations: { [DATA_VERSION_ANNOTATION]: version } } : m,
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: cr.spec.storageSize ?? DEFAULT_STORAGE } },
    },
  };
}

/**
 * One server on the data claim. `Recreate`: the old pod is gone before the new one starts, so two servers never
 * open one data directory during a version roll. Binary logging is on (both MySQL and MariaDB take these two
 * options), so every backup records a position a replica or a point-in-time recovery could start from.
 */
export function buildDeployment(cr: MySQL, version: string): V1Deployment {
  const name = cr.metadata.name!;
  const n = childNames(name);
  const container: V1Container = {
    name: 'mysql',
    image: `mysql:${version}`,
    args: ['--log-bin=mysql-bin', '--server-id=1'],
    env: [
      { name: 'MYSQL_ROOT_PASSWORD', valueFrom: secretKey(cr, ROOT_PASSWORD_KEY) },
      { name: 'MYSQL_DATABASE', value: cr.spec.databaseName },
      { name: 'MYSQL_USER', value: cr.spec.databaseUser },
      { name: 'MYSQL_PASSWORD', valueFrom: secretKey(cr, PASSWORD_KEY) },
    ],
    ports: [{ name: 'mysql', containerPort: PORT, protocol: 'TCP' }],
    readinessProbe: { tcpSocket: { port: PORT }, periodSeconds: 5 },
    volumeMounts: [{ name: 'mysql-data', mountPath: '/var/lib/mysql' }],
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...meta(cr, n.deployment, 'server'), annotations: { [DATA_VERSION_ANNOTATION]: version } },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels: childLabels(name, 'server') },
        spec: {
          containers: [container],
          volumes: [{ name: 'mysql-data', persistentVolumeClaim: { claimName: n.dataClaim } }],
        },
      },
    },
  };
}

export function buildService(cr: MySQL): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(cr, childNames(cr.metadata.name!).service, 'server'),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(cr.metadata.name!),
      ports: [{ name: 'mysql', port: PORT, targetPort: PORT, protocol: 'TCP' }],
    },
  };
}

/** The backup pod's target: the Service, root's password from the instance's Secret, the backup claim. */
function backupPod(cr: MySQL, image: string): BackupPodInput {
  const n = childNames(cr.metadata.name!);
  return {
    image,
    hosts: [n.service],
    port: PORT,
    database: cr.spec.databaseName,
    password: { secret: n.secret, key: ROOT_PASSWORD_KEY },
    claim: n.backupClaim,
  };
}

export function buildBackupCronJob(cr: MySQL, image: string): V1CronJob {
  const name = cr.metadata.name!;
  return buildScheduledBackup({
    ...backupPod(cr, image),
    name: childNames(name).cronJob,
    namespace: cr.metadata.namespace!,
    labels: childLabels(name, 'backup'),
    jobLabels: jobLabels(name, 'backup'),
    owner: controllerReference(cr),
    schedule: cr.spec.backupSchedule!,
    retention: cr.spec.backupRetention ?? DEFAULT_RETENTION,
  });
}
