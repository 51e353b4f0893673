/**
 * Errors of the PostgreSQL engine. `code` is stable (controllers map it to condition reasons); messages name the
 * node and never contain a password: driver messages are scrubbed of every secret the engine knows.
 */
import { EngineError, NETWORK_ERROR_CODES, scrub } from '../engine-error.ts';

export { scrub };

export type PostgresErrorCode =
  | 'ERR_POSTGRES_CONNECT_FAILED'
  | 'ERR_POSTGRES_ACCESS_DENIED'
  | 'ERR_POSTGRES_UNSUPPORTED_VERSION'
  | 'ERR_POSTGRES_QUERY_FAILED'
  | 'ERR_POSTGRES_EXEC_FAILED'
  | 'ERR_POSTGRES_CATCHUP_TIMEOUT'
  | 'ERR_POSTGRES_NOT_STREAMING'
  | 'ERR_POSTGRES_PRIMARY_UNREACHABLE'
  | 'ERR_POSTGRES_DIVERGED'
  | 'ERR_POSTGRES_PROMOTE_FAILED'
  | 'ERR_POSTGRES_ABORTED';

export class PostgresEngineError extends EngineError<PostgresErrorCode> {}

/** Wraps a pg/socket error into a PostgresEngineError with a code a controller can act on. */
export function classifyDriverError(
  err: unknown,
  node: string,
  doing: string,
  secrets: ReadonlyArray<string | undefined> = [],
): PostgresEngineError {
  if (err instanceof PostgresEngineError) return err;
  const e = err as { code?: string; message?: string };
  const detail = scrub(e.message ?? String(err), secrets);
  // 28P01 invalid_password, 28000 invalid_authorization_specification; 57P0x: the server is shutting down
  const code: PostgresErrorCode = ['28P01', '28000'].includes(e.code ?? '')
    ? 'ERR_POSTGRES_ACCESS_DENIED'
    : NETWORK_ERROR_CODES.has(e.code ?? '') ||
        /^57P0/.test(e.code ?? '') ||
        /timeout|terminated|Connection terminated|starting up|shutting down/i.test(detail)
      ? 'ERR_POSTGRES_CONNECT_FAILED'
      : 'ERR_POSTGRES_QUERY_FAILED';
  return new PostgresEngineError(code, `${node}: ${doing}: ${detail}${e.code ? ` (${e.code})` : ''}`, {
    node,
    cause: { code: e.code },
  });
}
