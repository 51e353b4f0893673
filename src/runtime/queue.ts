/**
 * The controller work queue, equivalent to client-go's rate-limited delaying work queue.
 *
 * Guarantees
 * - A key is queued at most once however often it is added (deduplication).
 * - A key handed out by `get` is not handed out again until `done(key)`; adds that arrive meanwhile are kept and
 *   the key is queued again on `done` — so one key is never processed by two workers at once, and the latest
 *   state is always processed after the last add.
 * - `addAfter` keeps the earliest pending deadline for a key; `addRateLimited` waits max(per-key exponential
 *   backoff 5 ms × 2^n up to 1000 s, overall 10 qps / burst 100 bucket).
 * - `shutdown()` stops accepting keys, wakes idle `get`s (they resolve undefined) and resolves once every key
 *   handed out has been marked done (drain).
 */
import { ItemBackoff, TokenBucket } from './backoff.ts';

export interface QueueMetrics {
  depth(n: number): void;
  add(): void;
  retry(): void;
  /** seconds a key waited between being queued and being handed to a worker */
  queued(seconds: number): void;
  /** seconds a worker held a key */
  worked(seconds: number): void;
  /** unfinished work: total seconds in progress and longest running, reported on scrape */
  inFlight?(get: () => { total: number; longest: number }): void;
}

export interface WorkQueueOptions {
  backoff?: ItemBackoff<string>;
  bucket?: TokenBucket;
  metrics?: QueueMetrics;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private drained?: () => void;
  private shuttingDown = false;
  readonly backoff: ItemBackoff<string>;
  private readonly bucket: TokenBucket;
  private readonly metrics?: QueueMetrics;

  constructor(options: WorkQueueOptions = {}) {
    this.backoff = options.backoff ?? new ItemBackoff();
    this.bucket = options.bucket ?? new TokenBucket();
    this.metrics = options.metrics;
    this.metrics?.inFlight?.(() => {
      const now = performance.now();
      let total = 0;
      let longest = 0;
      for (const start of this.processing.values()) {
        const s = (now - start) / 1000;
        total += s;
        longest = Math.max(longest, s);
      }
      return { total, longest };
    });
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  /** Keys currently handed out to workers. */
  get inFlight(): number {
    return this.processing.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.add();
    this.dirty.add(key);
    this.addedAt.set(key, performance.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.hand(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.metrics?.depth(this.length);
  }

  private hand(key: string): void {
    const now = performance.now();
    this.dirty.delete(key);
    this.processing.set(key, now);
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (at !== undefined) this.metrics?.queued((now - at) / 1000);
  }

  /** Adds `key` after `ms` (immediately when ms <= 0). An earlier pending deadline for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after its backoff; returns the delay chosen. */
  addRateLimited(key: string): number {
    this.metrics?.retry();
    const ms = Math.max(this.backoff.when(key), this.bucket.reserve());
    this.addAfter(key, ms);
    return ms;
  }

  /** Clears the key's failure count (call after a successful reconcile). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.backoff.retries(key);
  }

  /** The next key, waiting if none is queued; undefined once the queue is shutting down. */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.metrics?.depth(this.length);
      this.hand(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key handed out by `get` as finished; if it was added meanwhile it is queued again. */
  done(key: string): void {
    const start = this.processing.get(key);
    if (start === undefined) return;
    this.processing.delete(key);
    this.metrics?.worked((performance.now() - start) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) this.drained?.();
  }

  /** Stops the queue and resolves when every in-flight key is done. Queued and delayed keys are dropped. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.queue.length = 0;
    this.head = 0;
    this.metrics?.depth(0);
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }
}
