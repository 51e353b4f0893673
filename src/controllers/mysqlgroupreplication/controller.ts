/**
 * The MysqlGroupReplication controller: watch-driven (the CR, its Services, the pods and Secrets it names), and
 * re-observes the members every `resyncMs` since their state cannot be watched.
 *
 * One pass: credentials → addresses → connect every member → observe each (engines/mysql observeMember) → plan
 * (planGroupReplication: bootstrap once from the member with the most transactions, join the others, rejoin a
 * member that left; never a bootstrap while any member is ONLINE, RECOVERING or does not answer; a MariaDB member
 * refuses the whole group) → apply unless the skip annotation → observe again → labels, Services, status.
 *
 * What is verified where: MariaDB has no Group Replication and no MySQL server can run on the machines this is
 * developed on, so the plans and statements are unit-tested only (engines/mysql/planGroupReplication.test.ts);
 * the controller path up to the members (Secrets, Services, labels, the MariaDB refusal, unreachable members) runs
 * against real MariaDB pods in test/controllers/groupreplication.test.ts.
 */

import type { MysqlGroupReplication } from '../../apis/mysqlgroupreplication.ts';
import type { Credential } from '../../credentials/index.ts';
import {
  applyGroupSteps,
  connectNode,
  type GroupPlan,
  type GroupStepResult,
  type MemberObservation,
  type MysqlEngineError,
  observeMember,
  planGroupReplication,
  type Session,
} from '../../engines/mysql/index.ts';
import {
  type Condition,
  type ControllerRegistration,
  type GroupVersionKind,
  ItemBackoff,
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
  reportForeignLabels,
  resourceReadyCondition,
  secretsOf,
  skipReconcile,
  topologyReadyCondition,
} from '../compose/index.ts';
import {
  buildServices,
  desiredGroup,
  groupProblem,
  memberCountCondition,
  membersOf,
  NAME_LABEL,
  podLabels,
  READONLY_LABEL,
  topologyStatus,
} from './build.ts';

export const MYSQL_GROUP_REPLICATION: GroupVersionKind = {
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'MysqlGroupReplication',
};
const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };

export interface MysqlGroupReplicationOptions {
  /** how member pods are reached; default: resolveAddressMode('auto') */
  addressMode?: AddressMode;
  /** member re-observation interval, and the cap of the retry backoff; default 10 s */
  resyncMs?: number;
  /** first retry after a pass that did not converge; doubles up to resyncMs; default 1 s */
  retryBaseMs?: number;
  connectTimeoutMs?: number;
}

export function mysqlGroupReplicationController(options: MysqlGroupReplicationOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 10_000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  const backoff = new ItemBackoff<string>(options.retryBaseMs ?? 1000, resyncMs);
  return {
    name: 'mysqlgroupreplication',
    register(mgr) {
      mgr
        .controller('mysqlgroupreplication')
        .for(MYSQL_GROUP_REPLICATION)
        .owns(SERVICE)
        .watches(POD, { referencedBy: (cr) => membersOf(cr as MysqlGroupReplication).map((n) => n.name) })
        .watches(SECRET, { referencedBy: (cr) => secretsOf(cr as MysqlGroupReplication) })
        .access(POD, ['patch'], 'role labels on the pods the CR names')
        .withOptions({ maxConcurrentReconciles: 10 })
        .reconcile<MysqlGroupReplication>(async (ctx, cr) => {
          const uid = cr.metadata.uid ?? `${cr.metadata.namespace}/${cr.metadata.name}`;
          const ready = await reconcileOne(mgr, ctx, cr, { ...options, addressMode });
          if (ready) {
            backoff.forget(uid);
            return requeueAfter(resyncMs);
          }
          return requeueAfter(backoff.when(uid));
        });
    },
  };
}

interface PassOptions extends MysqlGroupReplicationOptions {
  addressMode: AddressMode;
}

const readCredentials = (mgr: Manager, cr: MysqlGroupReplication) =>
  readComposeCredentials(mgr, cr, {
    admin: cr.spec.secret.mysql ?? 'mysql',
    replication: cr.spec.secret.replication ?? 'replication',
  });

/** One pass; resolves to whether the group is ready. */
async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<MysqlGroupReplication>,
  cr: MysqlGroupReplication,
  o: PassOptions,
): Promise<boolean> {
  const generation = cr.metadata.generation;
  let conditions: Condition[] = (cr.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const topologyFailed = (reason: string, message: string) => {
    conditions = setCondition(conditions, {
      type: 'TopologyReady',
      status: 'False',
      reason,
      message: message.slice(0, 1000),
      observedGeneration: generation,
    });
  };
  conditions = setCondition(conditions, memberCountCondition(cr, generation));

  // --- credentials ---
  let creds: { admin: Credential; replication: Credential };
  try {
    creds = await readCredentials(mgr, cr);
  } catch (err) {
    const message = (err as Error).message;
    topologyFailed(credentialFailureReason(err), message);
    ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Reconcile', note: message });
    await ctx.patchStatus({ ready: false, conditions, observedGeneration: generation });
    return false;
  }

  // --- addresses and connections ---
  const members = membersOf(cr);
  const { pods, addresses, missing } = await locateNodes(mgr, cr.metadata.namespace, members, o.addressMode);
  const problems: string[] = Object.values(missing);
  const sessions: Record<string, Session | undefined> = {};
  let unreachableCode: string | undefined;
  await Promise.all(
    members.map(async (m) => {
      const a = addresses[m.name];
      if (!a) return;
      try {
        sessions[m.name] = await connectNode(
          a,
          { user: creds.admin.username, password: creds.admin.password },
          { connectTimeoutMs: o.connectTimeoutMs ?? 3000, secrets: [creds.replication.password] },
        );
      } catch (err) {
        const e = err as MysqlEngineError;
        unreachableCode ??= e.code;
        problems.push(`${m.name}: ${e.message}`);
      }
    }),
  );

  try {
    // problems of the latest observation (a member that answered the connect but not the reads)
    let observeProblems: string[] = [];
    const observe = async () => {
      observeProblems = [];
      const observed: Record<string, MemberObservation | undefined> = {};
      await Promise.all(
        members.map(async (m) => {
          const s = sessions[m.name];
          if (!s) return;
          try {
            observed[m.name] = await observeMember(s);
          } catch (err) {
            observeProblems.push(`${m.name}: ${(err as Error).message}`);
          }
        }),
      );
      return observed;
    };
    let observed = await observe();
    const desired = desiredGroup(cr, addresses);
    const plan: GroupPlan = planGroupReplication(desired, observed);
    const skipped = skipReconcile(cr.metadata.annotations);
    let results: GroupStepResult[] = [];
    if (plan.refused) {
      ctx.event({ type: 'Warning', reason: plan.refused.reason, action: 'Reconcile', note: plan.refused.message });
    } else if (!skipped && plan.steps.length) {
      ctx.log.info({ steps: plan.steps.map((s) => `${s.kind} ${s.node}`) }, 'applying group replication steps');
      results = await applyGroupSteps(sessions, plan.steps, {
        user: creds.replication.username,
        password: creds.replication.password,
      });
      reportSteps(ctx, results);
      observed = await observe();
    }
    problems.push(...observeProblems);

    // --- label, serve, report ---
    const labelsOk = await applyPodLabels(mgr, cr.metadata.namespace, podLabels(cr, observed), pods, [
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
    const problem = groupProblem(cr, observed, plan);
    const failed = results.find((r) => !r.ok);
    const ready = !problem && !failed && problems.length === 0;
    if (ready) {
      conditions = setCondition(conditions, topologyReadyCondition(skipped, generation));
    } else {
      // a refusal says what the members are; else a member we cannot reach (named by host) is the first thing to
      // fix — a held bootstrap or a member out of the group follow from it
      const refusal = plan.refused ? problem : undefined;
      const connectReason =
        unreachableCode === 'ERR_MYSQL_CONNECT_FAILED'
          ? 'NodeUnreachable'
          : unreachableCode === 'ERR_MYSQL_ACCESS_DENIED'
            ? 'AccessDenied'
            : unreachableCode || Object.keys(missing).length
              ? 'NodeUnreachable'
              : undefined;
      const reason = refusal?.reason ?? connectReason ?? problem?.reason ?? 'SyncTopologyFailed';
      const message = [
        ...(refusal ? [refusal.message] : []),
        ...(failed ? [failed.message ?? failed.code ?? 'step failed'] : []),
        ...problems,
        ...(problem && !refusal ? [problem.message] : []),
      ].join('; ');
      topologyFailed(reason, message);
    }
    conditions = setCondition(conditions, resourceReadyCondition(labelsOk && !servicesProblem, problems, generation));
    await ctx.patchStatus({
      topology: topologyStatus(cr, observed, addresses),
      ready,
      conditions,
      observedGeneration: generation,
    });
    return ready;
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s?.close()));
  }
}

function reportSteps(ctx: ObjectContext<MysqlGroupReplication>, results: GroupStepResult[]): void {
  for (const r of results) {
    if (!r.ok) {
      ctx.event({
        type: 'Warning',
        reason: 'ErrSynced',
        action: r.step.kind === 'bootstrap' ? 'Bootstrap' : r.step.kind === 'join' ? 'Join' : 'Configure',
        note: `${r.step.kind} ${r.step.node}: ${r.message ?? r.code}`.slice(0, 1000),
      });
    } else if (r.step.kind === 'bootstrap') {
      ctx.event({
        type: 'Normal',
        reason: 'GroupBootstrapped',
        action: 'Bootstrap',
        note: `${r.step.node}: ${r.step.reason}`,
      });
    } else if (r.step.kind === 'join') {
      ctx.event({ type: 'Normal', reason: 'MemberJoined', action: 'Join', note: `${r.step.node}: ${r.step.reason}` });
    }
  }
  if (results.length && results.every((r) => r.ok)) {
    ctx.event({
      type: 'Normal',
      reason: 'Synced',
      action: 'Reconcile',
      note: `applied ${results.map((r) => `${r.step.kind} ${r.step.node}`).join(', ')}`,
    });
  }
}
