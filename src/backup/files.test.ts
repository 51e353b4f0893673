import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupFileName, backupsOf, dumpGtid, metadataFileName, planRetention, resolveBackupName } from './files.ts';

const at = (iso: string) => backupFileName('myapp', new Date(iso));

test('backup names: database and UTC second, sortable; metadata beside them', () => {
  assert.equal(at('2026-01-02T02:00:00.123Z'), 'myapp-20260102T020000Z.sql.gz');
  assert.equal(metadataFileName('myapp-20260102T020000Z.sql.gz'), 'myapp-20260102T020000Z.json');
});

test('retention keeps the newest N of this database only; partial dumps and other databases are not counted', () => {
  const entries = [
    at('2026-01-03T00:00:00Z'),
    metadataFileName(at('2026-01-03T00:00:00Z')),
    at('2026-01-01T00:00:00Z'),
    metadataFileName(at('2026-01-01T00:00:00Z')),
    at('2026-01-02T00:00:00Z'),
    `${at('2026-01-04T00:00:00Z')}.partial`,
    'other-20250101T000000Z.sql.gz',
    'my-app-20250101T000000Z.sql.gz',
  ];
  assert.deepEqual(backupsOf(entries, 'myapp'), [
    at('2026-01-01T00:00:00Z'),
    at('2026-01-02T00:00:00Z'),
    at('2026-01-03T00:00:00Z'),
  ]);
  assert.deepEqual(planRetention(entries, 'myapp', 2), [
    at('2026-01-01T00:00:00Z'),
    metadataFileName(at('2026-01-01T00:00:00Z')),
  ]);
  assert.deepEqual(planRetention(entries, 'myapp', 3), []);
  assert.throws(() => planRetention(entries, 'myapp', 0), /at least 1/);
});

test('a restore names a file in the directory or latest; paths and unknown names are refused by name', () => {
  const entries = [at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z')];
  assert.equal(resolveBackupName('latest', entries, 'myapp'), at('2026-01-02T00:00:00Z'));
  assert.equal(resolveBackupName(entries[0], entries, 'myapp'), entries[0]);
  assert.throws(() => resolveBackupName('../etc/passwd.sql.gz', entries, 'myapp'), /must be a file name/);
  assert.throws(() => resolveBackupName('myapp-20990101T000000Z.sql.gz', entries, 'myapp'), /not found; present: /);
  assert.throws(() => resolveBackupName('latest', [], 'myapp'), /no backup of database myapp/);
});

test('the GTID position is read from either dump dialect', () => {
  assert.equal(dumpGtid("-- SET GLOBAL gtid_slave_pos='0-1-42';\n"), '0-1-42');
  assert.equal(dumpGtid("-- SET GLOBAL gtid_slave_pos='';\n"), undefined);
  assert.equal(
    dumpGtid("SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';"),
    '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
  );
  assert.equal(dumpGtid('-- MariaDB dump 10.19\n'), undefined);
});
