/**
 * Carries out planned steps against the servers, in order. A step that fails stops the pass (later steps were
 * planned on a state that no longer holds); the caller re-observes and plans again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyDriverError, PostgresEngineError, scrub } from './errors.ts';
import { parseLsn } from './lsn.ts';
import { allowReplicationCommand, type NodeControl, rebuildCommand, stopAsStandbyCommand } from './nodeControl.ts';
import { type DesiredTopology, SLOT_PREFIX, type Step, slotName } from './planTopology.ts';
import { type Login, literal, type Session } from './session.ts';
import { followStatements, replicationRoleStatement } from './statements.ts';
import { type SwitchoverResult, switchover } from './switchover.ts';

export interface ApplyContext {
  desired: DesiredTopology;
  replication: Login;
  control: NodeControl;
  openSession(node: string): Promise<Session>;
  catchUpTimeoutMs?: number;
  signal?: AbortSignal;
  log?(m: string): void;
}

export interface StepResult {
  step: Step;
  ok: boolean;
  code?: string;
  message?: string;
  switchover?: SwitchoverResult;
}

export async function applySteps(
  sessions: Record<string, Session | undefined>,
  steps: readonly Step[],
  ctx: ApplyContext,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    ctx.signal?.throwIfAborted();
    try {
      const r = await applyStep(sessions, step, ctx);
      results.push(r);
      if (!r.ok) break;
    } catch (err) {
      const e =
        err instanceof PostgresEngineError ? err : classifyDriverError(err, 'node' in step ? step.node : '', step.kind);
      results.push({
        step,
        ok: false,
        code: e.code,
        message: scrub(e.message, [ctx.replication.password]),
      });
      break;
    }
  }
  return results;
}

function session(sessions: Record<string, Session | undefined>, node: string): Session {
  const s = sessions[node];
  if (!s) throw new PostgresEngineError('ERR_POSTGRES_CONNECT_FAILED', `${node} is not connected`, { node });
  return s;
}

async function execOk(ctx: ApplyContext, node: string, argv: string[], doing: string, stdin?: string) {
  const r = await ctx.control.exec(node, argv, stdin === undefined ? undefined : { stdin });
  if (r.code !== 0) {
    throw new PostgresEngineError(
      'ERR_POSTGRES_EXEC_FAILED',
      `${node}: ${doing}: exit code ${r.code}: ${scrub(r.stderr.trim(), [ctx.replication.password]).slice(0, 500)}`,
      { node },
    );
  }
  return r;
}

async function applyStep(
  sessions: Record<string, Session | undefined>,
  step: Step,
  ctx: ApplyContext,
): Promise<StepResult> {
  const ok: StepResult = { step, ok: true };
  switch (step.kind) {
    case 'blocked':
      return { step, ok: false, code: step.code, message: step.message };
    case 'switchover': {
      const r = await switchover(sessions, {
        from: step.from,
        to: step.to,
        desired: ctx.desired,
        replication: ctx.replication,
        openSession: ctx.openSession,
        control: ctx.control,
        catchUpTimeoutMs: ctx.catchUpTimeoutMs,
        signal: ctx.signal,
        log: ctx.log,
      });
      return r.outcome === 'promoted'
        ? { step, ok: true, switchover: r }
        : { step, ok: false, code: 'ERR_POSTGRES_CATCHUP_TIMEOUT', message: r.reason, switchover: r };
    }
    case 'promote': {
      // failover: only once everything received has been replayed
      const s = session(sessions, step.node);
      const deadline = Date.now() + (ctx.catchUpTimeoutMs ?? 10_000);
      for (;;) {
        const [r] = await s.query(
          'SELECT pg_last_wal_receive_lsn()::text AS recv, pg_last_wal_replay_lsn()::text AS replay',
        );
        const recv = parseLsn(String(r.recv ?? '')) ?? 0n;
        const replay = parseLsn(String(r.replay ?? '')) ?? 0n;
        if (replay >= recv) break;
        if (Date.now() > deadline) {
          return {
            step,
            ok: false,
            code: 'ERR_POSTGRES_CATCHUP_TIMEOUT',
            message: `${step.node} has not replayed all WAL it received; not promoted yet`,
          };
        }
        await sleep(100);
      }
      const [p] = await s.query('SELECT pg_promote(true, 8) AS ok', [], 'promoting');
      if (p?.ok !== true) {
        return {
          step,
          ok: false,
          code: 'ERR_POSTGRES_PROMOTE_FAILED',
          message: `${step.node}: pg_promote() did not finish in 8 s`,
        };
      }
      await s.query('ALTER SYSTEM RESET default_transaction_read_only');
      await s.query('SELECT pg_reload_conf()');
      return ok;
    }
    case 'demote': {
      // a primary that must not be one: fence it, point it at the primary, stop it; it restarts as a standby
      const s = session(sessions, step.node);
      const primary = ctx.desired.primary;
      await s.query('ALTER SYSTEM SET default_transaction_read_only = on', [], 'fencing');
      await s.query('SELECT pg_reload_conf()');
      await s.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      );
      for (const sql of followStatements(step.node, ctx.desired.replicationAddress[primary], ctx.replication)) {
        await s.query(sql, [], 'pointing at the primary');
      }
      await execOk(ctx, step.node, stopAsStandbyCommand(), 'stopping to restart as a standby');
      await s.close();
      sessions[step.node] = undefined;
      return ok;
    }
    case 'allowReplicationInHba':
      await execOk(
        ctx,
        step.node,
        allowReplicationCommand(ctx.replication.user),
        'allowing replication in pg_hba.conf',
      );
      await session(sessions, step.node).query('SELECT pg_reload_conf()');
      return ok;
    case 'createReplicationRole': {
      const s = session(sessions, step.node);
      const [r] = await s.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [ctx.replication.user]);
      await s.query(replicationRoleStatement(ctx.replication, Number(r.n) > 0), [], 'creating the replication role');
      return ok;
    }
    case 'setWritable': {
      const s = session(sessions, step.node);
      await s.query('ALTER SYSTEM RESET default_transaction_read_only');
      await s.query('SELECT pg_reload_conf()');
      return ok;
    }
    case 'createSlot':
      await session(sessions, step.node).query(
        'SELECT pg_create_physical_replication_slot($1, true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)',
        [step.slot],
        `creating slot ${step.slot}`,
      );
      return ok;
    case 'dropSlot':
      if (!step.slot.startsWith(SLOT_PREFIX)) throw new Error(`refusing to drop slot ${step.slot}`);
      await session(sessions, step.node).query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
        [step.slot],
        `dropping slot ${step.slot}`,
      );
      return ok;
    case 'setSynchronousStandbys': {
      const s = session(sessions, step.node);
      await s.query(`ALTER SYSTEM SET synchronous_standby_names = ${literal(step.value)}`);
      await s.query('SELECT pg_reload_conf()');
      return ok;
    }
    case 'followPrimary': {
      const s = session(sessions, step.node);
      for (const sql of followStatements(step.node, ctx.desired.replicationAddress[step.primary], ctx.replication)) {
        await s.query(sql, [], 'pointing at the primary');
      }
      // PostgreSQL 13+ restarts the WAL receiver when primary_conninfo / primary_slot_name change on reload
      await s.query('SELECT pg_reload_conf()');
      return ok;
    }
    case 'isolate': {
      const s = session(sessions, step.node);
      await s.query('ALTER SYSTEM RESET primary_conninfo');
      await s.query('ALTER SYSTEM RESET primary_slot_name');
      await s.query('SELECT pg_reload_conf()');
      return ok;
    }
    case 'rebuild': {
      const address = ctx.desired.replicationAddress[step.primary];
      ctx.log?.(`rebuilding ${step.node} from ${step.primary}: ${step.reason}`);
      await execOk(
        ctx,
        step.node,
        rebuildCommand(address, ctx.replication.user, slotName(step.node)),
        'rebuilding from the primary',
        `${ctx.replication.password}\n`,
      );
      await sessions[step.node]?.close();
      sessions[step.node] = undefined;
      return ok;
    }
  }
}
