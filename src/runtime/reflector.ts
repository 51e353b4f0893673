/**
 * The reflector keeps a Store equal to the API server's view of one kind (in one namespace or all): LIST (paged,
 * 500 per page), then WATCH from the list's resourceVersion with bookmarks, resuming from the last seen
 * resourceVersion whenever a watch ends.
 *
 * Guarantees
 * - It never exits and never stops silently: every failure is logged and retried with exponential backoff with
 *   jitter (0.8 s .. 30 s, reset after a successful list or watch event); only `signal` stops it.
 * - 410 Gone / Expired (the resourceVersion was compacted) leads to an immediate relist; the relist replaces the
 *   store and reports the difference as events (adds, updates, and deletes for objects that vanished meanwhile),
 *   so no object is missed and none lingers.
 * - A watch that goes silent (no event and no bookmark) is torn down by a watchdog after the server-side timeout
 *   plus a grace period, and the server-side timeout itself is randomised (5–10 min) so watches don't reconnect
 *   in lockstep.
 *
 * Caveats: events are delivered in order per reflector; handlers run synchronously and must be cheap (enqueue).
 */
import type { Logger } from 'pino';
import { ExponentialBackoff } from './backoff.ts';
import type { KubeClient } from './client.ts';
import { isGone } from './errors.ts';
import { type GroupVersionKind, gvkKey, type KubeObject, keyOf } from './gvk.ts';
import { sleep } from './sleep.ts';
import type { Store } from './store.ts';

export interface StoreEvents {
  added(obj: KubeObject): void;
  updated(oldObj: KubeObject, newObj: KubeObject): void;
  deleted(obj: KubeObject): void;
}

export interface ReflectorOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  /** server-side watch timeout range in seconds; default 300..600 */
  watchTimeoutSeconds?: [number, number];
  /** how long past the server-side timeout a watch may stay silent before the watchdog kills it; default 30 s */
  watchdogGraceMs?: number;
  /** applied to every object before it is stored (default: `dropUnreadFields`, to save memory) */
  transform?: (obj: KubeObject) => KubeObject;
  backoff?: ExponentialBackoff;
  log: Logger;
}

export const dropManagedFields = (obj: KubeObject): KubeObject => {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
};

/** kubectl's client-side apply record: a JSON copy of the object as last applied (measured: ~45% of a cached CR). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The default transform: drops what no controller reads — `metadata.managedFields` and the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation. Safe because cached objects are only read and
 * compared, never written back whole (status and finalizers are patches, applies send desired objects); a
 * controller that needs either field must set its own `transform` (or read the object from the API server).
 */
export const dropUnreadFields = (obj: KubeObject): KubeObject => {
  dropManagedFields(obj);
  const annotations = obj.metadata?.annotations;
  if (annotations && LAST_APPLIED_ANNOTATION in annotations) delete annotations[LAST_APPLIED_ANNOTATION];
  return obj;
};

export class Reflector {
  private readonly client: KubeClient;
  private readonly gvk: GroupVersionKind;
  private readonly store: Store;
  private readonly events: StoreEvents;
  private readonly options: ReflectorOptions;
  private readonly backoff: ExponentialBackoff;
  private readonly log: Logger;
  private resourceVersion = '';
  private synced = false;
  private current?: AbortController;
  private hold?: { until: number; resumeFrom?: string };
  /** counters for observability and tests */
  readonly stats = { lists: 0, watches: 0, relistsOnGone: 0, errors: 0, watchdogKills: 0 };

  constructor(client: KubeClient, gvk: GroupVersionKind, store: Store, events: StoreEvents, options: ReflectorOptions) {
    this.client = client;
    this.gvk = gvk;
    this.store = store;
    this.events = events;
    this.options = options;
    this.backoff = options.backoff ?? new ExponentialBackoff(800, 30_000);
    this.log = options.log.child({ kind: gvkKey(gvk), namespace: options.namespace || undefined });
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /**
   * Tears down the current watch and keeps the reflector disconnected for `holdMs`; it then resumes watching from
   * `resumeFrom` (default: where it was). For recovery drills and tests: resuming from a compacted version ('1')
   * forces the 410 → relist path.
   */
  interrupt(options: { holdMs?: number; resumeFrom?: string } = {}): void {
    this.hold = { until: Date.now() + (options.holdMs ?? 0), resumeFrom: options.resumeFrom };
    this.current?.abort();
  }

  /** Runs until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.hold) {
          const { until, resumeFrom } = this.hold;
          this.hold = undefined;
          await sleep(until - Date.now(), signal);
          if (resumeFrom !== undefined) this.resourceVersion = resumeFrom;
          continue;
        }
        if (!this.resourceVersion) await this.relist(signal);
        const started = Date.now();
        const events = await this.watch(signal);
        // A server that ends watches at once would otherwise be hammered in a tight loop.
        if (events === 0 && Date.now() - started < 1_000 && !this.hold) await sleep(this.backoff.next(), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (this.hold) continue;
        if (isGone(err)) {
          this.stats.relistsOnGone++;
          this.log.info({ resourceVersion: this.resourceVersion }, 'watch expired (410), relisting');
          this.resourceVersion = '';
          continue;
        }
        this.stats.errors++;
        const delay = this.backoff.next();
        this.log.warn({ err: errorSummary(err), retryInMs: delay }, 'list/watch failed, retrying');
        await sleep(delay, signal);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    const transform = this.options.transform ?? dropUnreadFields;
    const fresh = new Map<string, KubeObject>();
    let cont: string | undefined;
    let rv = '';
    do {
      if (signal.aborted) return;
      const page = await this.client.list(this.gvk, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        limit: this.options.pageSize ?? 500,
        continue: cont,
      });
      for (const item of page.items) fresh.set(keyOf(item), transform(item));
      cont = page.continue;
      rv = page.resourceVersion;
    } while (cont);
    // Replace the store and report the difference, so handlers see exactly what changed while we were away.
    for (const key of [...this.store.keys()]) {
      if (!fresh.has(key) && this.inScope(key)) {
        const old = this.store.remove(key);
        if (old) this.events.deleted(old);
      }
    }
    for (const obj of fresh.values()) {
      const old = this.store.upsert(obj);
      if (!old) this.events.added(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.events.updated(old, obj);
    }
    this.resourceVersion = rv;
    this.synced = true;
    this.backoff.reset();
    this.log.debug({ count: fresh.size, resourceVersion: rv }, 'listed');
  }

  private inScope(key: string): boolean {
    const ns = this.options.namespace;
    return !ns || key.startsWith(`${ns}/`);
  }

  /** One watch; resolves to the number of events seen when it ends normally. */
  private async watch(signal: AbortSignal): Promise<number> {
    let events = 0;
    this.stats.watches++;
    const [lo, hi] = this.options.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.round(lo + Math.random() * (hi - lo));
    const grace = this.options.watchdogGraceMs ?? 30_000;
    const abort = new AbortController();
    this.current = abort;
    const onAbort = () => abort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let lastSeen = Date.now();
    const watchdog = setInterval(
      () => {
        if (Date.now() - lastSeen > timeoutSeconds * 1000 + grace) {
          this.stats.watchdogKills++;
          this.log.warn({ silentForMs: Date.now() - lastSeen }, 'watch went silent, restarting it');
          abort.abort();
        }
      },
      Math.min(5_000, grace),
    );
    watchdog.unref();
    const transform = this.options.transform ?? dropUnreadFields;
    try {
      for await (const event of this.client.watch(this.gvk, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal: abort.signal,
      })) {
        lastSeen = Date.now();
        events++;
        const rv = event.object.metadata?.resourceVersion;
        if (event.type === 'BOOKMARK') {
          if (rv) this.resourceVersion = rv;
          continue;
        }
        const obj = transform(event.object);
        if (event.type === 'DELETED') {
          const old = this.store.remove(keyOf(obj));
          this.events.deleted(old ?? obj);
        } else {
          const old = this.store.upsert(obj);
          if (old) this.events.updated(old, obj);
          else this.events.added(obj);
        }
        if (rv) this.resourceVersion = rv;
        this.backoff.reset();
      }
    } catch (err) {
      // An abort we caused (watchdog or interrupt) is a normal end: resume from the last resourceVersion.
      if (!abort.signal.aborted) throw err;
    } finally {
      clearInterval(watchdog);
      signal.removeEventListener('abort', onAbort);
    }
    return events;
  }
}

function errorSummary(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string } };
  return [e?.code, e?.cause?.code, e?.message ?? String(err)].filter(Boolean).join(': ');
}
