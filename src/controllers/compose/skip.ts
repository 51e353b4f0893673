import { SKIP_RECONCILE_ANNOTATIONS } from '../../apis/annotations.ts';

/** compose-operator's skip annotation, in both spellings: any value but "false" skips database changes. */
export function skipReconcile(annotations: Record<string, string> | undefined): boolean {
  return SKIP_RECONCILE_ANNOTATIONS.some((k) => annotations?.[k] !== undefined && annotations[k] !== 'false');
}
