/**
 * MusicService with its MariaDB primary and replicas as real servers (the node agent runs `mariadb:*` pods as local
 * processes on 127.x pod IPs): the sample verbatim reaches Available / Ready with replication running; rows written
 * on the primary reach every replica; a new replica gets the existing rows, then replicates; a deleted replica pod
 * comes back and catches up; the primary pod recreated on a new IP: the replicas follow it; a rootPassword change
 * reaches every server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import type { TestCluster } from '../support/cluster.ts';
import { testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { getJson, patchMusicService, sampleYaml, startOperator } from './operator.ts';

const ROOT = { user: 'root', password: 'miku-secret-pass' }; // the sample's spec.database.rootPassword, then changed

async function query(cluster: TestCluster, ns: string, pod: string, sql: string, params: unknown[] = []) {
  const ip = (await getJson(cluster, ns, `pod/${pod}`))?.status?.podIP;
  if (!ip) throw new Error(`${pod} has no IP yet`);
  const conn = await mysql.createConnection({ host: ip, port: 3306, ...ROOT, connectTimeout: 3000 });
  conn.on('error', () => {});
  try {
    // bounded: a server that stops answering mid-test fails the probe instead of hanging the file
    const [rows] = await conn.query({ sql, values: params, timeout: 10_000 });
    return rows as Record<string, unknown>[];
  } finally {
    conn.destroy();
  }
}

const songs = async (cluster: TestCluster, ns: string, pod: string) =>
  (await query(cluster, ns, pod, 'SELECT title FROM musicdb.songs ORDER BY id')).map((r) => r.title);

async function ready(cluster: TestCluster, ns: string, replicas: number) {
  return eventually(
    `Available with ${replicas} replicating replicas`,
    async () => {
      const o = await getJson(cluster, ns, 'musicservice/miku-stream');
      const d = o?.status?.database;
      return (
        o?.status?.phase === 'Available' &&
        d?.phase === 'Ready' &&
        d.replicationReady === true &&
        d.masterReady === true &&
        d.replicasReady === replicas &&
        o
      );
    },
    240_000,
    500,
  );
}

test('the sample verbatim: Available, database Ready, rows replicate, a new replica is seeded, a deleted one catches up', async (t) => {
  const ns = await testNamespace(t, 'ms-db');
  const { cluster } = await startOperator(t, ns);
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], await sampleYaml());

  const ms = await ready(cluster, ns, 2);
  assert.equal(ms.status.database.replicaEverCreated, true);
  assert.equal(ms.status.database.replicaDeletionDetected, false);
  const secret = await getJson(cluster, ns, 'secret/miku-stream-db-replication');
  assert.match(Buffer.from(secret!.data.password, 'base64').toString(), /^[0-9a-f]{32}$/);

  await query(
    cluster,
    ns,
    'miku-stream-db-master-0',
    'CREATE TABLE musicdb.songs (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100))',
  );
  await query(cluster, ns, 'miku-stream-db-master-0', 'INSERT INTO musicdb.songs (title) VALUES (?)', [
    'World is Mine',
  ]);
  for (const replica of ['miku-stream-db-replica-0', 'miku-stream-db-replica-1']) {
    await eventually(`row on ${replica}`, async () => (await songs(cluster, ns, replica)).includes('World is Mine'));
  }
  // replicas refuse client writes (a local write would fork their GTID history; root could still write, so the
  // test does not try)
  for (const replica of ['miku-stream-db-replica-0', 'miku-stream-db-replica-1']) {
    const [row] = await query(cluster, ns, replica, 'SELECT @@read_only AS ro, @@server_id AS id');
    assert.equal(Number(row?.ro), 1, `${replica} read_only`);
    assert.equal(Number(row?.id), replica.endsWith('0') ? 200 : 201, `${replica} server id by ordinal`);
  }

  // database.replicas 2 → 3: the third replica gets the existing rows, then replicates new ones
  await patchMusicService(cluster, ns, { spec: { database: { replicas: 3 } } });
  await ready(cluster, ns, 3);
  assert.deepEqual(await songs(cluster, ns, 'miku-stream-db-replica-2'), ['World is Mine']);
  await query(cluster, ns, 'miku-stream-db-master-0', 'INSERT INTO musicdb.songs (title) VALUES (?)', ['Senbonzakura']);
  await eventually('new row on the third replica', async () =>
    (await songs(cluster, ns, 'miku-stream-db-replica-2')).includes('Senbonzakura'),
  );

  // a replica pod deleted: it comes back (its PVC kept), catches up on what it missed
  const before = (await getJson(cluster, ns, 'pod/miku-stream-db-replica-0'))!.metadata.uid;
  await cluster.kubectl(['-n', ns, 'delete', 'pod', 'miku-stream-db-replica-0', '--wait=true', '--timeout=120s']);
  await query(cluster, ns, 'miku-stream-db-master-0', 'INSERT INTO musicdb.songs (title) VALUES (?)', ['Rolling Girl']);
  await eventually(
    'replica-0 back with every row',
    async () => {
      const pod = await getJson(cluster, ns, 'pod/miku-stream-db-replica-0');
      if (!pod || pod.metadata.uid === before) return false;
      const rows = await songs(cluster, ns, 'miku-stream-db-replica-0');
      return rows.length === 3 && rows;
    },
    120_000,
    500,
  );
  await ready(cluster, ns, 3);

  // the primary pod recreated (its PVC kept) on a new IP: every replica is re-pointed at it
  const oldMaster = (await getJson(cluster, ns, 'pod/miku-stream-db-master-0'))!;
  await cluster.kubectl(['-n', ns, 'delete', 'pod', 'miku-stream-db-master-0', '--wait=true', '--timeout=120s']);
  const newIp = await eventually(
    'the primary back',
    async () => {
      const pod = await getJson(cluster, ns, 'pod/miku-stream-db-master-0');
      return pod && pod.metadata.uid !== oldMaster.metadata.uid && pod.status?.podIP;
    },
    120_000,
    500,
  );
  t.diagnostic(`primary IP ${oldMaster.status.podIP} → ${newIp}`);
  await ready(cluster, ns, 3);
  await eventually(
    'a row written on the recreated primary on every replica',
    async () => {
      await query(
        cluster,
        ns,
        'miku-stream-db-master-0',
        'INSERT IGNORE INTO musicdb.songs (id, title) VALUES (100, ?)',
        ['Melt'],
      );
      for (const r of ['miku-stream-db-replica-0', 'miku-stream-db-replica-1', 'miku-stream-db-replica-2']) {
        const [st] = await query(cluster, ns, r, 'SHOW SLAVE STATUS');
        if (st?.Master_Host !== newIp || !(await songs(cluster, ns, r)).includes('Melt')) return false;
      }
      return true;
    },
    60_000,
    500,
  );

  // spec.database.rootPassword changed: the servers get it (they read the Secret only when they initialise)
  await patchMusicService(cluster, ns, { spec: { database: { rootPassword: 'miku-new-pass-2' } } });
  ROOT.password = 'miku-new-pass-2';
  for (const pod of ['miku-stream-db-master-0', 'miku-stream-db-replica-0', 'miku-stream-db-replica-2']) {
    await eventually(
      `the new root password on ${pod}`,
      async () => (await query(cluster, ns, pod, 'SELECT 1 AS one')).length === 1,
      60_000,
      500,
    );
  }
  const done = await ready(cluster, ns, 3);
  // no errant transaction from the change on any replica: they still replicate
  assert.equal(done.status.database.replicasReady, 3);
});
