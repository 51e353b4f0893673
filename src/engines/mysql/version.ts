import { MysqlEngineError } from './errors.ts';

export type Flavor = 'mariadb' | 'mysql';

export interface ServerVersion {
  flavor: Flavor;
  major: number;
  minor: number;
  patch: number;
  /** the server's @@version, e.g. `10.11.19-MariaDB-0+deb12u1-log` */
  raw: string;
}

/** Parses `SELECT @@version` (with `@@version_comment` as a tie-breaker for builds that hide "MariaDB"). */
export function parseServerVersion(version: string, comment = ''): ServerVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) throw new MysqlEngineError('ERR_MYSQL_UNSUPPORTED_VERSION', `cannot parse server version '${version}'`);
  // MariaDB 10.x/11.x once announced itself as "5.5.5-10.x" to old clients; @@version itself has no prefix.
  const flavor: Flavor = /mariadb/i.test(version) || /mariadb/i.test(comment) ? 'mariadb' : 'mysql';
  return { flavor, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), raw: version };
}

function atLeast(v: ServerVersion, major: number, minor: number, patch = 0): boolean {
  return v.major !== major ? v.major > major : v.minor !== minor ? v.minor > minor : v.patch >= patch;
}

/** MariaDB 10.6+ or MySQL 8.0.26+ (the first with the SOURCE/REPLICA statement names); otherwise an error. */
export function assertSupported(v: ServerVersion): void {
  const ok = v.flavor === 'mariadb' ? atLeast(v, 10, 6) : atLeast(v, 8, 0, 26);
  if (!ok) {
    throw new MysqlEngineError(
      'ERR_MYSQL_UNSUPPORTED_VERSION',
      `${v.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${v.major}.${v.minor}.${v.patch} is not supported (need MariaDB 10.6+ or MySQL 8.0.26+)`,
    );
  }
}
