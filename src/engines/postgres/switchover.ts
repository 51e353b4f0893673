/**
 * Clean switchover with zero loss, the Patroni/CloudNativePG way, on plain pods of the official image:
 *
 *  1. check the candidate streams from the primary (else refuse before touching anything);
 *  2. prepare: a slot on the candidate for the old primary, the candidate's settings as the next primary, and on
 *     the old primary primary_conninfo towards the candidate (read only when it runs as a standby);
 *  3. fence: default_transaction_read_only on the old primary, client sessions terminated, then the fence LSN —
 *     every acknowledged commit is below it;
 *  4. stop the old primary cleanly (standby.signal first, so it can only come back as a standby): its shutdown
 *     checkpoint streams to the candidate;
 *  5. wait until the old primary no longer runs as primary and the candidate has received and replayed to at
 *     least the fence LSN (and to the old primary's end of WAL when that can be read) — else refuse, returning
 *     the old primary to service;
 *  6. pg_promote() the candidate; the old primary, restarted by the kubelet, streams from it on the new timeline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresEngineError } from './errors.ts';
import { formatLsn, parseLsn } from './lsn.ts';
import type { NodeControl } from './nodeControl.ts';
import { stopAsStandbyCommand } from './nodeControl.ts';
import { type DesiredTopology, slotName, synchronousStandbyNames } from './planTopology.ts';
import type { Login, Session } from './session.ts';
import { literal } from './session.ts';
import { followStatements } from './statements.ts';

export interface SwitchoverInput {
  from: string;
  to: string;
  desired: DesiredTopology;
  replication: Login;
  openSession(node: string): Promise<Session>;
  control: NodeControl;
  /** how long the candidate may take to catch up after the old primary stopped; default 10 s */
  catchUpTimeoutMs?: number;
  /** how long to wait for a refused switchover's old primary to restart; default 120 s */
  restartTimeoutMs?: number;
  signal?: AbortSignal;
  log?(m: string): void;
}

export interface SwitchoverResult {
  outcome: 'promoted' | 'refused';
  fenceLsn?: string;
  /** from the fence to the candidate accepting writes */
  writeUnavailableMs?: number;
  reason?: string;
}

const POLL_MS = 50;

async function one(s: Session, sql: string, doing: string) {
  const [row] = await s.query(sql, [], doing);
  return row ?? {};
}

export async function switchover(sessions: Record<string, Session | undefined>, i: SwitchoverInput) {
  const log = i.log ?? (() => {});
  const old = sessions[i.from];
  const cand = sessions[i.to];
  if (!old || !cand)
    throw new PostgresEngineError('ERR_POSTGRES_PRIMARY_UNREACHABLE', 'switchover: node not connected');
  const candAddr = i.desired.replicationAddress[i.to];
  const oldAddr = i.desired.replicationAddress[i.from];

  // 1. the candidate must be streaming from the old primary
  const pre = await one(
    cand,
    `SELECT pg_is_in_recovery() AS rec, (SELECT status FROM pg_stat_wal_receiver) AS status,
            (SELECT sender_host FROM pg_stat_wal_receiver) AS host, pg_last_wal_replay_lsn()::text AS replay`,
    'checking the candidate',
  );
  if (pre.rec !== true || pre.status !== 'streaming' || (oldAddr && pre.host !== oldAddr.host)) {
    return refused(`candidate ${i.to} is not streaming from ${i.from} (receiver ${pre.status ?? 'not running'})`);
  }

  // 2. prepare both sides while the primary still serves
  const sync = synchronousStandbyNames(i.desired, i.to);
  await cand.query(
    `SELECT pg_create_physical_replication_slot($1) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
    [slotName(i.from)],
    'creating the old primary slot on the candidate',
  );
  for (const sql of [
    `ALTER SYSTEM SET synchronous_standby_names = ${literal(sync)}`,
    'ALTER SYSTEM RESET default_transaction_read_only',
    'SELECT pg_reload_conf()',
  ]) {
    await cand.query(sql, [], 'preparing the candidate');
  }
  for (const sql of followStatements(i.from, candAddr, i.replication)) {
    await old.query(sql, [], 'pointing the old primary at the candidate');
  }

  // 3. fence
  const fencedAt = Date.now();
  await old.query('ALTER SYSTEM SET default_transaction_read_only = on', [], 'fencing writes');
  await old.query('SELECT pg_reload_conf()', [], 'fencing writes');
  await old.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    [],
    'ending client sessions',
  );
  const fence = parseLsn(
    String((await one(old, 'SELECT pg_current_wal_lsn()::text AS l', 'reading the fence LSN')).l),
  )!;
  log(`switchover ${i.from} → ${i.to}: fenced at ${formatLsn(fence)}`);

  // 4. clean stop; it comes back as a standby
  const stopped = await i.control.exec(i.from, stopAsStandbyCommand()).catch((err: Error) => ({
    code: -1,
    stdout: '',
    stderr: err.message,
  }));
  if (stopped.code !== 0) {
    await unfence(old);
    return refused(`stopping ${i.from} failed: ${stopped.stderr.trim().slice(0, 300)}`);
  }
  await old.close();
  sessions[i.from] = undefined;

  // 5. wait for the old primary to be down and the candidate to have everything
  const deadline = Date.now() + (i.catchUpTimeoutMs ?? 10_000);
  let caughtUp = false;
  let oldDown = false;
  let oldEnd: bigint | undefined;
  let last = '';
  while (Date.now() < deadline) {
    i.signal?.throwIfAborted();
    if (!oldDown) {
      const st = await probe(i, i.from);
      oldDown = st !== 'primary';
      if (typeof st === 'bigint') oldEnd = st;
    } else if (oldEnd === undefined) {
      const st = await probe(i, i.from);
      if (typeof st === 'bigint') oldEnd = st;
    }
    const c = await one(
      cand,
      `SELECT pg_last_wal_receive_lsn()::text AS recv, pg_last_wal_replay_lsn()::text AS replay,
              (SELECT status FROM pg_stat_wal_receiver) AS status`,
      'reading the candidate position',
    );
    const recv = parseLsn(String(c.recv ?? '')) ?? 0n;
    const replay = parseLsn(String(c.replay ?? '')) ?? 0n;
    last = `received ${formatLsn(recv)}, replayed ${formatLsn(replay)}`;
    // the old walsender leaves only after the candidate confirmed the shutdown checkpoint: a receiver that is no
    // longer streaming has all of it. Once the old primary's own end of WAL is known (it restarted as a standby)
    // that is the bar too.
    const disconnected = c.status !== 'streaming' || oldEnd !== undefined;
    caughtUp =
      oldDown && disconnected && replay >= fence && replay >= recv && (oldEnd === undefined || replay >= oldEnd);
    if (caughtUp) break;
    await sleep(POLL_MS);
  }
  if (!caughtUp) {
    const reason = oldDown
      ? `candidate ${i.to} did not replay to ${formatLsn(oldEnd ?? fence)} within ${i.catchUpTimeoutMs ?? 10_000} ms (${last})`
      : `${i.from} did not stop within ${i.catchUpTimeoutMs ?? 10_000} ms`;
    await returnToService(i, i.from);
    return refused(reason, fence);
  }

  // 6. promote
  const [p] = await cand.query('SELECT pg_promote(true, 8) AS ok', [], 'promoting the candidate');
  if (p?.ok !== true) {
    throw new PostgresEngineError('ERR_POSTGRES_PROMOTE_FAILED', `${i.to}: pg_promote() did not finish in 8 s`);
  }
  const writeUnavailableMs = Date.now() - fencedAt;
  log(`switchover ${i.from} → ${i.to}: promoted after ${writeUnavailableMs} ms`);
  return { outcome: 'promoted', fenceLsn: formatLsn(fence), writeUnavailableMs } satisfies SwitchoverResult;

  function refused(reason: string, at?: bigint): SwitchoverResult {
    log(`switchover ${i.from} → ${i.to} refused: ${reason}`);
    return { outcome: 'refused', reason, ...(at !== undefined ? { fenceLsn: formatLsn(at) } : {}) };
  }
}

/**
 * 'primary' while the node still runs as primary; its replay LSN (its end of WAL) once it runs as a standby;
 * 'down' when it cannot be reached.
 */
async function probe(i: SwitchoverInput, node: string): Promise<'primary' | 'down' | bigint> {
  let s: Session | undefined;
  try {
    s = await i.openSession(node);
    const r = await one(s, 'SELECT pg_is_in_recovery() AS rec, pg_last_wal_replay_lsn()::text AS replay', 'probe');
    if (r.rec !== true) return 'primary';
    return parseLsn(String(r.replay ?? '')) ?? 'down';
  } catch {
    return 'down';
  } finally {
    await s?.close();
  }
}

async function unfence(s: Session): Promise<void> {
  await s.query('ALTER SYSTEM RESET default_transaction_read_only', [], 'lifting the fence').catch(() => {});
  await s.query('SELECT pg_reload_conf()', [], 'lifting the fence').catch(() => {});
}

/** A refused switchover: the old primary comes back (as a standby, by standby.signal) and is promoted again. */
async function returnToService(i: SwitchoverInput, node: string): Promise<void> {
  const deadline = Date.now() + (i.restartTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    i.signal?.throwIfAborted();
    let s: Session | undefined;
    try {
      s = await i.openSession(node);
      const r = await one(s, 'SELECT pg_is_in_recovery() AS rec', 'probe');
      if (r.rec === true) await s.query('SELECT pg_promote(true, 8)', [], 'returning the old primary to service');
      await unfence(s);
      return;
    } catch {
      await sleep(250);
    } finally {
      await s?.close();
    }
  }
  throw new PostgresEngineError(
    'ERR_POSTGRES_CATCHUP_TIMEOUT',
    `switchover refused and ${node} did not come back within ${(i.restartTimeoutMs ?? 120_000) / 1000} s`,
  );
}
