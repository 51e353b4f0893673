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
import { type Access, forAccess, ownsAccess, type Verb, watchesAccess } from './access.ts';
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
import { controllerOf } from './ownerrefs.ts';
import { ignoreStatusOnlyUpdates, type ObjectEvent, type Predicate } from './predicates.ts';
import { WorkQueue } from './queue.ts';
import { asReconciler, type ObjectReconciler, type ObjectReconcilerDeps, type ReconcileContext } from './reconcile.ts';
import { type Result, settle, toResult } from './result.ts';

export type { ReconcileContext } from './reconcile.ts';

/** Reconciles one object towards its desired state. Returning nothing means done(). */
// biome-ignore lint/suspicious/noConfusingVoidType: lets `async` reconcilers that return nothing type-check
export type Reconciler = (ctx: ReconcileContext, request: Request) => Promise<Result | undefined | void>;

/** Maps a watched object to the requests to reconcile (for `watches`). */
export type MapFunc = (obj: KubeObject) => Request[];

/**
 * Reverse references through a cache index (controller-runtime's `IndexField` + `EnqueueRequestsFromMapFunc`):
 * `referencedBy(owner)` lists the names, in the owner's namespace, of the watched objects an owner uses (the
 * Secrets it reads, the pods it manages). The runtime indexes every cached owner by them, so an event on such an
 * object enqueues exactly the owners that name it — kept current by the cache itself, before any reconcile ran.
 */
export interface ReferencedBy {
  referencedBy: (owner: KubeObject) => readonly string[];
}

export interface WatchOptions {
  predicates?: Predicate[];
}

export interface OwnsOptions extends WatchOptions {
  /**
   * The children are owned through an intermediate kind (pods of the owner's StatefulSets): the child's controller
   * is an object of this kind, whose controller is the owner. Read from the cache, so that kind must be owned too.
   */
  via?: GroupVersionKind;
}

export interface ControllerOptions {
  /** workers; default 1 */
  maxConcurrentReconciles?: number;
}

interface Source {
  gvk: GroupVersionKind;
  predicates: Predicate[];
  map?: MapFunc;
  /** resolved when the controller registers its handlers (needs the owner kind's informer) */
  referencedBy?: ReferencedBy['referencedBy'];
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly workers: number;
  private readonly log: Logger;
  private readonly metrics: RuntimeMetrics;
  private readonly sources: Source[];
  /** what this controller does to each kind, for the generated RBAC (access.ts) */
  readonly access: readonly Access[];
  private running?: Promise<void>;
  private active = 0;

  constructor(init: {
    name: string;
    reconciler: Reconciler;
    sources: Source[];
    access?: readonly Access[];
    options: ControllerOptions;
    log: Logger;
    metrics: RuntimeMetrics;
  }) {
    this.name = init.name;
    this.access = init.access ?? [];
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
    for (const [i, source] of this.sources.entries()) {
      const inf = await cache.informer(source.gvk);
      const map = source.map ?? (await this.referenceMap(cache, i, source));
      const enqueue = (event: ObjectEvent) => {
        if (!source.predicates.every((p) => p(event))) return;
        for (const r of map(event.object)) this.enqueue(r);
      };
      inf.addEventHandler({
        added: (object) => enqueue({ type: 'create', object }),
        updated: (oldObject, object) => enqueue({ type: 'update', object, oldObject }),
        deleted: (object) => enqueue({ type: 'delete', object }),
      });
    }
  }

  /** An index on the owner kind's store by the objects each owner references, and the map reading it. */
  private async referenceMap(cache: Cache, i: number, source: Source): Promise<MapFunc> {
    const owners = await cache.informer(this.sources[0]!.gvk);
    const index = `statecraft.dev/${this.name}/references/${i}`;
    const refs = source.referencedBy!;
    owners.addIndex(index, (owner) => refs(owner).map((name) => objectKey(owner.metadata?.namespace, name)));
    return (obj) => owners.store.byIndex(index, keyOf(obj)).map((o) => requestFromKey(keyOf(o)));
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
  private readonly deps: ControllerDeps;
  private forKind?: GroupVersionKind;
  private readonly sources: Source[] = [];
  private readonly accesses: Access[] = [];
  private options: ControllerOptions = {};

  constructor(name: string, deps: ControllerDeps, register: (c: Controller) => void) {
    this.name = name;
    this.deps = deps;
    this.register = register;
  }

  /**
   * The reconciled kind. Default predicate: `ignoreStatusOnlyUpdates` (a status write does not enqueue the object
   * again); predicates given replace it.
   */
  for(gvk: GroupVersionKind, options: WatchOptions = {}): this {
    if (this.forKind)
      throw new Error(`controller ${this.name}: for() may be called once (already ${gvkKey(this.forKind)})`);
    this.forKind = gvk;
    this.accesses.unshift(...forAccess(gvk));
    this.sources.unshift({ gvk, predicates: options.predicates ?? [ignoreStatusOnlyUpdates], map: ownRequest });
    return this;
  }

  /** Children whose controller reference (directly, or `via` an intermediate owned kind) is the reconciled kind. */
  owns(gvk: GroupVersionKind, options: OwnsOptions = {}): this {
    const via = options.via;
    const map: MapFunc = via ? (o) => this.ownerViaMap(o, via) : (o) => this.ownerMap(o);
    // children owned through another kind (pods of a StatefulSet) are that kind's to change: only watched here
    this.accesses.push(via ? watchesAccess(gvk) : ownsAccess(gvk));
    this.sources.push({ gvk, predicates: options.predicates ?? [], map });
    return this;
  }

  private ownerMap(obj: KubeObject): Request[] {
    if (!this.forKind) return [];
    return ownerRequest(this.forKind)(obj);
  }

  private ownerViaMap(obj: KubeObject, via: GroupVersionKind): Request[] {
    const ref = controllerOf(obj);
    if (
      !ref ||
      ref.kind !== via.kind ||
      splitApiVersion(ref.apiVersion).group !== splitApiVersion(via.apiVersion).group
    )
      return [];
    const middle = this.deps.cache.peek(via, obj.metadata?.namespace, ref.name);
    return middle && middle.metadata?.uid === ref.uid ? this.ownerMap(middle) : [];
  }

  /** Other objects: `map` says which requests an event enqueues, or `{ referencedBy }` indexes the owners by them. */
  watches(gvk: GroupVersionKind, map: MapFunc | ReferencedBy, options: WatchOptions = {}): this {
    const predicates = options.predicates ?? [];
    this.accesses.push(watchesAccess(gvk));
    this.sources.push(
      typeof map === 'function' ? { gvk, predicates, map } : { gvk, predicates, referencedBy: map.referencedBy },
    );
    return this;
  }

  /**
   * Declares what the reconciler does beyond what for/owns/watches imply (e.g. patching labels on watched pods:
   * `.access(POD, ['patch'], 'role labels')`, exec: `.access(POD, ['create'], 'pg_ctl', 'exec')`). It only feeds
   * the generated RBAC; nothing is enforced here — the API server enforces the role.
   */
  access(gvk: GroupVersionKind, verbs: readonly Verb[], reason: string, subresource?: string): this {
    this.accesses.push({ gvk, verbs, reason, ...(subresource ? { subresource } : {}) });
    return this;
  }

  withOptions(options: ControllerOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  /** Completes with a request reconciler (it fetches the object itself). Prefer `reconcile`. */
  complete(reconciler: Reconciler | { reconcile: Reconciler }): Controller {
    if (!this.forKind) throw new Error(`controller ${this.name}: for(kind) is required`);
    const fn = typeof reconciler === 'function' ? reconciler : reconciler.reconcile.bind(reconciler);
    const c = new Controller({
      name: this.name,
      reconciler: fn,
      sources: this.sources,
      access: this.accesses,
      options: this.options,
      log: this.deps.log,
      metrics: this.deps.metrics,
    });
    this.register(c);
    return c;
  }

  /** Completes with an object reconciler: it receives the fetched object (see reconcile.ts). */
  reconcile<T extends KubeObject>(reconciler: ObjectReconciler<T> | ObjectReconciler<T>['reconcile']): Controller {
    if (!this.forKind) throw new Error(`controller ${this.name}: for(kind) is required`);
    return this.complete(asReconciler<T>(this.deps, this.forKind, reconciler));
  }
}

/** What a controller builder needs from its manager. */
export interface ControllerDeps extends ObjectReconcilerDeps {
  log: Logger;
  metrics: RuntimeMetrics;
}
