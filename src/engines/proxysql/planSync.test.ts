import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2';
import { desiredConfig, MANAGED_COMMENT, type ProxysqlConfig, planIsEmpty, planSync } from './planSync.ts';

const desired = desiredConfig({
  source: { host: 'db-0.ns.svc', port: 3306 },
  readers: [{ host: 'db-1.ns.svc', port: 3306 }],
  users: [{ username: 'app', password: '*HASH1' }],
  serverVersion: '10.11.6-MariaDB',
});
const empty: ProxysqlConfig = { hostgroups: [], servers: [], users: [], serverVersion: '8.0.11' };
const render = (p: { sql: string; params?: unknown[] }) => mysql.format(p.sql, (p.params ?? []) as never);

test('an empty ProxySQL gets hostgroups, servers (source 0, reader 1), users, version, each loaded then saved', () => {
  const plan = planSync(desired, empty);
  assert.deepEqual(plan.servers.map(render), [
    'DELETE FROM mysql_replication_hostgroups WHERE writer_hostgroup = 0',
    `INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, check_type, comment) VALUES (0, 1, 'read_only', '${MANAGED_COMMENT}')`,
    `INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_connections, comment) VALUES (0, 'db-0.ns.svc', 3306, 2000, '${MANAGED_COMMENT}')`,
    `INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_connections, comment) VALUES (1, 'db-1.ns.svc', 3306, 2000, '${MANAGED_COMMENT}')`,
    'LOAD MYSQL SERVERS TO RUNTIME',
    'SAVE MYSQL SERVERS TO DISK',
  ]);
  assert.deepEqual(plan.users.map(render), [
    "DELETE FROM mysql_users WHERE username = 'app'",
    `INSERT INTO mysql_users (username, password, default_hostgroup, active, comment) VALUES ('app', '*HASH1', 0, 1, '${MANAGED_COMMENT}')`,
    'LOAD MYSQL USERS TO RUNTIME',
    'SAVE MYSQL USERS TO DISK',
  ]);
  assert.deepEqual(plan.variables.map(render), [
    "UPDATE global_variables SET variable_value = '10.11.6-MariaDB' WHERE variable_name = 'mysql-server_version'",
    'LOAD MYSQL VARIABLES TO RUNTIME',
    'SAVE MYSQL VARIABLES TO DISK',
  ]);
});

test('converged: no statements at all', () => {
  const plan = planSync(desired, structuredClone(desired));
  assert.ok(planIsEmpty(plan));
  assert.deepEqual(plan, { servers: [], users: [], variables: [] });
});

test('a switchover moves the servers only: old source out of 0 and into 1, new source into 0; users untouched', () => {
  const after = desiredConfig({
    source: { host: 'db-1.ns.svc', port: 3306 },
    readers: [{ host: 'db-0.ns.svc', port: 3306 }],
    users: [{ username: 'app', password: '*HASH1' }],
    serverVersion: '10.11.6-MariaDB',
  });
  const plan = planSync(after, desired);
  assert.deepEqual(plan.servers.map(render), [
    "DELETE FROM mysql_servers WHERE hostgroup_id = 0 AND hostname = 'db-0.ns.svc' AND port = 3306",
    "DELETE FROM mysql_servers WHERE hostgroup_id = 1 AND hostname = 'db-1.ns.svc' AND port = 3306",
    `INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_connections, comment) VALUES (0, 'db-1.ns.svc', 3306, 2000, '${MANAGED_COMMENT}')`,
    `INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_connections, comment) VALUES (1, 'db-0.ns.svc', 3306, 2000, '${MANAGED_COMMENT}')`,
    'LOAD MYSQL SERVERS TO RUNTIME',
    'SAVE MYSQL SERVERS TO DISK',
  ]);
  assert.deepEqual(plan.users, []);
  assert.deepEqual(plan.variables, []);
});

test('an excluded (errant or lagging) replica leaves hostgroup 1; other hostgroups and their servers are not ours', () => {
  const observed = structuredClone(desired);
  observed.servers.push({ hostgroup: 7, hostname: 'other', port: 3306, maxConnections: 10 });
  observed.hostgroups.push({ writerHostgroup: 7, readerHostgroup: 8, checkType: 'read_only' });
  const noReaders = desiredConfig({
    source: { host: 'db-0.ns.svc', port: 3306 },
    readers: [],
    users: [{ username: 'app', password: '*HASH1' }],
    serverVersion: '10.11.6-MariaDB',
  });
  assert.deepEqual(planSync(noReaders, observed).servers.map(render), [
    "DELETE FROM mysql_servers WHERE hostgroup_id = 1 AND hostname = 'db-1.ns.svc' AND port = 3306",
    'LOAD MYSQL SERVERS TO RUNTIME',
    'SAVE MYSQL SERVERS TO DISK',
  ]);
});

test('max_connections drift and a wrong check_type are rewritten', () => {
  const observed = structuredClone(desired);
  observed.servers[0].maxConnections = 10;
  observed.hostgroups[0].checkType = 'innodb_read_only';
  const sql = planSync(desired, observed).servers.map(render);
  assert.equal(sql.length, 6);
  assert.match(sql[0], /DELETE FROM mysql_replication_hostgroups/);
  assert.match(sql[2], /DELETE FROM mysql_servers WHERE hostgroup_id = 0/);
  assert.match(sql[3], /INSERT INTO mysql_servers .* VALUES \(0, 'db-0.ns.svc', 3306, 2000/);
});

test('users: a changed password is replaced, a user we wrote and the source dropped is deleted, foreign users stay', () => {
  const observed = structuredClone(desired);
  observed.users[0].password = '*OLD';
  observed.users.push(
    { username: 'gone', password: '*X', defaultHostgroup: 0, active: true, comment: MANAGED_COMMENT },
    { username: 'manual', password: 'pw', defaultHostgroup: 5, active: true, comment: '' },
  );
  assert.deepEqual(planSync(desired, observed).users.map(render), [
    `DELETE FROM mysql_users WHERE username = 'gone' AND comment = '${MANAGED_COMMENT}'`,
    "DELETE FROM mysql_users WHERE username = 'app'",
    `INSERT INTO mysql_users (username, password, default_hostgroup, active, comment) VALUES ('app', '*HASH1', 0, 1, '${MANAGED_COMMENT}')`,
    'LOAD MYSQL USERS TO RUNTIME',
    'SAVE MYSQL USERS TO DISK',
  ]);
});

test('hostile user names and hosts are values, never SQL: the statement text carries only placeholders', () => {
  const hostile = "x'); DELETE FROM mysql_users; -- \\";
  const d = desiredConfig({
    source: { host: "h'; DROP TABLE mysql_servers; --", port: 3306 },
    readers: [],
    users: [{ username: hostile, password: "p'w" }],
  });
  const plan = planSync(d, { hostgroups: [], servers: [], users: [] });
  for (const st of [...plan.servers, ...plan.users]) {
    assert.doesNotMatch(st.sql, /DROP|x'\)|p'w/, st.sql);
  }
  const insert = plan.users.find((s) => s.sql.startsWith('INSERT'));
  assert.equal(
    render(insert!),
    `INSERT INTO mysql_users (username, password, default_hostgroup, active, comment) VALUES ('x\\'); DELETE FROM mysql_users; -- \\\\', 'p\\'w', 0, 1, '${MANAGED_COMMENT}')`,
  );
  // no serverVersion asked for: the variable is left alone
  assert.deepEqual(plan.variables, []);
});
