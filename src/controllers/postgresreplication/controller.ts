/**
 * The PostgresReplication controller: watch-driven (the CR, its Services, the pods it names and the Secrets it
 * reads enqueue it), re-observing the databases every `resyncMs` since their state cannot be watched.
 *
 * One pass: credentials → addresses → connect → (unless the skip annotation) observe, plan, apply through the
 * PostgreSQL engine (pods/exec for what SQL cannot do) → observe again → pod labels, Services, status.
 */

import type { PostgresReplication } from '../../apis/postgresreplication.ts';
import type { Credential } from '../../credentials/index.ts';
import {
  applySteps,
  connectNode,
  type NodeControl,
  observeNodes,
  type PostgresEngineError,
  planTopology,
  type Session,
  type StepResult,
} from '../../engines/postgres/index.ts';
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
  removeForeignRoleLabels,
  resourceReadyCondition,
  secretsOf,
  skipReconcile,
  topologyReadyCondition,
} from '../compose/index.ts';
import {
  buildServices,
  desiredTopology,
  judgeNodes,
  LABELS,
  loginsOf,
  nodesOf,
  podLabels,
  topologyStatus,
} from './build.ts';
import { podExec } from './podExec.ts';

export const POSTGRES_REPLICATION: GroupVersionKind = {
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'PostgresReplication',
};
const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };
/** A refused switchover is not tried again for the same spec generation before this long. */
const REFUSED_RETRY_MS = 5 * 60_000;

export interface PostgresReplicationOptions {
  addressMode?: AddressMode;
  /** database re-observation interval; default 10 s */
  resyncMs?: number;
  /** how long a switchover waits for the candidate to catch up; default 10 s */
  catchUpTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export function postgresReplicationController(options: PostgresReplicationOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 10_000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  return {
    name: 'postgresreplication',
    register(mgr) {
      mgr
        .controller('postgresreplication')
        .for(POSTGRES_REPLICATION)
        .owns(SERVICE)
        .watches(POD, { referencedBy: (cr) => nodesOf(cr as PostgresReplication).map((n) => n.name) })
        .watches(SECRET, { referencedBy: (cr) => secretsOf(cr as PostgresReplication) })
        .access(POD, ['patch'], 'role labels on the pods the CR names')
        .access(
          POD,
          // the WebSocket upgrade is a GET: up to 1.34 the API server authorizes it as `get`, later as `create`
          ['get', 'create'],
          'stop PostgreSQL cleanly as a standby (standby.signal), pg_hba.conf replication line, rebuild by pg_basebackup',
          'exec',
        )
        .withOptions({ maxConcurrentReconciles: 10 })
        .reconcile<PostgresReplication>(async (ctx, cr) => {
          await reconcileOne(mgr, ctx, cr, { ...options, addressMode });
          return requeueAfter(resyncMs);
        });
    },
  };
}

/** pods/exec into the database container of a node's pod (the one running the postgres image, else the first). */
function nodeControl(
  mgr: Manager,
  cr: PostgresReplication,
  pods: ReadonlyMap<string, object>,
  signal: AbortSignal,
): NodeControl {
  return {
    exec: (node, argv, o) => {
      const containers = (
        (pods.get(node) as { spec?: unknown } | undefined)?.spec as
          | { containers?: { name: string; image?: string }[] }
          | undefined
      )?.containers;
      const container = containers?.find((c) => /postgres/.test(c.image ?? ''))?.name ?? containers?.[0]?.name;
      return podExec(mgr.client.kubeConfig, { namespace: cr.metadata.namespace!, pod: node, container }, argv, {
        stdin: o?.stdin,
        signal,
      });
    },
  };
}

async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<PostgresReplication>,
  cr: PostgresReplication,
  o: PostgresReplicationOptions & { addressMode: AddressMode },
): Promise<void> {
  const generation = cr.metadata.generation;
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

  let creds: { admin: Credential; replication: Credential };
  try {
    creds = await readComposeCredentials(mgr, cr, loginsOf(cr));
  } catch (err) {
    const message = (err as Error).message;
    topologyFailed(credentialFailureReason(err), message);
    ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Reconcile', note: message });
    await ctx.patchStatus({ ready: false, conditions, observedGeneration: generation });
    return;
  }

  const nodes = nodesOf(cr);
  const { pods, addresses, missing } = await locateNodes(mgr, cr.metadata.namespace, nodes, o.addressMode);
  const problems: string[] = Object.values(missing);
  const secrets = [creds.replication.password];
  const open = (name: string) => {
    if (!addresses[name]) return Promise.reject(new Error(`${name} has no address`));
    return connectNode(
      addresses[name],
      { user: creds.admin.username, password: creds.admin.password },
      { connectTimeoutMs: o.connectTimeoutMs ?? 3000, secrets },
    );
  };
  const sessions: Record<string, Session | undefined> = {};
  let firstEngineError: PostgresEngineError | undefined;
  const connectAll = async () => {
    await Promise.all(
      nodes.map(async (n) => {
        if (!addresses[n.name] || sessions[n.name]) return;
        try {
          sessions[n.name] = await open(n.name);
        } catch (err) {
          const e = err as PostgresEngineError;
          firstEngineError ??= e;
          problems.push(`${n.name}: ${e.message}`);
        }
      }),
    );
  };
  await connectAll();

  try {
    const desired = desiredTopology(cr, addresses, creds.replication.username);
    const skipped = skipReconcile(cr.metadata.annotations);
    const results: StepResult[] = [];
    if (!skipped) {
      const { observed } = await observeNodes(sessions, creds.replication.username);
      let steps = planTopology(desired, observed);
      const refusedRecently = conditions.find(
        (c) =>
          c.type === 'Switchover' &&
          c.reason === 'SwitchoverRefused' &&
          c.observedGeneration === generation &&
          Date.now() - new Date(c.lastTransitionTime ?? 0).getTime() < REFUSED_RETRY_MS,
      );
      if (refusedRecently && steps.some((s) => s.kind === 'switchover')) {
        // no tight retry loop: the same spec is tried again after REFUSED_RETRY_MS (or when the spec changes)
        steps = [];
        problems.push(`switchover refused: ${refusedRecently.message}`);
      }
      if (steps.some((s) => s.kind === 'switchover' || s.kind === 'promote' || s.kind === 'demote')) {
        // fail closed while roles move: no pod carries the read-write label
        const closed = Object.fromEntries(nodes.map((n) => [n.name, { [LABELS.name]: cr.metadata.name! }]));
        await applyPodLabels(mgr, cr.metadata.namespace, closed, pods);
        // a read-write label someone else set would keep the old primary in the Service
        await removeForeignRoleLabels(mgr, cr.metadata.namespace, [LABELS.readonly], closed, pods);
      }
      if (steps.length) {
        ctx.signal.throwIfAborted();
        ctx.log.info(
          {
            steps: steps.map((s) =>
              s.kind === 'blocked' ? `blocked ${s.node}: ${s.message}` : `${s.kind} ${'node' in s ? s.node : s.to}`,
            ),
          },
          'applying topology steps',
        );
        const started = performance.now();
        results.push(
          ...(await applySteps(sessions, steps, {
            desired,
            replication: { user: creds.replication.username, password: creds.replication.password },
            control: nodeControl(mgr, cr, pods, ctx.signal),
            openSession: open,
            catchUpTimeoutMs: o.catchUpTimeoutMs,
            signal: ctx.signal,
            log: (m) => ctx.log.info(m),
          })),
        );
        recordRoleChanges(mgr, cr, results, started);
        const sw = results.find((r) => r.step.kind === 'switchover');
        if (sw) {
          conditions = setCondition(conditions, {
            type: 'Switchover',
            status: sw.ok ? 'True' : 'False',
            reason: sw.ok ? 'SwitchoverSucceeded' : 'SwitchoverRefused',
            message: (sw.ok
              ? `promoted ${cr.spec.primary.name}; writes unavailable ${sw.switchover?.writeUnavailableMs} ms`
              : (sw.message ?? 'refused')
            ).slice(0, 1000),
            observedGeneration: generation,
          });
        }
      }
      reportSteps(ctx, results);
      // a role change or a restart closed sessions: reconnect for the status below
      await connectAll();
    }

    const { observed, errors } = await observeNodes(sessions, creds.replication.username);
    for (const [name, e] of Object.entries(errors)) problems.push(`${name}: ${e.message}`);
    const verdicts = judgeNodes(cr, observed, addresses);
    const wantedLabels = podLabels(cr, verdicts);
    const labelsOk = await applyPodLabels(mgr, cr.metadata.namespace, wantedLabels, pods)
      .then(() =>
        removeForeignRoleLabels(mgr, cr.metadata.namespace, [LABELS.name, LABELS.readonly], wantedLabels, pods),
      )
      .then(
        () => true,
        (err: unknown) => {
          problems.push(`labels: ${(err as Error).message}`);
          return false;
        },
      );
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
        : notReady.some(([, v]) => v.diverged)
          ? 'Diverged'
          : firstEngineError
            ? conditionReason(firstEngineError.code)
            : 'SyncTopologyFailed';
      const message = [
        ...(failed ? [failed.message ?? failed.code ?? 'step failed'] : []),
        ...problems,
        ...notReady.map(([n, v]) => `${n}: ${v.reason ?? 'not ready'}`),
      ].join('; ');
      topologyFailed(reason, message.slice(0, 1000));
    }
    conditions = setCondition(conditions, resourceReadyCondition(servicesOk, problems, generation));
    await ctx.patchStatus({
      topology,
      ready,
      readwriteService: readwriteServiceName(cr as never),
      readonlyService: services.remove.length === 0 ? readonlyServiceName(cr as never) : undefined,
      conditions,
      observedGeneration: generation,
    });
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s?.close()));
  }
}

function conditionReason(code: string | undefined): string {
  switch (code) {
    case 'ERR_POSTGRES_CONNECT_FAILED':
    case 'ERR_POSTGRES_PRIMARY_UNREACHABLE':
      return 'NodeUnreachable';
    case 'ERR_POSTGRES_ACCESS_DENIED':
      return 'AccessDenied';
    case 'ERR_POSTGRES_CATCHUP_TIMEOUT':
    case 'ERR_POSTGRES_NOT_STREAMING':
      return 'SwitchoverRefused';
    case 'ERR_POSTGRES_DIVERGED':
      return 'Diverged';
    case 'ERR_POSTGRES_UNSUPPORTED_VERSION':
      return 'UnsupportedVersion';
    case 'ERR_POSTGRES_EXEC_FAILED':
      return 'ExecFailed';
    default:
      return 'SyncTopologyFailed';
  }
}

function reportSteps(ctx: ObjectContext<PostgresReplication>, results: StepResult[]): void {
  for (const r of results) {
    const step = r.step;
    if (step.kind === 'switchover') {
      const s = r.switchover;
      ctx.event(
        s?.outcome === 'promoted'
          ? {
              type: 'Normal',
              reason: 'SwitchoverCompleted',
              action: 'Switchover',
              note: `${step.to} promoted after ${step.from} stopped cleanly (fenced at ${s.fenceLsn}); writes unavailable ${s.writeUnavailableMs} ms`,
            }
          : {
              type: 'Warning',
              reason: 'SwitchoverRefused',
              action: 'Switchover',
              note: (r.message ?? 'refused').slice(0, 1000),
            },
      );
    } else if (step.kind === 'promote' && r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'PromotedWithoutPrimary',
        action: 'Failover',
        note: `${step.node} promoted after replaying all WAL it had received, because ${step.reason}`,
      });
    } else if (step.kind === 'demote' && r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'Demoted',
        action: 'Demote',
        note: `${step.reason}: restarted as a standby`,
      });
    } else if (step.kind === 'rebuild' && r.ok) {
      ctx.event({
        type: 'Normal',
        reason: 'Rebuilt',
        action: 'Rebuild',
        note: `${step.node} rebuilt from ${step.primary}: ${step.reason}`,
      });
    } else if (!r.ok) {
      ctx.event({
        type: 'Warning',
        reason: r.code === 'ERR_POSTGRES_DIVERGED' ? 'Diverged' : 'ErrSynced',
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
