import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import { buildAppStatefulSet } from './app.ts';
import { REQUESTED_REPLICAS_ANNOTATION } from './children.ts';

test('app StatefulSet: container port is spec.port, streaming env, resources, music-data PVC', () => {
  const ms = sampleMusicService();
  const sts = buildAppStatefulSet(ms);
  assert.equal(sts.metadata?.name, 'miku-stream');
  assert.equal(sts.metadata?.namespace, 'music');
  assert.deepEqual(sts.spec?.selector.matchLabels, { app: 'miku-stream', component: 'music-service' });
  assert.equal(sts.spec?.serviceName, 'miku-stream-headless');
  const c = sts.spec!.template.spec!.containers[0]!;
  assert.equal(c.name, 'music-service');
  assert.equal(c.image, 'nginx:alpine');
  assert.deepEqual(c.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(c.env, [
    { name: 'STREAMING_BITRATE', value: '320k' },
    { name: 'MAX_CONNECTIONS', value: '5000' },
  ]);
  assert.deepEqual(
    c.resources,
    {
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
    'canonical quantities, as the API server stores them',
  );
  assert.deepEqual(c.volumeMounts, [{ name: 'music-data', mountPath: '/data' }]);
  const claim = sts.spec!.volumeClaimTemplates![0]!;
  assert.equal(claim.metadata?.name, 'music-data');
  assert.equal(claim.spec?.resources?.requests?.storage, '50Gi');
  assert.equal(sts.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
  assert.equal(sts.metadata?.ownerReferences?.[0]?.controller, true);
});

test('labels are exactly upstream’s', () => {
  const sts = buildAppStatefulSet(sampleMusicService());
  const expected = {
    app: 'miku-stream',
    component: 'music-service',
    'app.kubernetes.io/name': 'music-service',
    'app.kubernetes.io/instance': 'miku-stream',
    'app.kubernetes.io/managed-by': 'music-operator',
  };
  assert.deepEqual(sts.metadata?.labels, expected);
  assert.deepEqual(sts.spec?.template.metadata?.labels, expected);
});

test('without autoscaling the spec is the replica count', () => {
  const ms = sampleMusicService();
  delete ms.spec.autoscaling;
  const observed = buildAppStatefulSet(ms);
  observed.spec!.replicas = 7;
  assert.equal(buildAppStatefulSet(ms, observed).spec?.replicas, 3);
});

test('with autoscaling the HPA’s count is echoed until the user changes the spec', () => {
  const ms = sampleMusicService();
  const created = buildAppStatefulSet(ms);
  assert.equal(created.spec?.replicas, 3, 'created with the spec count');
  created.spec!.replicas = 6; // the HPA scaled up
  assert.equal(buildAppStatefulSet(ms, created).spec?.replicas, 6, 'operator does not reset the HPA');
  ms.spec.replicas = 5; // kubectl scale musicservice --replicas=5
  const scaled = buildAppStatefulSet(ms, created);
  assert.equal(scaled.spec?.replicas, 5);
  assert.equal(scaled.metadata?.annotations?.[REQUESTED_REPLICAS_ANNOTATION], '5');
  ms.spec.replicas = 50;
  assert.equal(buildAppStatefulSet(ms, created).spec?.replicas, 10, 'clamped to maxReplicas');
});

test('an existing StatefulSet keeps its volumeClaimTemplate size (immutable); PVCs are grown in place', () => {
  const ms = sampleMusicService();
  const observed = buildAppStatefulSet(ms);
  ms.spec.storage.size = '80Gi';
  assert.equal(
    buildAppStatefulSet(ms, observed).spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage,
    '50Gi',
  );
});
