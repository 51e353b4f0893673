/**
 * Errors of the runtime. Each carries a stable `code`; API errors also carry the HTTP status and the Kubernetes
 * Status `reason` so callers can branch on them (`isNotFound(err)`, `isConflict(err)`, `isGone(err)`).
 */

/** A failure answered by the API server (non-2xx). `reason` is the metav1.Status reason, e.g. `NotFound`. */
export class ApiError extends Error {
  readonly code = 'ERR_K8S_API';
  readonly status: number;
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, status: number, reason: string, message: string) {
    super(`${method} ${path}: ${status} ${reason}: ${message}`);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.path = path;
  }
}

/**
 * Thrown (or returned via `terminal(err)`) by a reconciler for an error that retrying cannot fix, e.g. an invalid
 * spec. The key is not requeued; the next change to the object triggers a new reconcile.
 */
export class TerminalError extends Error {
  readonly code = 'ERR_TERMINAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** The watch's resourceVersion is too old (HTTP 410 Gone / `Expired`): the reflector must relist. */
export class GoneError extends Error {
  readonly code = 'ERR_WATCH_GONE';
  constructor(message: string) {
    super(message);
    this.name = 'GoneError';
  }
}

/**
 * A mutating request (POST, PUT, PATCH, DELETE) refused — or cut off in flight — by a fenced KubeClient
 * (`client.fence(reason)`), e.g. because this process lost leadership. Retrying cannot help: the client stays fenced.
 */
export class FencedError extends Error {
  readonly code = 'ERR_WRITE_FENCED';
  readonly reason: string;
  constructor(reason: string, request?: { method: string; path: string }) {
    super(`${request ? `${request.method} ${request.path}: ` : ''}write refused: ${reason}`);
    this.name = 'FencedError';
    this.reason = reason;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
export const isFenced = (err: unknown): err is FencedError => err instanceof FencedError;
export const isGone = (err: unknown): boolean =>
  err instanceof GoneError || (err instanceof ApiError && (err.status === 410 || err.reason === 'Expired'));
