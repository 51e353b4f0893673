import type { DesiredTopology, Step } from './planTopology.ts';
import type { Login, Session } from './session.ts';
import { type SwitchoverResult, type SwitchoverStage, switchover } from './switchover.ts';

export interface ApplyContext {
  desired: DesiredTopology;
  /** the replication account (user must equal desired.replicationUser) */
  replication: Login;
  /** opens one more admin connection to a node (the switchover fence needs its own, with server-side bounds) */
  openSession: (
    node: string,
    bounds?: { waitTimeoutSeconds: number; lockWaitTimeoutSeconds: number },
  ) => Promise<Session>;
  semiSyncTimeoutMs?: number;
  catchUpTimeoutMs?: number;
  /** bound of read_only=ON / FLUSH TABLES WITH READ LOCK waiting for running statements; default 5 s */
  lockWaitTimeoutSeconds?: number;
  /** switchover long-writer policy (see SwitchoverInput) */
  longWriters?: 'kill' | 'refuse';
  longWriterSeconds?: number;
  /**
   * called right before a role change takes writes away (the switchover's fence, a promotion): the controller
   * fails its labels closed here, not earlier, so a switchover refused by its pre-checks never touches traffic
   */
  beforeRoleChange?: () => Promise<void>;
  /** step hook of a switchover in progress (tests stop the operator there) */
  onSwitchoverStage?: (stage: SwitchoverStage, step: Step) => void | Promise<void>;
  /** aborted when the operator stops or loses leadership: no further step starts */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface StepResult {
  step: Step;
  ok: boolean;
  /** a stable code when !ok: the engine error's code, or the step's own (blocked / refused switchover) */
  code?: string;
  message?: string;
  switchover?: SwitchoverResult;
}

/**
 * Applies planned steps in order on the given sessions (by node name). A failing step is reported and the
 * remaining steps of OTHER nodes still run; a refused switchover or promotion ends the pass, since the plan
 * after it assumed a role change. Re-observe and plan again afterwards.
 */
export async function applySteps(
  sessions: Readonly<Record<string, Session | undefined>>,
  steps: readonly Step[],
  ctx: ApplyContext,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const failedNodes = new Set<string>();
  const sourceEndpoint = (name: string) => {
    const a = ctx.desired.replicationAddress[name];
    return { host: a.host, port: a.port, user: ctx.replication.user, password: ctx.replication.password };
  };
  for (const step of steps) {
    if (ctx.signal?.aborted) {
      results.push({ step, ok: false, code: 'ERR_MYSQL_ABORTED', message: 'aborted: the operator is stopping' });
      return results;
    }
    if (step.kind === 'blocked') {
      results.push({ step, ok: false, code: step.code, message: step.message });
      continue;
    }
    const nodeName = step.kind === 'switchover' ? step.from : step.node;
    if (failedNodes.has(nodeName)) continue;
    if (
      (step.kind === 'promote' || step.kind === 'switchover') &&
      results.some((r) => !r.ok && r.step.kind === 'fence')
    ) {
      // a writable node could not be fenced: a role change now could make two writable sources
      results.push({
        step,
        ok: false,
        code: 'ERR_MYSQL_FENCE_FAILED',
        message: 'not attempted: a writable node that must not be could not be fenced first',
      });
      return results;
    }
    const s = sessions[nodeName];
    if (!s) {
      results.push({ step, ok: false, code: 'ERR_MYSQL_CONNECT_FAILED', message: `no connection to ${nodeName}` });
      continue;
    }
    const d = s.dialect;
    try {
      switch (step.kind) {
        case 'switchover': {
          const candidate = sessions[step.to];
          if (!candidate)
            throw Object.assign(new Error(`no connection to ${step.to}`), { code: 'ERR_MYSQL_CONNECT_FAILED' });
          const others = ctx.desired.replicas
            .filter((r) => !r.isolated && r.name !== step.to && r.name !== step.from)
            .map((r) => sessions[r.name])
            .filter((x): x is Session => !!x);
          const result = await switchover({
            oldSource: s,
            candidate,
            others,
            candidateAddress: ctx.desired.replicationAddress[step.to],
            replication: ctx.replication,
            openFenceSession: (bounds) => ctx.openSession(step.from, bounds),
            catchUpTimeoutMs: ctx.catchUpTimeoutMs,
            lockWaitTimeoutSeconds: ctx.lockWaitTimeoutSeconds,
            longWriters: ctx.longWriters,
            longWriterSeconds: ctx.longWriterSeconds,
            signal: ctx.signal,
            log: ctx.log,
            onStage: ctx.onSwitchoverStage ? (stage) => ctx.onSwitchoverStage?.(stage, step) : undefined,
            beforeFence: ctx.beforeRoleChange,
          });
          if (result.outcome === 'refused') {
            results.push({ step, ok: false, code: result.code, message: result.message, switchover: result });
            return results;
          }
          results.push({ step, ok: true, switchover: result });
          continue;
        }
        case 'promote': {
          // no reachable old source to fence or compare with: at least apply everything already received, so
          // only what the old source never sent can be missing
          const [st] = await s.run(d.replicaStatus, 'promoting: reading replica status');
          const received = st ? d.parseReplicaStatus(st).receivedGtids : '';
          if (received) {
            const timeout = Math.max(0.1, (ctx.catchUpTimeoutMs ?? 10_000) / 1000);
            const [w] = await s.run(d.waitForGtid(received, timeout), 'promoting: applying the relay log');
            if (!d.waitSucceeded(w.r)) {
              results.push({
                step,
                ok: false,
                code: 'ERR_MYSQL_CATCHUP_TIMEOUT',
                message: `${step.node} did not apply the transactions it had received (${received}) within ${timeout} s; not promoted`,
              });
              return results;
            }
          }
          await ctx.beforeRoleChange?.();
          // the other replicas stop fetching from the old source first: when it answers again (before its fence)
          // they must not take what it wrote meanwhile; the next pass checks them and points them at the new one
          for (const r of ctx.desired.replicas) {
            const o = sessions[r.name];
            if (!o || r.isolated || r.name === step.node) continue;
            await o.run(o.dialect.stopReplicaIo, 'failover: stopping the IO thread').catch(() => {});
          }
          await s.run(d.stopReplica, 'promoting: stopping replication');
          await s.run(d.resetReplicaAll, 'promoting: removing the replication channel');
          for (const stmt of d.setReadOnly(false)) await s.run(stmt, 'promoting: read_only=OFF');
          break;
        }
        case 'fence': {
          // bounded: a long statement must not make the fence itself wait for a day
          await s.run({ sql: 'SET SESSION lock_wait_timeout = ?', params: [ctx.lockWaitTimeoutSeconds ?? 5] });
          for (const st of d.setReadOnly(true)) await s.run(st, `fencing ${step.node}: read_only=ON`);
          const rows = await s.run(d.clientSessions(s.connectionId), 'listing client sessions');
          for (const r of rows) await s.run(d.kill(Number(r.id)), `killing session ${r.id}`).catch(() => {});
          ctx.log?.(`fenced ${step.node}: ${step.reason}; ${rows.length} client sessions killed`);
          break;
        }
        case 'releaseFence':
          // the session of an earlier attempt: ending it releases its global read lock
          await s.run(d.kill(step.connectionId), `ending fence session ${step.connectionId}`).catch((err) => {
            if (!/unknown thread/i.test((err as Error).message)) throw err;
          });
          ctx.log?.(`released the fence left on ${step.node} by connection ${step.connectionId}`);
          break;
        case 'createReplicationUser':
          for (const st of d.createReplicationUser(ctx.replication.user, ctx.replication.password)) {
            await s.run(st, 'creating the replication user');
          }
          break;
        case 'setReadOnly':
          for (const st of d.setReadOnly(step.readOnly)) await s.run(st, `setting read_only=${step.readOnly}`);
          break;
        case 'setSemiSync': {
          const plugins = await s.run(d.semiSyncPlugins, 'checking semi-sync plugins');
          const wanted = step.role === 'source' ? /source|master/ : /replica|slave/;
          if (step.enabled && !plugins.some((p) => wanted.test(String(p.name)) && p.status === 'ACTIVE')) {
            await s.run(d.installSemiSyncPlugin(step.role), 'installing the semi-sync plugin');
          }
          const stmts =
            step.role === 'source'
              ? d.semiSyncSource(step.enabled, ctx.semiSyncTimeoutMs ?? 10_000)
              : d.semiSyncReplica(step.enabled);
          for (const st of stmts) await s.run(st, 'setting semi-sync');
          // a replica only announces semi-sync when its IO thread (re)connects
          if (step.role === 'replica') {
            const status = await s.run(d.replicaStatus);
            if (status.length) for (const st of d.restartReplicaIo) await s.run(st, 'restarting the IO thread');
          }
          break;
        }
        case 'changeSource':
          await s.run(d.stopReplica, 'stopping replication');
          if (step.demote) for (const st of d.prepareDemotion) await s.run(st, 'setting the replication position');
          await s.run(
            d.changeSource({ ...sourceEndpoint(step.source), position: step.position }),
            `pointing at ${step.source}`,
          );
          await s.run(d.startReplica, 'starting replication');
          break;
        case 'startReplication':
          await s.run(d.startReplica, 'starting replication');
          break;
        case 'detachReplica':
          await s.run(d.stopReplica, 'stopping replication (isolated)');
          await s.run(d.resetReplicaAll, 'removing the replication channel (isolated)');
          break;
      }
      results.push({ step, ok: true });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      results.push({ step, ok: false, code: e.code ?? 'ERR_MYSQL_QUERY_FAILED', message: e.message });
      failedNodes.add(nodeName);
      // without its source nothing else can follow
      if (step.kind === 'promote' || nodeName === ctx.desired.source) return results;
    }
  }
  return results;
}
