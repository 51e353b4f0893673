/**
 * Restoring one backup: the named dump (or the latest) of the backup directory, its SHA-256 checked against the
 * metadata recorded beside it, decompressed into the `mariadb` (or `mysql`) client. The dump was taken with
 * `--databases`, so it recreates the database if it is gone and replaces each table it contains (DROP TABLE IF
 * EXISTS + CREATE + rows): tables dropped or changed since the backup come back as they were; tables created since
 * are left alone. The password reaches the client through MYSQL_PWD, never argv.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { scrub } from '../engines/mysql/errors.ts';
import { runClientTool } from './client-tool.ts';
import type { BackupTarget } from './dump.ts';
import { type BackupMetadata, metadataFileName, resolveBackupName } from './files.ts';

export interface RestoreOptions extends BackupTarget {
  dir: string;
  /** a file name in `dir`, or `latest` */
  backup: string;
  /** default: mariadb */
  clientCommand?: string;
}

export interface RestoreResult {
  file: string;
  metadata?: BackupMetadata;
  durationMs: number;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const file = resolveBackupName(o.backup, await readdir(o.dir), o.database);
  const path = join(o.dir, file);
  let metadata: BackupMetadata | undefined;
  try {
    metadata = JSON.parse(await readFile(join(o.dir, metadataFileName(file)), 'utf8')) as BackupMetadata;
  } catch {
    metadata = undefined; // a dump copied in by hand: restored without the check
  }
  if (metadata && (await sha256Of(path)) !== metadata.sha256) {
    throw new Error(`backup ${file} does not match the SHA-256 recorded when it was taken: the file is damaged`);
  }
  const command = o.clientCommand ?? 'mariadb';
  const tool = runClientTool(
    command,
    [`--host=${o.address.host}`, `--port=${o.address.port}`, `--user=${o.login.user}`, '--binary-mode'],
    o.login.password,
    ['pipe', 'ignore', 'pipe'],
  );
  try {
    await Promise.all([pipeline(createReadStream(path), createGunzip(), tool.child.stdin!), tool.done]);
  } catch (err) {
    throw new Error(`restore of ${file} failed: ${scrub((err as Error).message, [o.login.password])}`);
  }
  return { file, metadata, durationMs: Date.now() - started };
}
