/**
 * Annotation names the controllers read. Kept apart from the schemas so controllers can import them without
 * loading TypeBox and every kind's schema (memory: `statecraft run` never builds the schemas).
 */

/** The annotation (both spellings upstream uses) that makes a controller leave the databases alone. */
export const SKIP_RECONCILE_ANNOTATIONS = ['compose-operator/skip.reconcile', 'compose-operator.skip.reconcile'];
