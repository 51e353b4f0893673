import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowReplicationCommand, rebuildCommand, stopAsStandbyCommand } from './nodeControl.ts';

test('stop as standby: standby.signal is written before the fast shutdown', () => {
  const script = stopAsStandbyCommand()[2];
  assert.ok(script.indexOf('standby.signal') < script.indexOf('kill -INT'), script);
});

test('rebuild: the password comes from stdin, the swap happens only after the base backup', () => {
  const argv = rebuildCommand({ host: '10.0.0.1', port: 5432 }, 'replication', 'statecraft_pg_node_1');
  const script = argv[2];
  assert.ok(!argv.join(' ').includes('PGPASSWORD=') || script.includes('read -r PGPASSWORD'));
  assert.ok(script.indexOf('pg_basebackup') < script.indexOf('mv "$PGDATA" "$PGDATA.diverged"'));
  assert.match(script, /-S 'statecraft_pg_node_1'/);
  assert.match(script, /kill -QUIT/, 'no shutdown checkpoint into the copy');
});

test('pg_hba line for the replication user; odd user names are refused', () => {
  assert.match(allowReplicationCommand('replication')[2], /host replication replication all scram-sha-256/);
  assert.throws(() => allowReplicationCommand("x'; rm -rf /"), /not simple/);
});
