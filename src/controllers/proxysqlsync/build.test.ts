import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import type { ProxysqlSync } from '../../apis/proxysqlsync.ts';
import { NAME_LABEL, READONLY_LABEL } from '../mysqlreplication/build.ts';
import { adminAddresses, routingOf, syncConditions, topologyStatus } from './build.ts';

const ps = {
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'ProxysqlSync',
  metadata: { name: 'ps', namespace: 'ns', generation: 1 },
  spec: {
    secret: { name: 's' },
    proxysql: [{ name: 'proxysql-0', host: 'proxysql-0.ns.svc', port: 6032 }],
    mysqlReplication: 'mr',
  },
} as unknown as ProxysqlSync;

const mr = (ready: boolean) =>
  ({
    metadata: { name: 'mr', namespace: 'ns', generation: 2 },
    spec: {
      source: { name: 'db-0', host: 'db-0.ns.svc', port: 3306 },
      replica: [
        { name: 'db-1', host: 'db-1.ns.svc', port: 3306 },
        { name: 'db-2', host: 'db-2.ns.svc', port: 3306 },
      ],
    },
    status: { ready, observedGeneration: 2 },
  }) as unknown as MysqlReplication;

const pod = (name: string, readonly?: string) => ({
  metadata: { name, labels: { [NAME_LABEL]: 'mr', ...(readonly ? { [READONLY_LABEL]: readonly } : {}) } },
  status: { podIP: `10.0.0.${name.slice(-1)}` },
});

test('routing follows the role labels: the read-write pod is the source, unlabelled (lagging, errant) replicas are left out', () => {
  // after a switchover to db-1: db-1 carries read-write, db-0 read-only, db-2 (lagging) neither
  const r = routingOf(ps, mr(true), [pod('db-0', 'true'), pod('db-1', 'false'), pod('db-2')], 'pod-ip');
  assert.ok(r.ready);
  assert.deepEqual(r.source, { name: 'db-1', address: { host: '10.0.0.1', port: 3306 } });
  assert.deepEqual(r.readers, [{ name: 'db-0', address: { host: '10.0.0.0', port: 3306 } }]);
  const host = routingOf(ps, mr(true), [pod('db-0', 'false')], 'host');
  assert.ok(host.ready && host.source.address.host === 'db-0.ns.svc');
});

test('routing needs the MysqlReplication, ready for its generation, with exactly one read-write pod', () => {
  assert.deepEqual(routingOf(ps, undefined, [], 'pod-ip'), {
    ready: false,
    reason: 'MysqlReplicationNotFound',
    message: 'MysqlReplication mr not found in namespace ns',
  });
  assert.equal(routingOf(ps, mr(false), [], 'pod-ip').ready, false);
  const stale = mr(true);
  stale.metadata.generation = 3;
  assert.match((routingOf(ps, stale, [pod('db-0', 'false')], 'pod-ip') as { message: string }).message, /not ready/);
  assert.match(
    (routingOf(ps, mr(true), [pod('db-0', 'false'), pod('db-1', 'false')], 'pod-ip') as { message: string }).message,
    /2 pods labelled read-write/,
  );
});

test('ProxySQL admin addresses: the pod IP when such a pod exists, else the host as written', () => {
  assert.deepEqual(
    adminAddresses(ps, 'pod-ip', () => '10.1.1.1'),
    { 'proxysql-0': { host: '10.1.1.1', port: 6032 } },
  );
  assert.deepEqual(
    adminAddresses(ps, 'pod-ip', () => undefined),
    {
      'proxysql-0': { host: 'proxysql-0.ns.svc', port: 6032 },
    },
  );
});

test('conditions: an unreachable ProxySQL fails both with its host named; unreadable accounts fail UserReady only', () => {
  const down = {
    reached: false,
    serversSynced: false,
    usersSynced: false,
    users: [],
    statements: 0,
    code: 'ERR_PROXYSQL_CONNECT_FAILED',
    problem: 'ProxySQL proxysql-0 (proxysql-0.ns.svc:6032): connect ECONNREFUSED',
  };
  const [server, user] = syncConditions({ outcomes: { 'proxysql-0': down }, accountCount: 2, source: 'db-1' }, 4);
  assert.equal(server.status, 'False');
  assert.equal(server.reason, 'ProxysqlUnreachable');
  assert.match(server.message, /proxysql-0\.ns\.svc:6032/);
  assert.equal(server.observedGeneration, 4);
  assert.equal(user.reason, 'ProxysqlUnreachable');
  assert.match(user.message, /^2 account\(s\) read from source db-1; /);
  const up = { reached: true, serversSynced: true, usersSynced: false, users: [], statements: 0 };
  const [s2, u2] = syncConditions(
    { outcomes: { 'proxysql-0': up }, accounts: { reason: 'SourceAccessDenied', message: 'denied' } },
    4,
  );
  assert.equal(s2.status, 'True');
  assert.deepEqual([u2.status, u2.reason], ['False', 'SourceAccessDenied']);
  const [s3, u3] = syncConditions({ outcomes: { 'proxysql-0': { ...up, usersSynced: true } }, accountCount: 1 }, 4);
  assert.deepEqual([s3.reason, u3.reason], ['SyncServerSucceed', 'SyncUserSucceed']);
});

test('status per ProxySQL: synced and users; a node not contacted this pass has no Healthy/Failed verdict', () => {
  const base = { serversSynced: false, usersSynced: false, users: [], statements: 0 };
  assert.deepEqual(
    topologyStatus({
      a: { ...base, reached: true, serversSynced: true, usersSynced: true, users: ['app'] },
      b: { ...base, reached: false },
      c: { ...base, reached: false, untouched: true },
    }),
    {
      a: { synced: true, users: ['app'], status: 'Healthy' },
      b: { synced: false, users: [], status: 'Failed' },
      c: { synced: false, users: [] },
    },
  );
});
