/**
 * MusicService backups (spec.database.backup) on the local cluster with real MariaDB servers: the dump is taken
 * from the healthy read replica (not the primary), status.database.lastBackup is the Job's completion time, a
 * restore through `statecraft backup restore --musicservice` brings a dropped table back on the primary (and, by
 * replication, on the replica), and the backup claim outlives the MusicService.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import { parse } from 'yaml';
import { restoreWithJob } from '../../src/cli/commands/backupRestoreJob.ts';
import { findCondition } from '../../src/runtime/index.ts';
import { getJson, sampleYaml, startOperator } from '../musicservice/operator.ts';
import type { TestCluster } from '../support/cluster.ts';
import { testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

const ROOT = { user: 'root', password: 'miku-secret-pass' }; // the sample's spec.database.rootPassword

async function query(cluster: TestCluster, ns: string, pod: string, sql: string) {
  const ip = (await getJson(cluster, ns, `pod/${pod}`))?.status?.podIP;
  if (!ip) throw new Error(`${pod} has no IP yet`);
  const conn = await mysql.createConnection({ host: ip, port: 3306, ...ROOT, connectTimeout: 3000 });
  conn.on('error', () => {});
  try {
    const [rows] = await conn.query({ sql, timeout: 10_000 });
    return rows as Record<string, unknown>[];
  } finally {
    conn.destroy();
  }
}

const titles = async (cluster: TestCluster, ns: string, pod: string) =>
  (await query(cluster, ns, pod, 'SELECT title FROM musicdb.songs ORDER BY id')).map((r) => r.title);

test('MusicService backup from the read replica, lastBackup from the Job, restore brings rows back, claim kept', async (t) => {
  const ns = await testNamespace(t, 'ms-backup');
  const { cluster } = await startOperator(t, ns);
  const ms = parse(await sampleYaml());
  ms.spec.replicas = 1;
  delete ms.spec.autoscaling;
  ms.spec.database.replicas = 1;
  delete ms.spec.database.autoscaling;
  ms.spec.database.backup = { schedule: '0 3 * * *', retention: 2 };
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], JSON.stringify(ms));
  await eventually(
    'database Ready with its replica',
    async () => {
      const o = await getJson(cluster, ns, 'musicservice/miku-stream');
      const d = o?.status?.database;
      return d?.phase === 'Ready' && d.replicationReady === true && d.replicasReady === 1;
    },
    180_000,
    500,
  );
  assert.ok(await getJson(cluster, ns, 'cronjob/miku-stream-db-backup'));

  const master = 'miku-stream-db-master-0';
  await query(cluster, ns, master, 'CREATE TABLE musicdb.songs (id INT PRIMARY KEY, title VARCHAR(40))');
  await query(cluster, ns, master, "INSERT INTO musicdb.songs VALUES (1, 'Melt'), (2, 'Rolling Girl')");
  await eventually('rows on the replica', async () => {
    const r = await titles(cluster, ns, 'miku-stream-db-replica-0').catch(() => []);
    return r.length === 2;
  });

  await cluster.kubectl(['-n', ns, 'create', 'job', '--from=cronjob/miku-stream-db-backup', 'manual-backup']);
  const job = await eventually(
    'backup Job finished',
    async () => {
      const j = await getJson(cluster, ns, 'job/manual-backup');
      return (j?.status?.succeeded || j?.status?.failed) && j;
    },
    60_000,
  );
  assert.equal(job.status.succeeded, 1, JSON.stringify(job.status));
  const after = await eventually('lastBackup set', async () => {
    const o = await getJson(cluster, ns, 'musicservice/miku-stream');
    return o?.status?.database?.lastBackup ? o : undefined;
  });
  assert.equal(new Date(after.status.database.lastBackup).getTime(), new Date(job.status.completionTime).getTime());
  assert.equal(findCondition(after.status.conditions, 'BackupSucceeded')?.status, 'True');

  const pvc = await getJson(cluster, ns, 'pvc/miku-stream-db-backup');
  const pv = await getJson(cluster, '', `pv/${pvc!.spec.volumeName}`);
  const dir = pv!.spec.hostPath.path;
  const meta = (await readdir(dir)).find((f) => f.endsWith('.json'))!;
  const recorded = JSON.parse(await readFile(join(dir, meta), 'utf8'));
  assert.match(recorded.source, /^miku-stream-db-read:3306$/, 'dumped from the read replica, not the primary');
  assert.ok(recorded.gtidPosition, JSON.stringify(recorded));

  await query(cluster, ns, master, 'DROP TABLE musicdb.songs');
  await restoreWithJob({
    kubeconfig: cluster.kubeconfigPath,
    namespace: ns,
    kind: 'MusicService',
    name: 'miku-stream',
    backup: 'latest',
    timeoutSeconds: 60,
    log: () => {},
  });
  assert.deepEqual(await titles(cluster, ns, master), ['Melt', 'Rolling Girl']);
  await eventually('restored rows replicated', async () => {
    const r = await titles(cluster, ns, 'miku-stream-db-replica-0').catch(() => []);
    return r.length === 2;
  });

  await cluster.kubectl(['-n', ns, 'delete', 'musicservice', 'miku-stream', '--wait=true', '--timeout=60s']);
  await eventually('CronJob gone', async () => !(await getJson(cluster, ns, 'cronjob/miku-stream-db-backup')));
  assert.ok(await getJson(cluster, ns, 'pvc/miku-stream-db-backup'), 'the backup claim is kept');
});
