/**
 * Errors with one shape, for the runtime and every part of Statecraft (like undici's `lib/core/errors.js`):
 * `StatecraftError` carries a stable `code` — `ERR_<AREA>_<WHAT>` in upper snake case, the Node.js convention — and
 * the `cause` it wraps. Code branches on `code` or on the predicates below, never on message text or inline HTTP
 * status numbers.
 */

export class StatecraftError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A failure answered by the API server (non-2xx). The server's own words are kept as fields: `reason` (the
 * metav1.Status reason, e.g. `NotFound`, `Invalid`) and `serverMessage` (its message, e.g. the field a validation
 * rule rejected); `message` adds the request for logs.
 */
export class ApiError extends StatecraftError {
  readonly status: number;
  readonly reason: string;
  readonly serverMessage: string;
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, status: number, reason: string, serverMessage: string) {
    super('ERR_K8S_API', `${method} ${path}: ${status} ${reason}: ${serverMessage}`);
    this.status = status;
    this.reason = reason;
    this.serverMessage = serverMessage;
    this.method = method;
    this.path = path;
  }
}

/**
 * Thrown (or returned via `terminal(err)`) by a reconciler for an error that retrying cannot fix, e.g. an invalid
 * spec. The key is not requeued; the next change to the object triggers a new reconcile.
 */
export class TerminalError extends StatecraftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TERMINAL', message, options);
  }
}

/** The watch's resourceVersion is too old (HTTP 410 Gone / `Expired`): the reflector must relist. */
export class GoneError extends StatecraftError {
  constructor(message: string) {
    super('ERR_WATCH_GONE', message);
  }
}

/**
 * A mutating request (POST, PUT, PATCH, DELETE) refused — or cut off in flight — by a fenced KubeClient
 * (`client.fence(reason)`), e.g. because this process lost leadership. Retrying cannot help: the client stays fenced.
 */
export class FencedError extends StatecraftError {
  readonly reason: string;
  constructor(reason: string, request?: { method: string; path: string }) {
    super('ERR_WRITE_FENCED', `${request ? `${request.method} ${request.path}: ` : ''}write refused: ${reason}`);
    this.reason = reason;
  }
}

const status = (err: unknown): number | undefined => (err instanceof ApiError ? err.status : undefined);

/** 404: the object (or the kind) does not exist. */
export const isNotFound = (err: unknown): err is ApiError => status(err) === 404;
/** 409: a stale resourceVersion, a failed uid precondition, or an object that already exists. */
export const isConflict = (err: unknown): err is ApiError => status(err) === 409;
/** 422: the API server refused the object (schema, CEL rule, immutable field). */
export const isInvalid = (err: unknown): err is ApiError => status(err) === 422;
export const isFenced = (err: unknown): err is FencedError => err instanceof FencedError;
/** 410 / Expired: a watch or list continue token too old. */
export const isGone = (err: unknown): boolean =>
  err instanceof GoneError || (err instanceof ApiError && (err.status === 410 || err.reason === 'Expired'));
