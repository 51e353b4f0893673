/**
 * A controller: event handlers on shared informers feed a work queue of `namespace/name` keys; N workers take
 * keys and call the reconciler; `settle` (result.ts) turns each outcome into the queue action.
 *
 * Guarantees: one key is never reconciled by two workers at once; thrown errors and rejections are caught,
 * logged and retried with per-key backoff; every reconcile gets a fresh reconcileID in its logger; stopping
 * drains in-flight reconciles (their `ctx.signal` is aborted so long waits can end early); no reconcile starts
 * once the signal passed to `start` has aborted.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Cache } from './cache.ts';
import {
  type GroupVersionKind,
  gvkKey,
  type KubeObject,
  keyOf,
  objectKey,
  type Request,
  requestFromKey,
  splitApiVersion,
} from './gvk.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { ObjectEvent, Predicate } from './predicates.ts';
import { WorkQueue } from './queue.ts';
import { type Result, settle, toResult } from './result.ts';

export interface ReconcileContext {
  /**
   * Aborted when the manager stops and, at that very moment, when it loses leadership — then this process must
   * stop acting: its API writes are already refused (the client is fenced), but database sessions, waits and
   * other I/O are not. Long-running steps (database calls, switchovers, polls) must pass it on and stop when it
   * aborts, and should check it before each step that changes something.
   */
  signal: AbortSignal;
  /** pino child logger carrying controller, namespace, name and reconcileID */
  log: Logger;
  reconcileID: string;
  controller: string;
}

/** Reconciles one object towards its desired state. Returning nothing means done(). */
// biome-ignore lint/suspicious/noConfusingVoidType: lets `async` reconcilers that return nothing type-check
export type Reconciler = (ctx: ReconcileContext, request: Request) => Promise<Result | undefined | void>;

/** Maps a watched object to the requests to reconcile (for `watches`). */
export type MapFunc = (obj: KubeObject) => Request[];

export interface WatchOptions {
  predicates?: Predicate[];
}

export interface ControllerOptions {
  /** workers; default 1 */
  maxConcurrentReconciles?: number;
}

interface Source {
  gvk: GroupVersionKind;
  predicates: Predicate[];
  map: MapFunc;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly workers: number;
  private readonly log: Logger;
  private readonly metrics: RuntimeMetrics;
  private readonly sources: Source[];
  private running?: Promise<void>;
  private active = 0;

  constructor(init: {
    name: string;
    reconciler: Reconciler;
    sources: Source[];
    options: ControllerOptions;
    log: Logger;
    metrics: RuntimeMetrics;
  }) {
    this.name = init.name;
    this.reconciler = init.reconciler;
    this.sources = init.sources;
    this.workers = Math.max(1, init.options.maxConcurrentReconciles ?? 1);
    this.log = init.log.child({ controller: init.name });
    this.metrics = init.metrics;
    this.queue = new WorkQueue({ metrics: init.metrics.queue(init.name) });
    this.metrics.maxConcurrent.set({ controller: this.name }, this.workers);
    this.metrics.activeWorkers.set({ controller: this.name }, 0);
    for (const r of ['success', 'error', 'requeue_after'])
      this.metrics.reconcileTotal.inc({ controller: this.name, result: r }, 0);
    this.metrics.reconcileErrors.inc({ controller: this.name }, 0);
  }

  /** Registers the event handlers on the cache's informers. Called by the manager before the cache syncs. */
  async watch(cache: Cache): Promise<void> {
    for (const source of this.sources) {
      const inf = await cache.informer(source.gvk);
      const enqueue = (event: ObjectEvent) => {
        if (!source.predicates.every((p) => p(event))) return;
        for (const r of source.map(event.object)) this.enqueue(r);
      };
      inf.addEventHandler({
        added: (object) => enqueue({ type: 'create', object }),
        updated: (oldObject, object) => enqueue({ type: 'update', object, oldObject }),
        deleted: (object) => enqueue({ type: 'delete', object }),
      });
    }
  }

  enqueue(request: Request): void {
    this.queue.add(objectKey(request.namespace, request.name));
  }

  /** Starts the workers; resolves when they have all stopped (after `stop`). */
  start(signal: AbortSignal): Promise<void> {
    this.running ??= Promise.all(Array.from({ length: this.workers }, () => this.worker(signal))).then(() => {});
    return this.running;
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    await this.queue.shutdown();
    await this.running;
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        if (signal.aborted) return; // stopping or leadership lost: no new reconcile
        await this.reconcileKey(key, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcileKey(key: string, signal: AbortSignal): Promise<void> {
    const request = requestFromKey(key);
    const reconcileID = randomUUID();
    const log = this.log.child({ namespace: request.namespace || undefined, name: request.name, reconcileID });
    const labels = { controller: this.name };
    this.metrics.activeWorkers.set(labels, ++this.active);
    const end = this.metrics.reconcileTime.startTimer(labels);
    let result: Result;
    try {
      result = toResult(await this.reconciler({ signal, log, reconcileID, controller: this.name }, request));
    } catch (error) {
      result = toResult(undefined, { error });
    } finally {
      end();
      this.metrics.activeWorkers.set(labels, --this.active);
    }
    const { label, terminal } = settle(this.queue, key, result);
    this.metrics.reconcileTotal.inc({ controller: this.name, result: label });
    if (label === 'error') {
      this.metrics.reconcileErrors.inc(labels);
      if (terminal) this.metrics.terminalErrors.inc(labels);
      const err = (result as { error: unknown }).error;
      log.error(
        { err, terminal, retries: this.queue.numRequeues(key) },
        terminal ? 'reconcile failed (terminal, not retried)' : 'reconcile failed, will retry',
      );
    } else {
      log.debug({ result: label }, 'reconciled');
    }
  }
}

/** Maps an object to its own request. */
export const ownRequest: MapFunc = (obj) => {
  const r = requestFromKey(keyOf(obj));
  return [r];
};

/** Maps a child to its controller owner of kind `owner` (same group, any version). */
export function ownerRequest(owner: GroupVersionKind): MapFunc {
  const group = splitApiVersion(owner.apiVersion).group;
  return (obj) => {
    const ref = obj.metadata?.ownerReferences?.find(
      (r) => r.controller && r.kind === owner.kind && splitApiVersion(r.apiVersion).group === group,
    );
    return ref ? [{ namespace: obj.metadata?.namespace ?? '', name: ref.name }] : [];
  };
}

/**
 * Builds a controller: `mgr.controller('x').for(kind).owns(child).watches(other, map).withOptions({...}).complete(fn)`.
 * `for` is required and names the reconciled kind; `owns` enqueues the controller owner of changed children;
 * `watches` enqueues whatever `map` returns. Predicates filter events per source.
 */
export class ControllerBuilder {
  private readonly name: string;
  private readonly register: (c: Controller) => void;
  private readonly deps: { log: Logger; metrics: RuntimeMetrics };
  private forKind?: GroupVersionKind;
  private readonly sources: Source[] = [];
  private options: ControllerOptions = {};

  constructor(name: string, deps: { log: Logger; metrics: RuntimeMetrics }, register: (c: Controller) => void) {
    this.name = name;
    this.deps = deps;
    this.register = register;
  }

  for(gvk: GroupVersionKind, options: WatchOptions = {}): this {
    if (this.forKind)
      throw new Error(`controller ${this.name}: for() may be called once (already ${gvkKey(this.forKind)})`);
    this.forKind = gvk;
    this.sources.unshift({ gvk, predicates: options.predicates ?? [], map: ownRequest });
    return this;
  }

  owns(gvk: GroupVersionKind, options: WatchOptions = {}): this {
    this.sources.push({ gvk, predicates: options.predicates ?? [], map: (o) => this.ownerMap(o) });
    return this;
  }

  private ownerMap(obj: KubeObject): Request[] {
    if (!this.forKind) return [];
    return ownerRequest(this.forKind)(obj);
  }

  watches(gvk: GroupVersionKind, map: MapFunc, options: WatchOptions = {}): this {
    this.sources.push({ gvk, predicates: options.predicates ?? [], map });
    return this;
  }

  withOptions(options: ControllerOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  complete(reconciler: Reconciler | { reconcile: Reconciler }): Controller {
    if (!this.forKind) throw new Error(`controller ${this.name}: for(kind) is required`);
    const fn = typeof reconciler === 'function' ? reconciler : reconciler.reconcile.bind(reconciler);
    const c = new Controller({
      name: this.name,
      reconciler: fn,
      sources: this.sources,
      options: this.options,
      log: this.deps.log,
      metrics: this.deps.metrics,
    });
    this.register(c);
    return c;
  }
}
