/**
 * Applies planned cluster steps, and `reconcileCluster`: observe → plan → apply, phase after phase, within a time
 * budget. Slot moves go slot by slot in batches — SETSLOT IMPORTING on the target, MIGRATING on the source,
 * GETKEYSINSLOT + MIGRATE ... KEYS until the slot is empty, SETSLOT NODE on the target, the source and every other
 * master — so a kill at any moment leaves at most one batch of open slots, which the next pass's repair phase
 * finishes (see plan.ts).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisEngineError } from '../errors.ts';
import type { RedisAddress, RedisLogin, RedisSession } from '../session.ts';
import { type ClusterObservation, type ClusterSessions, observeCluster } from './observe.ts';
import { type ClusterPlan, type ClusterStep, type DesiredCluster, planCluster } from './plan.ts';

export interface ClusterActContext {
  sessions: ClusterSessions;
  login: RedisLogin;
  signal?: AbortSignal;
  /** slot moves stop between batches after this time (Date.now() ms); the next pass goes on */
  deadline?: number;
  /**
   * slots moved per batch: their SETSLOTs are pipelined, so each node saves (and fsyncs) its nodes.conf once per
   * batch rather than once per slot; a kill leaves at most one batch open. Default 64.
   */
  batchSlots?: number;
  /** keys per MIGRATE; default 200 */
  keysPerMigrate?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface StepResult {
  step: ClusterStep;
  ok: boolean;
  code?: string;
  message?: string;
  /** slot moves: slots finished and keys migrated (a move cut short by the deadline is ok with fewer slots) */
  slotsMoved?: number;
  keysMoved?: number;
}

const MIGRATE_TIMEOUT_MS = 5000;
const MAX_REPEATS = 8;

/** A session by node id: a spec node's, or one opened at the node's cluster address. */
async function sessionOf(o: ClusterObservation, ctx: ClusterActContext, id: string): Promise<RedisSession> {
  for (const [name, v] of Object.entries(o.views)) {
    if (v?.id === id && ctx.sessions.spec[name]) return ctx.sessions.spec[name]!;
  }
  const e = o.known[id];
  const s = e ? await ctx.sessions.other(id, { host: e.host, port: e.port }) : undefined;
  if (!s) throw new RedisEngineError('ERR_REDIS_CONNECT_FAILED', `node ${id}: no connection`);
  return s;
}

/** The address other nodes reach a node at: what the cluster announces for it, else where we reached it. */
function clusterAddress(o: ClusterObservation, id: string, fallback?: RedisAddress): RedisAddress {
  const e = o.known[id];
  if (e?.host) return { host: e.host, port: e.port };
  if (fallback) return fallback;
  throw new RedisEngineError('ERR_REDIS_COMMAND_FAILED', `node ${id}: address unknown`);
}

const ignore = (pattern: RegExp) => (err: unknown) => {
  if (!pattern.test((err as Error).message)) throw err;
};

async function meetAddress(a: RedisAddress): Promise<RedisAddress> {
  if (isIP(a.host)) return a;
  return { host: (await lookup(a.host)).address, port: a.port };
}

/** The masters to tell a slot's new owner: every live master the cluster knows that we can reach. */
async function liveMasters(o: ClusterObservation, ctx: ClusterActContext): Promise<Map<string, RedisSession>> {
  const out = new Map<string, RedisSession>();
  for (const e of Object.values(o.known)) {
    if (!e.master || e.failed) continue;
    const s = await sessionOf(o, ctx, e.id).catch(() => undefined);
    if (s) out.set(e.id, s);
  }
  return out;
}

/**
 * Moves `slots` from → to, keys intact. Safe to call on a slot already half moved (resume): each SETSLOT that no
 * longer applies ("already the owner", "not the owner") is skipped, and MIGRATE REPLACE overwrites a copy an
 * interrupted MIGRATE left on the target — the source's copy is the live one while the slot is migrating, since
 * the source answers for every key it still has.
 */
async function moveSlots(
  o: ClusterObservation,
  ctx: ClusterActContext,
  fromId: string,
  toId: string,
  slots: readonly number[],
): Promise<{ slotsMoved: number; keysMoved: number }> {
  const from = await sessionOf(o, ctx, fromId);
  const to = await sessionOf(o, ctx, toId);
  const target = clusterAddress(o, toId, to.address);
  const masters = await liveMasters(o, ctx);
  const auth = ctx.login.username
    ? ['AUTH2', ctx.login.username, ctx.login.password]
    : ctx.login.password
      ? ['AUTH', ctx.login.password]
      : [];
  const batchSize = ctx.batchSlots ?? 64;
  const perMigrate = ctx.keysPerMigrate ?? 200;
  let slotsMoved = 0;
  let keysMoved = 0;
  for (let i = 0; i < slots.length; i += batchSize) {
    ctx.signal?.throwIfAborted();
    if (ctx.deadline !== undefined && Date.now() > ctx.deadline && slotsMoved > 0) break;
    const batch = slots.slice(i, i + batchSize);
    await Promise.all(
      batch.map((s) =>
        to
          .call('CLUSTER', ['SETSLOT', s, 'IMPORTING', fromId], 'CLUSTER SETSLOT IMPORTING')
          .catch(ignore(/already the owner/i)),
      ),
    );
    await Promise.all(
      batch.map((s) =>
        from
          .call('CLUSTER', ['SETSLOT', s, 'MIGRATING', toId], 'CLUSTER SETSLOT MIGRATING')
          .catch(ignore(/not the owner/i)),
      ),
    );
    await Promise.all(
      batch.map(async (s) => {
        for (;;) {
          const keys = (await from.call(
            'CLUSTER',
            ['GETKEYSINSLOT', s, perMigrate],
            'CLUSTER GETKEYSINSLOT',
          )) as string[];
          if (!keys.length) return;
          await from.call(
            'MIGRATE',
            [target.host, target.port, '', 0, MIGRATE_TIMEOUT_MS, 'REPLACE', ...auth, 'KEYS', ...keys],
            `MIGRATE slot ${s} to ${target.host}:${target.port}`,
          );
          keysMoved += keys.length;
        }
      }),
    );
    // the target first (it bumps its epoch and owns the slot), then the source (which stops redirecting with ASK),
    // then everyone else, so no node keeps pointing at the source for long
    const setNode = (s: RedisSession, slot: number) =>
      s.call('CLUSTER', ['SETSLOT', slot, 'NODE', toId], 'CLUSTER SETSLOT NODE');
    await Promise.all(batch.map((s) => setNode(to, s)));
    // a source that just gave away its last slot has turned itself into a replica of the target: nothing to tell
    await Promise.all(batch.map((s) => setNode(from, s).catch(ignore(/only with masters/i))));
    await Promise.all(
      [...masters]
        .filter(([id]) => id !== fromId && id !== toId)
        .flatMap(([, m]) => batch.map((s) => setNode(m, s).catch(() => {}))),
    );
    slotsMoved += batch.length;
  }
  return { slotsMoved, keysMoved };
}

export async function applyClusterSteps(
  o: ClusterObservation,
  steps: readonly ClusterStep[],
  ctx: ClusterActContext,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const spec = (name: string) => {
    const s = ctx.sessions.spec[name];
    if (!s) throw new RedisEngineError('ERR_REDIS_CONNECT_FAILED', `${name}: no connection`);
    return s;
  };
  for (const step of steps) {
    if (ctx.signal?.aborted) {
      results.push({ step, ok: false, code: 'ERR_REDIS_ABORTED', message: 'aborted: the operator is stopping' });
      break;
    }
    try {
      const r: StepResult = { step, ok: true };
      switch (step.kind) {
        case 'meet': {
          const a = await meetAddress(spec(step.node).address);
          await spec(step.on).call('CLUSTER', ['MEET', a.host, a.port], 'CLUSTER MEET');
          break;
        }
        case 'setMasterauth': {
          const s = spec(step.node);
          if (ctx.login.username)
            await s.call('CONFIG', ['SET', 'masteruser', ctx.login.username], 'CONFIG SET masteruser');
          await s.call('CONFIG', ['SET', 'masterauth', ctx.login.password], 'CONFIG SET masterauth');
          break;
        }
        case 'replicate':
          await spec(step.node).call('CLUSTER', ['REPLICATE', step.masterId], 'CLUSTER REPLICATE');
          break;
        case 'addSlots':
          await spec(step.node).call('CLUSTER', ['ADDSLOTSRANGE', ...step.ranges.flat()], 'CLUSTER ADDSLOTSRANGE');
          break;
        case 'clearSlot':
          await (await sessionOf(o, ctx, step.nodeId)).call(
            'CLUSTER',
            ['SETSLOT', step.slot, 'STABLE'],
            'SETSLOT STABLE',
          );
          break;
        case 'finishSlot':
        case 'moveSlots': {
          const slots = step.kind === 'finishSlot' ? [step.slot] : step.slots;
          Object.assign(r, await moveSlots(o, ctx, step.fromId, step.toId, slots));
          break;
        }
        case 'failover': {
          // coordinated: the master pauses its clients until this replica has its whole stream, then they swap
          const s = spec(step.node);
          await s.call('CLUSTER', ['FAILOVER'], 'CLUSTER FAILOVER');
          const until = Date.now() + 15_000;
          while ((await s.info('replication')).role !== 'master') {
            if (Date.now() > until)
              throw new RedisEngineError(
                'ERR_REDIS_FAILOVER_TIMEOUT',
                `${s.label}: CLUSTER FAILOVER did not complete in 15 s`,
                { node: s.label },
              );
            await sleep(100);
          }
          break;
        }
        case 'forget': {
          // every other node forgets it (a 60 s ban keeps gossip from bringing it back), then it forgets the cluster
          const others = [
            ...Object.entries(o.views)
              .filter(([, v]) => v?.clusterEnabled && v.id !== step.id)
              .map(([n]) => ctx.sessions.spec[n]),
          ].filter((s): s is RedisSession => !!s);
          for (const s of others)
            await s.call('CLUSTER', ['FORGET', step.id], 'CLUSTER FORGET').catch(ignore(/Unknown node/i));
          if (step.reset) {
            const s = await sessionOf(o, ctx, step.id);
            await s.call('CLUSTER', ['RESET', 'SOFT'], 'CLUSTER RESET');
          }
          break;
        }
      }
      results.push(r);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      results.push({ step, ok: false, code: e.code ?? 'ERR_REDIS_COMMAND_FAILED', message: e.message });
      // the steps after a failed one assumed it (and an abort ends the pass): observe again first
      break;
    }
  }
  return results;
}

export interface ReconcileOptions extends Omit<ClusterActContext, 'deadline'> {
  desired: DesiredCluster;
  /** time for this pass; slot moves stop between batches past it; default 20 s */
  budgetMs?: number;
  /** how long to wait for things that settle by themselves (gossip) before returning; default 3 s */
  settleMs?: number;
}

export interface ReconcileResult {
  observation: ClusterObservation;
  plan: ClusterPlan;
  results: StepResult[];
}

/** Observe → plan → apply until converged, blocked, a step fails, or the budget runs out; then observe once more. */
export async function reconcileCluster(options: ReconcileOptions): Promise<ReconcileResult> {
  const start = Date.now();
  const deadline = start + (options.budgetMs ?? 20_000);
  const settleUntil = start + (options.settleMs ?? 3000);
  const ctx: ClusterActContext = { ...options, deadline };
  const results: StepResult[] = [];
  // the same plan again and again means its steps do not take (a MEET whose handshake never completes): end the
  // pass and say so rather than repeat it until the budget is spent
  const repeats = new Map<string, number>();
  for (;;) {
    options.signal?.throwIfAborted();
    const observation = await observeCluster(options.sessions);
    const plan = planCluster(options.desired, observation);
    const out = { observation, plan, results };
    const key = JSON.stringify(plan.steps);
    repeats.set(key, (repeats.get(key) ?? 0) + 1);
    if (plan.steps.length && repeats.get(key)! > MAX_REPEATS) {
      plan.waiting.push(`${plan.phase}: the same ${plan.steps.length} steps had no effect ${MAX_REPEATS} times`);
      return out;
    }
    if (plan.steps.length === 0) {
      if (plan.waiting.length && Date.now() < settleUntil) {
        await sleep(200, undefined, { signal: options.signal });
        continue;
      }
      return out;
    }
    if (Date.now() > deadline) return out;
    options.log?.(`cluster ${plan.phase}`, {
      steps: plan.steps.length,
      kinds: [...new Set(plan.steps.map((s) => s.kind))],
    });
    const applied = await applyClusterSteps(observation, plan.steps, ctx);
    results.push(...applied);
    // a MEET takes a round of the cluster bus to complete: give it that before looking again
    if (plan.phase === 'join') await sleep(250, undefined, { signal: options.signal });
    if (applied.some((r) => !r.ok)) {
      const after = await observeCluster(options.sessions);
      return { observation: after, plan: planCluster(options.desired, after), results };
    }
  }
}
