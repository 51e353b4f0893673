import type { V1StatefulSet } from '@kubernetes/client-node';
import { controllerOf, type KubeObject } from '../../runtime/index.ts';
import { buildChildren, type ObservedChildren } from './buildChildren.ts';
import type { StepContext } from './context.ts';
import { SECRET, STATEFUL_SET } from './kinds.ts';
import { childNames } from './names.ts';
import { step } from './stepError.ts';

/** The children the builders read back, from the cache. */
export async function observeChildren(c: StepContext): Promise<ObservedChildren> {
  const n = childNames(c.name);
  const cache = c.mgr.cache;
  const [app, dbMaster, dbReplica, replicationSecret, rootSecret] = await Promise.all([
    cache.get(STATEFUL_SET, c.namespace, n.app),
    cache.get(STATEFUL_SET, c.namespace, n.dbMaster),
    cache.get(STATEFUL_SET, c.namespace, n.dbReplica),
    c.ms.spec.database?.enabled ? cache.get(SECRET, c.namespace, n.replicationSecret) : undefined,
    c.ms.spec.database?.enabled ? cache.get(SECRET, c.namespace, n.rootSecret) : undefined,
  ]);
  // cached objects are shared: the builders only read them
  return { app, dbMaster, dbReplica, replicationSecret, rootSecret } as ObservedChildren;
}

/**
 * Applies every wanted child (server-side apply; a converged child costs no request) and deletes the children of
 * features that are off — only those this MusicService controls. Returns the app StatefulSet as applied.
 */
export async function applyChildren(c: StepContext, observed: ObservedChildren): Promise<V1StatefulSet | undefined> {
  const desired = buildChildren(c.ms, observed);
  let app: V1StatefulSet | undefined;
  // independent objects: applied side by side (the StatefulSets only reference the Secrets and ConfigMap by name,
  // and their pods wait for them)
  await Promise.all(
    desired.apply.map(async (obj) => {
      const kube = obj as unknown as KubeObject;
      const { object } = await step(`applying ${obj.kind} ${obj.metadata?.name}`, () => c.mgr.apply(kube));
      if (obj.kind === 'StatefulSet' && obj.metadata?.name === c.name) app = object as V1StatefulSet;
    }),
  );
  for (const ref of desired.absent) {
    const gvk = { apiVersion: ref.apiVersion, kind: ref.kind };
    const live = await c.mgr.cache.get(gvk, c.namespace, ref.name);
    if (!live || controllerOf(live)?.uid !== c.ms.metadata.uid) continue;
    await step(`removing ${ref.kind} ${ref.name}`, () =>
      c.mgr.client.delete(gvk, c.namespace, ref.name, { propagationPolicy: 'Background', uid: live.metadata?.uid }),
    );
    c.mgr.applier.forget(live);
    c.event({
      type: 'Normal',
      reason: 'ChildRemoved',
      action: 'Reconcile',
      note: `${ref.kind} ${ref.name} is no longer wanted by the spec and was removed`,
    });
  }
  return app;
}
