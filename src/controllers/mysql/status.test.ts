import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Job } from '@kubernetes/client-node';
import { findCondition } from '../../runtime/index.ts';
import { buildStatus, observeBackups } from './status.ts';
import { planVersion } from './version.ts';

const job = (name: string, outcome: 'Complete' | 'Failed', at: string, action = 'backup'): V1Job => ({
  metadata: { name, labels: { 'operators.example.com/job': action } },
  status: {
    ...(outcome === 'Complete' ? { completionTime: new Date(at) } : {}),
    conditions: [
      {
        type: outcome,
        status: 'True',
        lastTransitionTime: new Date(at),
        ...(outcome === 'Failed'
          ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
          : {}),
      },
    ],
  },
});

test('lastBackup is the completion time of the newest successful backup Job, and never goes back', () => {
  const jobs = [
    job('a', 'Complete', '2026-01-01T02:00:05Z'),
    job('b', 'Failed', '2026-01-02T02:00:05Z'),
    job('r', 'Complete', '2026-01-03T00:00:00Z', 'restore'),
  ];
  const b = observeBackups(jobs, undefined);
  assert.equal(b.lastBackup, '2026-01-01T02:00:05Z');
  assert.equal(b.latest?.job, 'b');
  assert.equal(b.latest?.succeeded, false);
  assert.equal(observeBackups([], '2026-01-01T02:00:05Z').lastBackup, '2026-01-01T02:00:05Z');
  assert.equal(observeBackups([], undefined).lastBackup, undefined);
});

test('phase from the login; a failed backup and a refused downgrade are conditions naming what to do', () => {
  const s = buildStatus(undefined, {
    generation: 2,
    server: { state: 'ready', message: 'myuser logged in' },
    version: planVersion('5.7', '8.0'),
    backups: observeBackups(
      [job('a', 'Complete', '2026-01-01T02:00:05Z'), job('b', 'Failed', '2026-01-02T02:00:05Z')],
      undefined,
    ),
  });
  assert.equal(s.phase, 'Ready');
  assert.equal(s.lastBackup, '2026-01-01T02:00:05Z');
  assert.equal(s.observedGeneration, 2);
  const backup = findCondition(s.conditions, 'BackupSucceeded')!;
  assert.equal(backup.status, 'False');
  assert.equal(backup.reason, 'BackoffLimitExceeded');
  assert.match(backup.message, /kubectl logs job\/b/);
  const v = findCondition(s.conditions, 'VersionAccepted')!;
  assert.equal(v.status, 'False');
  assert.match(v.message, /spec\.mysqlVersion 5\.7/);
  const down = buildStatus(s, {
    generation: 2,
    server: { state: 'failed', reason: 'AccessDenied', message: 'access denied for myuser' },
    version: planVersion('8.0', '8.0'),
  });
  assert.equal(down.phase, 'Failed');
  assert.equal(findCondition(down.conditions, 'Ready')?.reason, 'AccessDenied');
  assert.equal(findCondition(down.conditions, 'BackupSucceeded'), undefined, 'no schedule, no backup condition');
  assert.equal(down.lastBackup, '2026-01-01T02:00:05Z');
});
