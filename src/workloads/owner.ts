/** Owner references: every child points at its custom resource, so garbage collection removes it with the owner. */

export interface OwnerLike {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string };
}

export interface ControllerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

/**
 * The controller reference for a child of `owner` (equivalent to controller-runtime's SetControllerReference).
 * blockOwnerDeletion makes foreground deletion of the owner wait for the child.
 */
export function controllerReference(owner: OwnerLike): ControllerReference {
  if (!owner.metadata.uid) throw new Error(`owner ${owner.kind}/${owner.metadata.name} has no metadata.uid`);
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
