/**
 * The RedisReplication controller: watch-driven (the CR, its Services, the pods it names and the Secrets it reads
 * enqueue it at once), and re-observes the servers every `resyncMs` since their state cannot be watched.
 *
 * One pass: credentials → addresses → connect → (unless the skip annotation or Sentinel) observe, plan, apply
 * through the Redis replication engine → observe again → pod labels, Services, status. A converged topology
 * makes no Kubernetes writes: labels and Services go through the skipping applier and status through the no-op
 * skipping patch. A refused switchover is retried with a growing delay (never every pass), said in the condition.
 */

import type { RedisReplication } from '../../apis/redisreplication.ts';
import { connectRedis, type RedisEngineError, type RedisSession } from '../../engines/redis/index.ts';
import {
  applyReplication,
  observeNodes,
  planReplication,
  type ReplicationStepResult,
} from '../../engines/redis/replication/index.ts';
import { recordRoleChanges } from '../../observe/metrics.ts';
import {
  type Condition,
  type ControllerRegistration,
  type GroupVersionKind,
  type Manager,
  type ObjectContext,
  requeueAfter,
  setCondition,
} from '../../runtime/index.ts';
import { type AddressMode, resolveAddressMode } from '../address-mode.ts';
import {
  applyPodLabels,
  applyRoleServices,
  credentialFailureReason,
  locateNodes,
  readComposeCredentials,
  readonlyServiceName,
  readwriteServiceName,
  reportForeignLabels,
  resourceReadyCondition,
  secretsOf,
  skipReconcile,
} from '../compose/index.ts';
import {
  buildServices,
  conditionReason,
  currentSource,
  desiredReplication,
  judgeNodes,
  loginsOf,
  NAME_LABEL,
  nodesOf,
  persistenceNotes,
  podLabels,
  podsOf,
  READONLY_LABEL,
  sentinelManaged,
  switchoverBackoffMs,
  topologyStatus,
} from './build.ts';

export const REDIS_REPLICATION: GroupVersionKind = {
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'RedisReplication',
};
const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };

export interface RedisReplicationOptions {
  /** how Redis pods are reached; default: resolveAddressMode('auto') */
  addressMode?: AddressMode;
  /** server re-observation interval; default 10 s */
  resyncMs?: number;
  /** how long a switchover waits for the candidate to catch up; default 10 s */
  catchUpTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** per-command limit: a frozen server fails a command (and is reported unreachable) after this long; default 5 s */
  commandTimeoutMs?: number;
  /** backoff after a refused switchover, by the number of refusals in a row; default 10 s doubling to 5 min */
  switchoverBackoffMs?: (refusals: number) => number;
}

/** A refused switchover of one CR generation: when it may be tried again. */
interface Refusal {
  generation: number | undefined;
  count: number;
  retryAt: number;
  message: string;
}

export function redisReplicationController(options: RedisReplicationOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 10_000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  // per controller instance, by CR uid: lost on restart, which only means one early retry
  const refusals = new Map<string, Refusal>();
  return {
    name: 'redisreplication',
    register(mgr) {
      mgr
        .controller('redisreplication')
        .for(REDIS_REPLICATION)
        .owns(SERVICE)
        .watches(POD, { referencedBy: (cr) => podsOf(cr as RedisReplication) })
        .watches(SECRET, { referencedBy: (cr) => secretsOf(cr as RedisReplication) })
        .access(POD, ['patch'], 'role and source labels on the pods the CR names, Sentinel pods included')
        .withOptions({ maxConcurrentReconciles: 10 })
        .reconcile<RedisReplication>(async (ctx, cr) => {
          await reconcileOne(mgr, ctx, cr, { ...options, addressMode }, refusals);
          const r = refusals.get(cr.metadata.uid!);
          const untilRetry = r && r.generation === cr.metadata.generation ? r.retryAt - Date.now() : Infinity;
          return requeueAfter(Math.max(100, Math.min(resyncMs, untilRetry)));
        });
    },
  };
}

type PassOptions = RedisReplicationOptions & { addressMode: AddressMode };

async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<RedisReplication>,
  cr: RedisReplication,
  o: PassOptions,
  refusals: Map<string, Refusal>,
): Promise<void> {
  const generation = cr.metadata.generation;
  const uid = cr.metadata.uid!;
  // cr.status is the freshest known (the object reconciler's read-your-writes), so times and transitions hold
  let conditions: Condition[] = (cr.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const topology = (status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, {
      type: 'TopologyReady',
      status,
      reason,
      message: message.slice(0, 1000),
      observedGeneration: generation,
    });
  };

  // --- credentials ---
  let password: string;
  try {
    const creds = await readComposeCredentials(mgr, cr, loginsOf(cr));
    password = creds.redis.password;
  } catch (err) {
    const message = (err as Error).message;
    topology('False', credentialFailureReason(err), message);
    ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Reconcile', note: message });
    await ctx.patchStatus({ ready: false, conditions, observedGeneration: generation });
    return;
  }

  // --- addresses and connections ---
  const nodes = nodesOf(cr);
  const { pods, addresses, missing } = await locateNodes(mgr, cr.metadata.namespace, nodes, o.addressMode, podsOf(cr));
  const problems: string[] = Object.values(missing);
  const sessions: Record<string, RedisSession | undefined> = {};
  let firstEngineError: RedisEngineError | undefined;
  await Promise.all(
    nodes.map(async (n) => {
      if (!addresses[n.name]) return;
      try {
        sessions[n.name] = await connectRedis(
          addresses[n.name],
          { password },
          { connectTimeoutMs: o.connectTimeoutMs ?? 3000, commandTimeoutMs: o.commandTimeoutMs ?? 5000 },
        );
      } catch (err) {
        const e = err as RedisEngineError;
        firstEngineError ??= e;
        problems.push(`${n.name}: ${e.message}`);
      }
    }),
  );

  try {
    const desired = desiredReplication(cr, addresses);
    const managed = !skipReconcile(cr.metadata.annotations) && !sentinelManaged(cr);
    const results: ReplicationStepResult[] = [];
    let refusal = refusals.get(uid);
    if (refusal && refusal.generation !== generation) {
      refusals.delete(uid); // a new spec: the user's new request is tried at once
      refusal = undefined;
    }
    if (managed && sessions[cr.spec.source.name]) {
      const { observed } = await observeNodes(sessions, password);
      let steps = planReplication(desired, observed);
      const switching = steps.find((s) => s.kind === 'switchover');
      if (switching && refusal && Date.now() < refusal.retryAt) steps = []; // backing off: nothing changes
      if (steps.length) ctx.signal.throwIfAborted(); // stopping or no longer the leader: change nothing
      if (steps.some((s) => s.kind === 'switchover' || s.kind === 'promote')) {
        // fail closed while roles move: every member read-only, the read-write Service empty
        await applyPodLabels(mgr, cr.metadata.namespace, podLabels(cr, {}, undefined, true), pods, [READONLY_LABEL]);
      }
      if (steps.length) {
        ctx.log.info(
          { steps: steps.map((s) => `${s.kind} ${'node' in s ? s.node : `${s.from}->${s.to}`}`) },
          'applying replication steps',
        );
        const started = performance.now();
        results.push(
          ...(await applyReplication(sessions, steps, {
            desired,
            password,
            catchUpTimeoutMs: o.catchUpTimeoutMs,
            signal: ctx.signal,
            log: (m) => ctx.log.info(m),
          })),
        );
        recordRoleChanges(mgr, cr, results, started);
      }
      const sw = results.find((r) => r.step.kind === 'switchover');
      if (sw?.switchover?.outcome === 'refused' && sw.switchover.code !== 'ERR_REDIS_ABORTED') {
        const count = (refusal?.count ?? 0) + 1;
        refusal = {
          generation,
          count,
          retryAt: Date.now() + (o.switchoverBackoffMs ?? switchoverBackoffMs)(count),
          message: sw.switchover.message,
        };
        refusals.set(uid, refusal);
      } else if (sw?.ok) {
        refusals.delete(uid);
        refusal = undefined;
      }
      conditions = reportSteps(ctx, results, conditions, generation);
    }

    // --- observe, label, serve, report ---
    const { observed, errors } = await observeNodes(sessions, password);
    for (const [name, e] of Object.entries(errors)) problems.push(`${name}: ${e.message}`);
    const source = currentSource(cr, observed, addresses, managed);
    const verdicts = judgeNodes(cr, observed, addresses, source);
    const labelsOk = await applyPodLabels(mgr, cr.metadata.namespace, podLabels(cr, verdicts, source), pods, [
      NAME_LABEL,
      READONLY_LABEL,
    ]).then(
      (removed) => {
        reportForeignLabels(ctx, removed);
        return true;
      },
      (err: unknown) => {
        problems.push(`labels: ${(err as Error).message}`);
        return false;
      },
    );
    const services = buildServices(cr);
    const servicesProblem = await applyRoleServices(mgr, ctx, services);
    if (servicesProblem) problems.push(servicesProblem);
    const servicesOk = labelsOk && !servicesProblem;
    const notReady = Object.entries(verdicts).filter(([, v]) => !v.ready);
    const failed = results.find((r) => !r.ok);
    const ready = notReady.length === 0 && !failed && problems.length === 0;
    if (ready) {
      const notes = persistenceNotes(cr, observed);
      topology(
        'True',
        'SyncTopologySucceed',
        [
          managed
            ? 'replication topology matches the spec'
            : `topology observed (${sentinelManaged(cr) ? 'Sentinel manages failover' : 'skip annotation set'}: no server changes)`,
          ...notes.map((n) => `note: ${n}`),
        ].join('; '),
      );
    } else {
      const retry =
        refusal && managed
          ? `switchover to ${cr.spec.source.name} refused (${refusal.count}x): ${refusal.message}; retrying at ${new Date(refusal.retryAt).toISOString()}`
          : undefined;
      const reason = failed
        ? conditionReason(failed.code)
        : retry
          ? 'SwitchoverRefused'
          : firstEngineError
            ? conditionReason(firstEngineError.code)
            : 'SyncTopologyFailed';
      topology(
        'False',
        reason,
        [
          // a refused switchover is said once, with when it is tried again
          ...(failed && !(retry && failed.step.kind === 'switchover')
            ? [failed.message ?? failed.code ?? 'step failed']
            : []),
          ...(retry ? [retry] : []),
          ...problems,
          ...notReady.map(([n, v]) => `${n}: ${v.reason ?? 'not ready'}`),
        ].join('; '),
      );
    }
    conditions = setCondition(conditions, resourceReadyCondition(servicesOk, problems, generation));
    const hasReplicas = services.remove.length === 0;
    await ctx.patchStatus({
      topology: topologyStatus(cr, observed, verdicts),
      ready,
      readwriteService: readwriteServiceName(cr),
      readonlyService: hasReplicas ? readonlyServiceName(cr) : undefined,
      conditions,
      observedGeneration: generation,
    });
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s?.close()));
  }
}

/** Events for what a pass did, and the DivergentWrites condition (kept True until the spec changes). */
function reportSteps(
  ctx: ObjectContext<RedisReplication>,
  results: ReplicationStepResult[],
  conditions: Condition[],
  generation: number | undefined,
): Condition[] {
  let out = conditions;
  const diverged: string[] = [];
  for (const r of results) {
    const step = r.step;
    if (step.kind === 'switchover') {
      const s = r.switchover;
      if (s?.outcome === 'promoted') {
        ctx.event({
          type: 'Normal',
          reason: 'SwitchoverCompleted',
          action: 'Switchover',
          note: `${step.to} promoted after it reached ${step.from}'s offset ${s.pausedOffset} under a write pause; writes unavailable ${s.writeUnavailableMs} ms`,
        });
      } else {
        ctx.event({ type: 'Warning', reason: 'SwitchoverRefused', action: 'Switchover', note: r.message ?? 'refused' });
      }
    } else if (step.kind === 'promote' && r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'PromotedWithoutSource',
        action: 'Failover',
        note: `${step.node} promoted because ${step.reason}`,
      });
    } else if (step.kind === 'replicaOf' && r.ok && step.discards) {
      const note = `${step.node} rejoined as a replica of ${step.source}: ${step.discards.message}`;
      diverged.push(note);
      ctx.event({ type: 'Warning', reason: 'DivergentWritesDiscarded', action: 'Rejoin', note });
    } else if (!r.ok) {
      ctx.event({
        type: 'Warning',
        reason: r.code === 'ERR_REDIS_DATA_AT_RISK' ? 'DataAtRisk' : 'ErrSynced',
        action: 'Reconcile',
        note: (r.message ?? r.code ?? 'failed').slice(0, 1000),
      });
    }
    for (const n of r.notes) ctx.event({ type: 'Warning', reason: 'ConfigNotPersisted', action: 'Reconcile', note: n });
  }
  if (results.length && results.every((r) => r.ok)) {
    ctx.event({
      type: 'Normal',
      reason: 'Synced',
      action: 'Reconcile',
      note: `applied ${results.map((r) => r.step.kind).join(', ')}`,
    });
  }
  const previous = out.find((c) => c.type === 'DivergentWrites');
  if (diverged.length) {
    out = setCondition(out, {
      type: 'DivergentWrites',
      status: 'True',
      reason: 'WritesDiscarded',
      message: diverged.join('; ').slice(0, 1000),
      observedGeneration: generation,
    });
  } else if (previous?.status === 'True' && previous.observedGeneration !== generation) {
    out = setCondition(out, {
      type: 'DivergentWrites',
      status: 'False',
      reason: 'NoDivergentWrites',
      message: `no divergent writes since generation ${previous.observedGeneration}: ${previous.message}`.slice(
        0,
        1000,
      ),
      observedGeneration: generation,
    });
  }
  return out;
}
