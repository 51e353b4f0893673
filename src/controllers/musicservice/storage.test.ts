import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import { type ClaimSet, claimsOf, planStorage, retentionChanges } from './storage.ts';

const claim = (name: string, storage: string): V1PersistentVolumeClaim => ({
  metadata: { name },
  spec: { resources: { requests: { storage } } },
});
const app = (storage: Partial<ClaimSet['storage']> & { size: string }): ClaimSet => ({
  scope: 'App',
  template: 'music-data',
  statefulSet: 'miku',
  storage: { updatePolicy: 'Resize', recreateDeletesData: false, ...storage },
});

test('claims are matched by exact StatefulSet name, not by prefix (upstream bug 5)', () => {
  const claims = [claim('music-data-miku-0', '1Gi'), claim('music-data-miku-stream-0', '1Gi')];
  assert.deepEqual(
    claimsOf(app({ size: '1Gi' }), claims).map((c) => c.metadata?.name),
    ['music-data-miku-0'],
  );
});

test('growing expands the claims in place under either policy', () => {
  const claims = [claim('music-data-miku-0', '1Gi'), claim('music-data-miku-1', '2Gi')];
  for (const updatePolicy of ['Resize', 'Recreate'] as const) {
    const plan = planStorage([app({ size: '2Gi', updatePolicy })], claims);
    assert.deepEqual(plan.expand, [{ claim: 'music-data-miku-0', size: '2Gi' }]);
    assert.deepEqual(plan.recreate, []);
    assert.deepEqual(plan.refused, []);
  }
});

test('a shrink is refused with Resize, and with Recreate unless data loss was opted into', () => {
  const claims = [claim('music-data-miku-0', '2Gi')];
  const resize = planStorage([app({ size: '1Gi', updatePolicy: 'Resize' })], claims);
  assert.equal(resize.refused[0]?.reason, 'ShrinkNotSupported');
  assert.deepEqual(resize.expand, []);
  const recreate = planStorage([app({ size: '1Gi', updatePolicy: 'Recreate' })], claims);
  assert.equal(recreate.refused[0]?.reason, 'RecreateNeedsOptIn');
  assert.match(recreate.refused[0]!.message, /recreateDeletesData/);
  assert.deepEqual(recreate.recreate, []);
  const optedIn = planStorage([app({ size: '1Gi', updatePolicy: 'Recreate', recreateDeletesData: true })], claims);
  assert.deepEqual(optedIn.refused, []);
  assert.equal(optedIn.recreate[0]?.statefulSet, 'miku');
});

test('converged storage plans nothing', () => {
  const plan = planStorage([app({ size: '2048Mi' })], [claim('music-data-miku-0', '2Gi')]);
  assert.deepEqual(plan, { expand: [], recreate: [], refused: [] });
});

test('claims being deleted (a Recreate in progress) plan nothing', () => {
  const going = claim('music-data-miku-0', '2Gi');
  going.metadata!.deletionTimestamp = new Date();
  const plan = planStorage([app({ size: '1Gi', updatePolicy: 'Recreate', recreateDeletesData: true })], [going]);
  assert.deepEqual(plan, { expand: [], recreate: [], refused: [] });
});

test('pvcRetention Delete gives every claim of the instance an ownerReference (not a controller one); Retain takes ours away', () => {
  const ms = sampleMusicService();
  ms.spec.database!.enabled = false; // database claims still follow the MusicService's life
  const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'keep', uid: 'other' };
  const claims = [
    claim('music-data-miku-stream-0', '1Gi'),
    claim('db-data-miku-stream-db-master-0', '1Gi'),
    claim('music-data-miku-stream-other-0', '1Gi'),
  ];
  claims[0]!.metadata!.ownerReferences = [other];
  assert.deepEqual(retentionChanges(ms, claims), [], 'Retain: nothing of ours to remove');
  ms.spec.pvcRetention = 'Delete';
  const ours = { apiVersion: 'music.mixcorp.org/v1', kind: 'MusicService', name: 'miku-stream', uid: 'uid-1' };
  const changes = retentionChanges(ms, claims);
  assert.deepEqual(
    changes.map((c) => [c.claim, c.ownerReferences]),
    [
      ['music-data-miku-stream-0', [other, ours]],
      ['db-data-miku-stream-db-master-0', [ours]],
    ],
  );
  ms.spec.pvcRetention = 'Retain';
  claims[0]!.metadata!.ownerReferences = [other, ours];
  assert.deepEqual(
    retentionChanges(ms, claims).map((c) => [c.claim, c.ownerReferences]),
    [['music-data-miku-stream-0', [other]]],
  );
});
