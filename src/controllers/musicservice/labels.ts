import type { V1OwnerReference } from '@kubernetes/client-node';
import type { MusicService } from './types.ts';

/** The `component` label values upstream uses; selectors match on `{app, component}`. */
export type Component = 'music-service' | 'db-master' | 'db-replica' | 'db-read' | 'database';

/** The labels every child carries, exactly as upstream sets them (dashboards and scripts select on them). */
export function childLabels(name: string, component: Component): Record<string, string> {
  return {
    app: name,
    component,
    'app.kubernetes.io/name': 'music-service',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'music-operator',
  };
}

/** Pod selector of a workload: `{app, component}` as upstream, so existing pods keep matching. */
export function selectorLabels(name: string, component: Component): Record<string, string> {
  return { app: name, component };
}

/** The label selector string of one instance's pods or claims of a component (exact labels, never a name prefix). */
export function selectorString(name: string, component: Component): string {
  return `app=${name},component=${component},app.kubernetes.io/instance=${name}`;
}

/** A controller ownerReference to the MusicService: the API server's garbage collector removes the child with it. */
export function ownerReference(ms: MusicService): V1OwnerReference {
  const { name, uid } = ms.metadata;
  if (!name || !uid) throw new Error('MusicService metadata.name and metadata.uid are required to own children');
  return { apiVersion: ms.apiVersion, kind: ms.kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** metadata for a child: name, namespace, labels, owner. */
export function childMeta(ms: MusicService, name: string, component: Component) {
  return {
    name,
    namespace: ms.metadata.namespace,
    labels: childLabels(ms.metadata.name!, component),
    ownerReferences: [ownerReference(ms)],
  };
}
