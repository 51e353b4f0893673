import type { Condition, KubeObject, Manager, ObjectContext } from '../../runtime/index.ts';

const SERVICE = { apiVersion: 'v1', kind: 'Service' };

/**
 * Applies the role Services and prunes those the CR no longer needs (buildRoleServices' output). Resolves to the
 * problem, for the status message, instead of throwing: a failed Service must not hide the topology's status.
 */
export async function applyRoleServices(
  mgr: Manager,
  ctx: Pick<ObjectContext<KubeObject>, 'deleteOwned'>,
  services: { apply: Record<string, unknown>[]; remove: string[] },
): Promise<string | undefined> {
  try {
    for (const s of services.apply) await mgr.apply(s as KubeObject);
    await ctx.deleteOwned(services.remove.map((name) => ({ ...SERVICE, name })));
    return undefined;
  } catch (err) {
    return `services: ${(err as Error).message}`;
  }
}

/** compose-operator's `ResourceReady`: whether the role labels and Services are in place (and what failed). */
export function resourceReadyCondition(ok: boolean, problems: readonly string[], generation?: number): Condition {
  return {
    type: 'ResourceReady',
    status: ok ? 'True' : 'False',
    reason: ok ? 'SyncResourceSucceed' : 'SyncResourceFailed',
    message: ok ? 'pod labels and Services are in place' : problems.filter((p) => /labels|services/.test(p)).join('; '),
    observedGeneration: generation,
  } as Condition;
}

/** compose-operator's `TopologyReady` when the topology matches: what a skipped (annotated) pass says instead. */
export function topologyReadyCondition(skipped: boolean, generation?: number): Condition {
  return {
    type: 'TopologyReady',
    status: 'True',
    reason: 'SyncTopologySucceed',
    message: skipped
      ? 'topology observed (skip annotation set: no database changes)'
      : 'replication topology matches the spec',
    observedGeneration: generation,
  } as Condition;
}
