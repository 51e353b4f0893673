/**
 * src/backup against a real MariaDB server (binary log and GTIDs on): a dump records the snapshot's GTID position
 * and coordinates, retention keeps the newest N, and a restore brings back a dropped table and changed rows.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type mysql from 'mysql2/promise';
import { backupsOf, restoreBackup, runBackup } from '../../src/backup/index.ts';
import { startMariadbServers, withAdmin } from '../support/mariadb.ts';

test('backup → drop and change data → restore: the rows are back; retention keeps the newest 2', async (t) => {
  const [server] = await startMariadbServers(1, { cleanup: (fn) => t.after(fn) });
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-backup-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await withAdmin(server, async (c) => {
    await c.query('CREATE DATABASE shop');
    await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(20))');
    await c.query("INSERT INTO shop.orders VALUES (1, 'vinyl'), (2, 'cassette')");
    await c.query('CREATE PROCEDURE shop.n_orders() SELECT COUNT(*) FROM shop.orders');
  });
  const target = { address: { host: server.host, port: server.port }, login: server.admin, database: 'shop', dir };
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => {
    clock += 1000;
    return new Date(clock);
  };

  const first = await runBackup({ ...target, keep: 2, now });
  const [gtid] = await withAdmin(server, (c) =>
    c.query<mysql.RowDataPacket[]>('SELECT @@gtid_binlog_pos AS p').then((r) => r[0]),
  );
  assert.equal(first.gtidPosition, gtid.p, 'the dump records the GTID position of its snapshot');
  assert.ok(first.binlog?.file && first.binlog.pos > 0, JSON.stringify(first.binlog));
  const meta = JSON.parse(await readFile(join(dir, first.file.replace(/\.sql\.gz$/, '.json')), 'utf8'));
  assert.equal(meta.sha256, first.sha256);
  assert.match(meta.serverVersion, /MariaDB/);

  await withAdmin(server, async (c) => {
    await c.query('DROP TABLE shop.orders');
    await c.query('DROP PROCEDURE shop.n_orders');
  });
  const restored = await restoreBackup({ ...target, backup: 'latest' });
  assert.equal(restored.file, first.file);
  const rows = await withAdmin(server, async (c) => {
    const [r] = await c.query<mysql.RowDataPacket[]>('SELECT id, item FROM shop.orders ORDER BY id');
    await c.query('CALL shop.n_orders()');
    return r;
  });
  assert.deepEqual(
    rows.map((r) => [r.id, r.item]),
    [
      [1, 'vinyl'],
      [2, 'cassette'],
    ],
  );

  await runBackup({ ...target, keep: 2, now });
  const third = await runBackup({ ...target, keep: 2, now });
  assert.deepEqual(third.pruned, [first.file, first.file.replace(/\.sql\.gz$/, '.json')]);
  assert.equal(backupsOf(await readdir(dir), 'shop').length, 2);

  await assert.rejects(
    runBackup({ ...target, login: { user: server.admin.user, password: 'not-the-password' }, keep: 2, now }),
    (err: Error) => /Access denied/i.test(err.message) && !err.message.includes('not-the-password'),
  );
  await assert.rejects(restoreBackup({ ...target, backup: '../x.sql.gz' }), /must be a file name/);
});
