import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseEndpoints, nextSteps, summaryTable } from './summary.ts';

test('the summary table aligns kind, name, state and time to converge', () => {
  assert.deepEqual(
    summaryTable([
      { kind: 'MusicService', name: 'default/miku-stream', state: 'Available', converged: true, seconds: 12.94 },
      {
        kind: 'MySQL',
        name: 'default/my-mysql-instance',
        state: 'no controller yet',
        converged: false,
        noController: true,
      },
      { kind: 'ShazamqCluster', name: 'messaging/a', state: 'Creating — Ready False', converged: false },
    ]),
    [
      '  KIND            NAME                       STATE                   CONVERGED',
      '  MusicService    default/miku-stream        Available               12.9 s',
      '  MySQL           default/my-mysql-instance  no controller yet       -',
      '  ShazamqCluster  messaging/a                Creating — Ready False  not yet',
    ],
  );
});

test('databases are reached by pod IP, with a command that prints the password (never the password)', () => {
  const samples = [
    {
      kind: 'MysqlReplication',
      metadata: { name: 'r', namespace: 'default' },
      spec: { source: { name: 'n0' }, replica: [{ name: 'n1' }] },
    },
    { kind: 'MusicService', metadata: { name: 'm', namespace: 'default' }, spec: {} },
    { kind: 'MySQL', metadata: { name: 'i', namespace: 'default' }, spec: { databaseUser: 'myuser' } },
  ];
  const pod = (name: string, ip: string, labels?: Record<string, string>) => ({
    metadata: { name, namespace: 'default', labels },
    status: { podIP: ip },
  });
  const endpoints = databaseEndpoints(samples, [
    pod('n1', '127.0.1.2'),
    pod('n0', '127.0.1.1'),
    pod('m-db-replica-0', '127.0.1.4'),
    pod('m-db-master-0', '127.0.1.3'),
    pod('m-0', '10.244.0.5'),
    pod('mysql-i-5f49db45f-x', '127.0.1.5', { app: 'mysql', 'mysql-instance': 'i' }),
  ]);
  assert.deepEqual(
    endpoints.map((e) => [e.owner, e.role, e.pod, e.host, e.port]),
    [
      ['MysqlReplication default/r', 'source', 'n0', '127.0.1.1', 3306],
      ['MysqlReplication default/r', 'replica', 'n1', '127.0.1.2', 3306],
      ['MusicService default/m', 'primary', 'm-db-master-0', '127.0.1.3', 3306],
      ['MusicService default/m', 'replica', 'm-db-replica-0', '127.0.1.4', 3306],
      ['MySQL default/i', 'server', 'mysql-i-5f49db45f-x', '127.0.1.5', 3306],
    ],
  );
  assert.equal(endpoints[4].user, 'myuser');
  assert.equal(
    endpoints[4].passwordCommand,
    "kubectl -n default get secret mysql-secret-i -o jsonpath='{.data.password}' | base64 -d",
  );
  assert.equal(
    endpoints[2].passwordCommand,
    "kubectl -n default get secret m-db-root -o jsonpath='{.data.password}' | base64 -d",
  );

  const lines = nextSteps({
    dir: '/d',
    kubeconfig: '/d/kubeconfig',
    kubectl: '/cache/bin/kubectl',
    resources: ['musicservice', 'mysqlreplication'],
    switchover: { name: 'r', namespace: 'default', patchFile: '/repo/samples/patch.yaml' },
    databases: endpoints,
    simulated: ['the brokers'],
    operatorLog: '/d/logs/operator.log',
    keepsRunning: true,
  }).join('\n');
  assert.match(lines, /export KUBECONFIG=\/d\/kubeconfig PATH=\/cache\/bin:\$PATH/);
  assert.match(lines, /status: +kubectl get musicservice,mysqlreplication -A/);
  assert.match(
    lines,
    /switchover: +kubectl -n default patch mysqlreplication r --type merge --patch-file \/repo\/samples\/patch\.yaml/,
  );
  assert.match(lines, /source n0 +mariadb -h 127\.0\.1\.1 -P 3306 -u root -p$/m);
  assert.match(lines, /npx statecraft cluster down --dir \/d/);
  assert.match(lines, /Ctrl-C stops it/);
  assert.doesNotMatch(lines, /web view/, 'no web view until it exists');
});
