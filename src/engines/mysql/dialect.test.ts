import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2';
import { mariadbDialect, mysqlDialect, mysqlErrantGtids, type Statement } from './dialect.ts';
import { assertSupported, parseServerVersion } from './version.ts';

const render = (s: Statement) => mysql.format(s.sql, s.params as mysql.SqlValue[]);
const source = { host: "h'; DROP USER root; --", port: 3307, user: 'repl', password: "p'w\\d" };

test('MariaDB CHANGE MASTER uses slave_pos GTIDs and escapes every value', () => {
  assert.equal(
    render(mariadbDialect.changeSource(source)),
    "CHANGE MASTER TO MASTER_HOST = 'h\\'; DROP USER root; --', MASTER_PORT = 3307, MASTER_USER = 'repl', MASTER_PASSWORD = 'p\\'w\\\\d', MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = slave_pos",
  );
});

test('MySQL CHANGE REPLICATION SOURCE uses auto-positioning and escapes every value', () => {
  assert.equal(
    render(mysqlDialect.changeSource(source)),
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'h\\'; DROP USER root; --', SOURCE_PORT = 3307, SOURCE_USER = 'repl', SOURCE_PASSWORD = 'p\\'w\\\\d', SOURCE_CONNECT_RETRY = 1, SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1",
  );
});

const table: Array<[string, (d: typeof mysqlDialect) => Statement | Statement[], string, string]> = [
  ['replica status', (d) => d.replicaStatus, 'SHOW SLAVE STATUS', 'SHOW REPLICA STATUS'],
  ['start', (d) => d.startReplica, 'START SLAVE', 'START REPLICA'],
  ['stop', (d) => d.stopReplica, 'STOP SLAVE', 'STOP REPLICA'],
  ['stop io', (d) => d.stopReplicaIo, 'STOP SLAVE IO_THREAD', 'STOP REPLICA IO_THREAD'],
  [
    'fence marker',
    (d) => [d.takeFenceMarker, d.fenceMarkerHolder],
    "SELECT GET_LOCK('statecraft.switchover-fence', 0) AS r; SELECT IS_USED_LOCK('statecraft.switchover-fence') AS id",
    "SELECT GET_LOCK('statecraft.switchover-fence', 0) AS r; SELECT IS_USED_LOCK('statecraft.switchover-fence') AS id",
  ],
  ['reset', (d) => d.resetReplicaAll, 'RESET SLAVE ALL', 'RESET REPLICA ALL'],
  ['read only on', (d) => d.setReadOnly(true), 'SET GLOBAL read_only = 1', 'SET GLOBAL super_read_only = ON'],
  [
    'read only off',
    (d) => d.setReadOnly(false),
    'SET GLOBAL read_only = 0',
    'SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF',
  ],
  [
    'wait',
    (d) => d.waitForGtid('0-1-5', 2.5),
    "SELECT MASTER_GTID_WAIT('0-1-5', 2.5) AS r",
    "SELECT WAIT_FOR_EXECUTED_GTID_SET('0-1-5', 2.5) AS r",
  ],
  [
    'semi-sync source',
    (d) => d.semiSyncSource(true, 5000),
    "SET GLOBAL rpl_semi_sync_master_timeout = 5000; SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'; SET GLOBAL rpl_semi_sync_master_enabled = ON",
    "SET GLOBAL rpl_semi_sync_source_timeout = 5000; SET GLOBAL rpl_semi_sync_source_wait_point = 'AFTER_SYNC'; SET GLOBAL rpl_semi_sync_source_enabled = ON",
  ],
  [
    'semi-sync replica',
    (d) => d.semiSyncReplica(true),
    'SET GLOBAL rpl_semi_sync_slave_enabled = ON',
    'SET GLOBAL rpl_semi_sync_replica_enabled = ON',
  ],
  [
    'semi-sync plugin',
    (d) => d.installSemiSyncPlugin('replica'),
    'DO 0',
    "INSTALL PLUGIN rpl_semi_sync_replica SONAME 'semisync_replica.so'",
  ],
  ['demotion', (d) => d.prepareDemotion, 'SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos', ''],
  [
    'seeded position',
    (d) => d.setReplicaGtidPosition('x'),
    "RESET MASTER; SET GLOBAL gtid_slave_pos = 'x'",
    "RESET MASTER; SET GLOBAL gtid_purged = 'x'",
  ],
  [
    'replication user',
    (d) => d.createReplicationUser("re'pl", 'pw'),
    "CREATE USER IF NOT EXISTS 're\\'pl'@'%' IDENTIFIED BY 'pw'; GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 're\\'pl'@'%'",
    "CREATE USER IF NOT EXISTS 're\\'pl'@'%' IDENTIFIED BY 'pw'; GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 're\\'pl'@'%'",
  ],
  ['kill', (d) => d.kill(42), 'KILL CONNECTION 42', 'KILL CONNECTION 42'],
];
for (const [name, build, maria, my] of table) {
  test(`statement: ${name}`, () => {
    const out = (d: typeof mysqlDialect) => [build(d)].flat().map(render).join('; ');
    assert.equal(out(mariadbDialect), maria);
    assert.equal(out(mysqlDialect), my);
  });
}

test('wait results: 0 = reached; MariaDB -1 / MySQL 1 = timeout; NULL = error', () => {
  for (const d of [mariadbDialect, mysqlDialect]) {
    assert.equal(d.waitSucceeded(0), true);
    assert.equal(d.waitSucceeded('0'), true);
    assert.equal(d.waitSucceeded(null), false);
  }
  assert.equal(mariadbDialect.waitSucceeded(-1), false);
  assert.equal(mysqlDialect.waitSucceeded(1), false);
});

test('MySQL errant GTIDs come from GTID_SUBTRACT on the source', () => {
  assert.equal(render(mysqlErrantGtids('u:1-10', 'u:1-8')), "SELECT GTID_SUBTRACT('u:1-10', 'u:1-8') AS errant");
});

test('replica status rows map to neutral names for both dialects', () => {
  const maria = mariadbDialect.parseReplicaStatus({
    Master_Host: '10.0.0.1',
    Master_Port: 3306,
    Slave_IO_Running: 'Yes',
    Slave_SQL_Running: 'No',
    Seconds_Behind_Master: null,
    Using_Gtid: 'Slave_Pos',
    Gtid_IO_Pos: '0-1-5, 1-2-3',
    Last_SQL_Error: 'boom',
  });
  assert.equal(maria.sourceHost, '10.0.0.1');
  assert.equal(maria.sqlRunning, 'No');
  assert.equal(maria.secondsBehindSource, null);
  assert.equal(maria.usesGtid, true);
  assert.equal(maria.receivedGtids, '0-1-5,1-2-3');
  assert.equal(maria.lastSqlError, 'boom');
  const my = mysqlDialect.parseReplicaStatus({
    Source_Host: 'db',
    Source_Port: '3307',
    Replica_IO_Running: 'Connecting',
    Replica_SQL_Running: 'Yes',
    Seconds_Behind_Source: '4',
    Auto_Position: 1,
  });
  assert.deepEqual(
    [my.sourceHost, my.sourcePort, my.ioRunning, my.secondsBehindSource, my.usesGtid],
    ['db', 3307, 'Connecting', 4, true],
  );
});

test('versions: flavor and minimum supported releases', () => {
  const v = parseServerVersion('10.11.19-MariaDB-0+deb12u1-log');
  assert.deepEqual([v.flavor, v.major, v.minor, v.patch], ['mariadb', 10, 11, 19]);
  assert.equal(parseServerVersion('8.0.36', 'MySQL Community Server - GPL').flavor, 'mysql');
  assert.equal(parseServerVersion('11.4.2', 'mariadb.org binary distribution').flavor, 'mariadb');
  assertSupported(parseServerVersion('10.6.0-MariaDB'));
  assertSupported(parseServerVersion('8.0.26'));
  assertSupported(parseServerVersion('8.4.0'));
  assert.throws(() => assertSupported(parseServerVersion('10.5.9-MariaDB')), /MariaDB 10.5.9 is not supported/);
  assert.throws(
    () => assertSupported(parseServerVersion('8.0.25')),
    (e: { code: string }) => e.code === 'ERR_MYSQL_UNSUPPORTED_VERSION',
  );
  assert.throws(() => parseServerVersion('garbage'), /cannot parse/);
});

test('file/position CHANGE MASTER / CHANGE REPLICATION SOURCE carries the coordinates, without GTID positioning', () => {
  const at = { ...source, host: 'db', position: { file: "mysql-bin.000002'", pos: 77 } };
  assert.match(
    render(mariadbDialect.changeSource(at)),
    /MASTER_USE_GTID = no, MASTER_LOG_FILE = 'mysql-bin\.000002\\'', MASTER_LOG_POS = 77$/,
  );
  assert.match(
    render(mysqlDialect.changeSource(at)),
    /SOURCE_AUTO_POSITION = 0, SOURCE_LOG_FILE = 'mysql-bin\.000002\\'', SOURCE_LOG_POS = 77, GET_SOURCE_PUBLIC_KEY = 1$/,
  );
});

test('long transactions are listed from INNODB_TRX, older than the bound, on both dialects', () => {
  for (const d of [mariadbDialect, mysqlDialect]) {
    const sql = render(d.longTransactions(5));
    assert.match(sql, /FROM information_schema\.INNODB_TRX WHERE trx_started < NOW\(\) - INTERVAL 5 SECOND/);
  }
});
