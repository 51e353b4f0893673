/**
 * Logical backups of one MySQL/MariaDB database, shared by every kind that offers them (the MySQL kind's CronJob
 * runs `statecraft backup run`; `statecraft backup restore` puts one back). Kubernetes-free: it takes an address,
 * a login and a directory.
 */
export { type BackupOptions, type BackupResult, type BackupTarget, runBackup } from './dump.ts';
export {
  type BackupMetadata,
  backupFileName,
  backupsOf,
  dumpGtid,
  metadataFileName,
  planRetention,
  resolveBackupName,
} from './files.ts';
export { type RestoreOptions, type RestoreResult, restoreBackup } from './restore.ts';
export { type ChosenSource, chooseSource, MAX_SOURCE_LAG_SECONDS } from './source.ts';
