/**
 * What the engine needs done inside a database pod that SQL cannot do: stop PostgreSQL cleanly so that it comes
 * back as a standby (standby.signal in PGDATA), and rebuild a data directory. The controller implements it with
 * the Kubernetes API's pods/exec; the engine only builds the commands (pure functions below, unit-tested).
 *
 * The official image runs the postmaster as the container's main process, so stopping PostgreSQL ends the
 * container and the kubelet starts it again; whatever must survive the stop is therefore written BEFORE it.
 */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NodeControl {
  /** Runs argv in the node's database container (its env: PGDATA), with `stdin` when given. */
  exec(node: string, argv: string[], options?: { stdin?: string }): Promise<ExecResult>;
}

const sh = (script: string) => ['sh', '-c', script];
/** Fails the script when the container has no PGDATA (the official image sets it). */
const NEED_PGDATA = '[ -n "$PGDATA" ] || { echo "PGDATA is not set" >&2; exit 2; }';

/**
 * Turns the node into a standby at its next start and stops it now with a fast shutdown (SIGINT to the
 * postmaster: sessions end, the shutdown checkpoint is written and streamed to connected standbys before the
 * walsenders exit). Runs as the container's user (root in the official image), hence no pg_ctl (which refuses
 * root); the postmaster's pid is the first line of postmaster.pid.
 */
export function stopAsStandbyCommand(): string[] {
  return sh(
    [
      'set -e',
      NEED_PGDATA,
      'touch "$PGDATA/standby.signal"',
      'chown --reference="$PGDATA" "$PGDATA/standby.signal" 2>/dev/null || true',
      'pid=$(head -1 "$PGDATA/postmaster.pid")',
      'kill -INT "$pid"',
    ].join('\n'),
  );
}

/** Adds `host replication USER all scram-sha-256` to pg_hba.conf when missing (the server is reloaded by SQL). */
export function allowReplicationCommand(user: string): string[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(user)) throw new Error(`replication user name ${JSON.stringify(user)} is not simple`);
  const line = `host replication ${user} all scram-sha-256`;
  return sh(
    [
      'set -e',
      NEED_PGDATA,
      `grep -qxF '${line}' "$PGDATA/pg_hba.conf" || printf '\\n# statecraft: standbys stream WAL\\n%s\\n' '${line}' >> "$PGDATA/pg_hba.conf"`,
    ].join('\n'),
  );
}

/**
 * Rebuilds the node's data directory from the primary while its (diverged, read-only) server keeps running:
 * pg_basebackup into `$PGDATA.rebuild` (password on stdin, never in argv), then — only once the copy is complete —
 * swap the directories and stop the old server at once, so the container restarts on the copy as a standby
 * (pg_basebackup -R writes standby.signal). No time limit: a large copy takes as long as it takes. pg_rewind is
 * not used because it needs the server stopped, and stopping it ends the container. PGDATA must not be a mount
 * point itself (a sub-directory of the volume, as the image's docs recommend), since it is renamed.
 */
export function rebuildCommand(primary: { host: string; port: number }, user: string, slot: string): string[] {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return sh(
    [
      'set -e',
      NEED_PGDATA,
      'IFS= read -r PGPASSWORD; export PGPASSWORD',
      'if mountpoint -q "$PGDATA" 2>/dev/null; then echo "PGDATA $PGDATA is a mount point; it cannot be swapped" >&2; exit 3; fi',
      'owner=$(stat -c %u:%g "$PGDATA")',
      'rm -rf "$PGDATA.rebuild"',
      `pg_basebackup -h ${q(primary.host)} -p ${primary.port} -U ${q(user)} -D "$PGDATA.rebuild" -X stream -R -c fast -S ${q(slot)} --no-password`,
      'chown -R "$owner" "$PGDATA.rebuild"',
      'chmod 700 "$PGDATA.rebuild"',
      'rm -rf "$PGDATA.diverged"',
      'pid=$(head -1 "$PGDATA/postmaster.pid" 2>/dev/null || true)',
      'mv "$PGDATA" "$PGDATA.diverged"',
      'mv "$PGDATA.rebuild" "$PGDATA"',
      // immediate shutdown: the discarded server must not write a checkpoint, since PostgreSQL writes pg_control
      // by its absolute data directory path, which now names the copy
      '[ -n "$pid" ] && kill -QUIT "$pid" || true',
    ].join('\n'),
  );
}
