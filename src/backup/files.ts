/**
 * The backup directory's layout, as pure functions: one compressed logical dump per backup, named after the
 * database and the moment it started (`myapp-20260102T020000Z.sql.gz`, sortable as text), and beside it a
 * `.json` file with what the dump corresponds to (binary log coordinates, GTID position, server version).
 * Retention keeps the newest N complete backups; a dump still being written carries `.partial` and is never
 * counted or restored.
 */

/** What is recorded beside each dump. */
export interface BackupMetadata {
  file: string;
  database: string;
  startedAt: string;
  completedAt: string;
  /** the server the dump was taken from (host:port) */
  source: string;
  /** the server's @@version */
  serverVersion: string;
  /** GTID position of the snapshot: MariaDB's gtid_binlog_pos, MySQL's gtid_executed; undefined when none */
  gtidPosition?: string;
  /** binary log coordinates of the snapshot; undefined when binary logging is off */
  binlog?: { file: string; pos: number };
  /** bytes of the compressed dump, and its SHA-256 (checked before a restore) */
  bytes: number;
  sha256: string;
}

export const DUMP_SUFFIX = '.sql.gz';
export const METADATA_SUFFIX = '.json';
export const PARTIAL_SUFFIX = '.partial';

/** `20260102T020000Z`: the UTC second, sortable as text. */
export function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The dump's file name for `database` started at `date`. */
export function backupFileName(database: string, date: Date): string {
  return `${database}-${stamp(date)}${DUMP_SUFFIX}`;
}

export const metadataFileName = (dump: string): string => dump.slice(0, -DUMP_SUFFIX.length) + METADATA_SUFFIX;

const BACKUP_RE = /^(.+)-(\d{8}T\d{6}Z)\.sql\.gz$/;

/** The complete dumps of `database` among a directory's entries, oldest first. */
export function backupsOf(entries: readonly string[], database: string): string[] {
  return entries
    .filter((e) => BACKUP_RE.exec(e)?.[1] === database)
    .sort((a, b) => BACKUP_RE.exec(a)![2].localeCompare(BACKUP_RE.exec(b)![2]));
}

/** The files to delete so that only the newest `keep` backups of `database` remain (dumps and their metadata). */
export function planRetention(entries: readonly string[], database: string, keep: number): string[] {
  if (!Number.isInteger(keep) || keep < 1)
    throw new Error(`retention must be a whole number of at least 1, got ${keep}`);
  const all = backupsOf(entries, database);
  const old = all.slice(0, Math.max(0, all.length - keep));
  const present = new Set(entries);
  return old.flatMap((f) => [f, metadataFileName(f)].filter((x) => present.has(x)));
}

/**
 * A backup named by a user: a bare file name in the backup directory (no path, so a restore cannot be pointed
 * outside it), or `latest`. Resolves to the file name; throws naming what is wrong.
 */
export function resolveBackupName(name: string, entries: readonly string[], database: string): string {
  if (name === 'latest') {
    const all = backupsOf(entries, database);
    if (!all.length) throw new Error(`no backup of database ${database} in the backup directory`);
    return all[all.length - 1];
  }
  if (name.includes('/') || !name.endsWith(DUMP_SUFFIX)) {
    throw new Error(`backup ${JSON.stringify(name)} must be a file name ending in ${DUMP_SUFFIX} (or "latest")`);
  }
  if (!entries.includes(name)) {
    const known = backupsOf(entries, database);
    throw new Error(`backup ${name} not found; present: ${known.length ? known.join(', ') : 'none'}`);
  }
  return name;
}

/** MariaDB's `SET GLOBAL gtid_slave_pos='…'` or MySQL's `SET @@GLOBAL.GTID_PURGED=…'…'` from a dump's header. */
export function dumpGtid(head: string): string | undefined {
  const mariadb = /SET GLOBAL gtid_slave_pos\s*=\s*'([0-9,\- ]*)'/.exec(head)?.[1];
  if (mariadb !== undefined) return mariadb.replace(/\s+/g, '') || undefined;
  const mysql = /SET @@GLOBAL\.GTID_PURGED\s*=\s*(?:\/\*!80000 '\+'\*\/\s*)?'([^']*)'/.exec(head)?.[1];
  return mysql?.replace(/\s+/g, '') || undefined;
}
