/** Owner references: the controller reference that lets `owns(kind)` map a child back to its owner. */
import type { KubeObject, OwnerReference } from './gvk.ts';

/** The controller OwnerReference pointing at `owner` (controller: true, blockOwnerDeletion: true). */
export function controllerReference(owner: KubeObject): OwnerReference {
  const m = owner.metadata;
  if (!owner.apiVersion || !owner.kind || !m?.name || !m.uid) {
    throw new Error('owner: apiVersion, kind, metadata.name and metadata.uid are required for an owner reference');
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: m.name,
    uid: m.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Returns `obj` with `owner` as its controller reference (other references kept). Throws when another object is
 * already its controller — two controllers must never fight over one child.
 */
export function setControllerReference<T extends KubeObject>(obj: T, owner: KubeObject): T {
  const ref = controllerReference(owner);
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  const other = refs.find((r) => r.controller);
  if (other) {
    throw new Error(
      `${obj.kind} ${obj.metadata?.name}: metadata.ownerReferences already names ${other.kind} ${other.name} as controller`,
    );
  }
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...refs, ref] } };
}

/** The controller reference of `obj`, if any. */
export const controllerOf = (obj: KubeObject): OwnerReference | undefined =>
  obj.metadata?.ownerReferences?.find((r) => r.controller);
