import { controllerReference } from '../../runtime/index.ts';
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

/** metadata for a child: name, namespace, labels, owner. */
export function childMeta(ms: MusicService, name: string, component: Component) {
  return {
    name,
    namespace: ms.metadata.namespace,
    labels: childLabels(ms.metadata.name!, component),
    ownerReferences: [controllerReference(ms)],
  };
}
