/**
 * Statecraft's controller runtime — a TypeScript counterpart of Go's controller-runtime. It imports nothing from
 * the rest of Statecraft.
 *
 * ```ts
 * const mgr = new Manager(kubeConfig, { metricsBindAddress: ':8080', healthProbeBindAddress: ':8081',
 *                                       leaderElection: true, namespaces: ['prod'] });
 * mgr.controller('widget')
 *   .for({ apiVersion: 'example.com/v1', kind: 'Widget' })          // status-only updates do not enqueue
 *   .owns({ apiVersion: 'v1', kind: 'ConfigMap' })
 *   .watches({ apiVersion: 'v1', kind: 'Secret' }, { referencedBy: (w) => [w.spec.secretName] })
 *   .withOptions({ maxConcurrentReconciles: 4 })
 *   .reconcile<Widget>(async (ctx, w) => {                         // not called for a deleted Widget
 *     await mgr.apply(setControllerReference(buildConfigMap(w), w)); // no request if already converged
 *     if (!w.spec.extra) await ctx.deleteOwned([{ ...CONFIG_MAP, name: `${w.metadata.name}-extra` }]);
 *     await ctx.patchStatus({ conditions: setCondition(w.status?.conditions, {...}) }); // reads its own writes
 *     return requeueAfter(60_000);
 *   });
 * mgr.handleSignals();
 * await mgr.start();
 * ```
 *
 * Pieces (each documented in its module with guarantees and caveats):
 * - Manager (manager.ts): client, cache, metrics, /healthz /readyz /metrics, leader election, graceful stop; on
 *   lost leadership the client is fenced (writes refused) and every ctx.signal aborts at once.
 * - ControllerBuilder / Controller (controller.ts): for / owns / watches / predicates / withOptions / reconcile.
 * - Object reconciler (reconcile.ts): the fetched object in, helpers bound to it; ControllerRegistration.
 * - StatusWriter (status.ts): read-your-writes status patches; deleteOwned (prune.ts): pruning owned children.
 * - Result (result.ts): done() | requeueAfter(ms) | retry(err) | terminal(err); a thrown error = retry, a thrown
 *   TerminalError = terminal. `settle` is the one place an outcome becomes a queue action + metric label.
 * - Cache / Informer / Reflector / Store: shared informers, paged LIST + WATCH with bookmarks, 410 → relist,
 *   watchdog, backoff with jitter, indexes, hasSynced.
 * - WorkQueue: dedup, one worker per key, per-key backoff 5 ms..1000 s, addAfter, drain on shutdown.
 * - Applier (apply.ts): server-side apply, field manager `statecraft`, zero requests when converged.
 * - patchStatus, conditions (setCondition …), finalize (finalizers.ts), owner references, EventRecorder.
 * - KubeClient (client.ts): JSON over one keep-alive agent, discovery, per-call signal/timeout, write fence.
 * - LeaderElector (Lease 15 s / 10 s / 2 s, every renew bounded by the renew deadline), RuntimeMetrics (controller-runtime metric names), createLogger.
 * - loadKubeConfig (kubeconfig.ts): kubeconfig files, in-cluster config, exec plugins — without client-node.
 */
export { type Access, READ, type Verb, WRITE } from './access.ts';
export { Applier, type ApplyOptions, type ApplyResult, FIELD_MANAGER } from './apply.ts';
export { ExponentialBackoff, ItemBackoff, TokenBucket } from './backoff.ts';
export { Cache, type CacheListOptions, type CacheOptions } from './cache.ts';
export {
  type CallOptions,
  KubeClient,
  kindOf,
  type ListOptions,
  type ListResult,
  type PatchType,
  type ResourceInfo,
  type WatchEvent,
  type WriteGuard,
} from './client.ts';
export {
  type Condition,
  type ConditionInput,
  findCondition,
  isConditionTrue,
  metaTime,
  removeCondition,
  setCondition,
} from './conditions.ts';
export {
  Controller,
  ControllerBuilder,
  type ControllerOptions,
  type MapFunc,
  type OwnsOptions,
  ownerRequest,
  ownRequest,
  type Reconciler,
  type ReferencedBy,
  type WatchOptions,
} from './controller.ts';
export { deepEqual, isSubset } from './equality.ts';
export {
  ApiError,
  FencedError,
  GoneError,
  isConflict,
  isFenced,
  isGone,
  isInvalid,
  isNotFound,
  StatecraftError,
  TerminalError,
} from './errors.ts';
export { type EventInput, EventRecorder } from './events.ts';
export { finalize, hasFinalizer } from './finalizers.ts';
export {
  type GroupVersionKind,
  type KubeObject,
  keyOf,
  type ObjectMeta,
  type OwnerReference,
  objectKey,
  type Request,
  requestFromKey,
  splitApiVersion,
} from './gvk.ts';
export { type EventHandler, Informer, type InformerOptions } from './informer.ts';
export {
  type ClientNodeKubeConfig,
  KubeConfigError,
  type KubeConfigLike,
  type KubeConfigSource,
  LoadedKubeConfig,
  type LoadKubeConfigOptions,
  loadInClusterConfig,
  loadKubeConfig,
} from './kubeconfig.ts';
export { type LeaderElectionOptions, LeaderElector } from './leaderelection.ts';
export { createLogger, type Logger } from './logger.ts';
export { LeadershipLostError, Manager, type ManagerOptions, userAgentFor } from './manager.ts';
export { RuntimeMetrics } from './metrics.ts';
export { controllerOf, controllerReference, setControllerReference } from './ownerrefs.ts';
export {
  annotationsChanged,
  generationChanged,
  hasLabels,
  ignoreStatusOnlyUpdates,
  labelsChanged,
  type ObjectEvent,
  or,
  type Predicate,
  resourceVersionChanged,
} from './predicates.ts';
export { type ChildRef, type DeleteOwnedOptions, deleteOwned } from './prune.ts';
export { WorkQueue, type WorkQueueOptions } from './queue.ts';
export {
  asReconciler,
  type ObjectContext,
  type ObjectReconciler,
  type ReconcileContext,
} from './reconcile.ts';
export {
  dropManagedFields,
  dropUnreadFields,
  LAST_APPLIED_ANNOTATION,
  Reflector,
  type ReflectorOptions,
} from './reflector.ts';
export type { ControllerRegistration } from './registration.ts';
export { done, type Result, requeueAfter, retry, settle, terminal, toResult } from './result.ts';
export { mergePatchOf, patchStatus, StatusWriter } from './status.ts';
export { type IndexFunc, Store } from './store.ts';
