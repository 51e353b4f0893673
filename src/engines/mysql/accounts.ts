/**
 * The accounts a ProxySQL sync copies from a source: `mysql.user` rows whose Host equals a pattern (compose-
 * operator's `rule.pattern`, e.g. '%'), minus the user names in `rule.filter`. The authentication string (a hash)
 * is what ProxySQL stores as the user's password, so no plaintext password is ever read.
 */
import type { Statement } from './dialect.ts';
import type { Session } from './session.ts';

export interface Account {
  user: string;
  /** the authentication string (e.g. `*2470C0...` for mysql_native_password) */
  hash: string;
  plugin: string;
}

/** authentication plugins whose hash ProxySQL can check a client against */
const PROXYABLE_PLUGINS = new Set(['mysql_native_password', 'caching_sha2_password', '']);

export const accountsQuery = (pattern: string): Statement => ({
  sql: 'SELECT User AS user, authentication_string AS hash, plugin FROM mysql.user WHERE Host = ? ORDER BY User',
  params: [pattern],
});

/** Pure: which accounts become ProxySQL users, and which are left out (and why). */
export function selectAccounts(
  rows: readonly Account[],
  filter: readonly string[],
): { accounts: Account[]; skipped: { user: string; reason: string }[] } {
  const accounts: Account[] = [];
  const skipped: { user: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (!r.user || filter.includes(r.user) || seen.has(r.user)) continue;
    seen.add(r.user);
    if (!PROXYABLE_PLUGINS.has(r.plugin)) skipped.push({ user: r.user, reason: `authentication plugin ${r.plugin}` });
    // no authentication string: a password-less or locked account (MariaDB's mariadb.sys) — as a ProxySQL user it
    // would let clients in with no password at all
    else if (!r.hash) skipped.push({ user: r.user, reason: 'no password (empty authentication string)' });
    else accounts.push(r);
  }
  return { accounts, skipped };
}

/** Reads the source's accounts for `pattern` and selects them (see selectAccounts). */
export async function readAccounts(session: Session, pattern: string, filter: readonly string[]) {
  const rows = await session.run(accountsQuery(pattern), `reading mysql.user accounts with Host '${pattern}'`);
  const text = (v: unknown) =>
    v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return selectAccounts(
    rows.map((r) => ({ user: text(r.user), hash: text(r.hash), plugin: text(r.plugin) })),
    filter,
  );
}
