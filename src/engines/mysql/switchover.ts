/**
 * Zero-loss switchover: no transaction the old source acknowledged is missing on the new source, and the old
 * source is never left stalled by a fence nobody holds.
 *
 *   1. refuse early (nothing changed) if the candidate has errant transactions (both dialects), has no binary log,
 *      is not replicating, or cannot reach the old source's current position within the catch-up timeout while
 *      the old source still takes writes (a candidate that cannot catch up unfenced will not under the fence)
 *   2. long writers: transactions open longer than `longWriterSeconds` are killed (default) or make the
 *      switchover refuse, named in the reason
 *   3. fence the old source: every client session killed, then read_only=ON with a bounded lock_wait_timeout
 *      (MariaDB's default is a day: one long UPDATE would stall every write); on a dedicated, bounded session
 *      (wait_timeout, lock_wait_timeout, client-side statement timeouts) the fence marker (a user-level lock a
 *      later pass can find) and FLUSH TABLES WITH READ LOCK (MariaDB's read_only does not stop READ ONLY
 *      ADMIN/SUPER holders such as root; the global read lock does); clients that connected meanwhile are killed
 *   4. only now read the old source's final GTID position: nothing can commit any more
 *   5. wait, with a timeout, until the candidate applied all of it (MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET)
 *      and check its position per domain
 *   6. timeout or abort → the old source is writable again and the switchover refused
 *   7. promote: STOP/RESET replication on the candidate, read_only=OFF
 *   8. the old source stays read-only and replicates from the candidate; the other replicas are re-pointed
 *
 * Whatever happens after the fence (an exception, an abort, a timeout), `finally` kills the sessions queued on the
 * lock, releases it and closes the fence session; the old source gets its writes back unless the promotion had
 * begun (then it stays read-only: the next pass finishes the promotion). If this process dies instead, the server
 * ends the fence session (its connection closes, or wait_timeout passes) and the next pass finds any fence still
 * held by its marker.
 *
 * Caveat (MariaDB): once the lock is released in step 8, a READ ONLY ADMIN client that reconnects to the OLD
 * source's address can still write there; such writes are reported as errant transactions afterwards.
 * Applications should use accounts without READ ONLY ADMIN/SUPER.
 */
import { mysqlErrantGtids } from './dialect.ts';
import { MysqlEngineError } from './errors.ts';
import { formatMariadbGtidList, gtidsNotCovered, positionNotReached } from './gtid.ts';
import { type NodeState, observeNode } from './observeNode.ts';
import type { Login, NodeAddress, Session } from './session.ts';

/** Where a switchover has got to, for step hooks (logs, tests that stop the operator there). */
export type SwitchoverStage = 'fenced' | 'caughtUp' | 'promoted';

export interface SwitchoverInput {
  oldSource: Session;
  candidate: Session;
  /** the other replicas, to be re-pointed at the candidate */
  others: readonly Session[];
  /** where the old source and the other replicas reach the candidate */
  candidateAddress: NodeAddress;
  replication: Login;
  /** opens another connection to the old source (the fence holds its lock on it) */
  openFenceSession: (bounds: { waitTimeoutSeconds: number; lockWaitTimeoutSeconds: number }) => Promise<Session>;
  /** how long the candidate may take to apply the old source's last transactions; default 10 s */
  catchUpTimeoutMs?: number;
  /** how long read_only=ON and FLUSH TABLES WITH READ LOCK may wait for running statements; default 5 s */
  lockWaitTimeoutSeconds?: number;
  /** a transaction open longer than this on the old source is a long writer; default 5 s */
  longWriterSeconds?: number;
  /** long writers are killed (default: their work was never acknowledged) or the switchover is refused */
  longWriters?: 'kill' | 'refuse';
  /** aborted when the operator stops or loses leadership: checked before the promotion, which is then refused */
  signal?: AbortSignal;
  log?: (message: string) => void;
  /** called once every pre-check passed, right before the fence (the controller fails its labels closed) */
  beforeFence?: () => Promise<void>;
  /** called when a stage is reached, before the next begins */
  onStage?: (stage: SwitchoverStage) => void | Promise<void>;
}

export interface SwitchoverDone {
  outcome: 'promoted';
  /** the old source's final position, read under the fence */
  fencedPosition: string;
  /** client sessions killed on the old source */
  killedSessions: number;
  /** long writers among them (open longer than longWriterSeconds) */
  killedLongWriters: number;
  /** from the start of the fence to the candidate accepting writes: the write stall */
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
    | 'ERR_MYSQL_LONG_TRANSACTION'
    | 'ERR_MYSQL_MISCONFIGURED'
    | 'ERR_MYSQL_ABORTED';
  message: string;
  /** true when the old source was fenced and has been made writable again */
  unfenced: boolean;
  /** how long the old source did not take writes (0 when it was never fenced) */
  writeStallMs: number;
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

/**
 * GTIDs the candidate has that the old source lacks (would diverge once promoted), on both dialects: MariaDB
 * from the two gtid_binlog_states (rule in gtid.ts), MySQL by the old source's GTID_SUBTRACT.
 */
export async function candidateErrantGtids(
  candidate: NodeState,
  oldSource: NodeState,
  oldSession: Session,
): Promise<string> {
  if (candidate.flavor === 'mysql') {
    const [row] = await oldSession.run(
      mysqlErrantGtids(candidate.gtid.executed, oldSource.gtid.executed),
      'computing the candidate errant GTIDs',
    );
    return String(row?.errant ?? '').replace(/\s+/g, '');
  }
  return formatMariadbGtidList(gtidsNotCovered(oldSource.gtid.binlogState, candidate.gtid.binlogState));
}

/** Waits until `candidate` applied every GTID of `position`; '' when it did, else what it lacks (or the position). */
async function waitApplied(candidate: Session, position: string, timeoutMs: number, doing: string): Promise<string> {
  if (position === '') return '';
  const d = candidate.dialect;
  const seconds = Math.max(0.1, timeoutMs / 1000);
  const [w] = await candidate.run(d.waitForGtid(position, seconds), doing, { timeoutMs: timeoutMs + 10_000 });
  if (!d.waitSucceeded(w.r)) return position;
  if (d.flavor === 'mysql') return ''; // WAIT_FOR_EXECUTED_GTID_SET is exact
  // MASTER_GTID_WAIT compares with gtid_slave_pos; confirm per domain (what matters: everything the source
  // executed was applied, whatever the candidate's own binary log holds)
  const [g] = await candidate.run(d.gtidState, 'reading the candidate position');
  const have = [g.replicaPos, g.executed].filter(Boolean).join(',');
  return formatMariadbGtidList(positionNotReached(have, position));
}

async function setWritable(s: Session): Promise<boolean> {
  for (const st of s.dialect.setReadOnly(false)) await s.run(st, 'unfencing: read_only=OFF');
  return true;
}

export async function switchover(input: SwitchoverInput): Promise<SwitchoverResult> {
  const { oldSource, candidate } = input;
  const d = oldSource.dialect;
  const log = input.log ?? (() => {});
  const timeoutMs = input.catchUpTimeoutMs ?? 10_000;
  const lockWait = input.lockWaitTimeoutSeconds ?? 5;
  const refuse = (code: SwitchoverRefused['code'], message: string): SwitchoverRefused => ({
    outcome: 'refused',
    code,
    message,
    unfenced: false,
    writeStallMs: 0,
  });

  // the candidate first: a source observed later has at least what the candidate had, so writes in between
  // cannot look like errant transactions
  let candState = await observeNode(candidate);
  const oldState = await observeNode(oldSource);
  const errant = await candidateErrantGtids(candState, oldState, oldSource);
  if (errant) {
    return refuse(
      'ERR_MYSQL_ERRANT_TRANSACTIONS',
      `candidate ${candidate.label} has transactions the current source lacks (${errant}); promoting it would diverge`,
    );
  }
  if (!candState.logBin) {
    return refuse(
      'ERR_MYSQL_MISCONFIGURED',
      `candidate ${candidate.label} has no binary log (log_bin=OFF): as a source no replica could follow it`,
    );
  }
  let rep = candState.replication;
  if (rep && rep.sqlRunning === 'No' && rep.ioRunning === 'No' && !rep.lastSqlError && !rep.lastIoError) {
    // stopped without an error: an earlier attempt stopped it just before its promotion; resume
    await candidate.run(candidate.dialect.startReplica, 'resuming the candidate replication');
    candState = await observeNode(candidate);
    rep = candState.replication;
  }
  if (rep?.sqlRunning !== 'Yes' || rep.ioRunning === 'No') {
    return refuse(
      'ERR_MYSQL_NOT_REPLICATING',
      `candidate ${candidate.label} is not replicating (IO ${rep?.ioRunning ?? 'none'}, SQL ${rep?.sqlRunning ?? 'none'}${rep?.lastSqlError ? `: ${rep.lastSqlError}` : ''}); it cannot catch up`,
    );
  }
  // lag pre-check, unfenced: the old source keeps taking writes while the candidate catches up
  const behind = await waitApplied(candidate, oldState.gtid.binlogPos, timeoutMs, 'catching up before the fence');
  if (behind) {
    return refuse(
      'ERR_MYSQL_CATCHUP_TIMEOUT',
      `candidate ${candidate.label} did not apply ${behind} within ${timeoutMs} ms while ${oldSource.label} was still writable; switchover refused before fencing, nothing changed`,
    );
  }
  const longWriterSeconds = input.longWriterSeconds ?? 5;
  const long = await oldSource.run(d.longTransactions(longWriterSeconds), 'listing long transactions');
  if (long.length && input.longWriters === 'refuse') {
    const which = long.map((r) => `connection ${r.id} (${r.seconds} s)`).join(', ');
    return refuse(
      'ERR_MYSQL_LONG_TRANSACTION',
      `${oldSource.label} has transactions open longer than ${longWriterSeconds} s: ${which}; switchover refused so that they are not killed (longWriters: refuse)`,
    );
  }

  await input.beforeFence?.();
  // --- fence ---
  const fencedAt = Date.now();
  let fence: Session | undefined;
  let fenced = false;
  let promoting = false;
  let promoted = false;
  let killedSessions = 0;
  let unfenced = false;
  let refusal: SwitchoverRefused | undefined;
  const release = async () => {
    if (!fence) return;
    // sessions queued behind the lock would commit the moment it goes (root bypasses read_only): end them first
    await killClients(oldSource, fence.connectionId)
      .then((n) => {
        killedSessions += n;
      })
      .catch(() => {});
    await fence.run({ sql: 'UNLOCK TABLES' }).catch(() => {});
    await fence.close();
    fence = undefined;
  };
  try {
    try {
      killedSessions += await killClients(oldSource, -1); // long writers among them
      await oldSource.run({ sql: 'SET SESSION lock_wait_timeout = ?', params: [lockWait] });
      fenced = true;
      for (const s of d.setReadOnly(true)) {
        await oldSource.run(s, 'fencing: read_only=ON', { timeoutMs: lockWait * 1000 + 5000 });
      }
      fence = await input.openFenceSession({
        // idle while the candidate catches up: the server ends it (and its lock) if this process goes quiet
        waitTimeoutSeconds: Math.ceil(timeoutMs / 1000) + lockWait + 30,
        lockWaitTimeoutSeconds: lockWait,
      });
      await fence.run(d.takeFenceMarker, 'fencing: taking the fence marker');
      const fenceId = fence.connectionId;
      const killOthers = () => killClients(oldSource, fenceId);
      killedSessions += await killOthers();
      let locked = false;
      for (let attempt = 0; attempt < 3 && !locked; attempt++) {
        try {
          await fence.run({ sql: 'FLUSH TABLES WITH READ LOCK' }, 'fencing: FLUSH TABLES WITH READ LOCK', {
            timeoutMs: lockWait * 1000 + 5000,
          });
          locked = true;
        } catch (err) {
          if (attempt === 2) throw err;
          killedSessions += await killOthers();
        }
      }
      killedSessions += await killOthers();
    } catch (err) {
      throw new MysqlEngineError(
        'ERR_MYSQL_FENCE_FAILED',
        `could not fence ${oldSource.label} within the lock wait of ${lockWait} s: ${(err as Error).message}; it was left writable`,
        { node: oldSource.label, cause: err },
      );
    }
    const [pos] = await fence.run(d.gtidState, 'reading the fenced GTID position');
    const fencedPosition = String(pos.binlogPos ?? '').replace(/\s+/g, '');
    log(`fenced ${oldSource.label} at ${fencedPosition} (${killedSessions} sessions killed)`);
    await input.onStage?.('fenced');

    // --- catch up ---
    const catchUpStart = Date.now();
    const missing = await waitApplied(candidate, fencedPosition, timeoutMs, 'waiting for the fenced position');
    const catchUpMs = Date.now() - catchUpStart;
    // (refusals after the fence get unfenced / writeStallMs filled in by `finally`, once writes are back)
    if (missing) {
      refusal = refuse(
        'ERR_MYSQL_CATCHUP_TIMEOUT',
        `candidate ${candidate.label} did not apply ${fencedPosition}${missing !== fencedPosition ? ` (missing ${missing})` : ''} within ${timeoutMs} ms; switchover refused, ${oldSource.label} is writable again`,
      );
      return refusal;
    }
    if (input.signal?.aborted) {
      // this process may no longer lead: promote nothing, and leave the old source as it was found
      refusal = refuse(
        'ERR_MYSQL_ABORTED',
        `switchover to ${candidate.label} aborted before the promotion (operator stopping or no longer the leader); ${oldSource.label} is writable again`,
      );
      return refusal;
    }
    log(`${candidate.label} applied ${fencedPosition} in ${catchUpMs} ms`);
    await input.onStage?.('caughtUp');

    // --- promote ---
    const cd = candidate.dialect;
    promoting = true;
    await candidate.run(cd.stopReplica, 'promoting: stopping replication');
    await candidate.run(cd.resetReplicaAll, 'promoting: removing the replication channel');
    for (const s of cd.setReadOnly(false)) await candidate.run(s, 'promoting: read_only=OFF');
    promoted = true;
    const writeUnavailableMs = Date.now() - fencedAt;
    log(`promoted ${candidate.label} after ${writeUnavailableMs} ms (catch-up ${catchUpMs} ms)`);
    await release();
    await input.onStage?.('promoted');

    // --- demote the old source and re-point the others ---
    const endpoint = { ...input.candidateAddress, user: input.replication.user, password: input.replication.password };
    const repointFailures: SwitchoverDone['repointFailures'] = [];
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
    return {
      outcome: 'promoted',
      fencedPosition,
      killedSessions,
      killedLongWriters: long.length,
      writeUnavailableMs,
      catchUpMs,
      repointFailures,
    };
  } finally {
    await release();
    // not promoted (refused, aborted, failed): writes go back to the old source; once the promotion began the
    // candidate may already take writes, so the old source stays read-only and the next pass completes it
    if (fenced && !promoting && !promoted) {
      unfenced = await setWritable(oldSource)
        .catch(async () => {
          // the session died (a statement timed out): a fresh one
          const s = await input.openFenceSession({ waitTimeoutSeconds: 60, lockWaitTimeoutSeconds: lockWait });
          try {
            return await setWritable(s);
          } finally {
            await s.close();
          }
        })
        .catch(() => false);
      log(
        `${oldSource.label} ${unfenced ? 'writable again' : 'could NOT be made writable again'} after ${Date.now() - fencedAt} ms`,
      );
    }
    if (refusal) {
      refusal.unfenced = unfenced;
      refusal.writeStallMs = Date.now() - fencedAt;
    }
  }
}
