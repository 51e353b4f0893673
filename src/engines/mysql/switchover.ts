/**
 * Zero-loss switchover: no transaction the old source acknowledged is missing on the new source.
 *
 *   1. refuse early (nothing changed) if the candidate has errant transactions or is not replicating
 *   2. fence the old source: read_only=ON; on a dedicated connection FLUSH TABLES WITH READ LOCK (MariaDB's
 *      read_only does not stop READ ONLY ADMIN/SUPER holders such as root; the global read lock does), then KILL
 *      every other client session (their uncommitted work rolls back and was never acknowledged; sessions
 *      blocked on the lock would otherwise commit the moment it is released)
 *   3. only now read the old source's final GTID position: nothing can commit any more
 *   4. wait, with a timeout, until the candidate applied all of it (MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET),
 *      and on MariaDB check it again against gtid_binlog_state
 *   5. timeout → undo the fence (old source writable again) and return a refusal
 *   6. promote: STOP/RESET replication on the candidate, read_only=OFF
 *   7. the old source stays read-only and replicates from the candidate; the other replicas are re-pointed
 *
 * Caveat (MariaDB): once the lock is released in step 7, a READ ONLY ADMIN client that reconnects to the OLD
 * source's address can still write there; such writes are reported as errant transactions afterwards.
 * Applications should use accounts without READ ONLY ADMIN/SUPER.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MysqlEngineError } from './errors.ts';
import { formatMariadbGtidList, gtidsNotCovered } from './gtid.ts';
import { observeNode } from './observeNode.ts';
import { errantGtids } from './planTopology.ts';
import type { Login, NodeAddress, Session } from './session.ts';

export interface SwitchoverInput {
  oldSource: Session;
  candidate: Session;
  /** the other replicas, to be re-pointed at the candidate */
  others: readonly Session[];
  /** where the old source and the other replicas reach the candidate */
  candidateAddress: NodeAddress;
  replication: Login;
  /** opens another connection to the old source (the fence holds its lock on it) */
  openFenceSession: () => Promise<Session>;
  /** how long the candidate may take to apply the old source's last transactions; default 10 s */
  catchUpTimeoutMs?: number;
  /** how long FLUSH TABLES WITH READ LOCK may wait for running statements; default 5 s */
  lockWaitTimeoutSeconds?: number;
  /** aborted when the operator stops or loses leadership: checked before the promotion, which is then refused */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface SwitchoverDone {
  outcome: 'promoted';
  /** the old source's final position, read under the fence */
  fencedPosition: string;
  /** client sessions killed on the old source */
  killedSessions: number;
  /** from the start of the fence to the candidate accepting writes */
  writeUnavailableMs: number;
  catchUpMs: number;
  /** replicas that could not be re-pointed now (the next reconcile retries) */
  repointFailures: Array<{ node: string; message: string }>;
}

export interface SwitchoverRefused {
  outcome: 'refused';
  code:
    | 'ERR_MYSQL_CATCHUP_TIMEOUT'
    | 'ERR_MYSQL_ERRANT_TRANSACTIONS'
    | 'ERR_MYSQL_NOT_REPLICATING'
    | 'ERR_MYSQL_ABORTED';
  message: string;
  /** true when the old source was fenced and has been made writable again */
  unfenced: boolean;
}

export type SwitchoverResult = SwitchoverDone | SwitchoverRefused;

async function killClients(session: Session, exceptId: number): Promise<number> {
  const d = session.dialect;
  const rows = await session.run(d.clientSessions(exceptId), 'listing client sessions');
  let killed = 0;
  for (const r of rows) {
    try {
      await session.run(d.kill(Number(r.id)), `killing session ${r.id}`);
      killed++;
    } catch {
      // the session ended on its own meanwhile
    }
  }
  return killed;
}

export async function switchover(input: SwitchoverInput): Promise<SwitchoverResult> {
  const { oldSource, candidate } = input;
  const d = oldSource.dialect;
  const log = input.log ?? (() => {});
  const timeoutMs = input.catchUpTimeoutMs ?? 10_000;

  // the candidate first: a source observed later has at least what the candidate had, so writes in between
  // cannot look like errant transactions
  const candState = await observeNode(candidate);
  const oldState = await observeNode(oldSource);
  const errant = errantGtids(candState, oldState);
  if (errant) {
    return {
      outcome: 'refused',
      code: 'ERR_MYSQL_ERRANT_TRANSACTIONS',
      message: `candidate ${candidate.label} has transactions the current source lacks (${errant}); promoting it would diverge`,
      unfenced: false,
    };
  }
  const rep = candState.replication;
  if (rep?.sqlRunning !== 'Yes' || rep.ioRunning === 'No') {
    return {
      outcome: 'refused',
      code: 'ERR_MYSQL_NOT_REPLICATING',
      message: `candidate ${candidate.label} is not replicating (IO ${rep?.ioRunning ?? 'none'}, SQL ${rep?.sqlRunning ?? 'none'}${rep?.lastSqlError ? `: ${rep.lastSqlError}` : ''}); it cannot catch up`,
      unfenced: false,
    };
  }

  // --- fence ---
  const fencedAt = Date.now();
  let fence: Session | undefined;
  const unfence = async () => {
    await fence?.run({ sql: 'UNLOCK TABLES' }).catch(() => {});
    await fence?.close();
    fence = undefined;
  };
  let killedSessions = 0;
  let fencedPosition: string;
  let fencedState: string | null;
  try {
    for (const s of d.setReadOnly(true)) await oldSource.run(s, 'fencing: read_only=ON');
    fence = await input.openFenceSession();
    await fence.run({ sql: 'SET SESSION lock_wait_timeout = ?', params: [input.lockWaitTimeoutSeconds ?? 5] });
    // killClients spares the session it runs on (oldSource) and the fence
    const fenceId = fence.connectionId;
    const killOthers = () => killClients(oldSource, fenceId);
    // sessions with open transactions would make the lock wait; they are killed first, then once more under the
    // lock for those that connected meanwhile (they now wait on the lock and would commit after its release)
    killedSessions += await killOthers();
    let locked = false;
    for (let attempt = 0; attempt < 3 && !locked; attempt++) {
      try {
        await fence.run({ sql: 'FLUSH TABLES WITH READ LOCK' }, 'fencing: FLUSH TABLES WITH READ LOCK');
        locked = true;
      } catch (err) {
        if (attempt === 2) throw err;
        killedSessions += await killOthers();
      }
    }
    killedSessions += await killOthers();
    const [pos] = await fence.run(d.gtidState, 'reading the fenced GTID position');
    fencedPosition = String(pos.binlogPos ?? '').replace(/\s+/g, '');
    fencedState = pos.binlogState === null || pos.binlogState === undefined ? null : String(pos.binlogState);
  } catch (err) {
    await unfence();
    for (const s of d.setReadOnly(false)) await oldSource.run(s).catch(() => {});
    throw new MysqlEngineError(
      'ERR_MYSQL_FENCE_FAILED',
      `could not fence ${oldSource.label}: ${(err as Error).message}; it was left writable`,
      { node: oldSource.label, cause: err },
    );
  }
  log(`fenced ${oldSource.label} at ${fencedPosition} (${killedSessions} sessions killed)`);

  // --- catch up ---
  const catchUpStart = Date.now();
  let caughtUp = false;
  if (fencedPosition === '') {
    caughtUp = true;
  } else {
    const [w] = await candidate.run(
      candidate.dialect.waitForGtid(fencedPosition, Math.max(0.1, timeoutMs / 1000)),
      'waiting for the candidate to apply the fenced position',
    );
    caughtUp = candidate.dialect.waitSucceeded(w.r);
  }
  let missing = '';
  if (caughtUp && candidate.dialect.flavor === 'mariadb') {
    // belt and braces: every (domain, server id) the old source logged is covered by the candidate's binlog
    for (let i = 0; i < 20; i++) {
      const [g] = await candidate.run(candidate.dialect.gtidState);
      missing = formatMariadbGtidList(gtidsNotCovered(String(g.binlogState ?? ''), fencedState));
      if (!missing) break;
      await sleep(50);
    }
    if (missing) caughtUp = false;
  }
  const catchUpMs = Date.now() - catchUpStart;
  if (caughtUp && input.signal?.aborted) {
    // this process may no longer lead: promote nothing, and leave the old source as it was found
    await unfence();
    for (const s of d.setReadOnly(false)) await oldSource.run(s, 'unfencing: read_only=OFF');
    return {
      outcome: 'refused',
      code: 'ERR_MYSQL_ABORTED',
      message: `switchover to ${candidate.label} aborted before the promotion (operator stopping or no longer the leader); ${oldSource.label} is writable again`,
      unfenced: true,
    };
  }
  if (!caughtUp) {
    await unfence();
    for (const s of d.setReadOnly(false)) await oldSource.run(s, 'unfencing: read_only=OFF');
    return {
      outcome: 'refused',
      code: 'ERR_MYSQL_CATCHUP_TIMEOUT',
      message: `candidate ${candidate.label} did not apply ${fencedPosition}${missing ? ` (missing ${missing})` : ''} within ${timeoutMs} ms; switchover refused, ${oldSource.label} is writable again`,
      unfenced: true,
    };
  }

  // --- promote ---
  const cd = candidate.dialect;
  await candidate.run(cd.stopReplica, 'promoting: stopping replication');
  await candidate.run(cd.resetReplicaAll, 'promoting: removing the replication channel');
  for (const s of cd.setReadOnly(false)) await candidate.run(s, 'promoting: read_only=OFF');
  const writeUnavailableMs = Date.now() - fencedAt;
  log(`promoted ${candidate.label} after ${writeUnavailableMs} ms (catch-up ${catchUpMs} ms)`);

  // --- demote the old source and re-point the others ---
  const endpoint = { ...input.candidateAddress, user: input.replication.user, password: input.replication.password };
  const repointFailures: SwitchoverDone['repointFailures'] = [];
  await unfence();
  try {
    killedSessions += await killClients(oldSource, oldSource.connectionId);
    for (const s of d.prepareDemotion) await oldSource.run(s, 'demoting: setting the replication position');
    await oldSource.run(d.changeSource(endpoint), 'demoting: CHANGE MASTER');
    await oldSource.run(d.startReplica, 'demoting: starting replication');
  } catch (err) {
    repointFailures.push({ node: oldSource.label, message: (err as Error).message });
  }
  await Promise.all(
    input.others.map(async (o) => {
      try {
        await o.run(o.dialect.stopReplica, 're-pointing: stopping replication');
        await o.run(o.dialect.changeSource(endpoint), 're-pointing: CHANGE MASTER');
        await o.run(o.dialect.startReplica, 're-pointing: starting replication');
      } catch (err) {
        repointFailures.push({ node: o.label, message: (err as Error).message });
      }
    }),
  );
  return { outcome: 'promoted', fencedPosition, killedSessions, writeUnavailableMs, catchUpMs, repointFailures };
}
