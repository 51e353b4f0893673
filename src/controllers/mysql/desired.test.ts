import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MySQL, mySQLSpecWithDefaults } from '../../apis/mysql.ts';
import { restoreJobFromCronJob } from '../../workloads/backup-job.ts';
import { buildBackupCronJob, buildClaim, buildDeployment, buildSecret, buildService } from './desired.ts';

const tutorial: MySQL = {
  apiVersion: 'operators.example.com/v1alpha1',
  kind: 'MySQL',
  metadata: { name: 'my-mysql-instance', namespace: 'default', uid: 'u1' },
  spec: mySQLSpecWithDefaults({
    databaseName: 'myapp',
    databaseUser: 'myuser',
    storageSize: '10Gi',
    backupSchedule: '0 2 * * *',
  }),
};

test("the tutorial's names, one Recreate replica, and a user who can log in with the generated password", () => {
  const d = buildDeployment(tutorial, '8.0');
  assert.equal(d.metadata?.name, 'mysql-my-mysql-instance');
  assert.equal(d.spec?.replicas, 1);
  assert.equal(d.spec?.strategy?.type, 'Recreate');
  assert.deepEqual(d.spec?.selector.matchLabels, { app: 'mysql', 'mysql-instance': 'my-mysql-instance' });
  const c = d.spec!.template.spec!.containers[0];
  assert.equal(c.image, 'mysql:8.0');
  const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef]));
  assert.deepEqual(env, {
    MYSQL_ROOT_PASSWORD: { name: 'mysql-secret-my-mysql-instance', key: 'root-password' },
    MYSQL_DATABASE: 'myapp',
    MYSQL_USER: 'myuser',
    MYSQL_PASSWORD: { name: 'mysql-secret-my-mysql-instance', key: 'password' },
  });
  assert.equal(d.spec!.template.spec!.volumes![0].persistentVolumeClaim?.claimName, 'mysql-pvc-my-mysql-instance');
  assert.equal(buildService(tutorial).metadata?.name, 'mysql-my-mysql-instance');
  assert.deepEqual(buildService(tutorial).spec?.selector, { app: 'mysql', 'mysql-instance': 'my-mysql-instance' });
});

test('the Secret and the claims have no owner reference (deleting the MySQL keeps them); passwords are random', () => {
  const s = buildSecret(tutorial);
  assert.equal(s.metadata?.name, 'mysql-secret-my-mysql-instance');
  assert.equal(s.metadata?.ownerReferences, undefined);
  const pw = Buffer.from(s.data!.password, 'base64').toString();
  assert.equal(pw.length, 32);
  assert.notEqual(pw, Buffer.from(buildSecret(tutorial).data!.password, 'base64').toString());
  assert.notEqual(pw, Buffer.from(s.data!['root-password'], 'base64').toString());
  const claim = buildClaim(tutorial, 'mysql-pvc-my-mysql-instance', 'data', '8.0');
  assert.equal(claim.metadata?.ownerReferences, undefined);
  assert.equal(claim.spec?.resources?.requests?.storage, '10Gi');
  assert.equal(claim.metadata?.annotations?.['operators.example.com/mysql-version'], '8.0');
  assert.ok(buildDeployment(tutorial, '8.0').metadata?.ownerReferences?.[0].controller);
});

test('the backup CronJob is batch/v1, one at a time, runs statecraft backup with the password from the Secret only', () => {
  const cj = buildBackupCronJob({ ...tutorial, spec: { ...tutorial.spec, backupRetention: 3 } }, 'x/statecraft:1');
  assert.equal(cj.apiVersion, 'batch/v1');
  assert.equal(cj.metadata?.name, 'mysql-backup-my-mysql-instance');
  assert.equal(cj.spec?.schedule, '0 2 * * *');
  assert.equal(cj.spec?.concurrencyPolicy, 'Forbid');
  assert.equal(cj.spec?.jobTemplate.metadata?.labels?.['operators.example.com/job'], 'backup');
  const pod = cj.spec!.jobTemplate.spec!.template.spec!;
  const c = pod.containers[0];
  assert.deepEqual(c.args?.slice(0, 3), ['backup', 'run', '--keep=3']);
  assert.ok(c.args?.includes('--host=mysql-my-mysql-instance'));
  assert.ok(!c.args?.some((a) => /password|pwd/i.test(a)), 'no password on the command line');
  assert.deepEqual(c.env, [
    {
      name: 'MYSQL_PWD',
      valueFrom: { secretKeyRef: { name: 'mysql-secret-my-mysql-instance', key: 'root-password' } },
    },
  ]);
  assert.equal(pod.volumes![0].persistentVolumeClaim?.claimName, 'backup-pvc-my-mysql-instance');
  const restore = restoreJobFromCronJob(cj, 'restore-1', 'latest');
  assert.deepEqual(restore.spec!.template.spec!.containers[0].args, [
    'backup',
    'restore',
    '--backup=latest',
    '--host=mysql-my-mysql-instance',
    '--port=3306',
    '--user=root',
    '--database=myapp',
    '--dir=/backup',
  ]);
  assert.equal(restore.metadata?.labels?.['operators.example.com/job'], 'restore');
  assert.equal(restore.spec!.template.metadata?.labels?.['operators.example.com/job'], 'restore');
  assert.equal(restore.metadata?.ownerReferences?.[0].kind, 'MySQL');
  assert.deepEqual(restore.spec!.template.spec!.volumes, pod.volumes);
  assert.equal(cj.spec!.jobTemplate.spec!.template.spec!.containers[0].args![1], 'run', 'the CronJob is not changed');
});
