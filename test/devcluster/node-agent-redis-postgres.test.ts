import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { testNamespace } from '../support/cluster.ts';
import { alive, apply, core, podProcesses, readyPod, secret, statefulSet } from './pods.ts';

test('redis:7 pods: a key written before the pod is deleted is there after it comes back', async (t) => {
  const ns = await testNamespace(t, 'agent-redis');
  await apply(ns, [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'redis-conf' },
      data: { 'redis.conf': 'appendonly yes\nmaxmemory 32mb\n' },
    },
    ...statefulSet(
      'cache',
      1,
      {
        containers: [
          {
            name: 'redis',
            image: 'redis:7',
            command: ['redis-server', '/etc/redis/redis.conf'],
            args: ['--requirepass', 'redis-pw'],
            ports: [{ containerPort: 6379 }],
            readinessProbe: { exec: { command: ['sh', '-c', 'redis-cli -a redis-pw ping | grep PONG'] } },
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'conf', mountPath: '/etc/redis' },
            ],
          },
        ],
        volumes: [{ name: 'conf', configMap: { name: 'redis-conf' } }],
      },
      '/data',
    ),
  ]);
  const pod = await readyPod(ns, 'cache-0');
  const client = new Redis({ host: pod.status!.podIP!, port: 6379, password: 'redis-pw', lazyConnect: true });
  await client.connect();
  assert.equal(await client.config('GET', 'appendonly').then((r) => (r as string[])[1]), 'yes', 'redis.conf honoured');
  await client.set('k', 'kept');
  client.disconnect();

  const oldPids = podProcesses(pod.metadata!.uid!);
  assert.ok(oldPids.length >= 1, 'the pod runs a server process');
  await (await core()).deleteNamespacedPod({ name: 'cache-0', namespace: ns });
  const again = await readyPod(ns, 'cache-0', { notUid: pod.metadata!.uid! });
  assert.notEqual(again.status!.podIP, pod.status!.podIP);
  assert.deepEqual(alive(oldPids), [], 'the deleted pod left no process');
  const client2 = new Redis({ host: again.status!.podIP!, port: 6379, password: 'redis-pw', lazyConnect: true });
  await client2.connect();
  assert.equal(await client2.get('k'), 'kept');
  client2.disconnect();
});

test('postgres:15 pods: a row written before the pod is deleted is there after it comes back', async (t) => {
  const ns = await testNamespace(t, 'agent-postgres');
  await apply(ns, [
    secret('pg', { password: 'pg-pw' }),
    ...statefulSet(
      'pg',
      1,
      {
        containers: [
          {
            name: 'postgres',
            image: 'postgres:15',
            args: ['-c', 'max_connections=30', '-c', 'shared_buffers=16MB'],
            env: [
              { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'password' } } },
              { name: 'POSTGRES_USER', value: 'app' },
              { name: 'POSTGRES_DB', value: 'appdb' },
              { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
            ],
            ports: [{ containerPort: 5432 }],
            readinessProbe: { exec: { command: ['pg_isready', '-U', 'app'] } },
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
          },
        ],
      },
      '/var/lib/postgresql/data',
    ),
  ]);
  const pod = await readyPod(ns, 'pg-0', { timeoutMs: 120_000 });
  const connect = async (host: string) => {
    const c = new pg.Client({ host, port: 5432, user: 'app', password: 'pg-pw', database: 'appdb' });
    await c.connect();
    return c;
  };
  const c = await connect(pod.status!.podIP!);
  assert.equal((await c.query('SHOW max_connections')).rows[0].max_connections, '30', 'args honoured');
  await c.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");
  await c.end();

  const oldPids = podProcesses(pod.metadata!.uid!);
  assert.ok(oldPids.length >= 1, 'the pod runs a server process');
  await (await core()).deleteNamespacedPod({ name: 'pg-0', namespace: ns });
  const again = await readyPod(ns, 'pg-0', { notUid: pod.metadata!.uid!, timeoutMs: 120_000 });
  assert.notEqual(again.status!.podIP, pod.status!.podIP);
  assert.deepEqual(alive(oldPids), [], 'the deleted pod left no process');
  const c2 = await connect(again.status!.podIP!);
  assert.equal((await c2.query('SELECT v FROM t')).rows[0].v, 'kept');
  await c2.end();
});
