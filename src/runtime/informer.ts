/**
 * A shared informer: one Store for one kind, filled by one reflector per watched namespace (or one for all), with
 * event handlers. Equivalent to client-go's SharedIndexInformer.
 *
 * Guarantees: a handler added after the informer synced first receives an `added` for every stored object;
 * `hasSynced` is true once every reflector completed its first LIST. Handler exceptions are logged, never
 * propagated (one bad handler cannot stop the informer).
 */
import type { Logger } from 'pino';
import type { KubeClient } from './client.ts';
import { type GroupVersionKind, gvkKey, type KubeObject } from './gvk.ts';
import { Reflector, type ReflectorOptions, type StoreEvents } from './reflector.ts';
import { type IndexFunc, Store } from './store.ts';

export interface EventHandler {
  added?(obj: KubeObject): void;
  updated?(oldObj: KubeObject, newObj: KubeObject): void;
  deleted?(obj: KubeObject): void;
}

export interface InformerOptions {
  /** namespaces to watch; undefined or empty = all namespaces (ignored for cluster-scoped kinds) */
  namespaces?: string[];
  labelSelector?: string;
  fieldSelector?: string;
  transform?: ReflectorOptions['transform'];
  watchTimeoutSeconds?: [number, number];
  watchdogGraceMs?: number;
  log: Logger;
}

export class Informer {
  readonly gvk: GroupVersionKind;
  readonly store = new Store();
  readonly reflectors: Reflector[] = [];
  private readonly handlers: EventHandler[] = [];
  private readonly log: Logger;
  private running?: Promise<void>;
  private syncWaiters: (() => void)[] = [];

  constructor(client: KubeClient, gvk: GroupVersionKind, namespaced: boolean, options: InformerOptions) {
    this.gvk = gvk;
    this.log = options.log.child({ informer: gvkKey(gvk) });
    const events: StoreEvents = {
      added: (o) => this.dispatch((h) => h.added?.(o)),
      updated: (a, b) => this.dispatch((h) => h.updated?.(a, b)),
      deleted: (o) => this.dispatch((h) => h.deleted?.(o)),
    };
    const scopes = namespaced && options.namespaces?.length ? options.namespaces : [undefined];
    for (const namespace of scopes) {
      this.reflectors.push(
        new Reflector(client, gvk, this.store, events, {
          namespace,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          transform: options.transform,
          watchTimeoutSeconds: options.watchTimeoutSeconds,
          watchdogGraceMs: options.watchdogGraceMs,
          log: options.log,
        }),
      );
    }
  }

  private dispatch(call: (h: EventHandler) => void): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (err) {
        this.log.error({ err }, 'event handler failed');
      }
    }
    if (this.syncWaiters.length && this.hasSynced) this.notifySynced();
  }

  private notifySynced(): void {
    for (const w of this.syncWaiters.splice(0)) w();
  }

  addEventHandler(handler: EventHandler): void {
    this.handlers.push(handler);
    if (handler.added) for (const obj of this.store.list()) handler.added(obj);
  }

  addIndex(name: string, fn: IndexFunc): void {
    this.store.addIndex(name, fn);
  }

  get hasSynced(): boolean {
    return this.reflectors.every((r) => r.hasSynced);
  }

  /** Starts the reflectors (once). They run until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.running) return;
    this.running = Promise.all(this.reflectors.map((r) => r.run(signal))).then(() => {});
    const poll = setInterval(() => {
      if (this.hasSynced || signal.aborted) {
        clearInterval(poll);
        this.notifySynced();
      }
    }, 20);
    poll.unref();
  }

  /** Resolves once synced; rejects after `timeoutMs`. */
  waitForSync(timeoutMs = 120_000): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`cache for ${gvkKey(this.gvk)} did not sync within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.syncWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Resolves when all reflectors have stopped (after the start signal aborted). */
  stopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}
