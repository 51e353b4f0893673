import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operatorAccess, rbacRules, resourceOf } from './rbac.ts';

const rbac = rbacRules(operatorAccess());
const rules = rbac.rules.map((r) => r.rule);
const verbsOn = (group: string, resource: string) =>
  rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);

test('the generated role has no wildcard verb, resource or group', () => {
  for (const r of [...rules, ...rbac.operatorNamespaceRules.map((x) => x.rule)]) {
    assert.ok(!r.verbs.includes('*' as never), JSON.stringify(r));
    assert.ok(!r.resources.some((x) => x.includes('*')), JSON.stringify(r));
    assert.ok(!r.apiGroups.includes('*'), JSON.stringify(r));
  }
});

test('Secrets are written only by MusicService (the credentials it owns) and MySQL (its one Secret, created once)', () => {
  const writes = verbsOn('', 'secrets').filter((v) => !['get', 'list', 'watch'].includes(v));
  const why = rbac.rules.find((r) => r.rule.resources.includes('secrets'))!.why.find((w) => w.startsWith('secrets:'))!;
  const writers = why
    .replace(/^secrets: /, '')
    .split('; ')
    .filter((w) => !w.endsWith(': watched'));
  assert.deepEqual(writers, [
    'musicservice: owned children',
    "mysql: create the MySQL kind's Secret mysql-secret-{name} once (never updated or deleted)",
  ]);
  // and MySQL declares exactly `create` on Secrets, nothing that could change or delete one
  const mysql = operatorAccess().find((a) => a.controller === 'mysql')!;
  const secretWrites = mysql.access
    .filter((a) => a.gvk.kind === 'Secret' && !a.subresource)
    .flatMap((a) => a.verbs.filter((v) => !['get', 'list', 'watch'].includes(v)));
  assert.deepEqual(secretWrites, ['create']);
  assert.ok(writes.length > 0);
});

test('pods: read and label, never create or delete; no exec unless a controller declares it', () => {
  assert.deepEqual(verbsOn('', 'pods'), ['get', 'list', 'watch', 'patch']);
  assert.deepEqual(
    verbsOn('', 'pods/exec'),
    // exec over WebSocket is a GET upgrade: authorized as `get` up to Kubernetes 1.34, as `create` after
    rbac.rules.some((r) => r.why.some((w) => w.startsWith('pods/exec:'))) ? ['get', 'create'] : [],
  );
});

test('cluster-scoped access is only reading the ServiceMonitor CRD; the Lease only in the operator namespace', () => {
  const clusterScoped = ['customresourcedefinitions', 'nodes', 'namespaces', 'clusterroles', 'persistentvolumes'];
  const used = rules.flatMap((r) => r.resources.filter((x) => clusterScoped.includes(x)).map((x) => [x, r.verbs]));
  assert.deepEqual(used, [['customresourcedefinitions', ['get']]]);
  assert.deepEqual(verbsOn('coordination.k8s.io', 'leases'), []);
  assert.deepEqual(
    rbac.operatorNamespaceRules.map((r) => r.rule),
    [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
  );
});

test('every reconciled kind gets its status and finalizers subresources, and nothing else of the kind is deleted', () => {
  for (const plural of ['mysqlreplications', 'musicservices', 'shazamqclusters', 'streambusclusters']) {
    const group = rules.find((r) => r.resources.includes(plural))!.apiGroups[0];
    assert.deepEqual(verbsOn(group, plural), ['get', 'list', 'watch', 'update', 'patch'], plural);
    assert.deepEqual(verbsOn(group, `${plural}/status`), ['get', 'update', 'patch'], plural);
    assert.deepEqual(verbsOn(group, `${plural}/finalizers`), ['update'], plural);
  }
});

test('resource names: CRD plurals for our kinds, the API rule for built-ins', () => {
  assert.equal(resourceOf({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }), 'networkpolicies');
  assert.equal(resourceOf({ apiVersion: 'v1', kind: 'Pod' }, 'exec'), 'pods/exec');
  assert.equal(resourceOf({ apiVersion: 'upm.syntropycloud.io/v1alpha1', kind: 'ProxysqlSync' }), 'proxysqlsyncs');
});
