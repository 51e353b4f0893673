import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDriverError, MysqlEngineError, scrub } from './errors.ts';
import { dumpCoordinates, dumpGtidPosition } from './seedReplica.ts';

const table: Array<[string, unknown, string]> = [
  ['refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 1.2.3.4:3306' }, 'ERR_MYSQL_CONNECT_FAILED'],
  ['timeout', { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }, 'ERR_MYSQL_CONNECT_FAILED'],
  ['dns', { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db' }, 'ERR_MYSQL_CONNECT_FAILED'],
  [
    'access',
    { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, sqlMessage: "Access denied for user 'x'" },
    'ERR_MYSQL_ACCESS_DENIED',
  ],
  ['sql', { code: 'ER_PARSE_ERROR', errno: 1064, sqlMessage: 'syntax' }, 'ERR_MYSQL_QUERY_FAILED'],
];
for (const [name, err, code] of table) {
  test(`driver error ${name} → ${code}`, () => {
    const e = classifyDriverError(err, 'db:3306', 'connecting');
    assert.ok(e instanceof MysqlEngineError);
    assert.equal(e.code, code);
    assert.equal(e.node, 'db:3306');
    assert.match(e.message, /^db:3306: connecting: /);
  });
}

test('passwords never reach the message or the cause', () => {
  const err = {
    code: 'ER_X',
    sqlMessage: "near 'Sup3r-secret' at line 1",
    sql: "CHANGE MASTER TO MASTER_PASSWORD='Sup3r-secret'",
  };
  const e = classifyDriverError(err, 'db:3306', 'CHANGE MASTER', ['Sup3r-secret']);
  assert.ok(!e.message.includes('Sup3r-secret'));
  assert.ok(!JSON.stringify(e.cause).includes('Sup3r-secret'));
  assert.equal(scrub('a pw b pw', ['pw', undefined, '']), 'a *** b ***');
});

test('the GTID position is read from a mariadb-dump --gtid --master-data=2 header', () => {
  const text =
    "-- Preferably use GTID to start replication from GTID position:\n\n-- SET GLOBAL gtid_slave_pos='0-1-3,1-2-9';\n";
  assert.equal(dumpGtidPosition(text), '0-1-3,1-2-9');
  assert.equal(dumpGtidPosition('-- nothing here'), undefined);
});

test('binary log coordinates are read from the dump header (file/position replication)', () => {
  const text = "-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=4567;\n";
  assert.deepEqual(dumpCoordinates(text), { file: 'mysql-bin.000003', pos: 4567 });
  assert.equal(dumpCoordinates('-- nothing'), undefined);
});
