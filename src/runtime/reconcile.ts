/**
 * The object reconciler adapter — the equivalent of controller-runtime's `reconcile.AsReconciler` (and of kube-rs's
 * applier handing `reconcile` the object): the runtime fetches the object, and the reconciler receives it.
 *
 *   mgr.controller('widget').for(WIDGET).owns(CONFIG_MAP).reconcile<Widget>({
 *     async reconcile(ctx, widget) { ...; await ctx.patchStatus({ ready: true }); return requeueAfter(60_000); },
 *     finalizer: { name: 'example.com/cleanup', async cleanup(ctx, widget) { ... } },   // optional
 *   });
 *
 * Guarantees:
 * - The reconciler is called only for an object that exists: a deleted one ends the pass (its children are the
 *   garbage collector's; the status writer forgets it). An object being deleted reaches `finalizer.cleanup` when a
 *   finalizer is declared (added before the first `reconcile`, removed only after cleanup resolved), and nobody
 *   otherwise.
 * - The object is a private copy (the cache's are shared) whose `status` is the freshest known: the one this
 *   process last wrote when the cache has not caught up with it yet (see StatusWriter). Transitions computed from
 *   `obj.status` (condition times, "phase changed" events) therefore never repeat.
 * - `ctx.patchStatus`, `ctx.event` and `ctx.deleteOwned` are bound to the object and to this controller's event
 *   recorder, so a controller needs no memory of its own between passes.
 */
import type { Applier } from './apply.ts';
import type { Cache } from './cache.ts';
import type { KubeClient } from './client.ts';
import type { EventInput, EventRecorder } from './events.ts';
import { finalize } from './finalizers.ts';
import type { GroupVersionKind, KubeObject, Request } from './gvk.ts';
import { type ChildRef, type DeleteOwnedOptions, deleteOwned } from './prune.ts';
import { done, type Result } from './result.ts';
import type { StatusWriter } from './status.ts';

/** What the runtime passes every reconcile (request-level). */
export interface ReconcileContext {
  /**
   * Aborted when the manager stops and, at that very moment, when it loses leadership — then this process must
   * stop acting: its API writes are already refused (the client is fenced), but database sessions, waits and
   * other I/O are not. Long-running steps (database calls, switchovers, polls) must pass it on and stop when it
   * aborts, and should check it before each step that changes something.
   */
  signal: AbortSignal;
  /** pino child logger carrying controller, namespace, name and reconcileID */
  log: import('pino').Logger;
  reconcileID: string;
  controller: string;
}

/** What an object reconciler gets besides the object: helpers bound to it. */
export interface ObjectContext<T extends KubeObject> extends ReconcileContext {
  /** Status patch of the given top-level fields (see StatusWriter.patch); updates `obj.status` in place. */
  patchStatus(status: Record<string, unknown>): Promise<{ object: T; patched: boolean }>;
  /** An event regarding the object, from this controller's deduplicating recorder. */
  event(input: EventInput): void;
  /**
   * Deletes the children named that this object controls (owner uid checked, uid precondition), one Normal
   * `ChildRemoved` event each; resolves to the deleted objects.
   */
  deleteOwned(refs: readonly ChildRef[], options?: DeleteOwnedOptions & { reason?: string }): Promise<KubeObject[]>;
}

export interface ObjectReconciler<T extends KubeObject> {
  reconcile(ctx: ObjectContext<T>, obj: T): Promise<Result | undefined | void>;
  /** Declared: the finalizer is kept on every object and `cleanup` runs before one can be deleted. */
  finalizer?: { name: string; cleanup(ctx: ObjectContext<T>, obj: T): Promise<void> };
}

/** What the adapter needs from the manager. */
export interface ObjectReconcilerDeps {
  cache: Cache;
  client: KubeClient;
  applier: Applier;
  statusWriter: StatusWriter;
  events(controller: string): EventRecorder;
}

/** Turns an object reconciler into the request reconciler the controller runs. */
export function asReconciler<T extends KubeObject>(
  deps: ObjectReconcilerDeps,
  gvk: GroupVersionKind,
  reconciler: ObjectReconciler<T> | ObjectReconciler<T>['reconcile'],
): (ctx: ReconcileContext, request: Request) => Promise<Result | undefined | void> {
  const r: ObjectReconciler<T> = typeof reconciler === 'function' ? { reconcile: reconciler } : reconciler;
  return async (rctx, req) => {
    const live = await deps.cache.get<T>(gvk, req.namespace || undefined, req.name);
    if (!live) {
      deps.statusWriter.forget({ ...gvk, metadata: { namespace: req.namespace, name: req.name } });
      return done();
    }
    const obj = structuredClone(live);
    (obj as KubeObject).status = deps.statusWriter.freshStatus(live);
    const recorder = deps.events(rctx.controller);
    const ctx: ObjectContext<T> = {
      ...rctx,
      async patchStatus(status) {
        const res = await deps.statusWriter.patch(obj, status);
        (obj as KubeObject).status = res.object.status;
        if (res.object.metadata?.resourceVersion) obj.metadata!.resourceVersion = res.object.metadata.resourceVersion;
        return res;
      },
      event: (input) => recorder.event(live, input),
      async deleteOwned(refs, options = {}) {
        const deleted = await deleteOwned(deps, obj, refs, options);
        for (const d of deleted) {
          recorder.event(live, {
            type: 'Normal',
            reason: options.reason ?? 'ChildRemoved',
            action: 'Reconcile',
            note: `${d.kind} ${d.metadata?.name} is no longer wanted by the spec and was removed`,
          });
        }
        return deleted;
      },
    };
    if (r.finalizer) {
      const f = await finalize(deps.client, obj, r.finalizer.name, (o) => r.finalizer!.cleanup(ctx, o));
      if (f.deleting) return done();
      obj.metadata = { ...obj.metadata, ...f.object.metadata };
    } else if (obj.metadata?.deletionTimestamp) {
      return done();
    }
    return r.reconcile(ctx, obj);
  };
}
