/**
 * The accounts ProxysqlSync copies into ProxySQL, read from a real MariaDB server: `mysql.user` rows whose Host is
 * the rule's pattern, minus the filter, with the authentication string ProxySQL stores. The hash is checked
 * against one computed here (mysql_native_password is SHA1(SHA1(password)), upper-case hex after a `*`), so the
 * reader is compared with an independent computation, not with itself.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { connectNode, readAccounts } from '../../src/engines/mysql/index.ts';
import { type MariadbServer, startMariadbServers, withAdmin } from '../support/mariadb.ts';

const servers: MariadbServer[] = await startMariadbServers(1, { cleanup: after });
const [server] = servers;

const nativeHash = (pw: string) => {
  const once = createHash('sha1').update(pw).digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
};
const HOSTILE = "x'); DELETE FROM mysql_users; -- \\";

test('accounts with Host = pattern, minus the filter; hashes as MariaDB stores them; unproxyable plugins skipped', async () => {
  await withAdmin(server, async (c) => {
    await c.query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'");
    await c.query("CREATE USER ?@'%' IDENTIFIED BY 'h-pw'", [HOSTILE]);
    await c.query("CREATE USER 'local'@'localhost' IDENTIFIED BY 'local-pw'");
    await c.query("CREATE USER 'sock'@'%' IDENTIFIED VIA unix_socket");
    await c.query("CREATE USER 'ignored'@'%' IDENTIFIED BY 'ignored-pw'");
  });
  const s = await connectNode({ host: server.host, port: server.port }, server.admin);
  try {
    const all = await readAccounts(s, '%', ['root', 'ignored']);
    assert.deepEqual(
      all.accounts.map((a) => [a.user, a.hash, a.plugin]),
      [
        ['app', nativeHash('app-pw'), 'mysql_native_password'],
        [HOSTILE, nativeHash('h-pw'), 'mysql_native_password'],
      ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    assert.deepEqual(all.skipped, [{ user: 'sock', reason: 'authentication plugin unix_socket' }]);

    // another pattern is another set: only the exact Host matches (no wildcard matching of Host values)
    const local = await readAccounts(s, 'localhost', ['root']);
    assert.deepEqual(
      local.accounts.map((a) => a.user),
      ['local'],
    );
    assert.equal(local.accounts[0].hash, nativeHash('local-pw'));
    // MariaDB's own locked mariadb.sys@localhost has no authentication string: never a ProxySQL user
    assert.ok(local.skipped.some((k) => k.user === 'mariadb.sys' && /no password/.test(k.reason)));

    // a pattern that is SQL stays a value
    assert.deepEqual(await readAccounts(s, "%' OR '1'='1", []), { accounts: [], skipped: [] });
  } finally {
    await s.close();
  }
});
