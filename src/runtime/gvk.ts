/** What kind of object: `{ apiVersion: 'apps/v1', kind: 'Deployment' }`, the same two fields every object carries. */
export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
}

/** The smallest shape of a Kubernetes object the runtime relies on. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  [key: string]: unknown;
}

/** The name of one object a controller reconciles. `namespace` is '' for cluster-scoped objects. */
export interface Request {
  namespace: string;
  name: string;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export const gvkKey = (gvk: GroupVersionKind): string => `${gvk.apiVersion}/${gvk.kind}`;

/** `namespace/name` (or `name` for cluster-scoped objects): the work-queue key and the cache key. */
export const objectKey = (namespace: string | undefined, name: string): string =>
  namespace ? `${namespace}/${name}` : name;

export function requestFromKey(key: string): Request {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export const keyOf = (obj: KubeObject): string => objectKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
