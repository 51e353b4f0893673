/**
 * MysqlReplication end to end: real MariaDB pods (run by the node agent as processes), the controller in a
 * Manager outside the cluster (address mode pod-ip), compose-operator's CR, Secrets and switchover patch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import mysql from 'mysql2/promise';
import { installCrds } from '../../src/apis/install.ts';
import type { MysqlReplication } from '../../src/apis/mysqlreplication.ts';
import { controllers } from '../../src/controllers/index.ts';
import { encryptCredential } from '../../src/credentials/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  ADMIN_PW,
  AES_KEY,
  APP,
  GROUP,
  mysqlReplicationCr,
  nodeSpec,
  patchSwitchover,
  REPL_PW,
  replicationFixture,
} from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const NODES = ['db-0', 'db-1', 'db-2'];

test('MysqlReplication on real MariaDB pods: topology, Services, 1000 rows, switchovers without loss, errant replica, semi-sync', async (t) => {
  const ns = await testNamespace(t, 'mr');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, replicationFixture(NODES));
  const pods = await Promise.all(NODES.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  const ip = (name: string) => pods[NODES.indexOf(name)].status!.podIP!;

  await startManager(
    t,
    controllers({
      addressMode: 'pod-ip',
      mysqlReplication: { resyncMs: 2000, catchUpTimeoutMs: 15_000 },
      only: ['mysqlreplication'],
    }),
    {
      namespaces: [ns],
    },
  );
  const cr = mysqlReplicationCr('mr', ns, 'db-0', ['db-1', 'db-2']);
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: ns,
    plural: 'mysqlreplications',
    body: cr,
  });
  const getCr = async () =>
    (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'mysqlreplications',
      name: 'mr',
    })) as MysqlReplication;

  const readyWith = (source: string) =>
    eventually(
      `mr ready with ${source} as source`,
      async () => {
        const o = await getCr();
        return o.status?.ready === true && o.status.topology?.[source]?.role === 'Source' && o.status;
      },
      90_000,
      250,
    );
  const status = await readyWith('db-0');
  assert.equal(status.readwriteService, 'mr-readwrite');
  assert.equal(status.readonlyService, 'mr-readonly');
  assert.equal(status.topology?.['db-1'].role, 'Replica');
  assert.equal(status.topology?.['db-1'].sourceHost, ip('db-0'));
  assert.equal(status.topology?.['db-1'].replicaIO, 'Yes');
  assert.equal(status.topology?.['db-1'].readonly, true);
  assert.equal(status.conditions?.find((c) => c.type === 'TopologyReady')?.status, 'True');

  const selected = async (service: string) => {
    const svc = await core.readNamespacedService({ name: service, namespace: ns });
    const selector = Object.entries(svc.spec!.selector!)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: selector });
    return list.items.map((p) => p.metadata!.name!).sort();
  };
  assert.deepEqual(await selected('mr-readwrite'), ['db-0']);
  assert.deepEqual(await selected('mr-readonly'), ['db-1', 'db-2']);

  // converged: further passes (every 2 s here) write nothing to Kubernetes
  const versions = async () => [
    (await getCr()).metadata.resourceVersion,
    ...(await Promise.all(
      NODES.map(async (n) => (await core.readNamespacedPod({ name: n, namespace: ns })).metadata?.resourceVersion),
    )),
    (await core.readNamespacedService({ name: 'mr-readwrite', namespace: ns })).metadata?.resourceVersion,
  ];
  // wait until nothing has moved for 3 s (the last status write of convergence may still be in flight), then
  // require 5 more quiet seconds: a controller that keeps writing never gets past the first wait
  let settled = await versions();
  await eventually(
    'the topology to settle',
    async () => {
      await sleep(3000);
      const now = await versions();
      const same = JSON.stringify(now) === JSON.stringify(settled);
      settled = now;
      return same;
    },
    45_000,
    0,
  );
  const statusBefore = JSON.stringify((await getCr()).status);
  await sleep(5000);
  assert.deepEqual(
    await versions(),
    settled,
    `a converged topology caused Kubernetes writes: ${statusBefore} → ${JSON.stringify((await getCr()).status)}`,
  );

  // 1000 rows through the source arrive on both replicas
  const app = (name: string) => mysql.createConnection({ host: ip(name), port: 3306, ...APP, connectTimeout: 3000 });
  const c0 = await app('db-0');
  await c0.query('INSERT INTO app.w (id) VALUES ?', [Array.from({ length: 1000 }, (_, i) => [i + 1])]);
  await c0.end();
  const count = async (name: string) => {
    const c = await app(name);
    try {
      const [r] = await c.query('SELECT COUNT(*) AS n FROM app.w');
      return Number((r as Array<{ n: number }>)[0].n);
    } finally {
      await c.end();
    }
  };
  for (const n of ['db-1', 'db-2']) await eventually(`1000 rows on ${n}`, async () => (await count(n)) >= 1000, 30_000);

  // switchovers by the seed's merge patch while a writer inserts through the read-write Service's pod
  const acked: number[] = [];
  let nextId = 10_000;
  let stop = false;
  const writer = (async () => {
    let conn: mysql.Connection | undefined;
    let target = '';
    while (!stop) {
      try {
        const rw = await selected('mr-readwrite');
        if (rw.length !== 1) {
          await sleep(20);
          continue;
        }
        if (!conn || target !== rw[0]) {
          await conn?.end().catch(() => {});
          target = rw[0];
          conn = await app(target);
          conn.on('error', () => {});
        }
        for (let i = 0; i < 20 && !stop; i++) {
          const id = nextId++;
          await conn.query('INSERT INTO app.w (id) VALUES (?)', [id]);
          acked.push(id);
        }
      } catch {
        conn?.destroy();
        conn = undefined;
        await sleep(10);
      }
    }
    await conn?.end().catch(() => {});
  })();
  t.after(async () => {
    stop = true;
    await writer;
  });
  const durations: number[] = [];
  let source = 'db-0';
  for (let i = 0; i < 5; i++) {
    const next = source === 'db-0' ? 'db-1' : 'db-0';
    const others = NODES.filter((n) => n !== next);
    const before = acked.length;
    await eventually('writes before the switchover', async () => acked.length > before + 20, 30_000);
    const started = Date.now();
    await patchSwitchover(custom, ns, 'mr', next, others);
    await readyWith(next);
    durations.push(Date.now() - started);
    source = next;
    assert.deepEqual(await selected('mr-readwrite'), [next]);
  }
  const ackedAtEnd = acked.length;
  await eventually('writes after the last switchover', async () => acked.length > ackedAtEnd + 20, 30_000);
  stop = true;
  await writer;
  const c = await app(source);
  const [rows] = await c.query('SELECT id FROM app.w WHERE id >= 10000');
  await c.end();
  const present = new Set((rows as Array<{ id: number }>).map((r) => r.id));
  const lost = acked.filter((id) => !present.has(id));
  t.diagnostic(
    `switchovers ${durations.length}, patch→ready ms ${durations.join(', ')}, acked ${acked.length}, lost ${lost.length}`,
  );
  assert.equal(lost.length, 0, `lost ${lost.length} acknowledged rows`);
  const final = await getCr();
  const old = source === 'db-1' ? 'db-0' : 'db-1';
  assert.equal(final.status?.topology?.[old].role, 'Replica');
  assert.equal(final.status?.topology?.[old].readonly, true);
  assert.equal(final.status?.topology?.[old].sourceHost, ip(source));
  // the promoted source keeps no key of its replica days (status maps lose keys no longer reported)
  const promoted = final.status?.topology?.[source] as Record<string, unknown> | undefined;
  assert.equal(promoted?.role, 'Source');
  for (const key of ['sourceHost', 'sourcePort', 'replicaIO', 'replicaSQL']) {
    assert.equal(
      promoted?.[key],
      undefined,
      `stale topology key ${key} on the promoted source: ${JSON.stringify(promoted)}`,
    );
  }

  // an errant transaction on a replica: reported, and the replica leaves the read-only Service
  const root = await mysql.createConnection({ host: ip('db-2'), port: 3306, user: 'mysql', password: ADMIN_PW });
  await root.query('INSERT INTO app.w (id) VALUES (999999)');
  await root.end();
  await eventually(
    'errant transaction reported',
    async () => {
      const o = await getCr();
      const cond = o.status?.conditions?.find((x) => x.type === 'TopologyReady');
      return (
        o.status?.topology?.['db-2'].errantTransactions &&
        cond?.status === 'False' &&
        cond.reason === 'ErrantTransactions'
      );
    },
    30_000,
  );
  assert.deepEqual(await selected('mr-readonly'), [old]);

  // semi-sync mode sets the semi-sync variables on the source and the (healthy) replica
  await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'mysqlreplications',
      name: 'mr',
      body: { spec: { mode: 'rpl_semi_sync' } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const variable = async (node: string, name: string) => {
    const conn = await mysql.createConnection({ host: ip(node), port: 3306, user: 'mysql', password: ADMIN_PW });
    try {
      const [r] = await conn.query('SHOW GLOBAL VARIABLES LIKE ?', [name]);
      return (r as Array<{ Value: string }>)[0]?.Value;
    } finally {
      await conn.end();
    }
  };
  await eventually(
    'semi-sync on the source',
    async () => (await variable(source, 'rpl_semi_sync_master_enabled')) === 'ON',
    30_000,
  );
  await eventually(
    'semi-sync on the replica',
    async () => (await variable(old, 'rpl_semi_sync_slave_enabled')) === 'ON',
    30_000,
  );
  assert.equal(await variable(source, 'rpl_semi_sync_master_wait_point'), 'AFTER_SYNC');

  const events = await core.listNamespacedEvent({ namespace: ns });
  assert.ok(events.items.some((e) => e.reason === 'SwitchoverCompleted'));
  // no password anywhere in status or events
  const everything = JSON.stringify([await getCr(), events.items]);
  for (const pw of [ADMIN_PW, REPL_PW]) assert.ok(!everything.includes(pw), 'a password leaked');
});

test('credential and reachability problems become False conditions naming the cause; other CRs keep working', async (t) => {
  const ns = await testNamespace(t, 'mr-bad');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aes-secret-key' }, stringData: { AES_SECRET_KEY: AES_KEY } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-key' },
      data: {
        mysql: encryptCredential(ADMIN_PW, 'x'.repeat(32)).toString('base64'),
        replication: encryptCredential(REPL_PW, 'x'.repeat(32)).toString('base64'),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'good' },
      data: {
        mysql: encryptCredential(ADMIN_PW, AES_KEY).toString('base64'),
        replication: encryptCredential(REPL_PW, AES_KEY).toString('base64'),
      },
    },
  ]);
  await startManager(
    t,
    controllers({
      addressMode: 'pod-ip',
      mysqlReplication: { resyncMs: 2000, connectTimeoutMs: 1000 },
      only: ['mysqlreplication'],
    }),
    {
      namespaces: [ns],
    },
  );
  const create = (name: string, secretName: string) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'mysqlreplications',
      body: {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'MysqlReplication',
        metadata: { name, namespace: ns },
        spec: {
          secret: { name: secretName, mysql: 'mysql', replication: 'replication' },
          source: nodeSpec(`${name}-0`, ns),
          replica: [nodeSpec(`${name}-1`, ns)],
          service: { type: 'ClusterIP' },
        },
      },
    });
  await create('missing', 'no-such-secret');
  await create('wrongkey', 'wrong-key');
  await create('nopods', 'good');
  const condition = (name: string) =>
    eventually(
      `TopologyReady False on ${name}`,
      async () => {
        const o = (await custom.getNamespacedCustomObject({
          group: GROUP,
          version: 'v1alpha1',
          namespace: ns,
          plural: 'mysqlreplications',
          name,
        })) as MysqlReplication;
        const c = o.status?.conditions?.find((x) => x.type === 'TopologyReady');
        return c?.status === 'False' && o.status?.ready === false && c;
      },
      30_000,
    );
  const missing = await condition('missing');
  assert.equal(missing.reason, 'CredentialsUnavailable');
  assert.match(missing.message, /Secret no-such-secret not found/);
  const wrong = await condition('wrongkey');
  assert.equal(wrong.reason, 'WrongAesKey');
  assert.match(wrong.message, /wrong AES key\?/);
  const nopods = await condition('nopods');
  assert.match(nopods.message, /pod nopods-0 has no IP/);
  const all = JSON.stringify(
    await custom.listNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'mysqlreplications',
    }),
  );
  for (const pw of [ADMIN_PW, REPL_PW]) assert.ok(!all.includes(pw), 'a password leaked into status');
});
