/**
 * Errors of the MySQL/MariaDB engine. `code` is stable (controllers map it to condition reasons); messages name the
 * node and never contain a password: driver messages are scrubbed of every secret the engine knows.
 */
import { StatecraftError } from '../../runtime/errors.ts';

export type MysqlErrorCode =
  | 'ERR_MYSQL_CONNECT_FAILED'
  | 'ERR_MYSQL_ACCESS_DENIED'
  | 'ERR_MYSQL_UNSUPPORTED_VERSION'
  | 'ERR_MYSQL_QUERY_FAILED'
  | 'ERR_MYSQL_FENCE_FAILED'
  | 'ERR_MYSQL_CATCHUP_TIMEOUT'
  | 'ERR_MYSQL_ERRANT_TRANSACTIONS'
  | 'ERR_MYSQL_NOT_REPLICATING'
  | 'ERR_MYSQL_LONG_TRANSACTION'
  | 'ERR_MYSQL_MISCONFIGURED'
  | 'ERR_MYSQL_SEED_FAILED'
  | 'ERR_MYSQL_SEED_TARGET_NOT_EMPTY'
  | 'ERR_MYSQL_ABORTED';

export class MysqlEngineError extends StatecraftError {
  declare readonly code: MysqlErrorCode;
  /** `host:port` of the node the error is about, when there is one */
  readonly node?: string;
  constructor(code: MysqlErrorCode, message: string, options?: { node?: string; cause?: unknown }) {
    super(code, message, options);
    this.node = options?.node;
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
]);
const ACCESS_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED']);

/** Removes every given secret from `text` (drivers echo statements, which may carry a replication password). */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** Wraps a mysql2/socket error into a MysqlEngineError with a code a controller can act on. */
export function classifyDriverError(
  err: unknown,
  node: string,
  doing: string,
  secrets: ReadonlyArray<string | undefined> = [],
): MysqlEngineError {
  if (err instanceof MysqlEngineError) return err;
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  const detail = scrub(e.sqlMessage ?? e.message ?? String(err), secrets);
  const code: MysqlErrorCode = ACCESS_CODES.has(e.code ?? '')
    ? 'ERR_MYSQL_ACCESS_DENIED'
    : CONNECT_CODES.has(e.code ?? '') || /connect|timeout/i.test(e.code ?? '')
      ? 'ERR_MYSQL_CONNECT_FAILED'
      : 'ERR_MYSQL_QUERY_FAILED';
  // The cause keeps the driver's code/errno but not its `sql` (which may contain a password).
  const cause = { code: e.code, errno: e.errno };
  return new MysqlEngineError(code, `${node}: ${doing}: ${detail}${e.code ? ` (${e.code})` : ''}`, { node, cause });
}
