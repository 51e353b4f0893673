import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  V1ConfigMap,
  V1Secret,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import { buildChildren } from './buildChildren.ts';
import { replicaServerId } from './buildDbConfigMap.ts';
import { buildReplicationSecret, buildRootSecret, secretValue } from './buildDbSecrets.ts';

const byKey = (objs: { kind?: string; metadata?: { name?: string } }[]) =>
  new Map(objs.map((o) => [`${o.kind}/${o.metadata?.name}`, o]));

test('the sample builds every child with the README’s names', () => {
  const { apply, absent } = buildChildren(sampleMusicService(), {});
  assert.deepEqual([...byKey(apply).keys()].sort(), [
    'ConfigMap/miku-stream-db-config',
    'HorizontalPodAutoscaler/miku-stream-autoscaler',
    'HorizontalPodAutoscaler/miku-stream-db-replica-autoscaler',
    'Secret/miku-stream-db-replication',
    'Secret/miku-stream-db-root',
    'Service/miku-stream',
    'Service/miku-stream-db-master',
    'Service/miku-stream-db-read',
    'Service/miku-stream-db-replica',
    'Service/miku-stream-headless',
    'StatefulSet/miku-stream',
    'StatefulSet/miku-stream-db-master',
    'StatefulSet/miku-stream-db-replica',
  ]);
  assert.deepEqual(absent, []);
});

test('Services: app on spec.port → spec.port, master headless, read ClusterIP over replicas', () => {
  const objs = byKey(buildChildren(sampleMusicService(), {}).apply);
  const app = objs.get('Service/miku-stream') as V1Service;
  assert.equal(app.spec?.type, 'ClusterIP');
  assert.deepEqual(app.spec?.ports, [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(app.spec?.selector, { app: 'miku-stream', component: 'music-service' });
  const master = objs.get('Service/miku-stream-db-master') as V1Service;
  assert.equal(master.spec?.clusterIP, 'None');
  assert.deepEqual(master.spec?.selector, { app: 'miku-stream', component: 'db-master' });
  assert.equal(master.spec?.ports?.[0]?.port, 3306);
  const read = objs.get('Service/miku-stream-db-read') as V1Service;
  assert.equal(read.spec?.type, 'ClusterIP');
  assert.deepEqual(read.spec?.selector, { app: 'miku-stream', component: 'db-replica' });
});

test('HPAs: app on CPU and memory, replicas on CPU', () => {
  const objs = byKey(buildChildren(sampleMusicService(), {}).apply);
  const app = objs.get('HorizontalPodAutoscaler/miku-stream-autoscaler') as V2HorizontalPodAutoscaler;
  assert.deepEqual(app.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'miku-stream' });
  assert.equal(app.spec?.minReplicas, 2);
  assert.equal(app.spec?.maxReplicas, 10);
  assert.deepEqual(
    app.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.averageUtilization]),
    [
      ['cpu', 70],
      ['memory', 80],
    ],
  );
  const db = objs.get('HorizontalPodAutoscaler/miku-stream-db-replica-autoscaler') as V2HorizontalPodAutoscaler;
  assert.equal(db.spec?.scaleTargetRef.name, 'miku-stream-db-replica');
  assert.equal(db.spec?.metrics?.length, 1);
});

test('database StatefulSets: root password from the Secret, server ids, role config, no sidecars', () => {
  const objs = byKey(buildChildren(sampleMusicService(), {}).apply);
  const master = objs.get('StatefulSet/miku-stream-db-master') as V1StatefulSet;
  const replica = objs.get('StatefulSet/miku-stream-db-replica') as V1StatefulSet;
  assert.equal(master.spec?.replicas, 1);
  assert.equal(replica.spec?.replicas, 2);
  for (const sts of [master, replica]) {
    const pod = sts.spec!.template.spec!;
    assert.equal(pod.containers.length, 1, 'one container, no replication sidecar');
    assert.equal(pod.initContainers, undefined);
    const c = pod.containers[0]!;
    assert.equal(c.image, 'mariadb:10.11');
    const root = c.env?.find((e) => e.name === 'MARIADB_ROOT_PASSWORD');
    assert.equal(root?.value, undefined, 'never a plain env value');
    assert.deepEqual(root?.valueFrom?.secretKeyRef, { name: 'miku-stream-db-root', key: 'password' });
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.metadata?.name, 'db-data');
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage, '20Gi');
  }
  assert.deepEqual(master.spec?.template.spec?.containers[0]?.args, ['--server-id=1']);
  assert.deepEqual(replica.spec?.template.spec?.containers[0]?.args, ['--server-id=20$(POD_INDEX)']);
  assert.equal(replicaServerId(0), 200);
  assert.equal(replicaServerId(9), 209);
  assert.equal(replica.spec?.template.spec?.volumes?.[0]?.configMap?.items?.[0]?.key, 'replica.cnf');
  const cm = objs.get('ConfigMap/miku-stream-db-config') as V1ConfigMap;
  assert.match(cm.data!['primary.cnf']!, /log_bin=mysql-bin/);
  assert.match(cm.data!['primary.cnf']!, /gtid_strict_mode=ON/);
  assert.doesNotMatch(cm.data!['primary.cnf']!, /read_only/);
  assert.match(cm.data!['replica.cnf']!, /read_only=ON/);
});

test('a config change changes the pod template hash (rolls the servers)', () => {
  const ms = sampleMusicService();
  const before = byKey(buildChildren(ms, {}).apply).get('StatefulSet/miku-stream-db-replica') as V1StatefulSet;
  ms.spec.database!.replication!.gtid = false;
  const after = byKey(buildChildren(ms, {}).apply).get('StatefulSet/miku-stream-db-replica') as V1StatefulSet;
  assert.notEqual(
    before.spec?.template.metadata?.annotations?.['music.mixcorp.org/config-hash'],
    after.spec?.template.metadata?.annotations?.['music.mixcorp.org/config-hash'],
  );
});

test('secrets: replication password generated once and kept; root password from the spec', () => {
  const ms = sampleMusicService();
  const first = buildReplicationSecret(ms, undefined);
  const password = secretValue(first, 'password')!;
  assert.match(password, /^[0-9a-f]{32}$/);
  assert.equal(secretValue(first, 'username'), 'repl');
  assert.equal(secretValue(buildReplicationSecret(ms, first), 'password'), password, 'never rotated');
  assert.equal(secretValue(buildRootSecret(ms, undefined), 'password'), 'miku-secret-pass');
  delete ms.spec.database!.rootPassword;
  const generated = buildRootSecret(ms, undefined);
  assert.match(secretValue(generated, 'password')!, /^[0-9a-f]{32}$/);
  assert.equal(secretValue(buildRootSecret(ms, generated), 'password'), secretValue(generated, 'password'));
  assert.equal((first as V1Secret).stringData, undefined, 'data, so the observed object compares equal');
});

test('database.replicas 0 removes the replica StatefulSet, its Services and HPA', () => {
  const ms = sampleMusicService();
  ms.spec.database!.replicas = 0;
  const { apply, absent } = buildChildren(ms, {});
  const keys = [...byKey(apply).keys()];
  assert.ok(!keys.some((k) => /db-replica$|db-replica-|db-read/.test(k)), keys.join());
  assert.deepEqual(absent.map((r) => `${r.kind}/${r.name}`).sort(), [
    'HorizontalPodAutoscaler/miku-stream-db-replica-autoscaler',
    'Service/miku-stream-db-read',
    'Service/miku-stream-db-replica',
    'StatefulSet/miku-stream-db-replica',
  ]);
});

test('database.enabled false removes the database workloads (PVCs are never listed)', () => {
  const ms = sampleMusicService();
  ms.spec.database!.enabled = false;
  delete ms.spec.autoscaling;
  const { apply, absent } = buildChildren(ms, {});
  assert.deepEqual([...byKey(apply).keys()].sort(), [
    'Service/miku-stream',
    'Service/miku-stream-headless',
    'StatefulSet/miku-stream',
  ]);
  const gone = absent.map((r) => `${r.kind}/${r.name}`);
  for (const k of [
    'StatefulSet/miku-stream-db-master',
    'StatefulSet/miku-stream-db-replica',
    'HorizontalPodAutoscaler/miku-stream-autoscaler',
    'Service/miku-stream-db-read',
  ]) {
    assert.ok(gone.includes(k), k);
  }
  assert.ok(!gone.some((k) => k.startsWith('PersistentVolumeClaim')));
});

test('only the primary creates the database; replicas start empty for seeding', () => {
  const objs = byKey(buildChildren(sampleMusicService(), {}).apply);
  const env = (n: string) =>
    (objs.get(`StatefulSet/${n}`) as V1StatefulSet).spec?.template.spec?.containers[0]?.env?.map((e) => e.name);
  assert.ok(env('miku-stream-db-master')?.includes('MARIADB_DATABASE'));
  assert.ok(!env('miku-stream-db-replica')?.includes('MARIADB_DATABASE'));
});

test('database Secrets outlive the MusicService with the retained PVCs, and go with them on pvcRetention Delete', () => {
  const ms = sampleMusicService();
  const secretOwners = (objs: ReturnType<typeof buildChildren>['apply']) =>
    objs.filter((o) => o.kind === 'Secret').map((o) => o.metadata?.ownerReferences?.length ?? 0);
  assert.deepEqual(secretOwners(buildChildren(ms, {}).apply), [0, 0]);
  ms.spec.pvcRetention = 'Delete';
  assert.deepEqual(secretOwners(buildChildren(ms, {}).apply), [1, 1]);
});
