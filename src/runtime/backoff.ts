/**
 * Exponential backoff. `ExponentialBackoff` is for loops (the reflector): full jitter between `initialMs` and the
 * current cap, reset after success. `ItemBackoff` is the work queue's per-key limiter (controller-runtime's
 * ItemExponentialFailureRateLimiter): base × 2^failures, capped; no jitter, so intervals are predictable.
 */

export class ExponentialBackoff {
  private attempt = 0;
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly random: () => number;
  constructor(initialMs = 800, maxMs = 30_000, random: () => number = Math.random) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
  }
  /** The next delay: grows ×2 per call up to maxMs, with jitter in [cap/2, cap]. */
  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 40);
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }
  reset(): void {
    this.attempt = 0;
  }
}

export class ItemBackoff<K = string> {
  private readonly failures = new Map<K, number>();
  readonly baseMs: number;
  readonly maxMs: number;
  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }
  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n, 40));
  }
  /** Number of failures recorded since the last `forget`. */
  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }
  forget(key: K): void {
    this.failures.delete(key);
  }
}

/**
 * An overall token bucket (controller-runtime's 10 qps / burst 100 for retries) so that many failing keys cannot
 * hammer the API server together. Returns the delay until a token is available and reserves it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly qps: number;
  readonly burst: number;
  private readonly now: () => number;
  constructor(qps = 10, burst = 100, now: () => number = Date.now) {
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.now = now;
    this.last = now();
  }
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}
