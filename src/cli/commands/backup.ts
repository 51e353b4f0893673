import { readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { backupsOf, chooseSource, restoreBackup, runBackup } from '../../backup/index.ts';
import type { Command } from '../command.ts';
import { UserError } from '../command.ts';

const USAGE = `usage: statecraft backup restore (--mysql | --musicservice) NAME [-n NS] [--backup FILE|latest] [--kubeconfig PATH] [--timeout S]
       statecraft backup run     --host HOST --database DB --dir DIR [--keep N] [--port P] [--user U]
       statecraft backup restore --host HOST --database DB --dir DIR [--backup FILE|latest] [--port P] [--user U]
       statecraft backup list    --database DB --dir DIR

Logical backups of one MySQL/MariaDB database (what the MySQL kind's backup CronJob runs in its pod).

  --host may be given more than once: run uses the first that is a healthy replica, else the last (the
  primary); restore always loads into the last.

  run       dump DB consistently (single transaction, routines, triggers, events) to DIR/DB-<UTC time>.sql.gz,
            record its binary log / GTID position in the .json beside it, keep the newest N (default 7)
  restore   load one backup of DIR (default: the latest) into the server; its SHA-256 is checked first.
            With --mysql NAME or --musicservice NAME: from outside the cluster, create a Job from the instance's backup CronJob that
            does this in the cluster (same image, Secret and backup claim), wait for it, report the outcome
  list      print the backups of DB in DIR, oldest first

The password is read from MYSQL_PWD (never a flag: flags are visible in ps). Default user root, port 3306.`;

export const backupCommand: Command = {
  name: 'backup',
  summary: 'take, list or restore a logical MySQL/MariaDB backup (run by the MySQL kind backup CronJob)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string', multiple: true },
        port: { type: 'string', default: '3306' },
        user: { type: 'string', default: 'root' },
        database: { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'string', default: '7' },
        backup: { type: 'string', default: 'latest' },
        mysql: { type: 'string' },
        musicservice: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        kubeconfig: { type: 'string' },
        timeout: { type: 'string', default: '600' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const action = positionals[0];
    if (values.help || !action) {
      console.log(USAGE);
      return action ? 0 : 2;
    }
    if (action === 'restore' && (values.mysql || values.musicservice)) {
      if (values.mysql && values.musicservice) throw new UserError('give --mysql or --musicservice, not both');
      const timeoutSeconds = Number(values.timeout);
      if (!(timeoutSeconds > 0)) throw new UserError(`--timeout ${values.timeout} must be a number of seconds`);
      const { restoreWithJob } = await import('./backupRestoreJob.ts');
      const job = await restoreWithJob({
        kubeconfig: values.kubeconfig,
        namespace: values.namespace,
        kind: values.mysql ? 'MySQL' : 'MusicService',
        name: (values.mysql ?? values.musicservice)!,
        backup: values.backup,
        timeoutSeconds,
      });
      console.log(`restore Job ${job} completed`);
      return 0;
    }
    if (!values.database) throw new UserError('--database is required');
    if (!values.dir) throw new UserError('--dir is required');
    if (action === 'list') {
      for (const f of backupsOf(await readdir(values.dir), values.database)) console.log(f);
      return 0;
    }
    if (action !== 'run' && action !== 'restore') throw new UserError(`unknown backup action '${action}'\n${USAGE}`);
    const hosts = values.host ?? [];
    if (!hosts.length) throw new UserError('--host is required');
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port ${values.port} is not a port`);
    const password = process.env.MYSQL_PWD;
    if (password === undefined) throw new UserError('MYSQL_PWD is not set: the password is read from it');
    const target = {
      // a restore goes to the last host (the primary); a backup prefers a healthy replica among the others
      address: { host: hosts[hosts.length - 1], port },
      login: { user: values.user, password },
      database: values.database,
      dir: values.dir,
    };
    try {
      if (action === 'run') {
        const keep = Number(values.keep);
        if (!Number.isInteger(keep) || keep < 1)
          throw new UserError(`--keep ${values.keep} must be a whole number ≥ 1`);
        const source = await chooseSource(hosts, port, target.login);
        const r = await runBackup({ ...target, address: source.address, keep });
        console.log(
          JSON.stringify({
            msg: 'backup complete',
            file: r.file,
            source: source.address.host,
            sourceChoice: source.notes,
            bytes: r.bytes,
            gtidPosition: r.gtidPosition,
            binlog: r.binlog,
            durationMs: r.durationMs,
            pruned: r.pruned,
          }),
        );
        return 0;
      }
      const r = await restoreBackup({ ...target, backup: values.backup });
      console.log(JSON.stringify({ msg: 'restore complete', file: r.file, durationMs: r.durationMs }));
      return 0;
    } catch (err) {
      if (err instanceof UserError) throw err;
      // messages are already scrubbed of the password
      throw new UserError((err as Error).message);
    }
  },
};
