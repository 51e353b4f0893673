import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { type MusicService, musicServiceSpecWithDefaults } from '../../apis/musicservice.ts';
import { buildDbBackupClaim, buildDbBackupCronJob } from './backup.ts';
import { databaseSettings } from './database.ts';

function sample(edit: (spec: Record<string, any>) => void): MusicService {
  const raw = parse(readFileSync(new URL('../../../samples/musicservice-miku-stream.yaml', import.meta.url), 'utf8'));
  edit(raw.spec);
  return {
    ...raw,
    metadata: { ...raw.metadata, namespace: 'default', uid: 'u1' },
    spec: musicServiceSpecWithDefaults(raw.spec),
  };
}

test('database.backup: a CronJob that prefers the read replica and falls back to the primary, root from the Secret', () => {
  const ms = sample((s) => {
    s.database.backup = { schedule: '0 3 * * *', retention: 4 };
  });
  const cj = buildDbBackupCronJob(ms, databaseSettings(ms), 'x/statecraft:1')!;
  assert.equal(cj.metadata?.name, 'miku-stream-db-backup');
  const c = cj.spec!.jobTemplate.spec!.template.spec!.containers[0];
  assert.deepEqual(
    c.args?.filter((a) => a.startsWith('--host=') || a.startsWith('--keep=') || a.startsWith('--database=')),
    ['--keep=4', '--host=miku-stream-db-read', '--host=miku-stream-db-master', '--database=musicdb'],
  );
  assert.deepEqual(c.env?.[0].valueFrom?.secretKeyRef, { name: 'miku-stream-db-root', key: 'password' });
  const podLabels = cj.spec!.jobTemplate.spec!.template.metadata!.labels!;
  assert.equal(podLabels.app, undefined, 'no Service of the instance selects a backup pod');
  assert.equal(podLabels['operators.example.com/job'], 'backup');
  const claim = buildDbBackupClaim(ms, databaseSettings(ms));
  assert.equal(claim.metadata?.ownerReferences, undefined, 'backups outlive the MusicService');
  assert.equal(claim.spec?.resources?.requests?.storage, '20Gi', 'default: the database storage size');
});

test('no replicas: the primary is the only source; no backup field or no database: no CronJob', () => {
  const ms = sample((s) => {
    s.database.replicas = 0;
    delete s.database.autoscaling;
    s.database.backup = { schedule: '@daily', size: '5Gi' };
  });
  const args = buildDbBackupCronJob(ms, databaseSettings(ms), 'x')!.spec!.jobTemplate.spec!.template.spec!.containers[0]
    .args!;
  assert.deepEqual(
    args.filter((a) => a.startsWith('--host=')),
    ['--host=miku-stream-db-master'],
  );
  assert.equal(buildDbBackupClaim(ms, databaseSettings(ms)).spec?.resources?.requests?.storage, '5Gi');
  const none = sample(() => {});
  assert.equal(buildDbBackupCronJob(none, databaseSettings(none), 'x'), undefined);
  const off = sample((s) => {
    s.database.enabled = false;
    s.database.backup = { schedule: '@daily' };
  });
  assert.equal(buildDbBackupCronJob(off, databaseSettings(off), 'x'), undefined);
});
