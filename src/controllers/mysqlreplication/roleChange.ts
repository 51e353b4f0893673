/**
 * Pure bookkeeping of role changes (switchover, failover): the backoff after a refusal — so a switchover that
 * cannot succeed is not retried, fencing the source, every resync — and the conditions and event notes that say
 * what happened, why, and when the next attempt comes. No I/O; unit-tested in roleChange.test.ts.
 */
import type { NodeState, StepResult, TopologyPass } from '../../engines/mysql/index.ts';
import type { ConditionInput } from '../../runtime/index.ts';

export interface RoleChangeBackoff {
  /** the spec's source the refused attempt was for: a different source starts afresh */
  target: string;
  attempts: number;
  /** epoch ms of the next attempt */
  retryAt: number;
  code: string;
  message: string;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

/** The backoff after a refusal: doubling from `initialMs` up to `maxMs` while the target stays the same. */
export function nextBackoff(
  prev: RoleChangeBackoff | undefined,
  target: string,
  refusal: { code: string; message: string },
  now: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): RoleChangeBackoff {
  const attempts = prev && prev.target === target ? prev.attempts + 1 : 1;
  const delay = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempts - 1));
  return { target, attempts, retryAt: now + delay, code: refusal.code, message: refusal.message };
}

/** Whether a role change toward `target` must wait (returns the backoff in force, if any). */
export function heldBy(
  backoff: RoleChangeBackoff | undefined,
  target: string,
  now: number,
): RoleChangeBackoff | undefined {
  return backoff && backoff.target === target && now < backoff.retryAt ? backoff : undefined;
}

const REFUSAL_CODES: readonly string[] = [
  'ERR_MYSQL_CATCHUP_TIMEOUT',
  'ERR_MYSQL_ERRANT_TRANSACTIONS',
  'ERR_MYSQL_NOT_REPLICATING',
  'ERR_MYSQL_LONG_TRANSACTION',
  'ERR_MYSQL_MISCONFIGURED',
  'ERR_MYSQL_FENCE_FAILED',
];

/** The role change this pass attempted and the refusal it met, if it was refused (an abort is not a refusal). */
export function refusalOf(results: readonly StepResult[]): StepResult | undefined {
  return results.find(
    (r) => (r.step.kind === 'switchover' || r.step.kind === 'promote') && !r.ok && REFUSAL_CODES.includes(r.code ?? ''),
  );
}

type Conditions = ConditionInput[];

/**
 * Conditions for what this pass did about roles: `Switchover` and `Failover` are distinct types, so a failover
 * (promotion past an unreachable source, where unreplicated transactions may be missing) never reads as a
 * switchover (zero loss by construction). Empty when the pass did nothing about roles.
 */
export function roleChangeConditions(
  pass: Pick<TopologyPass, 'results' | 'confirmations'>,
  backoff: RoleChangeBackoff | undefined,
  generation: number | undefined,
): Conditions {
  const out: Conditions = [];
  for (const r of pass.results) {
    if (r.step.kind === 'switchover') {
      const s = r.switchover;
      if (r.ok && s?.outcome === 'promoted') {
        out.push({
          type: 'Switchover',
          status: 'True',
          reason: 'SwitchoverCompleted',
          message: `${r.step.to} promoted after ${r.step.from} was fenced at ${s.fencedPosition || '(empty)'}; writes stalled ${s.writeUnavailableMs} ms (catch-up ${s.catchUpMs} ms, ${s.killedSessions} sessions killed, ${s.killedLongWriters} long writers)`,
          observedGeneration: generation,
        });
      } else if (r.code !== 'ERR_MYSQL_ABORTED') {
        out.push({
          type: 'Switchover',
          status: 'False',
          reason: 'SwitchoverRefused',
          message: `${refusalText(r, backoff)}`,
          observedGeneration: generation,
        });
      }
    } else if (r.step.kind === 'promote') {
      const from = r.step.from;
      const c = from ? pass.confirmations[from] : undefined;
      out.push(
        r.ok
          ? {
              type: 'Failover',
              status: 'True',
              reason: 'FailedOver',
              message: `${r.step.node} promoted without its source${from ? `: ${from} did not answer ${c?.probes ?? 'any'} probes over ${c?.elapsedMs ?? '?'} ms` : ''}; transactions it had not replicated are missing and show as errant on it when it returns (it is fenced first)`,
              observedGeneration: generation,
            }
          : {
              type: 'Failover',
              status: 'False',
              reason: 'FailoverRefused',
              message: refusalText(r, backoff),
              observedGeneration: generation,
            },
      );
    }
  }
  return out;
}

function refusalText(r: StepResult, backoff: RoleChangeBackoff | undefined): string {
  const retry = backoff
    ? `; next attempt at ${new Date(backoff.retryAt).toISOString()} (attempt ${backoff.attempts})`
    : '';
  return `${r.message ?? r.code ?? 'refused'}${retry}`.slice(0, 1000);
}

/**
 * `ReplicationConfigured`: settings a topology needs on every member, reported on their own (not as a refusal
 * that repeats): a node without a binary log cannot be a source; one that does not log what it applies
 * (log_slave_updates off) gives its own replicas nothing after a promotion, and its errant check sees only
 * what it wrote itself.
 */
export function configurationCondition(
  observed: Readonly<Record<string, NodeState | undefined>>,
  generation: number | undefined,
): ConditionInput {
  const problems: string[] = [];
  let reason = 'Configured';
  for (const [name, st] of Object.entries(observed)) {
    if (!st) continue;
    if (!st.logBin) {
      problems.push(`${name}: log_bin is OFF (it cannot become a source)`);
      reason = 'BinaryLogDisabled';
    } else if (!st.logReplicaUpdates) {
      problems.push(`${name}: log_slave_updates is OFF (after a promotion its replicas get nothing it applied)`);
      if (reason === 'Configured') reason = 'ReplicaUpdatesNotLogged';
    }
  }
  return problems.length
    ? {
        type: 'ReplicationConfigured',
        status: 'False',
        reason,
        message: problems.join('; '),
        observedGeneration: generation,
      }
    : {
        type: 'ReplicationConfigured',
        status: 'True',
        reason,
        message: 'binary log and log_slave_updates on every observed node',
        observedGeneration: generation,
      };
}
