import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountsQuery, selectAccounts } from './accounts.ts';

test('accounts: the Host pattern is a bound value', () => {
  assert.deepEqual(accountsQuery("%' OR 1=1 --"), {
    sql: 'SELECT User AS user, authentication_string AS hash, plugin FROM mysql.user WHERE Host = ? ORDER BY User',
    params: ["%' OR 1=1 --"],
  });
});

test('accounts: filter removes names, anonymous and duplicate rows go, unproxyable plugins are skipped with a reason', () => {
  const r = selectAccounts(
    [
      { user: 'root', hash: '*R', plugin: 'mysql_native_password' },
      { user: '', hash: '', plugin: 'mysql_native_password' },
      { user: 'app', hash: '*A', plugin: 'mysql_native_password' },
      { user: 'app', hash: '*A2', plugin: 'mysql_native_password' },
      { user: 'sock', hash: '', plugin: 'unix_socket' },
      { user: 'sha', hash: '$A$005$x', plugin: 'caching_sha2_password' },
    ],
    ['root'],
  );
  assert.deepEqual(
    r.accounts.map((a) => a.user),
    ['app', 'sha'],
  );
  assert.equal(r.accounts[0].hash, '*A');
  assert.deepEqual(r.skipped, [{ user: 'sock', reason: 'authentication plugin unix_socket' }]);
});

test('accounts: an empty authentication string (password-less or locked, like mariadb.sys) is never copied', () => {
  const { accounts, skipped } = selectAccounts(
    [
      { user: 'mariadb.sys', hash: '', plugin: 'mysql_native_password' },
      { user: 'app', hash: '*ABC', plugin: 'mysql_native_password' },
    ],
    [],
  );
  assert.deepEqual(
    accounts.map((a) => a.user),
    ['app'],
  );
  assert.deepEqual(skipped, [{ user: 'mariadb.sys', reason: 'no password (empty authentication string)' }]);
});
