/**
 * MysqlGroupReplication on the local cluster, honest about what can run here: the seed's sample applied verbatim
 * over three real MariaDB pods (no MySQL server can run on this machine, and MariaDB has no Group Replication), so
 * what is asserted is the controller path up to the members — Secrets, connections, the refusal naming every
 * MariaDB member, Services, labels, statuses — plus an unreachable member named by host and its recovery. The
 * Group Replication statements themselves are unit-tested only (src/engines/mysql/planGroupReplication.test.ts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { installCrds } from '../../src/apis/install.ts';
import type { MysqlGroupReplication } from '../../src/apis/mysqlgroupreplication.ts';
import { controllers } from '../../src/controllers/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { ADMIN_PW, AES_KEY, GROUP, REPL_PW, replicationFixture } from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'samples', 'compose-mysqlgroupreplication.yaml');
const NAME = 'mysql-group-replication-sample';
const MEMBERS = ['mysql-gr-node-0', 'mysql-gr-node-1', 'mysql-gr-node-2'];

test('MysqlGroupReplication sample on real MariaDB pods: refused by name, Services and labels in place, no secret anywhere', async (t) => {
  const ns = await testNamespace(t, 'mgr');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, replicationFixture(MEMBERS));
  const pods = await Promise.all(MEMBERS.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  const ip = (name: string) => pods[MEMBERS.indexOf(name)].status!.podIP!;

  const logs: string[] = [];
  await startManager(
    t,
    controllers({
      addressMode: 'pod-ip',
      mysqlGroupReplication: { resyncMs: 2000, retryBaseMs: 200 },
      only: ['mysqlgroupreplication'],
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
  // the seed's sample, verbatim (into this test's namespace)
  await cluster.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], await readFile(SAMPLE, 'utf8'));
  const where = { group: GROUP, version: 'v1alpha1', namespace: ns, plural: 'mysqlgroupreplications' };
  const get = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...where, name })) as MysqlGroupReplication;
  const cond = (o: MysqlGroupReplication, type: string) => o.status?.conditions?.find((c) => c.type === type);

  const refused = await eventually(
    'the sample refused: MariaDB has no Group Replication',
    async () => {
      const o = await get(NAME);
      const c = cond(o, 'TopologyReady');
      return c?.status === 'False' && c.reason === 'UnsupportedServer' && o;
    },
    60_000,
    250,
  );
  const topology = cond(refused, 'TopologyReady')!;
  for (const m of MEMBERS) assert.match(topology.message, new RegExp(`${m} \\(10\\.11\\.[\\d.]+-MariaDB`), m);
  assert.match(topology.message, /MariaDB has no Group Replication; MysqlGroupReplication needs MySQL 8\.0\+/);
  assert.equal(refused.status?.ready, false);
  assert.equal(refused.status?.observedGeneration, refused.metadata.generation);
  assert.equal(cond(refused, 'MemberCount')?.status, 'True');
  for (const m of MEMBERS) {
    const node: Record<string, unknown> | undefined = refused.status?.topology?.[m];
    assert.deepEqual(
      { host: node?.host, port: node?.port, role: node?.role, status: node?.status, state: node?.memberState },
      { host: ip(m), port: 3306, role: 'None', status: 'Healthy', state: 'OFFLINE' },
      m,
    );
  }
  // the Services exist (owned by the CR) and route nowhere: no member is an ONLINE primary or secondary
  const rw = await core.readNamespacedService({ name: `${NAME}-readwrite`, namespace: ns });
  assert.equal(rw.metadata?.ownerReferences?.[0]?.name, NAME);
  assert.deepEqual(rw.spec?.selector, {
    'compose-operator/mysql-group-replication.readonly': 'false',
    'compose-operator/mysql-group-replication.name': NAME,
  });
  await core.readNamespacedService({ name: `${NAME}-readonly`, namespace: ns });
  await eventually('members labelled with the CR name only', async () => {
    const list = await core.listNamespacedPod({ namespace: ns });
    return list.items
      .filter((p) => MEMBERS.includes(p.metadata!.name!))
      .every(
        (p) =>
          p.metadata?.labels?.['compose-operator/mysql-group-replication.name'] === NAME &&
          p.metadata.labels['compose-operator/mysql-group-replication.readonly'] === undefined,
      );
  });
  const events = async () => (await core.listNamespacedEvent({ namespace: ns })).items;
  await eventually('a Warning event says why', async () =>
    (await events()).some(
      (e) => e.reason === 'UnsupportedServer' && /MariaDB has no Group Replication/.test(e.message ?? ''),
    ),
  );
  // nothing was attempted on the members: no group_replication variable was ever set (MariaDB would refuse it)
  assert.ok(!logs.some((l) => /applying group replication steps/.test(l)), 'no Group Replication step ran');

  // the next CR names one of these pods: the sample lets go of it first (one CR labels a pod)
  await custom.deleteNamespacedCustomObject({ ...where, name: NAME });

  // one member: accepted by the API (as upstream), with the MemberCount warning; two: rejected, field named
  const one = {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'MysqlGroupReplication',
    metadata: { name: 'solo', namespace: ns },
    spec: {
      secret: { name: 'mysql-credentials', mysql: 'mysql', replication: 'replication' },
      // a port nothing listens on: the member is unreachable, named by host and port
      member: [{ name: MEMBERS[0], host: `${MEMBERS[0]}.${ns}.svc.cluster.local`, port: 3307 }],
    },
  };
  await custom.createNamespacedCustomObject({ ...where, body: one });
  const two = structuredClone(one) as typeof one;
  two.metadata.name = 'pair';
  two.spec.member.push({ name: MEMBERS[1], host: 'h', port: 3306 });
  await assert.rejects(custom.createNamespacedCustomObject({ ...where, body: two }), (err: { body?: string }) =>
    /spec\.member.*odd number of members/.test(String(err.body)),
  );
  let last = '';
  const unreachable = await eventually(
    'solo: unreachable member named by host',
    async () => {
      const o = await get('solo');
      const c = cond(o, 'TopologyReady');
      last = JSON.stringify(c);
      return c?.status === 'False' && c.reason === 'NodeUnreachable' && o;
    },
    30_000,
    250,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${last}`);
  });
  assert.match(cond(unreachable, 'TopologyReady')!.message, new RegExp(`${ip(MEMBERS[0]).replace(/\./g, '\\.')}:3307`));
  assert.deepEqual(
    [cond(unreachable, 'MemberCount')?.status, cond(unreachable, 'MemberCount')?.reason],
    ['False', 'TooFewMembers'],
  );
  assert.equal(unreachable.status?.topology?.[MEMBERS[0]]?.status, 'Failed');
  // reachable again (the right port): the next pass reaches it — and refuses it for what it is
  const fixedAt = Date.now();
  await custom.patchNamespacedCustomObject(
    {
      ...where,
      name: 'solo',
      body: [{ op: 'replace', path: '/spec/member/0/port', value: 3306 }],
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
  );
  await eventually(
    'solo: reached once reachable',
    async () => cond(await get('solo'), 'TopologyReady')?.reason === 'UnsupportedServer',
    15_000,
    100,
  );
  const recoveryMs = Date.now() - fixedAt;
  console.log(`# unreachable member → reached (refused as MariaDB) in ${recoveryMs} ms`);

  // no password in status, events or the operator's log
  const everything = JSON.stringify([refused, await get('solo'), await events(), logs]);
  for (const secret of [ADMIN_PW, REPL_PW, AES_KEY]) assert.ok(!everything.includes(secret), 'a secret leaked');
});
