/**
 * Owner references for the builders: every child points at its custom resource, so garbage collection removes it
 * with the owner. The reference itself is the runtime's `controllerReference` (the one implementation); builders
 * take it as an input so they stay pure and independent of how the owner is represented.
 */
import { controllerReference, type OwnerReference } from '../runtime/index.ts';

export { controllerReference };

/** A controller reference as `controllerReference` returns it (controller and blockOwnerDeletion true). */
export type ControllerReference = OwnerReference;
