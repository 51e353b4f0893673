/**
 * ProxysqlSync on the local cluster, honest about what can run here: no ProxySQL can run on this machine, so the
 * seed's samples (the semi-sync MysqlReplication and the ProxysqlSync that names it) are applied verbatim over
 * three real MariaDB pods, and what is asserted is the path up to the ProxySQL connection — the MysqlReplication
 * requirement, the Secrets, the accounts read from the real source (and the recovery of that read), and the False
 * conditions naming the unreachable ProxySQL admin host. The statements sent to ProxySQL are unit-tested only
 * (src/engines/proxysql/planSync.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { parse } from 'yaml';
import { installCrds } from '../../src/apis/install.ts';
import type { MysqlReplication } from '../../src/apis/mysqlreplication.ts';
import type { ProxysqlSync } from '../../src/apis/proxysqlsync.ts';
import { controllers } from '../../src/controllers/index.ts';
import { encryptCredential } from '../../src/credentials/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { ADMIN_PW, AES_KEY, APP, GROUP, REPL_PW, replicationFixture } from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'samples');
const NODES = ['mysql-semi-sync-node-0', 'mysql-semi-sync-node-1', 'mysql-semi-sync-node-2'];
const PS = 'proxysql-sync-sample';
const MR = 'mysql-replication-semi-sync-sample';
const PROXYSQL_ADMIN_PW = 'Pr0xy-admin-pw';
const WRONG_PW = 'not-the-mysql-pw';
const nativeHash = (pw: string) =>
  `*${createHash('sha1').update(createHash('sha1').update(pw).digest()).digest('hex').toUpperCase()}`;

test('ProxysqlSync samples on real MariaDB pods: unreachable ProxySQL named, accounts read from the source and recovered, no secret anywhere', async (t) => {
  const ns = await testNamespace(t, 'ps');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  const enc = (pw: string) => encryptCredential(pw, AES_KEY).toString('base64');
  const proxysqlCredentials = (mysqlPw: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'proxysql-credentials', namespace: ns },
    data: { proxysql: enc(PROXYSQL_ADMIN_PW), mysql: enc(mysqlPw) },
  });
  // the MySQL login in the ProxySQL Secret is wrong at first: the accounts cannot be read
  await apply(ns, [...replicationFixture(NODES), proxysqlCredentials(WRONG_PW)]);
  const pods = await Promise.all(NODES.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  const ip = (name: string) => pods[NODES.indexOf(name)].status!.podIP!;

  const logs: string[] = [];
  await startManager(
    t,
    controllers({
      addressMode: 'pod-ip',
      mysqlReplication: { resyncMs: 2000 },
      proxysqlSync: { resyncMs: 2000, retryBaseMs: 200, connectTimeoutMs: 2000 },
      only: ['mysqlreplication', 'proxysqlsync'],
    }),
    {
      namespaces: [ns],
      logger: pino(
        { level: 'debug' },
        new Writable({
          write(chunk, _enc, done) {
            logs.push(String(chunk));
            done();
          },
        }),
      ),
    },
  );
  for (const file of ['compose-mysqlreplication-semi-sync.yaml', 'compose-proxysqlsync.yaml']) {
    await cluster.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], await readFile(join(SAMPLES, file), 'utf8'));
  }
  const get = async <T>(plural: string, name: string) =>
    (await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: ns, plural, name })) as T;
  const getPs = () => get<ProxysqlSync>('proxysqlsyncs', PS);
  const cond = (o: ProxysqlSync, type: string) => o.status?.conditions?.find((c) => c.type === type);

  await eventually(
    'the MysqlReplication sample ready',
    async () => (await get<MysqlReplication>('mysqlreplications', MR)).status?.ready === true,
    90_000,
    250,
  );
  let last = '';
  const denied = await eventually(
    'accounts refused by the source; ProxySQL unreachable by host',
    async () => {
      const o = await getPs();
      last = JSON.stringify(o.status);
      return cond(o, 'UserReady')?.reason === 'SourceAccessDenied' && cond(o, 'ServerReady')?.status === 'False' && o;
    },
    30_000,
    200,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${last}`);
  });
  const server = cond(denied, 'ServerReady')!;
  assert.deepEqual([server.status, server.reason], ['False', 'ProxysqlUnreachable']);
  assert.match(server.message, /^ProxySQL proxysql-node-0 \(proxysql-node-0\.default\.svc\.cluster\.local:6032\): /);
  const user = cond(denied, 'UserReady')!;
  assert.equal(user.status, 'False');
  assert.match(
    user.message,
    new RegExp(`source ${NODES[0]}: ${ip(NODES[0]).replace(/\./g, '\\.')}:3306: .*Access denied`),
  );
  assert.equal(denied.status?.ready, false);
  assert.equal(denied.status?.observedGeneration, denied.metadata.generation);
  assert.deepEqual(denied.status?.topology, { 'proxysql-node-0': { synced: false, users: [], status: 'Failed' } });

  // the right MySQL password: the Secret's change alone brings the next pass, which reads the accounts
  const expected = await (async () => {
    const c = await mysql.createConnection({ host: ip(NODES[0]), port: 3306, user: 'mysql', password: ADMIN_PW });
    try {
      const [rows] = await c.query(
        "SELECT User AS u FROM mysql.user WHERE Host = '%' AND User <> 'root' AND authentication_string <> ''",
      );
      return (rows as { u: string }[]).length;
    } finally {
      await c.end();
    }
  })();
  assert.ok(expected >= 3, `mysql, replication and app at least (${expected})`);
  const fixedAt = Date.now();
  await apply(ns, [proxysqlCredentials(ADMIN_PW)]);
  const recovered = await eventually(
    'the accounts read once the login is right',
    async () => {
      const o = await getPs();
      return cond(o, 'UserReady')?.reason === 'ProxysqlUnreachable' && o;
    },
    15_000,
    100,
  );
  console.log(`# accounts read recovered ${Date.now() - fixedAt} ms after the Secret was fixed`);
  const userNow = cond(recovered, 'UserReady')!;
  assert.match(
    userNow.message,
    new RegExp(`^${expected} account\\(s\\) read from source ${NODES[0]}; ProxySQL proxysql-node-0 `),
  );
  assert.equal(cond(recovered, 'ServerReady')?.reason, 'ProxysqlUnreachable');

  // the seed's switchover of the MysqlReplication: the next pass reads from (and would route writes to) the new
  // source — ProxySQL's side of it is the unit-tested plan (a switchover moves the servers only)
  const patch = parse(await readFile(join(SAMPLES, 'compose-mysqlreplication-switchover-patch.yaml'), 'utf8'));
  const switchedAt = Date.now();
  await custom.patchNamespacedCustomObject(
    { group: GROUP, version: 'v1alpha1', namespace: ns, plural: 'mysqlreplications', name: MR, body: patch },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const newSource = (patch as { spec: { source: { name: string } } }).spec.source.name;
  await eventually(
    `ProxysqlSync follows the switchover to ${newSource}`,
    async () => new RegExp(`read from source ${newSource};`).test(cond(await getPs(), 'UserReady')?.message ?? ''),
    60_000,
    100,
  );
  const mrNow = await get<MysqlReplication>('mysqlreplications', MR);
  assert.equal(mrNow.status?.topology?.[newSource]?.role, 'Source');
  console.log(`# switchover to ${newSource} reflected in ProxysqlSync ${Date.now() - switchedAt} ms after the patch`);

  // still unreachable: retried, with backoff capped at the resync interval, and no write to the CR when nothing
  // changed (the condition keeps its transition time)
  const before = cond(await getPs(), 'ServerReady')!.lastTransitionTime;
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(cond(await getPs(), 'ServerReady')!.lastTransitionTime, before);

  // events say why; no password, hash or key in status, events or the operator's log
  const events = (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject?.name === PS);
  assert.ok(
    events.some(
      (e) => e.reason === 'ErrSynced' && /proxysql-node-0\.default\.svc\.cluster\.local:6032/.test(e.message ?? ''),
    ),
    JSON.stringify(events.map((e) => [e.reason, e.message])),
  );
  const everything = JSON.stringify([denied, await getPs(), events, logs]);
  for (const secret of [ADMIN_PW, REPL_PW, APP.password, PROXYSQL_ADMIN_PW, WRONG_PW, AES_KEY]) {
    assert.ok(!everything.includes(secret), 'a password leaked');
  }
  for (const pw of [ADMIN_PW, REPL_PW, APP.password]) {
    assert.ok(!everything.includes(nativeHash(pw)), 'an authentication string leaked');
  }
});
