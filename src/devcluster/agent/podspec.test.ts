import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expandVars,
  hostPathOf,
  mapArgPaths,
  OFFICIAL_IMAGE_RE,
  officialImage,
  planContainer,
  podDnsNames,
  podLoopback,
  renderHosts,
  restartBackoffMs,
  selectorMatches,
} from './podspec.ts';

test('officialImage recognises the official images only, and agrees with the policy regex', () => {
  const cases: [string, string | undefined][] = [
    ['mariadb:10.11', 'mariadb'],
    ['docker.io/library/redis:7', 'redis'],
    ['postgres', 'postgres'],
    ['postgres:15-alpine', 'postgres'],
    ['mariadb@sha256:abcdef', 'mariadb'],
    ['bitnami/mariadb:11', undefined],
    ['quay.io/mariadb:10', undefined],
    ['nginx:alpine', undefined],
    ['mysql:8.0', 'mariadb'],
    ['docker.io/library/mysql:8.4', 'mariadb'],
    ['bitnami/mysql:8.0', undefined],
  ];
  const re = new RegExp(OFFICIAL_IMAGE_RE);
  for (const [image, want] of cases) {
    assert.equal(officialImage(image), want, image);
    assert.equal(re.test(image), want !== undefined, `policy regex on ${image}`);
  }
});

test('planContainer follows the images entrypoint: options or the server name start the server', () => {
  assert.deepEqual(planContainer({ image: 'mariadb:10.11' }), { kind: 'server', server: 'mariadb', args: [] });
  assert.deepEqual(planContainer({ image: 'mariadb:10.11', args: ['--server-id=2'] }), {
    kind: 'server',
    server: 'mariadb',
    args: ['--server-id=2'],
  });
  assert.deepEqual(planContainer({ image: 'redis:7', command: ['redis-server', '/etc/redis/redis.conf'] }), {
    kind: 'server',
    server: 'redis',
    args: ['/etc/redis/redis.conf'],
  });
  assert.deepEqual(planContainer({ image: 'postgres:15', args: ['postgres', '-c', 'a=b'] }), {
    kind: 'server',
    server: 'postgres',
    args: ['-c', 'a=b'],
  });
  assert.deepEqual(planContainer({ image: 'mariadb:10.11', command: ['sh', '-c', 'mariadb-dump x'] }), {
    kind: 'command',
    argv: ['sh', '-c', 'mariadb-dump x'],
  });
  assert.equal(planContainer({ image: 'busybox' }).kind, 'unsupported');
});

test('expandVars: known names, $$ escapes, unknown references kept', () => {
  assert.equal(expandVars('$(A)-$(B)-$$(A)', { A: 'x' }), 'x-$(B)-$(A)');
});

test('container paths map through the deepest mount', () => {
  const mounts = [
    { containerPath: '/var/lib/mysql', hostPath: '/h/data', readOnly: false },
    { containerPath: '/var/lib/mysql/conf/', hostPath: '/h/conf', readOnly: true },
  ];
  assert.equal(hostPathOf('/var/lib/mysql', mounts), '/h/data');
  assert.equal(hostPathOf('/var/lib/mysql/conf/x.cnf', mounts), '/h/conf/x.cnf');
  assert.equal(hostPathOf('/var/lib/mysqlx', mounts), undefined);
  assert.deepEqual(
    mapArgPaths(['--log-bin=/var/lib/mysql/bin', 'config_file=/var/lib/mysql/p.conf', '/etc/x', '--a=b'], mounts),
    ['--log-bin=/h/data/bin', 'config_file=/h/data/p.conf', '/etc/x', '--a=b'],
  );
});

test('podLoopback: 127.0.0.1 in a command means the pod', () => {
  assert.equal(podLoopback('mysqladmin -h127.0.0.1 ping', '127.5.1.2'), 'mysqladmin -h127.5.1.2 ping');
  assert.equal(podLoopback('--host=127.0.0.1', '127.5.1.2'), '--host=127.5.1.2');
  assert.equal(podLoopback('127.0.0.10 and 1127.0.0.1', '127.5.1.2'), '127.0.0.10 and 1127.0.0.1');
});

test('DNS names and the hosts file', () => {
  const pod = {
    metadata: { name: 'db-0', namespace: 'ns' },
    spec: { hostname: 'db-0', subdomain: 'db', containers: [] },
  };
  assert.deepEqual(podDnsNames(pod), [
    'db-0.db.ns.svc.cluster.local',
    'db-0.db.ns.svc',
    'db-0.db.ns',
    'db-0.db',
    'db-0',
  ]);
  const hosts = renderHosts([
    { ip: '127.1.0.2', names: ['a', 'b'] },
    { ip: '127.1.0.3', names: ['b', 'c'] },
  ]);
  assert.match(hosts, /^127\.1\.0\.2\ta b$/m);
  assert.match(hosts, /^127\.1\.0\.3\tc$/m, 'a name resolves to its first address only');
});

test('restart backoff doubles from 1 s up to 60 s; selectors need every label', () => {
  assert.deepEqual([1, 2, 3, 10].map(restartBackoffMs), [1000, 2000, 4000, 60_000]);
  assert.equal(selectorMatches({ app: 'a' }, { app: 'a', x: 'y' }), true);
  assert.equal(selectorMatches({ app: 'a', r: '1' }, { app: 'a' }), false);
  assert.equal(selectorMatches({}, { app: 'a' }), false);
});
