/**
 * One backup: a consistent logical dump of one database (`--single-transaction`: an InnoDB snapshot, no table
 * locked for the dump's length; routines, triggers and events included), gzip-compressed into the backup
 * directory under a timestamped name, with the snapshot's binary log coordinates and GTID position recorded
 * beside it, then retention. Works against MySQL and MariaDB alike: the tool asks the server which it is only to
 * pick the options that exist there.
 *
 * The dump is written as `NAME.partial` and renamed only once the dump tool exited 0 and the file is flushed, so
 * a crash never leaves a truncated file that looks complete. The password reaches the dump tool through MYSQL_PWD,
 * never argv (visible in `ps`), and is scrubbed from every error.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { scrub } from '../engines/mysql/errors.ts';
import { connectNode, dumpCoordinates, type Login, type NodeAddress } from '../engines/mysql/index.ts';
import { runClientTool } from './client-tool.ts';
import {
  type BackupMetadata,
  backupFileName,
  dumpGtid,
  metadataFileName,
  PARTIAL_SUFFIX,
  planRetention,
} from './files.ts';

export interface BackupTarget {
  address: NodeAddress;
  /** an account allowed to dump with a consistent position (SELECT, SHOW VIEW, TRIGGER, EVENT, RELOAD, LOCK TABLES, REPLICATION CLIENT) */
  login: Login;
  database: string;
}

export interface BackupOptions extends BackupTarget {
  dir: string;
  /** backups of this database to keep, this one included */
  keep: number;
  /** default: mariadb-dump, else mysqldump (whichever is on PATH) */
  dumpCommand?: string;
  now?: () => Date;
}

export interface BackupResult extends BackupMetadata {
  pruned: string[];
  durationMs: number;
}

/** How much of the dump's beginning is kept to read the position comments from (they are in the first lines). */
const HEAD_BYTES = 64 * 1024;

export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const now = o.now ?? (() => new Date());
  const started = now();
  const secrets = [o.login.password];
  const session = await connectNode(o.address, o.login, { connectTimeoutMs: 10_000 });
  let logBin: boolean;
  let flavor: 'mariadb' | 'mysql';
  let serverVersion: string;
  try {
    const [row] = await session.run({ sql: 'SELECT @@log_bin AS logBin' });
    logBin = Number(row.logBin) === 1;
    flavor = session.version.flavor;
    serverVersion = session.version.raw;
    const [db] = await session.run({
      sql: 'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      params: [o.database],
    });
    if (Number(db.n) !== 1) throw new Error(`database ${o.database} does not exist on ${session.label}`);
  } finally {
    await session.close();
  }

  const file = backupFileName(o.database, started);
  const partial = join(o.dir, file + PARTIAL_SUFFIX);
  const args = [
    `--host=${o.address.host}`,
    `--port=${o.address.port}`,
    `--user=${o.login.user}`,
    '--single-transaction',
    '--routines',
    '--triggers',
    '--events',
    '--hex-blob',
    // the position of the snapshot, as a comment (=2): needs binary logging
    ...(logBin ? ['--master-data=2'] : []),
    ...(logBin && flavor === 'mariadb' ? ['--gtid'] : []),
    '--databases',
    o.database,
  ];
  const command = o.dumpCommand ?? 'mariadb-dump';
  const tool = runClientTool(command, args, o.login.password, ['ignore', 'pipe', 'pipe']);
  let head = '';
  const headTap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (head.length < HEAD_BYTES) head += chunk.toString('utf8', 0, Math.min(chunk.length, HEAD_BYTES));
      cb(null, chunk);
    },
  });
  const hash = createHash('sha256');
  const hashTap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await Promise.all([
      pipeline(tool.child.stdout!, headTap, createGzip(), hashTap, createWriteStream(partial, { mode: 0o600 })),
      tool.done,
    ]);
  } catch (err) {
    await rm(partial, { force: true });
    throw new Error(`backup of ${o.database} failed: ${scrub((err as Error).message, secrets)}`);
  }
  const completed = now();
  const meta: BackupMetadata = {
    file,
    database: o.database,
    startedAt: started.toISOString(),
    completedAt: completed.toISOString(),
    source: `${o.address.host}:${o.address.port}`,
    serverVersion,
    gtidPosition: dumpGtid(head),
    binlog: dumpCoordinates(head),
    bytes: (await stat(partial)).size,
    sha256: hash.digest('hex'),
  };
  await writeFile(join(o.dir, metadataFileName(file)), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
  await rename(partial, join(o.dir, file));
  const pruned = planRetention(await readdir(o.dir), o.database, o.keep);
  for (const f of pruned) await rm(join(o.dir, f), { force: true });
  return { ...meta, pruned, durationMs: completed.getTime() - started.getTime() };
}
