import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import { buildChildren } from './desired.ts';

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
  // no spec.database.backup: the backup CronJob is not wanted (removed only if this MusicService owns one)
  assert.deepEqual(absent, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'miku-stream-db-backup' }]);
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

test('HPAs are exactly the objects upstream’s names, labels and owner promise', () => {
  const objs = byKey(buildChildren(sampleMusicService(), {}).apply);
  const meta = (name: string, component: string) => ({
    name,
    namespace: 'music',
    labels: {
      app: 'miku-stream',
      component,
      'app.kubernetes.io/name': 'music-service',
      'app.kubernetes.io/instance': 'miku-stream',
      'app.kubernetes.io/managed-by': 'music-operator',
    },
    ownerReferences: [
      {
        apiVersion: 'music.mixcorp.org/v1',
        kind: 'MusicService',
        name: 'miku-stream',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  });
  const cpu = (averageUtilization: number) => ({
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } },
  });
  assert.deepEqual(objs.get('HorizontalPodAutoscaler/miku-stream-autoscaler'), {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('miku-stream-autoscaler', 'music-service'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'miku-stream' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        cpu(70),
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    },
  });
  const replica = objs.get('HorizontalPodAutoscaler/miku-stream-db-replica-autoscaler') as V2HorizontalPodAutoscaler;
  assert.deepEqual(replica.metadata, meta('miku-stream-db-replica-autoscaler', 'db-replica'));
  assert.deepEqual(replica.spec?.scaleTargetRef, {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    name: 'miku-stream-db-replica',
  });
});

test('database.replicas 0 removes the replica StatefulSet, its Services and HPA', () => {
  const ms = sampleMusicService();
  ms.spec.database!.replicas = 0;
  const { apply, absent } = buildChildren(ms, {});
  const keys = [...byKey(apply).keys()];
  assert.ok(!keys.some((k) => /db-replica$|db-replica-|db-read/.test(k)), keys.join());
  assert.deepEqual(absent.map((r) => `${r.kind}/${r.name}`).sort(), [
    'CronJob/miku-stream-db-backup',
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

test('database Secrets outlive the MusicService with the retained PVCs, and go with them on pvcRetention Delete', () => {
  const ms = sampleMusicService();
  const secretOwners = (objs: ReturnType<typeof buildChildren>['apply']) =>
    objs.filter((o) => o.kind === 'Secret').map((o) => o.metadata?.ownerReferences?.length ?? 0);
  assert.deepEqual(secretOwners(buildChildren(ms, {}).apply), [0, 0]);
  ms.spec.pvcRetention = 'Delete';
  assert.deepEqual(secretOwners(buildChildren(ms, {}).apply), [1, 1]);
});
