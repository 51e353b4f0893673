import { controllerReference } from '../../runtime/index.ts';
import { standardLabels } from '../../workloads/labels.ts';
import type { MusicService } from './types.ts';

/** The `component` label values upstream uses; selectors match on `{app, component}`. */
export type Component = 'music-service' | 'db-master' | 'db-replica' | 'db-read' | 'database';

/** The labels every child carries, exactly as upstream sets them (dashboards and scripts select on them). */
export function childLabels(name: string, component: Component): Record<string, string> {
  return {
    app: name,
    component,
    ...standardLabels({ name: 'music-service', instance: name, managedBy: 'music-operator' }),
  };
}

/**
 * Pod selector of a workload: `{app, component}` as upstream, so existing pods keep matching (a StatefulSet's
 * selector is immutable). The same mechanism as the shared builders' selectorLabels (workloads/labels.ts: a stable
 * subset of the labels every child carries, written out with selectorString), with upstream's keys.
 */
export function selectorLabels(name: string, component: Component): Record<string, string> {
  return { app: name, component };
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
