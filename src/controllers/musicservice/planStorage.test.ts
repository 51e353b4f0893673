import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { type ClaimSet, claimsOf, planStorage } from './planStorage.ts';

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
