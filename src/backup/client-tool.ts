/**
 * The MariaDB/MySQL client tools a backup runs (mariadb-dump, mariadb): the password goes in MYSQL_PWD, never in
 * argv where `ps` shows it; the last 4 KB of stderr are kept for the error; `done` settles when the tool exits,
 * rejecting with its exit code and that stderr, or with the package to install when the tool is missing.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';

export interface ClientTool {
  child: ChildProcess;
  done: Promise<void>;
}

export function runClientTool(command: string, args: string[], password: string, stdio: StdioOptions): ClientTool {
  const child = spawn(command, args, { env: { ...process.env, MYSQL_PWD: password }, stdio });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4096);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(`${command} is not installed (Debian package mariadb-client, or the MySQL client tools)`)
          : err,
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with code ${code}: ${stderr.trim()}`)),
    );
  });
  return { child, done };
}
