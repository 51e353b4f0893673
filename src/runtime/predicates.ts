/**
 * Event filters for the controller builder, equivalent to controller-runtime's predicate package. A predicate
 * sees one change and says whether it should enqueue a reconcile; several predicates must all agree.
 */
import { deepEqual } from './equality.ts';
import type { KubeObject } from './gvk.ts';

export type ObjectEvent =
  | { type: 'create'; object: KubeObject }
  | { type: 'update'; object: KubeObject; oldObject: KubeObject }
  | { type: 'delete'; object: KubeObject };

export type Predicate = (event: ObjectEvent) => boolean;

/** Updates only when metadata.generation changed (spec changes, not status); creates and deletes pass. */
export const generationChanged: Predicate = (e) =>
  e.type !== 'update' || e.oldObject.metadata?.generation !== e.object.metadata?.generation;

/** Updates only when the resourceVersion changed (drops relist no-ops). */
export const resourceVersionChanged: Predicate = (e) =>
  e.type !== 'update' || e.oldObject.metadata?.resourceVersion !== e.object.metadata?.resourceVersion;

const sameMap = (a: Record<string, string> = {}, b: Record<string, string> = {}): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** Updates only when labels changed. */
export const labelsChanged: Predicate = (e) =>
  e.type !== 'update' || !sameMap(e.oldObject.metadata?.labels, e.object.metadata?.labels);

/** Updates only when annotations changed. */
export const annotationsChanged: Predicate = (e) =>
  e.type !== 'update' || !sameMap(e.oldObject.metadata?.annotations, e.object.metadata?.annotations);

/** Only objects carrying all these labels. */
export const hasLabels =
  (labels: Record<string, string>): Predicate =>
  (e) =>
    Object.entries(labels).every(([k, v]) => e.object.metadata?.labels?.[k] === v);

/** Passes when any of the predicates passes. */
export const or =
  (...ps: Predicate[]): Predicate =>
  (e) =>
    ps.some((p) => p(e));

/**
 * Drops updates that change nothing but `status` (and the bookkeeping that moves with every write:
 * resourceVersion, managedFields). The default predicate of a controller's `for()` kind: a controller's own status
 * patch must not enqueue the object it just reconciled (a status that carries live data — GTID sets, offsets —
 * changes on every pass, so without this a write load becomes a reconcile loop). Spec, label, annotation,
 * finalizer and deletion changes, and every change to kinds without a status (ConfigMap data), pass.
 */
export const ignoreStatusOnlyUpdates: Predicate = (e) =>
  e.type !== 'update' || !sameExceptStatus(e.oldObject, e.object);

function sameExceptStatus(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { status: _s, metadata, ...rest } = o;
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata ?? {};
    return { ...rest, metadata: meta };
  };
  return deepEqual(strip(a), strip(b));
}
