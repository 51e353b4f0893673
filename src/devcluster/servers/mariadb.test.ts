import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMyCnf, setupSql, sqlString } from './mariadb.ts';

test('setupSql requires a root password option, like the image', () => {
  assert.throws(() => setupSql({ ip: '127.0.0.2', port: 3306, dataDir: '/d', env: {} }), /MARIADB_ROOT_PASSWORD/);
});

test('setupSql sets root for localhost and %, creates the database and user (MYSQL_* aliases too)', () => {
  const sql = setupSql({
    ip: '127.0.0.2',
    port: 3306,
    dataDir: '/d',
    env: { MYSQL_ROOT_PASSWORD: "p'w", MARIADB_DATABASE: 'app', MARIADB_USER: 'u', MARIADB_PASSWORD: 'up' },
  });
  assert.match(sql, /ALTER USER 'root'@'localhost' IDENTIFIED BY 'p\\'w';/);
  assert.match(sql, /CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY 'p\\'w';/);
  assert.match(sql, /CREATE DATABASE IF NOT EXISTS `app`;/);
  assert.match(sql, /GRANT ALL ON `app`\.\* TO 'u'@'%';/);
  assert.equal(sqlString('a\\b'), "'a\\\\b'");
});

test('my.cnf binds the pod IP, leaves binlog off, and includes config files last', () => {
  const cnf = renderMyCnf({ ip: '127.0.0.9', port: 3307, dataDir: '/d', configFiles: ['/c/a.cnf'] }, '/r');
  assert.match(cnf, /^bind-address=127\.0\.0\.9$/m);
  assert.match(cnf, /^port=3307$/m);
  assert.match(cnf, /^tmpdir=\/r\/tmp$/m, 'a private tmpdir');
  assert.doesNotMatch(cnf, /log-bin|log_bin/);
  assert.ok(cnf.trimEnd().endsWith('!include /c/a.cnf'));
});
