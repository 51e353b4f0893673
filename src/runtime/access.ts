/**
 * What a controller does to each kind, as Kubernetes RBAC sees it — the source of the operator's generated
 * ClusterRole (`npm run gen` → deploy/rbac/, the Helm chart), so the role can never lag behind the code.
 *
 * Most of it follows from the builder: the reconciled kind is read, watched, updated (finalizers, metadata) and its
 * status subresource patched; owned kinds are created, changed and deleted; watched kinds are read. What a
 * reconciler does beyond that (patching labels on pods it watches, exec into a pod, creating a Secret it does not
 * own) it declares with `ControllerBuilder.access(kind, verbs)`; the manager adds what the runtime itself uses
 * (events, the leader Lease).
 */
import type { GroupVersionKind } from './gvk.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Access {
  gvk: GroupVersionKind;
  /** e.g. `status`, `finalizers`, `exec` */
  subresource?: string;
  verbs: readonly Verb[];
  /** why, for the generated role's comments and the README */
  reason: string;
  /** needed only in the operator's own namespace (the leader Lease): a Role there, not the ClusterRole */
  operatorNamespace?: boolean;
}

export const READ: readonly Verb[] = ['get', 'list', 'watch'];
export const WRITE: readonly Verb[] = ['create', 'update', 'patch', 'delete'];

/** The access the builder's calls imply (see the module comment). */
export function forAccess(gvk: GroupVersionKind): Access[] {
  return [
    { gvk, verbs: [...READ, 'update', 'patch'], reason: 'reconciled kind' },
    { gvk, subresource: 'status', verbs: ['get', 'update', 'patch'], reason: 'reconciled kind: status' },
    // setting blockOwnerDeletion on children's owner references needs update on the owner's finalizers
    { gvk, subresource: 'finalizers', verbs: ['update'], reason: 'reconciled kind: owner references of children' },
  ];
}

export const ownsAccess = (gvk: GroupVersionKind): Access => ({
  gvk,
  verbs: [...READ, ...WRITE],
  reason: 'owned children',
});

export const watchesAccess = (gvk: GroupVersionKind): Access => ({ gvk, verbs: READ, reason: 'watched' });

/** What the runtime itself needs: events for every controller, and the Lease when leader election is on. */
export const RUNTIME_ACCESS: readonly Access[] = [
  {
    gvk: { apiVersion: 'events.k8s.io/v1', kind: 'Event' },
    verbs: ['create', 'patch'],
    reason: 'events about reconciled objects',
  },
  {
    gvk: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
    verbs: ['get', 'create', 'update'],
    reason: 'leader election',
    operatorNamespace: true,
  },
];
