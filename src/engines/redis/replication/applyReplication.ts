import { RedisEngineError } from '../errors.ts';
import type { RedisSession } from '../session.ts';
import type { DesiredReplication, ReplicationStep } from './planReplication.ts';
import { replicaOf, replicaOfNoOne, setMasterauth } from './replicaOf.ts';
import { type SwitchoverResult, switchover } from './switchover.ts';

export interface ApplyReplicationContext {
  desired: DesiredReplication;
  /** the AUTH password, given to replicas as masterauth */
  password: string;
  catchUpTimeoutMs?: number;
  /** aborted when the operator stops or loses leadership: no further step starts */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface ReplicationStepResult {
  step: ReplicationStep;
  ok: boolean;
  /** a stable code when !ok: the engine error's code, or the step's own (blocked / refused switchover) */
  code?: string;
  message?: string;
  /** what did not fail but should be said (a server without a config file) */
  notes: string[];
  switchover?: SwitchoverResult;
}

/**
 * Applies planned steps in order on the given sessions (by node name). A failing step is reported and the steps
 * of other nodes still run; a refused switchover or a failed promotion ends the pass, since the rest of a plan
 * assumed the role change. Re-observe and plan again afterwards.
 */
export async function applyReplication(
  sessions: Readonly<Record<string, RedisSession | undefined>>,
  steps: readonly ReplicationStep[],
  ctx: ApplyReplicationContext,
): Promise<ReplicationStepResult[]> {
  const results: ReplicationStepResult[] = [];
  for (const step of steps) {
    if (ctx.signal?.aborted) {
      results.push({
        step,
        ok: false,
        code: 'ERR_REDIS_ABORTED',
        message: 'aborted: the operator is stopping',
        notes: [],
      });
      return results;
    }
    if (step.kind === 'blocked') {
      results.push({ step, ok: false, code: step.code, message: step.message, notes: [] });
      continue;
    }
    const nodeName = step.kind === 'switchover' ? step.from : step.node;
    const s = sessions[nodeName];
    if (!s) {
      results.push({
        step,
        ok: false,
        code: 'ERR_REDIS_CONNECT_FAILED',
        message: `no connection to ${nodeName}`,
        notes: [],
      });
      continue;
    }
    try {
      const notes: string[] = [];
      const noted = (n: string | undefined) => n && notes.push(n);
      switch (step.kind) {
        case 'switchover': {
          const candidate = sessions[step.to];
          if (!candidate) throw new RedisEngineError('ERR_REDIS_CONNECT_FAILED', `no connection to ${step.to}`);
          const others = ctx.desired.replicas
            .filter((r) => !r.isolated && r.name !== step.to && r.name !== step.from)
            .flatMap((r) => (sessions[r.name] ? [sessions[r.name]!] : []));
          const result = await switchover({
            oldSource: s,
            candidate,
            others,
            candidateAddress: ctx.desired.address[step.to],
            oldSourceAddress: ctx.desired.address[step.from],
            password: ctx.password,
            catchUpTimeoutMs: ctx.catchUpTimeoutMs,
            signal: ctx.signal,
            log: ctx.log,
          });
          if (result.outcome === 'refused') {
            results.push({ step, ok: false, code: result.code, message: result.message, notes, switchover: result });
            return results;
          }
          notes.push(...result.notes, ...result.repointFailures.map((f) => `${f.node} not repointed: ${f.message}`));
          results.push({ step, ok: true, notes, switchover: result });
          return results;
        }
        case 'promote':
          noted(await replicaOfNoOne(s));
          break;
        case 'detach':
          noted(await replicaOfNoOne(s));
          break;
        case 'setMasterauth':
          noted(await setMasterauth(s, ctx.password));
          break;
        case 'replicaOf':
          noted(await replicaOf(s, ctx.desired.address[step.source], ctx.password));
          break;
      }
      results.push({ step, ok: true, notes });
    } catch (err) {
      const e = err as RedisEngineError;
      results.push({ step, ok: false, code: e.code ?? 'ERR_REDIS_COMMAND_FAILED', message: e.message, notes: [] });
      if (step.kind === 'switchover' || step.kind === 'promote') return results;
    }
  }
  return results;
}
