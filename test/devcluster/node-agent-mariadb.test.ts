import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import mysql from 'mysql2/promise';
import { LOCAL_NODE_NAME } from '../../src/devcluster/agent/node.ts';
import { KWOK_NODE_NAME } from '../../src/devcluster/cluster.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { apply, core, podProcesses, readyPod, secret, statefulSet } from './pods.ts';

const connect = (host: string, password = 'root-pw') =>
  mysql.createConnection({ host, port: 3306, user: 'root', password, connectTimeout: 5000 });

test('a StatefulSet of 3 mariadb:10.11 pods runs real servers; data survives pod deletion; a Job dumps into its claim', async (t) => {
  const ns = await testNamespace(t, 'agent-mariadb');
  const api = await core();
  await apply(ns, [
    secret('db-credentials', { root: 'root-pw' }),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'db-conf' },
      data: { 'tuning.cnf': '[mysqld]\nmax_connections=77\n' },
    },
    ...statefulSet(
      'db',
      3,
      {
        containers: [
          {
            name: 'mariadb',
            image: 'mariadb:10.11',
            args: ['--log-bin=mysql-bin', '--binlog-format=ROW'],
            env: [
              { name: 'MARIADB_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'root' } } },
              { name: 'MARIADB_DATABASE', value: 'app' },
              { name: 'MARIADB_USER', value: 'app' },
              { name: 'MARIADB_PASSWORD', value: 'app-pw' },
            ],
            ports: [{ containerPort: 3306, name: 'mysql' }],
            readinessProbe: { tcpSocket: { port: 'mysql' }, periodSeconds: 5 },
            volumeMounts: [
              { name: 'data', mountPath: '/var/lib/mysql' },
              { name: 'conf', mountPath: '/etc/mysql/conf.d' },
            ],
          },
        ],
        volumes: [{ name: 'conf', configMap: { name: 'db-conf' } }],
      },
      '/var/lib/mysql',
    ),
  ]);

  const started = Date.now();
  const pods = await Promise.all([0, 1, 2].map((i) => readyPod(ns, `db-${i}`, { timeoutMs: 180_000 })));
  t.diagnostic(`3 mariadb pods Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const ips = pods.map((p) => p.status!.podIP!);
  assert.equal(new Set(ips).size, 3, `three distinct pod IPs: ${ips}`);
  for (const [i, pod] of pods.entries()) {
    assert.equal(pod.spec?.nodeName, LOCAL_NODE_NAME, 'steered to the agent node');
    const c = await connect(ips[i]);
    const [rows] = await c.query<mysql.RowDataPacket[]>(
      'SELECT @@hostname AS host, @@max_connections AS maxc, @@log_bin AS binlog, @@bind_address AS bind',
    );
    await c.end();
    assert.deepEqual(rows[0], { host: `db-${i}`, maxc: 77, binlog: 1, bind: ips[i] });
  }
  const user = await mysql.createConnection({ host: ips[0], user: 'app', password: 'app-pw', database: 'app' });
  await user.end();

  // write on pod 1, delete it: the recreated pod has a new IP and finds the row in its claim's directory
  const c1 = await connect(ips[1]);
  await c1.query('CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))');
  await c1.query("INSERT INTO app.t VALUES (1, 'kept')");
  await c1.end();
  const oldUid = pods[1].metadata!.uid!;
  await api.deleteNamespacedPod({ name: 'db-1', namespace: ns });
  const t0 = Date.now();
  const again = await readyPod(ns, 'db-1', { notUid: oldUid, timeoutMs: 120_000 });
  t.diagnostic(`deleted pod db-1 back Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.notEqual(again.status!.podIP, ips[1], 'a new pod gets a new IP');
  assert.deepEqual(podProcesses(oldUid), [], 'the deleted pod left no process');
  const c1b = await connect(again.status!.podIP!);
  const [rows] = await c1b.query<mysql.RowDataPacket[]>('SELECT v FROM app.t WHERE id = 1');
  await c1b.end();
  assert.equal(rows[0]?.v, 'kept');

  // a Job with the image's client tools dumps pod 1 (by its DNS name) into its own claim and completes
  await apply(ns, [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'backup' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'dump' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'dump',
                image: 'mariadb:10.11',
                command: ['sh', '-c', 'mariadb-dump -h db-1.db -uroot -p"$PW" --databases app > /backup/app.sql'],
                env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'root' } } }],
                volumeMounts: [{ name: 'backup', mountPath: '/backup' }],
              },
            ],
            volumes: [{ name: 'backup', persistentVolumeClaim: { claimName: 'backup' } }],
          },
        },
      },
    },
  ]);
  const batch = (await testCluster()).kc.makeApiClient(k8s.BatchV1Api);
  await eventually(
    'Job dump complete',
    async () => {
      const job = await batch.readNamespacedJob({ name: 'dump', namespace: ns });
      if (job.status?.failed) throw new Error(`job failed: ${JSON.stringify(job.status)}`);
      return job.status?.succeeded === 1;
    },
    60_000,
  );
  const pvc = await api.readNamespacedPersistentVolumeClaim({ name: 'backup', namespace: ns });
  const pv = await api.readPersistentVolume({ name: pvc.spec!.volumeName! });
  const dump = await readFile(join(pv.spec!.hostPath!.path, 'app.sql'), 'utf8');
  assert.match(dump, /INSERT INTO `t` VALUES\s*\(1,'kept'\)/);
});

test('killing a server process by hand: the pod restarts it and restartCount grows', async (t) => {
  const ns = await testNamespace(t, 'agent-restart');
  const api = await core();
  await apply(ns, [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo' },
      spec: {
        containers: [
          { name: 'mariadb', image: 'mariadb:10.11', env: [{ name: 'MARIADB_ROOT_PASSWORD', value: 'root-pw' }] },
        ],
      },
    },
  ]);
  const pod = await readyPod(ns, 'solo');
  const pids = podProcesses(pod.metadata!.uid!);
  assert.equal(pids.length, 1, `one server process: ${pids}`);
  process.kill(pids[0], 'SIGKILL');
  const restarted = await eventually(
    'restartCount 1 and Ready again',
    async () => {
      const p = await api.readNamespacedPod({ name: 'solo', namespace: ns });
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.ready ? p : false;
    },
    60_000,
  );
  assert.equal(restarted.status?.containerStatuses?.[0].lastState?.terminated?.signal, 9);
  const c = await connect(restarted.status!.podIP!);
  await c.end();
});

test('pods of other images stay on the KWOK node; an unsupported image on the agent node is reported', async (t) => {
  const ns = await testNamespace(t, 'agent-other');
  const api = await core();
  await apply(ns, [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image: 'nginx:alpine' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'forced' },
      spec: {
        nodeName: LOCAL_NODE_NAME,
        containers: [{ name: 'app', image: 'busybox:1.36' }],
      },
    },
  ]);
  await eventually('web scheduled on kwok', async () => {
    const p = await api.readNamespacedPod({ name: 'web', namespace: ns });
    return p.spec?.nodeName === KWOK_NODE_NAME;
  });
  const forced = await eventually('forced reports ImageNotSupported', async () => {
    const p = await api.readNamespacedPod({ name: 'forced', namespace: ns });
    return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImageNotSupported' ? p : false;
  });
  assert.match(forced.status!.containerStatuses![0].state!.waiting!.message!, /busybox/);
  const events = await api.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=forced' });
  assert.ok(events.items.some((e) => e.reason === 'ImageNotSupported' && e.type === 'Warning'));
});
