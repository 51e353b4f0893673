/**
 * Errors of the Redis engine. `code` is stable (controllers map it to condition reasons); messages name the node
 * and never contain a password (driver messages are scrubbed of every secret the engine knows).
 */
import { StatecraftError } from '../../runtime/errors.ts';

export type RedisErrorCode =
  | 'ERR_REDIS_CONNECT_FAILED'
  | 'ERR_REDIS_AUTH_FAILED'
  | 'ERR_REDIS_UNSUPPORTED_VERSION'
  | 'ERR_REDIS_COMMAND_FAILED'
  | 'ERR_REDIS_CATCHUP_TIMEOUT'
  | 'ERR_REDIS_ABORTED'
  /** a switchover candidate that is not an in-sync replica of the current source */
  | 'ERR_REDIS_NOT_REPLICATING'
  /** the source cannot be observed: replicas are left as they are */
  | 'ERR_REDIS_SOURCE_UNREACHABLE'
  /** repointing a node would replace data the source does not have (e.g. a source restarted without its data) */
  | 'ERR_REDIS_DATA_AT_RISK';

export class RedisEngineError extends StatecraftError {
  declare readonly code: RedisErrorCode;
  /** `host:port` of the node the error is about, when there is one */
  readonly node?: string;
  constructor(code: RedisErrorCode, message: string, options?: { node?: string; cause?: unknown }) {
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
  'EPIPE',
]);

/** Removes every given secret from `text`. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** Wraps an ioredis/socket error into a RedisEngineError with a code a controller can act on. */
export function classifyRedisError(
  err: unknown,
  node: string,
  doing: string,
  secrets: ReadonlyArray<string | undefined> = [],
): RedisEngineError {
  if (err instanceof RedisEngineError) return err;
  const e = err as { code?: string; message?: string; name?: string };
  const detail = scrub(e.message ?? String(err), secrets);
  // WRONGPASS (6.0+ ACL), NOAUTH (a password is required), "invalid password" (requirepass without ACL users)
  const code: RedisErrorCode = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(detail)
    ? 'ERR_REDIS_AUTH_FAILED'
    : CONNECT_CODES.has(e.code ?? '') ||
        /connect|Connection is closed|Command timed out|Stream isn't writeable/i.test(detail)
      ? 'ERR_REDIS_CONNECT_FAILED'
      : 'ERR_REDIS_COMMAND_FAILED';
  return new RedisEngineError(code, `${node}: ${doing}: ${detail}`, { node, cause: { code: e.code } });
}
