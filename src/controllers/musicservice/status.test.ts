import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import { buildDatabaseStatus, buildStatus, type DatabaseObservation, transitionEvents } from './status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');

function appSts(replicas: number, ready: number): V1StatefulSet {
  return {
    metadata: { generation: 2 },
    spec: { replicas, selector: {}, serviceName: 'x', template: {} },
    status: { replicas, readyReplicas: ready, updatedReplicas: replicas, observedGeneration: 2 },
  };
}

const healthyDb = (over: Partial<DatabaseObservation> = {}): DatabaseObservation => ({
  wantReplicas: 2,
  replication: true,
  masterPodExists: true,
  masterAnswers: true,
  masterWritable: true,
  replicaStatefulSetExists: true,
  replicaPods: 2,
  replicas: [
    { name: 'r0', replicating: true, lagSeconds: 0 },
    { name: 'r1', replicating: true, lagSeconds: 1 },
  ],
  ...over,
});

test('all ready → Available with the README’s status fields', () => {
  const ms = sampleMusicService();
  const s = buildStatus(ms, { app: appSts(3, 3), db: healthyDb() }, undefined, t0);
  assert.equal(s.phase, 'Available');
  assert.equal(s.observedGeneration, 1);
  assert.equal(s.desiredReplicas, 3);
  assert.equal(s.readyReplicas, 3);
  assert.equal(s.lastReconcileTime, '2026-01-01T00:00:00Z');
  assert.deepEqual(s.database, {
    phase: 'Ready',
    masterReady: true,
    replicasReady: 2,
    replicaEverCreated: true,
    replicaLastSeen: '2026-01-01T00:00:00Z',
    replicaDeletionDetected: false,
    replicationReady: true,
  });
  const available = s.conditions?.find((c) => c.type === 'Available');
  assert.deepEqual(
    [available?.status, available?.reason, available?.message],
    ['True', 'PodsReady', 'All replicas are ready'],
  );
});

test('an unchanged pass returns the same status (lastReconcileTime included): no write', () => {
  const ms = sampleMusicService();
  const first = buildStatus(ms, { app: appSts(3, 3), db: healthyDb() }, undefined, t0);
  const second = buildStatus(ms, { app: appSts(3, 3), db: healthyDb() }, structuredClone(first), t1);
  assert.deepEqual(second, first);
});

test('phases: Pending, Progressing, Failed with lastError, Degraded on a blocked database', () => {
  const ms = sampleMusicService();
  assert.equal(buildStatus(ms, { app: appSts(3, 0) }, undefined, t0).phase, 'Pending');
  assert.equal(buildStatus(ms, { app: appSts(3, 2) }, undefined, t0).phase, 'Progressing');
  const failed = buildStatus(ms, { app: appSts(3, 3), error: 'applying StatefulSet x: 422' }, undefined, t0);
  assert.equal(failed.phase, 'Failed');
  assert.equal(failed.lastError, 'applying StatefulSet x: 422');
  assert.equal(failed.conditions?.find((c) => c.type === 'Reconciled')?.status, 'False');
  const blocked = buildStatus(ms, { app: appSts(3, 3), db: healthyDb({ blocked: 'errant' }) }, undefined, t0);
  assert.equal(blocked.phase, 'Degraded');
  assert.equal(blocked.database?.phase, 'Failed');
  const lagging = healthyDb({ replicas: [{ name: 'r0', replicating: true, lagSeconds: 300 }] });
  const s = buildStatus(ms, { app: appSts(3, 3), db: lagging }, undefined, t0);
  assert.equal(s.database?.replicationReady, false);
  assert.equal(s.phase, 'Progressing');
});

test('replication readiness comes from the threads, not from pods', () => {
  const db = healthyDb({
    replicas: [
      { name: 'r0', replicating: false, lagSeconds: null },
      { name: 'r1', replicating: true, lagSeconds: 0 },
    ],
  });
  const s = buildDatabaseStatus(db, undefined, t0);
  assert.equal(s.replicasReady, 1);
  assert.equal(s.replicationReady, false);
  assert.equal(s.phase, 'Progressing');
  assert.equal(buildDatabaseStatus(healthyDb({ masterWritable: false }), undefined, t0).masterReady, false);
});

test('replica deletion is detected, sticky until the replicas are back; a scale-down is not a deletion', () => {
  const ready = buildDatabaseStatus(healthyDb(), undefined, t0);
  const lost = buildDatabaseStatus(
    healthyDb({
      replicaPods: 1,
      replicas: [{ name: 'r0', replicating: true, lagSeconds: 0 }],
    }),
    ready,
    t1,
  );
  assert.equal(lost.replicaDeletionDetected, true);
  const stillOne = buildDatabaseStatus(
    healthyDb({ replicaPods: 1, replicas: [{ name: 'r0', replicating: true, lagSeconds: 0 }] }),
    lost,
    t1,
  );
  assert.equal(stillOne.replicaDeletionDetected, true, 'sticky');
  assert.equal(buildDatabaseStatus(healthyDb(), stillOne, t1).replicaDeletionDetected, false);
  const scaledDown = buildDatabaseStatus(
    healthyDb({ wantReplicas: 1, replicaPods: 1, replicas: [{ name: 'r0', replicating: true, lagSeconds: 0 }] }),
    ready,
    t1,
  );
  assert.equal(scaledDown.replicaDeletionDetected, false);
  const stsGone = buildDatabaseStatus(
    healthyDb({ replicaStatefulSetExists: false, replicaPods: 0, replicas: [] }),
    ready,
    t1,
  );
  assert.equal(stsGone.replicaDeletionDetected, true);
  assert.equal(stsGone.replicaEverCreated, true);
});

test('storage refusals surface as StorageWarning conditions', () => {
  const s = buildStatus(
    sampleMusicService(),
    { app: appSts(3, 3), storage: { refused: [{ scope: 'Database', reason: 'ShrinkNotSupported', message: 'no' }] } },
    undefined,
    t0,
  );
  const c = s.conditions?.find((x) => x.type === 'StorageWarningDatabase');
  assert.equal(c?.reason, 'ShrinkNotSupported');
});

test('DatabaseReady names the address the primary did not answer at, and never a password', () => {
  const ms = sampleMusicService();
  const address = 'miku-stream-db-master-0.miku-stream-db-master.music.svc:3306';
  const error = 'connecting as root: getaddrinfo ENOTFOUND miku-stream-db-master-0.miku-stream-db-master.music.svc';
  const unreachable = healthyDb({
    masterAnswers: false,
    masterWritable: false,
    replicas: [],
    primary: { pod: 'miku-stream-db-master-0', address, error },
  });
  const s = buildStatus(ms, { app: appSts(3, 3), db: unreachable }, undefined, t0);
  const c = s.conditions?.find((x) => x.type === 'DatabaseReady');
  assert.deepEqual(
    [c?.status, c?.reason, c?.message],
    ['False', 'PrimaryNotReady', `The primary miku-stream-db-master-0 does not answer at ${address}: ${error}`],
  );
  assert.doesNotMatch(JSON.stringify(s), /miku-secret-pass/);
  assert.equal(s.database?.phase, 'Progressing');
  const readOnly = healthyDb({ masterWritable: false, primary: { pod: 'miku-stream-db-master-0', address } });
  assert.match(
    buildStatus(ms, { app: appSts(3, 3), db: readOnly }, undefined, t0).conditions?.find(
      (x) => x.type === 'DatabaseReady',
    )?.message ?? '',
    /^The primary miku-stream-db-master-0 answers at .*:3306 but does not accept writes$/,
  );
  const notTried = healthyDb({ masterAnswers: false, masterWritable: false });
  assert.equal(
    buildStatus(ms, { app: appSts(3, 3), db: notTried }, undefined, t0).conditions?.find(
      (x) => x.type === 'DatabaseReady',
    )?.message,
    'The primary does not answer or is read-only',
  );
});

test('highAvailability.enabled (Galera mode) is not silently ignored: a condition and one event say it is not supported', () => {
  const ms = sampleMusicService();
  ms.spec.database = { ...ms.spec.database!, highAvailability: { enabled: true } };
  const s = buildStatus(ms, { app: appSts(3, 3), db: healthyDb() }, undefined, t0);
  const c = s.conditions?.find((x) => x.type === 'HighAvailabilitySupported');
  assert.equal(c?.status, 'False');
  assert.equal(c?.reason, 'GaleraNotSupported');
  const events = transitionEvents(undefined, s);
  assert.ok(events.some((e) => e.reason === 'GaleraNotSupported' && e.type === 'Warning'));
  // once, not every pass
  assert.ok(!transitionEvents(s, s).some((e) => e.reason === 'GaleraNotSupported'));
  // without it, no such condition
  const plain = buildStatus(sampleMusicService(), { app: appSts(3, 3), db: healthyDb() }, undefined, t0);
  assert.equal(
    plain.conditions?.find((x) => x.type === 'HighAvailabilitySupported'),
    undefined,
  );
});
