/**
 * The RedisCluster controller: watch-driven (the CR, the pods it names and the Secrets it reads enqueue it at
 * once), re-observing the nodes every `resyncMs` — and much sooner while the engine has work left (a reshard runs
 * in budgeted passes, so status shows progress and a killed operator loses at most one batch of slots).
 *
 * One pass: credentials → addresses → connect → (unless the skip annotation) observe / plan / act through the
 * Redis Cluster engine, else observe only → status, conditions, events.
 */
import type { RedisCluster } from '../../apis/rediscluster.ts';
import {
  type ClusterObservation,
  type ClusterSessions,
  observeCluster,
  reconcileCluster,
  type StepResult,
} from '../../engines/redis/cluster/index.ts';
import {
  connectRedis,
  type RedisAddress,
  type RedisEngineError,
  type RedisLogin,
  type RedisSession,
} from '../../engines/redis/index.ts';
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
  credentialFailureReason,
  locateNodes,
  readComposeCredentials,
  secretsOf,
  skipReconcile,
} from '../compose/index.ts';
import { conditionReason, desiredCluster, judgeCluster, newFailovers, nodesOf } from './build.ts';

export const REDIS_CLUSTER: GroupVersionKind = { apiVersion: 'upm.syntropycloud.io/v1alpha1', kind: 'RedisCluster' };
const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };

export interface RedisClusterOptions {
  addressMode?: AddressMode;
  /** re-observation interval of a converged cluster (how soon a failover shows in status); default 5 s */
  resyncMs?: number;
  /** requeue delay while the engine has work left (reshard, gossip, a replica syncing); default 500 ms */
  busyRequeueMs?: number;
  /** time one pass may spend moving slots; default 15 s */
  passBudgetMs?: number;
  /** slots per migration batch; default 64 */
  batchSlots?: number;
  connectTimeoutMs?: number;
  /** per-command limit: a frozen node fails a pass's commands after this long; default 3 s */
  commandTimeoutMs?: number;
}

export function redisClusterController(options: RedisClusterOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 5000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  return {
    name: 'rediscluster',
    register(mgr) {
      mgr
        .controller('rediscluster')
        .for(REDIS_CLUSTER)
        .watches(POD, { referencedBy: (cr) => nodesOf(cr as RedisCluster).map((n) => n.name) })
        .watches(SECRET, { referencedBy: (cr) => secretsOf(cr as RedisCluster) })
        .withOptions({ maxConcurrentReconciles: 10 })
        .reconcile<RedisCluster>(async (ctx, cr) => {
          const busy = await reconcileOne(mgr, ctx, cr, { ...options, addressMode });
          return requeueAfter(busy ? (options.busyRequeueMs ?? 500) : resyncMs);
        });
    },
  };
}

/** One pass; true when the engine has work left. */
async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<RedisCluster>,
  cr: RedisCluster,
  o: RedisClusterOptions & { addressMode: AddressMode },
): Promise<boolean> {
  const generation = cr.metadata.generation;
  let conditions: Condition[] = (cr.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const topologyCondition = (ok: boolean, reason: string, message: string) => {
    conditions = setCondition(conditions, {
      type: 'TopologyReady',
      status: ok ? 'True' : 'False',
      reason,
      message: message.slice(0, 1000),
      observedGeneration: generation,
    });
  };

  let login: RedisLogin;
  try {
    const creds = await readComposeCredentials(mgr, cr, { redis: cr.spec.secret.redis ?? 'redis' });
    // the Secret key names the login in compose terms; Redis authenticates the default user by password
    login = { password: creds.redis.password };
  } catch (err) {
    const message = (err as Error).message;
    topologyCondition(false, credentialFailureReason(err), message);
    ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Reconcile', note: message });
    await ctx.patchStatus({ ready: false, conditions, observedGeneration: generation });
    return false;
  }

  const nodes = nodesOf(cr);
  const { pods, addresses, missing } = await locateNodes(mgr, cr.metadata.namespace, nodes, o.addressMode);
  const connect = (a: RedisAddress) =>
    connectRedis(a, login, {
      connectTimeoutMs: o.connectTimeoutMs ?? 2000,
      commandTimeoutMs: o.commandTimeoutMs ?? 3000,
    });
  const spec: Record<string, RedisSession | undefined> = {};
  const errors: Record<string, RedisEngineError> = {};
  await Promise.all(
    nodes.map(async (n) => {
      if (!addresses[n.name]) return;
      try {
        spec[n.name] = await connect(addresses[n.name]);
      } catch (err) {
        errors[n.name] = err as RedisEngineError;
      }
    }),
  );
  const others = new Map<string, Promise<RedisSession | undefined>>();
  const sessions: ClusterSessions = {
    spec,
    password: login.password,
    other: (id, address) => {
      if (!others.has(id))
        others.set(
          id,
          connect(address).catch(() => undefined),
        );
      return others.get(id)!;
    },
  };

  try {
    const skipped = skipReconcile(cr.metadata.annotations);
    const desired = desiredCluster(cr);
    let results: StepResult[] = [];
    let busy = false;
    let observation: ClusterObservation;
    let waiting: string[] = [];
    let blocked: string[] = [];
    let finalPhase = 'observed';
    if (skipped || Object.keys(spec).length === 0) {
      observation = await observeCluster(sessions);
    } else {
      ctx.signal.throwIfAborted();
      const r = await reconcileCluster({
        desired,
        sessions,
        login,
        signal: ctx.signal,
        budgetMs: o.passBudgetMs ?? 15_000,
        batchSlots: o.batchSlots,
        log: (m, f) => ctx.log.info(f ?? {}, m),
      });
      observation = r.observation;
      results = r.results;
      waiting = r.plan.waiting;
      blocked = r.plan.blocked;
      finalPhase = r.plan.phase;
      // soon again while work is left and progressing; a node that does not answer waits for the normal resync
      // (or its pod's watch event) instead of being hammered
      busy =
        r.plan.phase !== 'converged' &&
        blocked.length === 0 &&
        (results.length > 0 || Object.keys({ ...errors, ...r.observation.errors }).length === 0);
    }
    Object.assign(observation.errors, errors);
    reportSteps(ctx, results, observation, finalPhase);

    const verdict = judgeCluster(cr, observation, addresses);
    for (const f of newFailovers(cr.status?.topology, verdict)) {
      ctx.event({
        type: 'Warning',
        reason: 'FailoverDetected',
        action: 'Failover',
        note: `${f.shard}: ${f.master} took over from ${f.specMaster}`,
      });
    }
    const problems = [...Object.values(missing), ...blocked];
    const failed = results.find((r) => !r.ok);
    const allReady = Object.values(verdict.topology).every((n) => n.ready);
    const ready = allReady && verdict.clusterJoined && verdict.clusterSynced && problems.length === 0 && !failed;
    if (ready) {
      topologyCondition(
        true,
        'SyncTopologySucceed',
        skipped
          ? 'cluster observed (skip annotation set: no changes)'
          : `${verdict.numberOfShard} shards, all 16384 slots served`,
      );
    } else {
      const firstError = Object.values(observation.errors)[0];
      // a failover is what a person needs to know first, even while the failed master does not answer
      const reason = failed
        ? conditionReason(failed.code)
        : verdict.failedOver.length
          ? 'FailedOver'
          : firstError
            ? conditionReason(firstError.code)
            : blocked.length
              ? 'Blocked'
              : 'SyncTopologyFailed';
      const failoverNotes = verdict.failedOver.map(
        (f) =>
          `${f.shard}: ${f.master} serves the shard after a failover from ${f.specMaster}${skipped ? '' : ' (restoring once it is in sync)'}`,
      );
      topologyCondition(
        false,
        reason,
        [
          ...(failed ? [failed.message ?? failed.code ?? 'step failed'] : []),
          ...failoverNotes,
          ...problems,
          ...verdict.reasons,
          ...waiting,
        ].join('; '),
      );
    }
    await ctx.patchStatus({
      topology: verdict.topology,
      numberOfShard: verdict.numberOfShard,
      clusterJoined: verdict.clusterJoined,
      clusterSynced: verdict.clusterSynced,
      ready,
      conditions,
      observedGeneration: generation,
    });
    return busy;
  } finally {
    await Promise.all([
      ...Object.values(spec).map((s) => s?.close()),
      ...[...others.values()].map(async (p) => (await p)?.close()),
    ]);
  }
}

/**
 * Events for what a pass did. Notes stay the same across the passes of one reshard (the event recorder folds
 * repeats into a series; distinct notes are rate-limited per object), counts go to the log.
 */
function reportSteps(
  ctx: ObjectContext<RedisCluster>,
  results: StepResult[],
  o: ClusterObservation,
  phase: string,
): void {
  const nameOf = (id: string) =>
    Object.values(o.views).find((v) => v?.id === id)?.name ?? `${o.known[id]?.host ?? id}:${o.known[id]?.port ?? ''}`;
  const moves = results.filter((r) => r.ok && r.step.kind === 'moveSlots');
  const resumed = results.filter((r) => r.ok && r.step.kind === 'finishSlot');
  if (moves.length || resumed.length) {
    ctx.log.info(
      {
        slots: [...moves, ...resumed].reduce((n, r) => n + (r.slotsMoved ?? 0), 0),
        keys: [...moves, ...resumed].reduce((n, r) => n + (r.keysMoved ?? 0), 0),
        resumed: resumed.length,
      },
      'slots moved',
    );
  }
  if (resumed.length) {
    ctx.event({
      type: 'Warning',
      reason: 'MigrationResumed',
      action: 'Reshard',
      note: 'finished slot migrations an interrupted pass left open',
    });
  }
  if (moves.length) {
    const pairs = [
      ...new Set(
        moves.map((r) => {
          const st = r.step as Extract<StepResult['step'], { kind: 'moveSlots' }>;
          return `${nameOf(st.fromId)} → ${nameOf(st.toId)}`;
        }),
      ),
    ];
    ctx.event({
      type: 'Normal',
      reason: phase === 'balance' ? 'Resharding' : 'SlotsMoved',
      action: 'Reshard',
      note:
        phase === 'balance'
          ? 'moving slots to even the shards'
          : `slots even over the shards (last moves: ${pairs.join(', ')})`.slice(0, 1000),
    });
  }
  for (const r of results) {
    if (r.ok && r.step.kind === 'failover') {
      ctx.event({
        type: 'Normal',
        reason: 'FailoverRestored',
        action: 'Failover',
        note: `${r.step.shard}: ${r.step.node} is master again (coordinated CLUSTER FAILOVER)`,
      });
    } else if (r.ok && r.step.kind === 'forget') {
      ctx.event({
        type: 'Normal',
        reason: 'NodeForgotten',
        action: 'ScaleIn',
        note: `node ${r.step.id} left the cluster`,
      });
    } else if (!r.ok) {
      ctx.log.warn({ step: r.step.kind, code: r.code, err: r.message }, 'cluster step failed');
      ctx.event({
        type: 'Warning',
        reason: 'ErrSynced',
        action: 'Reconcile',
        note: (r.message ?? r.code ?? 'failed').slice(0, 1000),
      });
    }
  }
  const other = results.filter(
    (r) => r.ok && ['meet', 'replicate', 'addSlots', 'setMasterauth', 'clearSlot'].includes(r.step.kind),
  );
  if (other.length) {
    ctx.event({
      type: 'Normal',
      reason: 'Synced',
      action: 'Reconcile',
      note: `applied ${[...new Set(other.map((r) => r.step.kind))].join(', ')}`,
    });
  }
}
