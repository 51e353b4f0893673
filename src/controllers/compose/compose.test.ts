import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveAddressMode } from '../address-mode.ts';
import { buildRoleServices, nodeAddresses, roleLabels, skipReconcile } from './index.ts';

test('skip annotation: both spellings, any value but "false"', () => {
  assert.equal(skipReconcile(undefined), false);
  assert.equal(skipReconcile({ 'compose-operator/skip.reconcile': 'true' }), true);
  assert.equal(skipReconcile({ 'compose-operator.skip.reconcile': 'yes' }), true);
  assert.equal(skipReconcile({ 'compose-operator/skip.reconcile': 'false' }), false);
  assert.equal(skipReconcile({ 'compose-operator/skip.reconcile': '' }), true);
});

test('address mode: auto picks host in a pod and pod-ip outside; pod-ip needs the pod IP', () => {
  assert.equal(resolveAddressMode(undefined, true), 'host');
  assert.equal(resolveAddressMode(undefined, false), 'pod-ip');
  assert.equal(resolveAddressMode('auto', true), 'host');
  assert.equal(resolveAddressMode('host', false), 'host');
  assert.equal(resolveAddressMode('pod-ip', true), 'pod-ip');
  assert.throws(() => resolveAddressMode('dns', false), /auto, host or pod-ip, got 'dns'/);
  const nodes = [
    { name: 'n1', host: 'n1.ns.svc', port: 3306 },
    { name: 'n2', host: 'n2.ns.svc', port: 3306 },
  ];
  assert.deepEqual(nodeAddresses(nodes, 'host', () => undefined).addresses.n1, { host: 'n1.ns.svc', port: 3306 });
  const byIp = nodeAddresses(nodes, 'pod-ip', (n) => (n === 'n2' ? undefined : `127.0.0.${n.slice(1)}`));
  assert.deepEqual(byIp.addresses.n1, { host: '127.0.0.1', port: 3306 });
  assert.match(byIp.missing.n2, /pod n2 has no IP/);
});

test("role Services: read-write always, read-only only with read replicas, selecting by the kind's labels", () => {
  const cr = {
    apiVersion: 'upm.syntropycloud.io/v1alpha1',
    kind: 'RedisReplication',
    metadata: { name: 'r', namespace: 'ns', uid: 'u1' },
  };
  const labels = roleLabels('redis-replication');
  const both = buildRoleServices(cr, { labels, port: 6379, portName: 'redis', hasReadReplicas: true });
  assert.deepEqual(
    both.apply.map((s) => [
      (s as { metadata: { name: string } }).metadata.name,
      (s as { spec: { selector: unknown } }).spec.selector,
    ]),
    [
      [
        'r-readwrite',
        { 'compose-operator/redis-replication.readonly': 'false', 'compose-operator/redis-replication.name': 'r' },
      ],
      [
        'r-readonly',
        { 'compose-operator/redis-replication.readonly': 'true', 'compose-operator/redis-replication.name': 'r' },
      ],
    ],
  );
  assert.deepEqual(both.remove, []);
  const alone = buildRoleServices(cr, {
    labels,
    type: 'NodePort',
    port: 6379,
    portName: 'redis',
    hasReadReplicas: false,
  });
  assert.equal(alone.apply.length, 1);
  assert.equal((alone.apply[0] as { spec: { type: string } }).spec.type, 'NodePort');
  assert.deepEqual(alone.remove, ['r-readonly']);
});
