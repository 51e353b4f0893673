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
  applySteps,
  connectNode,
  type MysqlEngineError,
  observeTopology,
  planTopology,
  type Session,
  type StepResult,
} from '../../engines/mysql/index.ts';
import {
  type Condition,
  type ControllerRegistration,
  type GroupVersionKind,
  type KubeObject,
  type Manager,
  type ObjectContext,
  requeueAfter,
  setCondition,
} from '../../runtime/index.ts';
import { type AddressMode, resolveAddressMode } from '../address-mode.ts';
import {
  applyPodLabels,
  credentialFailureReason,
  namedPods,
  nodeAddresses,
  readComposeCredentials,
  readonlyServiceName,
  readwriteServiceName,
  secretsOf,
  skipReconcile,
} from '../compose/index.ts';
import { buildServices, desiredTopology, judgeNodes, NAME_LABEL, nodesOf, podLabels, topologyStatus } from './build.ts';

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
}

export function mysqlReplicationController(options: MysqlReplicationOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 10_000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
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
          await reconcileOne(mgr, ctx, cr, {
            addressMode,
            catchUpTimeoutMs: options.catchUpTimeoutMs,
            connectTimeoutMs: options.connectTimeoutMs,
          });
          return requeueAfter(resyncMs);
        });
    },
  };
}

interface PassOptions {
  addressMode: AddressMode;
  catchUpTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** compose-operator's defaults: the admin login is `mysql`, the replication login `replication`. */
const readCredentials = (mgr: Manager, cr: MysqlReplication) =>
  readComposeCredentials(mgr, cr, {
    admin: cr.spec.secret.mysql ?? 'mysql',
    replication: cr.spec.secret.replication ?? 'replication',
  });

async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<MysqlReplication>,
  cr: MysqlReplication,
  o: PassOptions,
): Promise<void> {
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
    return;
  }

  // --- addresses and connections ---
  const nodes = nodesOf(cr);
  const pods = await namedPods(
    mgr,
    cr.metadata.namespace,
    nodes.map((n) => n.name),
  );
  const { addresses, missing } = nodeAddresses(
    nodes,
    o.addressMode,
    (name) => pods.get(name)?.status?.podIP || undefined,
  );
  const problems: string[] = Object.values(missing);
  const sessions: Record<string, Session | undefined> = {};
  const secrets = [creds.replication.password];
  const open = (name: string) =>
    connectNode(
      addresses[name],
      { user: creds.admin.username, password: creds.admin.password },
      { connectTimeoutMs: o.connectTimeoutMs ?? 3000, secrets },
    );
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
    if (!skipped && sessions[cr.spec.source.name]) {
      const { observed } = await observeTopology(sessions, desired);
      const steps = planTopology(desired, observed);
      if (steps.some((s) => s.kind === 'switchover' || s.kind === 'promote')) {
        // fail closed while roles move: no pod carries the read-write label
        await applyPodLabels(
          mgr,
          cr.metadata.namespace,
          Object.fromEntries(nodes.map((n) => [n.name, { [NAME_LABEL]: cr.metadata.name! }])),
          pods,
        );
      }
      if (steps.length) {
        ctx.signal.throwIfAborted(); // stopping or no longer the leader: change nothing
        ctx.log.info({ steps: steps.map((s) => s.kind) }, 'applying topology steps');
        results.push(
          ...(await applySteps(sessions, steps, {
            desired,
            replication: { user: creds.replication.username, password: creds.replication.password },
            openSession: open,
            catchUpTimeoutMs: o.catchUpTimeoutMs,
            signal: ctx.signal,
            log: (m) => ctx.log.info(m),
          })),
        );
      }
      reportSteps(ctx, results);
    }

    // --- observe, label, serve, report ---
    const { observed, errors } = await observeTopology(sessions, desired);
    for (const [name, e] of Object.entries(errors)) problems.push(`${name}: ${e.message}`);
    const verdicts = judgeNodes(cr, observed, addresses);
    const labelsOk = await applyPodLabels(mgr, cr.metadata.namespace, podLabels(cr, verdicts), pods).then(
      () => true,
      (err: unknown) => {
        problems.push(`labels: ${(err as Error).message}`);
        return false;
      },
    );
    const services = buildServices(cr);
    let servicesOk = labelsOk;
    try {
      for (const s of services.apply) await mgr.apply(s as KubeObject);
      await ctx.deleteOwned(services.remove.map((name) => ({ ...SERVICE, name })));
    } catch (err) {
      servicesOk = false;
      problems.push(`services: ${(err as Error).message}`);
    }
    const topology = topologyStatus(cr, observed, verdicts, addresses);
    const notReady = Object.entries(verdicts).filter(([, v]) => !v.ready);
    const failed = results.find((r) => !r.ok);
    const ready = notReady.length === 0 && !failed && problems.length === 0;
    if (ready) {
      conditions = setCondition(conditions, {
        type: 'TopologyReady',
        status: 'True',
        reason: 'SyncTopologySucceed',
        message: skipped
          ? 'topology observed (skip annotation set: no database changes)'
          : 'replication topology matches the spec',
        observedGeneration: generation,
      });
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
    conditions = setCondition(conditions, {
      type: 'ResourceReady',
      status: servicesOk ? 'True' : 'False',
      reason: servicesOk ? 'SyncResourceSucceed' : 'SyncResourceFailed',
      message: servicesOk
        ? 'pod labels and Services are in place'
        : problems.filter((p) => /labels|services/.test(p)).join('; '),
      observedGeneration: generation,
    });
    const hasReplicas = services.remove.length === 0;
    await ctx.patchStatus({
      topology,
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

function conditionReason(code: string | undefined): string {
  switch (code) {
    case 'ERR_MYSQL_CONNECT_FAILED':
      return 'NodeUnreachable';
    case 'ERR_MYSQL_ACCESS_DENIED':
      return 'AccessDenied';
    case 'ERR_MYSQL_CATCHUP_TIMEOUT':
    case 'ERR_MYSQL_NOT_REPLICATING':
      return 'SwitchoverRefused';
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

function reportSteps(ctx: ObjectContext<MysqlReplication>, results: StepResult[]): void {
  for (const r of results) {
    if (r.step.kind === 'switchover') {
      const s = r.switchover;
      if (s?.outcome === 'promoted') {
        ctx.event({
          type: 'Normal',
          reason: 'SwitchoverCompleted',
          action: 'Switchover',
          note: `${r.step.to} promoted after ${r.step.from} was fenced at ${s.fencedPosition}; writes unavailable ${s.writeUnavailableMs} ms`,
        });
      } else {
        ctx.event({
          type: 'Warning',
          reason: 'SwitchoverRefused',
          action: 'Switchover',
          note: r.message ?? 'refused',
        });
      }
    } else if (r.step.kind === 'promote' && r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'PromotedWithoutSource',
        action: 'Failover',
        note: `${r.step.node} promoted after applying all it had received, because ${r.step.reason}`,
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
