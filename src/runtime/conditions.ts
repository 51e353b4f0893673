/**
 * metav1.Condition helpers. `setCondition` returns a new list: lastTransitionTime moves only when the status
 * changes; reason, message and observedGeneration are always updated.
 */

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  /** RFC 3339, seconds precision */
  lastTransitionTime: string;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/** metav1.Time: RFC 3339 in UTC with seconds precision. */
export const metaTime = (d: Date = new Date()): string => `${d.toISOString().slice(0, 19)}Z`;

export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now = new Date(),
): Condition[] {
  const list = conditions ? [...conditions] : [];
  const i = list.findIndex((c) => c.type === input.type);
  const previous = i >= 0 ? list[i] : undefined;
  const lastTransitionTime =
    previous && previous.status === input.status
      ? previous.lastTransitionTime
      : (input.lastTransitionTime ?? metaTime(now));
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
    lastTransitionTime,
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export const findCondition = (conditions: readonly Condition[] | undefined, type: string): Condition | undefined =>
  conditions?.find((c) => c.type === type);

export const isConditionTrue = (conditions: readonly Condition[] | undefined, type: string): boolean =>
  findCondition(conditions, type)?.status === 'True';

export const removeCondition = (conditions: readonly Condition[] | undefined, type: string): Condition[] =>
  (conditions ?? []).filter((c) => c.type !== type);
