/**
 * What every database engine's errors share: a stable `code` (controllers map it to condition reasons), the node
 * it is about, and messages that never contain a secret — driver messages echo statements, which may carry a
 * password, so they are scrubbed of every secret the engine knows.
 */
import { StatecraftError } from '../runtime/errors.ts';

export class EngineError<C extends string = string> extends StatecraftError {
  declare readonly code: C;
  /** `host:port` of the node the error is about, when there is one */
  readonly node?: string;
  constructor(code: C, message: string, options?: { node?: string; cause?: unknown }) {
    super(code, message, options);
    this.node = options?.node;
  }
}

/** Socket error codes that mean "could not reach the server", whatever the driver. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
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
