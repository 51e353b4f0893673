/**
 * The manager's shared cache: one Informer per kind, created on first use, reading from memory. Equivalent to
 * controller-runtime's informer cache (reads are served from the cache, writes go to the API server).
 *
 * Caveats: the cache is eventually consistent — right after a write, a read may still return the old object.
 * Objects are shared: clone before mutating. `get` on a kind not yet watched starts an informer and waits for
 * its first sync. metadata.managedFields and kubectl's last-applied-configuration annotation are dropped from cached
 * objects (reflector.ts `dropUnreadFields`).
 */
import type { Logger } from 'pino';
import type { KubeClient } from './client.ts';
import { type GroupVersionKind, gvkKey, type KubeObject, objectKey } from './gvk.ts';
import { Informer } from './informer.ts';
import { NAMESPACE_INDEX } from './store.ts';

export interface CacheOptions {
  /** namespaces to watch for namespaced kinds; undefined/empty = all */
  namespaces?: string[];
  log: Logger;
  /** per-kind label selectors, e.g. to cache only the objects we own: `{ 'v1/ConfigMap': 'app=x' }` */
  labelSelectors?: Record<string, string>;
  syncTimeoutMs?: number;
}

export interface CacheListOptions {
  namespace?: string;
  /** equality match on labels */
  labels?: Record<string, string>;
}

export class Cache {
  private readonly client: KubeClient;
  private readonly options: CacheOptions;
  private readonly informers = new Map<string, Promise<Informer>>();
  /** informers whose creation finished, for synchronous reads */
  private readonly settled = new Map<string, Informer>();
  private signal?: AbortSignal;

  constructor(client: KubeClient, options: CacheOptions) {
    this.client = client;
    this.options = options;
  }

  /** The shared informer for a kind (created, not yet started, if new; started at once if the cache runs). */
  informer(gvk: GroupVersionKind): Promise<Informer> {
    const key = gvkKey(gvk);
    let p = this.informers.get(key);
    if (!p) {
      // A kind not served yet (CRD not installed) still gets an informer: its reflector retries with backoff until
      // the kind appears, and the cache stays unsynced (/readyz fails) meanwhile.
      const namespaced = this.client.resource(gvk).then(
        (r) => r.namespaced,
        (err) => {
          this.options.log.warn({ kind: key, err: (err as Error).message }, 'kind not served yet; will keep retrying');
          return true;
        },
      );
      p = namespaced.then((isNamespaced) => {
        const inf = new Informer(this.client, gvk, isNamespaced, {
          namespaces: this.options.namespaces,
          labelSelector: this.options.labelSelectors?.[key],
          log: this.options.log,
        });
        if (this.signal) inf.start(this.signal);
        this.settled.set(key, inf);
        return inf;
      });
      p.catch(() => this.informers.delete(key));
      this.informers.set(key, p);
    }
    return p;
  }

  /** Whether a kind is being cached (its informer exists). */
  has(gvk: GroupVersionKind): boolean {
    return this.informers.has(gvkKey(gvk));
  }

  /** Starts every informer created so far and any created later. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const p of this.informers.values()) p.then((i) => i.start(signal)).catch(() => {});
  }

  /** True once every informer has completed its first LIST. */
  async hasSynced(): Promise<boolean> {
    const all = await Promise.all(this.informers.values());
    return all.every((i) => i.hasSynced);
  }

  async waitForSync(timeoutMs = this.options.syncTimeoutMs ?? 120_000): Promise<void> {
    const all = await Promise.all(this.informers.values());
    await Promise.all(all.map((i) => i.waitForSync(timeoutMs)));
  }

  private async synced(gvk: GroupVersionKind): Promise<Informer> {
    const inf = await this.informer(gvk);
    if (!inf.hasSynced) {
      if (!this.signal) throw new Error(`cache read of ${gvkKey(gvk)} before the cache was started`);
      await inf.waitForSync(this.options.syncTimeoutMs ?? 120_000);
    }
    return inf;
  }

  /** One object from the cache; undefined when absent. */
  async get<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    const inf = await this.synced(gvk);
    return inf.store.get(objectKey(namespace, name)) as T | undefined;
  }

  /** Objects of a kind from the cache, optionally in one namespace and matching labels. */
  async list<T extends KubeObject = KubeObject>(gvk: GroupVersionKind, options: CacheListOptions = {}): Promise<T[]> {
    const inf = await this.synced(gvk);
    const items =
      options.namespace !== undefined ? inf.store.byIndex(NAMESPACE_INDEX, options.namespace) : inf.store.list();
    const labels = options.labels;
    if (!labels) return items as T[];
    return items.filter((o) => Object.entries(labels).every(([k, v]) => o.metadata?.labels?.[k] === v)) as T[];
  }

  /** Adds a named index to a kind's store (e.g. by owner or by spec field). */
  async addIndex(gvk: GroupVersionKind, name: string, fn: (obj: KubeObject) => string[]): Promise<void> {
    (await this.informer(gvk)).addIndex(name, fn);
  }

  async byIndex<T extends KubeObject = KubeObject>(gvk: GroupVersionKind, index: string, value: string): Promise<T[]> {
    return (await this.synced(gvk)).store.byIndex(index, value) as T[];
  }

  /** Synchronous peek used by the apply helper: the cached object if the kind is cached and synced. */
  peek(gvk: GroupVersionKind, namespace: string | undefined, name: string): KubeObject | undefined | null {
    const inf = this.settled.get(gvkKey(gvk));
    if (!inf?.hasSynced) return null;
    return inf.store.get(objectKey(namespace, name));
  }

  /** Resolves when all informers have stopped. */
  async stopped(): Promise<void> {
    const all = await Promise.all([...this.informers.values()].map((p) => p.catch(() => undefined)));
    await Promise.all(all.map((i) => i?.stopped()));
  }
}
