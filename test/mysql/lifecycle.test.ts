/**
 * The MySQL kind end to end on the local cluster: the tutorial's instance (samples/, only the namespace changed)
 * reaches Ready from a real login with the generated password; the tutorial's manual backup trigger produces a
 * dump and sets lastBackup to the Job's completion time; a restore Job brings dropped rows back; a failing backup
 * is reported and leaves lastBackup alone; the tutorial's downgrade is refused while the server keeps running;
 * deleting the CR keeps the Secret and the claims.
 *
 * NOTE: the node agent runs `mysql:8.0` on this machine's MariaDB (no MySQL server is available here); the pod
 * gets a MySQLRunsOnMariaDB Warning event saying so, and this test checks that it does.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import { installCrds } from '../../src/apis/install.ts';
import type { MySQL } from '../../src/apis/mysql.ts';
import { restoreWithJob } from '../../src/cli/commands/backupRestoreJob.ts';
import { controllers } from '../../src/controllers/index.ts';
import { createLogger, findCondition, Manager } from '../../src/runtime/index.ts';
import { type TestCluster, testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

const NAME = 'my-mysql-instance';
const IMAGE = 'ghcr.io/statecraft-dev/statecraft:test';

async function getJson<T = Record<string, any>>(c: TestCluster, ns: string, what: string): Promise<T | undefined> {
  try {
    return JSON.parse(await c.kubectl(['-n', ns, 'get', what, '-o', 'json'])) as T;
  } catch (err) {
    if (/NotFound|not found/.test((err as Error).message)) return undefined;
    throw err;
  }
}

const mysqlCr = (c: TestCluster, ns: string) => getJson<MySQL>(c, ns, `mysql/${NAME}`);

async function claimDir(c: TestCluster, ns: string, claim: string): Promise<string> {
  const pvc = await eventually(`${claim} Bound`, async () => {
    const p = await getJson(c, ns, `pvc/${claim}`);
    return p?.status?.phase === 'Bound' && p;
  });
  const pv = await getJson(c, '', `pv/${pvc.spec.volumeName}`);
  return pv!.spec.hostPath.path;
}

async function jobDone(c: TestCluster, ns: string, name: string): Promise<Record<string, any>> {
  return eventually(
    `Job ${name} finished`,
    async () => {
      const j = await getJson(c, ns, `job/${name}`);
      return (j?.status?.succeeded || j?.status?.failed) && j;
    },
    60_000,
  );
}

test('MySQL tutorial instance: Ready from a login, backup, restore, failed backup reported, downgrade refused, data kept on delete', async (t) => {
  const ns = await testNamespace(t, 'mysql');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const mgr = new Manager(cluster.kc, {
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    namespaces: [ns],
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'fatal' }),
    gracefulShutdownMs: 5000,
  });
  mgr.add(
    ...controllers({
      addressMode: 'pod-ip',
      mysql: { backupImage: IMAGE, pollWhileProgressingMs: 1000, pollWhenReadyMs: 2000 },
      only: ['mysql'],
    }),
  );
  const running = mgr.start();
  running.catch(() => {});
  t.after(async () => {
    await mgr.stop();
    await running.catch(() => {});
  });

  const sample = await readFile(new URL('../../samples/mysql-tutorial-instance.yaml', import.meta.url), 'utf8');
  await cluster.kubectl(['apply', '-f', '-'], sample.replace('namespace: default', `namespace: ${ns}`));

  const ready = await eventually(
    'phase Ready',
    async () => {
      const o = await mysqlCr(cluster, ns);
      return o?.status?.phase === 'Ready' && o;
    },
    90_000,
  );
  assert.equal(findCondition(ready.status?.conditions, 'Ready')?.reason, 'LoginSucceeded');
  assert.deepEqual(ready.metadata.finalizers, ['mysql.operators.example.com/finalizer']);
  const secret = (await getJson(cluster, ns, `secret/mysql-secret-${NAME}`))!;
  const password = Buffer.from(secret.data.password, 'base64').toString();
  assert.equal(password.length, 32);
  const statusText = JSON.stringify(ready.status);
  assert.ok(!statusText.includes(password), 'the password is not in the status');
  const dep = (await getJson(cluster, ns, `deployment/mysql-${NAME}`))!;
  assert.equal(dep.spec.strategy.type, 'Recreate');
  assert.equal(dep.spec.template.spec.containers[0].image, 'mysql:8.0');
  assert.ok(await getJson(cluster, ns, `service/mysql-${NAME}`));
  assert.ok(await getJson(cluster, ns, `cronjob/mysql-backup-${NAME}`));
  const pod = JSON.parse(await cluster.kubectl(['-n', ns, 'get', 'pods', '-l', `mysql-instance=${NAME}`, '-o', 'json']))
    .items[0];
  const events = await cluster.kubectl([
    '-n',
    ns,
    'get',
    'events',
    '--field-selector',
    `involvedObject.name=${pod.metadata.name}`,
  ]);
  assert.match(events, /MySQLRunsOnMariaDB/, 'the pod says it runs on MariaDB');

  // the tutorial's login: myuser with the generated password, against the server pod
  const app = await mysql.createConnection({
    host: pod.status.podIP,
    port: 3306,
    user: 'myuser',
    password,
    database: 'myapp',
  });
  t.after(() => app.end().catch(() => {}));
  await app.query('CREATE TABLE songs (id INT PRIMARY KEY, title VARCHAR(40))');
  await app.query("INSERT INTO songs VALUES (1, 'World is Mine'), (2, 'Senbonzakura'), (3, 'Tell Your World')");

  // the tutorial's manual trigger
  await cluster.kubectl(['-n', ns, 'create', 'job', `--from=cronjob/mysql-backup-${NAME}`, 'manual-backup']);
  const backupJob = await jobDone(cluster, ns, 'manual-backup');
  assert.equal(backupJob.status.succeeded, 1, JSON.stringify(backupJob.status));
  const afterBackup = await eventually('lastBackup set', async () => {
    const o = await mysqlCr(cluster, ns);
    return o?.status?.lastBackup ? o : undefined;
  });
  assert.equal(
    new Date(afterBackup.status!.lastBackup!).getTime(),
    new Date(backupJob.status.completionTime).getTime(),
    'lastBackup is the Job completion time',
  );
  assert.equal(findCondition(afterBackup.status?.conditions, 'BackupSucceeded')?.status, 'True');
  const dir = await claimDir(cluster, ns, `backup-pvc-${NAME}`);
  const files = (await readdir(dir)).sort();
  assert.equal(files.length, 2, files.join(', '));
  assert.match(files[0], /^myapp-\d{8}T\d{6}Z\.json$/);
  assert.match(files[1], /^myapp-\d{8}T\d{6}Z\.sql\.gz$/);
  const meta = JSON.parse(await readFile(join(dir, files[0]), 'utf8'));
  assert.ok(meta.gtidPosition, `a GTID position is recorded: ${JSON.stringify(meta)}`);

  // break the data, restore the backup, the rows are back
  await app.query('DROP TABLE songs');
  // the documented way: statecraft backup restore --mysql NAME --backup FILE (a Job from the CronJob's template)
  const restoreJob = await restoreWithJob({
    kubeconfig: cluster.kubeconfigPath,
    namespace: ns,
    kind: 'MySQL',
    name: NAME,
    backup: files[1],
    timeoutSeconds: 60,
    log: () => {},
  });
  assert.match(restoreJob, /^restore-my-mysql-instance-\d{8}t\d{6}z$/);
  const [rows] = await app.query<mysql.RowDataPacket[]>('SELECT id, title FROM songs ORDER BY id');
  assert.deepEqual(
    rows.map((r) => r.id),
    [1, 2, 3],
  );

  // a backup that cannot log in fails, is reported, and lastBackup stays
  await cluster.kubectl([
    '-n',
    ns,
    'patch',
    'secret',
    `mysql-secret-${NAME}`,
    '--type=merge',
    '-p',
    JSON.stringify({ stringData: { 'root-password': 'wrong' } }),
  ]);
  await cluster.kubectl(['-n', ns, 'create', 'job', `--from=cronjob/mysql-backup-${NAME}`, 'bad-backup']);
  const badJob = await jobDone(cluster, ns, 'bad-backup');
  assert.equal(badJob.status.failed, 1);
  const failed = await eventually('BackupSucceeded False', async () => {
    const o = await mysqlCr(cluster, ns);
    const c = findCondition(o?.status?.conditions, 'BackupSucceeded');
    return c?.status === 'False' && o;
  });
  assert.equal(failed.status?.lastBackup, afterBackup.status?.lastBackup);
  const why = findCondition(failed.status?.conditions, 'BackupSucceeded')!.message;
  assert.match(why, /bad-backup.*Access denied/is, why);
  assert.ok(!why.includes('wrong') && !JSON.stringify(failed.status).includes(password), 'no password in the status');

  // the tutorial's step 8.0 → 5.7 is refused, the server keeps running 8.0
  await cluster.kubectl([
    '-n',
    ns,
    'patch',
    'mysql',
    NAME,
    '--type=json',
    '-p',
    '[{"op": "replace", "path": "/spec/mysqlVersion", "value":"5.7"}]',
  ]);
  const refused = await eventually('downgrade refused', async () => {
    const o = await mysqlCr(cluster, ns);
    const c = findCondition(o?.status?.conditions, 'VersionAccepted');
    return c?.status === 'False' && o;
  });
  assert.match(findCondition(refused.status?.conditions, 'VersionAccepted')!.message, /spec\.mysqlVersion 5\.7/);
  assert.equal(refused.status?.phase, 'Ready');
  assert.equal(
    (await getJson(cluster, ns, `deployment/mysql-${NAME}`))!.spec.template.spec.containers[0].image,
    'mysql:8.0',
  );
  await app.query('SELECT 1');
  await app.end();

  // 8.0 → 8.4 is an upgrade: the server rolls (Recreate), the data claim records 8.4, the rows are still there
  await cluster.kubectl(['-n', ns, 'patch', 'mysql', NAME, '--type=merge', '-p', '{"spec":{"mysqlVersion":"8.4"}}']);
  await eventually(
    'upgraded and Ready',
    async () => {
      const o = await mysqlCr(cluster, ns);
      const pods = JSON.parse(
        await cluster.kubectl(['-n', ns, 'get', 'pods', '-l', `mysql-instance=${NAME}`, '-o', 'json']),
      ).items;
      return (
        findCondition(o?.status?.conditions, 'VersionAccepted')?.status === 'True' &&
        o?.status?.phase === 'Ready' &&
        pods.length === 1 &&
        pods[0].spec.containers[0].image === 'mysql:8.4' &&
        pods[0].status.podIP
      );
    },
    60_000,
  );
  assert.equal(
    (await getJson(cluster, ns, `pvc/mysql-pvc-${NAME}`))!.metadata.annotations['operators.example.com/mysql-version'],
    '8.4',
  );
  const newPod = JSON.parse(
    await cluster.kubectl(['-n', ns, 'get', 'pods', '-l', `mysql-instance=${NAME}`, '-o', 'json']),
  ).items[0];
  const again = await mysql.createConnection({
    host: newPod.status.podIP,
    user: 'myuser',
    password,
    database: 'myapp',
  });
  const [kept] = await again.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM songs');
  await again.end();
  assert.equal(Number(kept[0].n), 3);

  // delete: the server and the schedule go, the Secret and both claims stay
  await cluster.kubectl(['-n', ns, 'delete', 'mysql', NAME, '--wait=true', '--timeout=60s']);
  await eventually('Deployment and CronJob gone', async () => {
    const d = await getJson(cluster, ns, `deployment/mysql-${NAME}`);
    const c = await getJson(cluster, ns, `cronjob/mysql-backup-${NAME}`);
    return !d && !c;
  });
  assert.ok(await getJson(cluster, ns, `secret/mysql-secret-${NAME}`), 'Secret kept');
  assert.ok(await getJson(cluster, ns, `pvc/mysql-pvc-${NAME}`), 'data claim kept');
  assert.ok(await getJson(cluster, ns, `pvc/backup-pvc-${NAME}`), 'backup claim kept');
  assert.equal(
    Buffer.from((await getJson(cluster, ns, `secret/mysql-secret-${NAME}`))!.data.password, 'base64').toString(),
    password,
    'the Secret was never rewritten',
  );
});
