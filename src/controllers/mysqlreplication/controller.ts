/**
 * The MysqlReplication controller: watch-driven (the CR, its Services, the pods it names and the Secrets it reads
 * enqueue it at once), and re-observes the databases every `resyncMs` since their state cannot be watched.
 *
 * One pass: credentials → addresses → connect → (unless the skip annotation) observe, plan, apply through the
 * MySQL engine → observe again → pod labels, Services, status. A converged topology makes no Kubernetes writes:
 * labels and Services go through the skipping applier and status through the no-op-skipping patch.
 */

import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import type { Credential } from '../../credentials/index.ts';
import {
  connectNode,
  type FailoverConfirmation,
  type MysqlEngineError,
  observeTopology,
  reconcileTopology,
  type Session,
  type StepResult,
  type SwitchoverStage,
} from '../../engines/mysql/index.ts';
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
  topologyReadyCondition,
} from '../compose/index.ts';
import {
  buildServices,
  desiredTopology,
  judgeNodes,
  loginsOf,
  NAME_LABEL,
  nodesOf,
  podLabels,
  READONLY_LABEL,
  topologyStatus,
} from './build.ts';
import {
  type BackoffPolicy,
  configurationCondition,
  DEFAULT_BACKOFF,
  heldBy,
  nextBackoff,
  type RoleChangeBackoff,
  refusalOf,
  roleChangeConditions,
} from './roleChange.ts';

export const MYSQL_REPLICATION: GroupVersionKind = {
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'MysqlReplication',
};
const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };

export interface MysqlReplicationOptions {
  /** how database pods are reached; default: resolveAddressMode('auto') */
  addressMode?: AddressMode;
  /** database re-observation interval; default 10 s */
  resyncMs?: number;
  /** how long a switchover waits for the candidate to catch up; default 10 s */
  catchUpTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Failover confirmation: the spec's source is promoted past an unreachable old source only when that one failed
   * every probe over this window (default 3 probes over 10 s). A shorter absence leads to a switchover (with a
   * fence) once it answers again.
   */
  failoverConfirmation?: FailoverConfirmation;
  /** bound of read_only=ON / FLUSH TABLES WITH READ LOCK waiting for running statements; default 5 s */
  lockWaitTimeoutSeconds?: number;
  /** transactions open longer than `longWriterSeconds` (default 5) at a switchover: killed (default) or refuse */
  longWriters?: 'kill' | 'refuse';
  longWriterSeconds?: number;
  /** after a refused switchover or failover: wait, doubling, before the next attempt; default 10 s up to 5 min */
  refusalBackoff?: BackoffPolicy;
  /** step hook: a switchover reached a stage (fault tests stop the operator there) */
  onSwitchoverStage?: (stage: SwitchoverStage) => void | Promise<void>;
}

export function mysqlReplicationController(options: MysqlReplicationOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 10_000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  // refused role changes by CR uid: held in memory (a restarted operator tries once more, then backs off again)
  const backoffs = new Map<string, RoleChangeBackoff>();
  return {
    name: 'mysqlreplication',
    register(mgr) {
      mgr
        .controller('mysqlreplication')
        .for(MYSQL_REPLICATION)
        .owns(SERVICE)
        .watches(POD, { referencedBy: (cr) => nodesOf(cr as MysqlReplication).map((n) => n.name) })
        .watches(SECRET, { referencedBy: (cr) => secretsOf(cr as MysqlReplication) })
        .access(POD, ['patch'], 'role labels on the pods the CR names')
        .withOptions({ maxConcurrentReconciles: 10 })
        .reconcile<MysqlReplication>(async (ctx, cr) => {
          const next = await reconcileOne(mgr, ctx, cr, { ...options, addressMode, backoffs });
          return requeueAfter(Math.max(200, Math.min(resyncMs, next ?? resyncMs)));
        });
    },
  };
}

interface PassOptions extends MysqlReplicationOptions {
  addressMode: AddressMode;
  backoffs: Map<string, RoleChangeBackoff>;
}

/** While a node does not answer (a former source may come back writable): observe at least this often. */
const UNREACHABLE_RESYNC_MS = 1000;

const readCredentials = (mgr: Manager, cr: MysqlReplication) => readComposeCredentials(mgr, cr, loginsOf(cr));

async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<MysqlReplication>,
  cr: MysqlReplication,
  o: PassOptions,
): Promise<number | undefined> {
  const generation = cr.metadata.generation;
  // cr.status is the freshest known (the object reconciler's read-your-writes), so times and transitions hold
  let conditions: Condition[] = (cr.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const topologyFailed = (reason: string, message: string) => {
    conditions = setCondition(conditions, {
      type: 'TopologyReady',
      status: 'False',
      reason,
      message,
      observedGeneration: generation,
    });
  };

  // --- credentials ---
  let creds: { admin: Credential; replication: Credential };
  try {
    creds = await readCredentials(mgr, cr);
  } catch (err) {
    const reason = credentialFailureReason(err);
    const message = (err as Error).message;
    topologyFailed(reason, message);
    ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Reconcile', note: message });
    await ctx.patchStatus({ ready: false, conditions, observedGeneration: generation });
    return undefined;
  }

  // --- addresses and connections ---
  const nodes = nodesOf(cr);
  const { pods, addresses, missing } = await locateNodes(mgr, cr.metadata.namespace, nodes, o.addressMode);
  const problems: string[] = Object.values(missing);
  const sessions: Record<string, Session | undefined> = {};
  const secrets = [creds.replication.password];
  // every session of this pass, fence sessions included, is closed when it ends (whatever happened)
  const opened = new Set<Session>();
  const open = async (name: string, bounds?: { waitTimeoutSeconds: number; lockWaitTimeoutSeconds: number }) => {
    if (!addresses[name]) throw new Error(`${name} has no address`);
    const s = await connectNode(
      addresses[name],
      { user: creds.admin.username, password: creds.admin.password },
      { connectTimeoutMs: o.connectTimeoutMs ?? 3000, statementTimeoutMs: 10_000, secrets, ...bounds },
    );
    opened.add(s);
    return s;
  };
  let firstEngineError: MysqlEngineError | undefined;
  await Promise.all(
    nodes.map(async (n) => {
      if (!addresses[n.name]) return;
      try {
        sessions[n.name] = await open(n.name);
      } catch (err) {
        const e = err as MysqlEngineError;
        firstEngineError ??= e;
        problems.push(`${n.name}: ${e.message}`);
      }
    }),
  );

  try {
    const desired = desiredTopology(cr, addresses, creds.replication.username);
    const skipped = skipReconcile(cr.metadata.annotations);
    const results: StepResult[] = [];
    const uid = cr.metadata.uid ?? `${cr.metadata.namespace}/${cr.metadata.name}`;
    const now = Date.now();
    const held = heldBy(o.backoffs.get(uid), cr.spec.source.name, now);
    let requeueMs: number | undefined;
    const failClosed = async () => {
      // fail closed while roles move: no pod carries the read-write label, whoever set it
      const closed = Object.fromEntries(nodes.map((n) => [n.name, { [NAME_LABEL]: cr.metadata.name! }]));
      await applyPodLabels(mgr, cr.metadata.namespace, closed, pods, [READONLY_LABEL]);
    };
    if (!skipped) {
      const started = performance.now();
      const pass = await reconcileTopology(sessions, {
        desired,
        replication: { user: creds.replication.username, password: creds.replication.password },
        openSession: open,
        probe: async (name) => {
          const s = await open(name);
          opened.delete(s);
          await s.close();
        },
        confirmation: o.failoverConfirmation,
        catchUpTimeoutMs: o.catchUpTimeoutMs,
        lockWaitTimeoutSeconds: o.lockWaitTimeoutSeconds,
        longWriters: o.longWriters,
        longWriterSeconds: o.longWriterSeconds,
        holdRoleChanges: !!held,
        beforeRoleChange: failClosed,
        onSwitchoverStage: o.onSwitchoverStage ? (stage) => o.onSwitchoverStage?.(stage) : undefined,
        signal: ctx.signal,
        log: (m) => ctx.log.info(m),
      });
      if (pass.steps.length) ctx.log.info({ steps: pass.steps.map((s) => s.kind) }, 'applied topology steps');
      results.push(...pass.results);
      recordRoleChanges(mgr, cr, pass.results, started);
      const refused = refusalOf(pass.results);
      let backoff = held;
      if (refused) {
        backoff = nextBackoff(
          o.backoffs.get(uid),
          cr.spec.source.name,
          refused as { code: string; message: string },
          now,
          o.refusalBackoff ?? DEFAULT_BACKOFF,
        );
        o.backoffs.set(uid, backoff);
      } else if (pass.results.some((r) => (r.step.kind === 'switchover' || r.step.kind === 'promote') && r.ok)) {
        o.backoffs.delete(uid);
      }
      for (const c of roleChangeConditions(pass, backoff, generation)) conditions = setCondition(conditions, c);
      if (held && pass.held) {
        problems.push(
          `${pass.held.kind} to ${cr.spec.source.name} backing off after a refusal (${held.message}); next attempt at ${new Date(held.retryAt).toISOString()}`,
        );
      }
      if (backoff) requeueMs = Math.max(200, backoff.retryAt - Date.now());
      if (pass.retrySoon) requeueMs = 200;
      reportSteps(ctx, pass.results, backoff);
      for (const [node, c] of Object.entries(pass.confirmations)) {
        if (!c.unreachable) {
          ctx.event({
            type: 'Normal',
            reason: 'FailoverNotConfirmed',
            action: 'Failover',
            note: `${node} missed an observation but answered probe ${c.probes} after ${c.elapsedMs} ms: no failover; a switchover (with a fence) follows`,
          });
        }
      }
    }

    // --- observe, label, serve, report ---
    const { observed, errors } = await observeTopology(sessions, desired);
    for (const [name, e] of Object.entries(errors)) problems.push(`${name}: ${e.message}`);
    // a node that does not answer while the source does may be a former source coming back writable: look often
    const sourceAnswers = !!sessions[cr.spec.source.name] && !errors[cr.spec.source.name];
    if (sourceAnswers && (Object.keys(errors).length || nodes.some((n) => !sessions[n.name]))) {
      requeueMs = Math.min(requeueMs ?? UNREACHABLE_RESYNC_MS, UNREACHABLE_RESYNC_MS);
    }
    const verdicts = judgeNodes(cr, observed, addresses);
    const wantedLabels = podLabels(cr, verdicts);
    const labelsOk = await applyPodLabels(mgr, cr.metadata.namespace, wantedLabels, pods, [
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
    conditions = setCondition(conditions, configurationCondition(observed, generation));
    const services = buildServices(cr);
    const servicesProblem = await applyRoleServices(mgr, ctx, services);
    if (servicesProblem) problems.push(servicesProblem);
    const servicesOk = labelsOk && !servicesProblem;
    const topology = topologyStatus(cr, observed, verdicts, addresses);
    const notReady = Object.entries(verdicts).filter(([, v]) => !v.ready);
    const failed = results.find((r) => !r.ok);
    const ready = notReady.length === 0 && !failed && problems.length === 0;
    if (ready) {
      conditions = setCondition(conditions, topologyReadyCondition(skipped, generation));
    } else {
      const reason = failed
        ? conditionReason(failed.code)
        : firstEngineError
          ? conditionReason(firstEngineError.code)
          : notReady.some(([, v]) => v.errant)
            ? 'ErrantTransactions'
            : 'SyncTopologyFailed';
      const message = [
        ...(failed ? [failed.message ?? failed.code ?? 'step failed'] : []),
        ...problems,
        ...notReady.map(([n, v]) => `${n}: ${v.reason ?? 'not ready'}`),
      ].join('; ');
      topologyFailed(reason, message.slice(0, 1000));
    }
    conditions = setCondition(conditions, resourceReadyCondition(servicesOk, problems, generation));
    const hasReplicas = services.remove.length === 0;
    await ctx.patchStatus({
      topology,
      ready,
      readwriteService: readwriteServiceName(cr),
      readonlyService: hasReplicas ? readonlyServiceName(cr) : undefined,
      conditions,
      observedGeneration: generation,
    });
    return requeueMs;
  } finally {
    await Promise.all([...opened].map((s) => s.close()));
  }
}

function conditionReason(code: string | undefined): string {
  switch (code) {
    case 'ERR_MYSQL_CONNECT_FAILED':
      return 'NodeUnreachable';
    case 'ERR_MYSQL_ACCESS_DENIED':
      return 'AccessDenied';
    case 'ERR_MYSQL_CATCHUP_TIMEOUT':
    case 'ERR_MYSQL_NOT_REPLICATING':
    case 'ERR_MYSQL_LONG_TRANSACTION':
    case 'ERR_MYSQL_MISCONFIGURED':
      return 'SwitchoverRefused';
    case 'ERR_MYSQL_FENCE_FAILED':
      return 'FenceFailed';
    case 'ERR_MYSQL_FAILOVER_UNCONFIRMED':
      return 'FailoverUnconfirmed';
    case 'ERR_MYSQL_ERRANT_TRANSACTIONS':
      return 'ErrantTransactions';
    case 'ERR_MYSQL_SOURCE_UNREACHABLE':
      return 'NodeUnreachable';
    case 'ERR_MYSQL_UNSUPPORTED_VERSION':
      return 'UnsupportedVersion';
    default:
      return 'SyncTopologyFailed';
  }
}

function reportSteps(
  ctx: ObjectContext<MysqlReplication>,
  results: StepResult[],
  backoff: RoleChangeBackoff | undefined,
): void {
  const retry = backoff ? `; next attempt at ${new Date(backoff.retryAt).toISOString()}` : '';
  for (const r of results) {
    if (r.step.kind === 'switchover') {
      const s = r.switchover;
      if (s?.outcome === 'promoted') {
        ctx.event({
          type: 'Normal',
          reason: 'SwitchoverCompleted',
          action: 'Switchover',
          note: `${r.step.to} promoted after ${r.step.from} was fenced at ${s.fencedPosition}; writes stalled ${s.writeUnavailableMs} ms`,
        });
      } else {
        const stall = s?.outcome === 'refused' && s.writeStallMs ? ` (writes stalled ${s.writeStallMs} ms)` : '';
        ctx.event({
          type: 'Warning',
          reason: 'SwitchoverRefused',
          action: 'Switchover',
          note: `${r.message ?? 'refused'}${stall}${r.code === 'ERR_MYSQL_ABORTED' ? '' : retry}`.slice(0, 1000),
        });
      }
    } else if (r.step.kind === 'promote') {
      ctx.event({
        type: 'Warning',
        reason: r.ok ? 'FailoverCompleted' : 'FailoverRefused',
        action: 'Failover',
        note: r.ok
          ? `${r.step.node} promoted after applying all it had received, because ${r.step.reason}`
          : `${r.message ?? r.code}${retry}`.slice(0, 1000),
      });
    } else if (r.step.kind === 'fence' && r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'NodeFenced',
        action: 'Fence',
        note: `${r.step.node} made read-only: ${r.step.reason}`,
      });
    } else if (r.step.kind === 'releaseFence' && r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'FenceReleased',
        action: 'Fence',
        note: `ended connection ${r.step.connectionId} on ${r.step.node}: a switchover fence left by an earlier attempt (its global read lock stalled every write)`,
      });
    } else if (!r.ok) {
      ctx.event({
        type: 'Warning',
        reason: r.code === 'ERR_MYSQL_ERRANT_TRANSACTIONS' ? 'ErrantTransactions' : 'ErrSynced',
        action: 'Reconcile',
        note: (r.message ?? r.code ?? 'failed').slice(0, 1000),
      });
    }
  }
  if (results.length && results.every((r) => r.ok)) {
    ctx.event({
      type: 'Normal',
      reason: 'Synced',
      action: 'Reconcile',
      note: `applied ${results.map((r) => r.step.kind).join(', ')}`,
    });
  }
}
