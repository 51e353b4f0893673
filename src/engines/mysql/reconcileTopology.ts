/**
 * One engine pass, as every caller (the MysqlReplication controller, the test harness) runs it: observe → plan →
 * (confirm an unreachable source over the failover window) → apply. The failover rule lives here once: a source
 * that misses one observation blocks the promotion; only one that also failed every probe of the confirmation
 * window is given up on, and the promotion that follows is reported as a failover.
 */
import { type ApplyContext, applySteps, type StepResult } from './applySteps.ts';
import { type ConfirmationResult, confirmUnreachable, type FailoverConfirmation } from './confirmUnreachable.ts';
import { observeTopology } from './observeTopology.ts';
import { type ObservedTopology, planTopology, type Step } from './planTopology.ts';
import type { Session } from './session.ts';

export interface TopologyPassInput extends ApplyContext {
  confirmation?: FailoverConfirmation;
  /** one probe of a node (connect and close); rejects when it does not answer or has no address */
  probe: (node: string) => Promise<void>;
  /** false: observe and plan only (the skip annotation) */
  apply?: boolean;
  /**
   * true: a planned switchover or promotion is not attempted in this pass (the caller backs off after a
   * refusal); the safety steps (fences) and everything not depending on the role change still run
   */
  holdRoleChanges?: boolean;
}

export interface TopologyPass {
  observed: ObservedTopology;
  steps: Step[];
  results: StepResult[];
  /** confirmation windows run in this pass, by node */
  confirmations: Record<string, ConfirmationResult>;
  /** a node that missed the observation answered a probe: observe again soon rather than after a full resync */
  retrySoon: boolean;
  /** the role change planned but held back by `holdRoleChanges` */
  held?: Step;
}

export async function reconcileTopology(
  sessions: Readonly<Record<string, Session | undefined>>,
  input: TopologyPassInput,
): Promise<TopologyPass> {
  const { observed } = await observeTopology(sessions, input.desired);
  let steps = planTopology(input.desired, observed);
  const confirmations: Record<string, ConfirmationResult> = {};
  let retrySoon = false;
  const pending = steps.filter((s) => s.kind === 'blocked' && s.code === 'ERR_MYSQL_FAILOVER_UNCONFIRMED');
  if (pending.length && input.apply !== false && !input.holdRoleChanges) {
    const confirmed = new Set<string>();
    for (const s of pending) {
      const node = (s as { node: string }).node;
      const r = await confirmUnreachable(() => input.probe(node), { ...input.confirmation, signal: input.signal });
      confirmations[node] = r;
      if (r.unreachable) confirmed.add(node);
      else retrySoon = true;
    }
    if (confirmed.size) steps = planTopology(input.desired, observed, { confirmedUnreachable: confirmed });
    if (retrySoon) steps = steps.filter((s) => s.kind !== 'promote');
  }
  const results: StepResult[] = [];
  if (input.apply === false) return { observed, steps, results, confirmations, retrySoon };
  const roleChange = steps.find((s) => s.kind === 'switchover' || s.kind === 'promote');
  if (roleChange && input.holdRoleChanges) {
    // only the safety steps before it: everything after a role change assumes it happened
    const safe = steps.slice(0, steps.indexOf(roleChange));
    const results = safe.length ? await applySteps(sessions, safe, input) : [];
    return { observed, steps: safe, results, confirmations, retrySoon, held: roleChange };
  }
  if (steps.length) {
    input.signal?.throwIfAborted(); // stopping or no longer the leader: change nothing
    results.push(...(await applySteps(sessions, steps, input)));
  }
  return { observed, steps, results, confirmations, retrySoon };
}
