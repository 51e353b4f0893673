import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MARIADB_PROGRAMS } from '../servers/mariadb.ts';
import { POSTGRES_PROGRAMS } from '../servers/postgres.ts';
import { missingProgramsMessage, resolvePrograms } from '../servers/programs.ts';
import { REDIS_PROGRAMS } from '../servers/redis.ts';
import { packageProviding } from '../system-packages.ts';
import { missingPrograms } from './container.ts';

test('every program a server launcher runs is listed in deploy/system-packages.txt with its package', () => {
  for (const p of [...MARIADB_PROGRAMS, ...REDIS_PROGRAMS, ...POSTGRES_PROGRAMS]) {
    assert.ok(packageProviding(p), `${p} has a package in deploy/system-packages.txt`);
  }
});

test('missing programs are looked up on the given path: a server needs all of its own, a command its tool', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-programs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['mariadbd', 'mariadb-admin', 'mariadb', 'sh'])
    writeFileSync(join(dir, p), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'redis-server'), 'not executable', { mode: 0o644 });

  assert.deepEqual(missingPrograms({ kind: 'server', server: 'mariadb', args: [] }, dir), ['mariadb-install-db']);
  assert.deepEqual(missingPrograms({ kind: 'server', server: 'redis', args: [] }, dir), ['redis-server']);
  assert.deepEqual(missingPrograms({ kind: 'command', argv: ['sh', '-c', 'mariadb-dump --all-databases'] }, dir), [
    'mariadb-dump',
  ]);
  assert.deepEqual(missingPrograms({ kind: 'command', argv: ['mariadb', '-e', 'select 1'] }, dir), []);
  // a tool no listed package provides is left to fail as it would in a container
  assert.deepEqual(missingPrograms({ kind: 'command', argv: ['my-script.sh'] }, dir), []);

  const resolved = resolvePrograms(MARIADB_PROGRAMS, dir);
  assert.equal(resolved.path('mariadbd'), join(dir, 'mariadbd'));
  assert.deepEqual(resolved.missing, ['mariadb-install-db']);
  assert.throws(
    () => resolved.assertPresent(),
    /mariadb-install-db \(Debian package mariadb-server\) is not installed/,
  );
});

test('the message names the package and the command, grouped by package', () => {
  assert.equal(
    missingProgramsMessage(['mariadb-install-db']),
    "mariadb-install-db (Debian package mariadb-server) is not installed on this machine: apt-get install -y mariadb-server ('statecraft cluster up' installs it)",
  );
  assert.match(
    missingProgramsMessage(['mariadbd', 'mariadb-install-db', 'mariadb']),
    /^mariadbd, mariadb-install-db \(Debian package mariadb-server\); mariadb \(Debian package mariadb-client\) are not installed on this machine: apt-get install -y mariadb-server mariadb-client/,
  );
});
