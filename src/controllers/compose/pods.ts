import type { EventInput, GroupVersionKind, KubeObject, Manager } from '../../runtime/index.ts';
import type { AddressMode } from '../address-mode.ts';
import { type Address, type NamedNode, nodeAddresses } from './addresses.ts';
import { removeForeignRoleLabels } from './foreignLabels.ts';
import { type ObjectSource, readerOf } from './reader.ts';

const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
export type PodObject = KubeObject & { status?: { podIP?: string; phase?: string } };

/** The pods a CR names, from the cache (or the API), by name; a pod that does not exist is absent from the map. */
export async function namedPods(from: ObjectSource, namespace: string | undefined, names: readonly string[]) {
  const reader = readerOf(from);
  const pods = new Map<string, PodObject>();
  for (const name of names) {
    const p = await reader.get<PodObject>(POD, namespace, name);
    if (p) pods.set(name, p);
  }
  return pods;
}

/**
 * The CR's pods (plus `otherPods`, e.g. Sentinels) from the cache and each node's address in the address mode; a
 * node whose pod has no IP yet (pod-ip mode) is in `missing` with the reason.
 */
export async function locateNodes(
  from: ObjectSource,
  namespace: string | undefined,
  nodes: readonly NamedNode[],
  mode: AddressMode,
  otherPods: readonly string[] = [],
): Promise<{ pods: Map<string, PodObject>; addresses: Record<string, Address>; missing: Record<string, string> }> {
  const pods = await namedPods(from, namespace, [...new Set([...nodes.map((n) => n.name), ...otherPods])]);
  const { addresses, missing } = nodeAddresses(nodes, mode, (name) => pods.get(name)?.status?.podIP || undefined);
  return { pods, addresses, missing };
}

/**
 * Server-side applies each existing pod's role labels (field manager statecraft): a key this manager applied
 * before and no longer lists is removed, so a label moves by applying the new set. `roleKeys` are removed too when
 * another field manager set them (`kubectl label`, compose-operator before a migration), so exactly the pods we
 * choose carry them. Pods that do not exist are skipped: compose kinds manage pods the user owns. Resolves to the
 * foreign labels removed (`pod/key`), for an event.
 */
export async function applyPodLabels(
  mgr: Manager,
  namespace: string | undefined,
  labels: Record<string, Record<string, string>>,
  pods: ReadonlyMap<string, KubeObject>,
  roleKeys: readonly string[] = [],
): Promise<string[]> {
  for (const [name, l] of Object.entries(labels)) {
    if (!pods.has(name)) continue;
    await mgr.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: l } });
  }
  return roleKeys.length ? removeForeignRoleLabels(mgr, namespace, roleKeys, labels, pods) : [];
}

/** The Warning event that says which role labels of another field manager were removed (none: no event). */
export function reportForeignLabels(ctx: { event(e: EventInput): void }, removed: readonly string[]): void {
  if (!removed.length) return;
  ctx.event({
    type: 'Warning',
    reason: 'ForeignLabelsRemoved',
    action: 'Label',
    note: `removed role labels set by another field manager: ${removed.join(', ')}`,
  });
}
