/**
 * Zero-loss switchover: every write the old source acknowledged is on the new source.
 *
 *   1. refuse early (nothing changed) unless the candidate is an in-sync replica of the old source
 *   2. `CLIENT PAUSE <ms> WRITE` on the old source: writes block (they are not refused, so clients just wait),
 *      reads go on. The pause carries its own timeout, so an operator that dies here cannot leave writes blocked
 *      for ever
 *   3. wait until the candidate has processed the OLD source's `master_repl_offset` (read twice around the
 *      candidate's offset, so a ping that moved it in between is waited for too)
 *   4. timeout → `CLIENT UNPAUSE`: the old source stays the source, and the switchover is refused
 *   5. promote the candidate (`REPLICAOF NO ONE`: it keeps the old history as replid2, so the others resync
 *      partially), then repoint the old source and the other replicas at it, then unpause the old source — now a
 *      replica, so the writes that were held answer READONLY and were never acknowledged
 *
 * Caveat: if the operator dies between the promotion and the old source's repointing, the old source's pause runs
 * out and it accepts writes again while the candidate does too. The next pass makes it a replica and reports what
 * it took (planReplication's divergence); the read-write label is on neither pod meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisAddress, RedisSession } from '../session.ts';
import { observeReplication } from './observeReplication.ts';
import { persistConfig, replicaOf } from './replicaOf.ts';

export interface SwitchoverInput {
  oldSource: RedisSession;
  candidate: RedisSession;
  /** the other replicas, to be repointed at the candidate */
  others: readonly RedisSession[];
  /** where the old source and the other replicas reach the candidate */
  candidateAddress: RedisAddress;
  /** where the candidate reaches the old source (the candidate must be replicating from there) */
  oldSourceAddress: RedisAddress;
  /** the AUTH password, also given to replicas as masterauth */
  password: string;
  /** how long the candidate may take to catch up; default 10 s */
  catchUpTimeoutMs?: number;
  /** aborted when the operator stops or loses leadership: checked before the promotion, which is then refused */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface SwitchoverDone {
  outcome: 'promoted';
  /** the old source's offset under the pause, which the candidate reached */
  pausedOffset: number;
  /** from the pause to the candidate accepting writes */
  writeUnavailableMs: number;
  catchUpMs: number;
  /** nodes that could not be repointed now (the next pass retries) */
  repointFailures: Array<{ node: string; message: string }>;
  /** configuration that could not be persisted (no config file) */
  notes: string[];
}

export interface SwitchoverRefused {
  outcome: 'refused';
  code: 'ERR_REDIS_CATCHUP_TIMEOUT' | 'ERR_REDIS_NOT_REPLICATING' | 'ERR_REDIS_ABORTED';
  message: string;
  /** whether the old source was paused (and has been unpaused) */
  paused: boolean;
}

export type SwitchoverResult = SwitchoverDone | SwitchoverRefused;

/** Extra pause beyond the catch-up wait: covers the promotion and repointing after it. */
const PAUSE_MARGIN_MS = 15_000;

export async function switchover(input: SwitchoverInput): Promise<SwitchoverResult> {
  const { oldSource, candidate, password } = input;
  const log = input.log ?? (() => {});
  const timeoutMs = input.catchUpTimeoutMs ?? 10_000;

  const cand = await observeReplication(candidate, password);
  const linked =
    cand.role === 'slave' &&
    cand.masterHost === input.oldSourceAddress.host &&
    cand.masterPort === input.oldSourceAddress.port &&
    cand.masterLinkStatus === 'up' &&
    !cand.masterSyncInProgress;
  if (!linked) {
    return {
      outcome: 'refused',
      code: 'ERR_REDIS_NOT_REPLICATING',
      message: `candidate ${candidate.label} is not an in-sync replica of ${oldSource.label} (role ${cand.role}, link ${cand.masterLinkStatus ?? 'none'}${cand.masterSyncInProgress ? ', full sync in progress' : ''}); it cannot catch up`,
      paused: false,
    };
  }

  // --- pause writes on the old source ---
  const pausedAt = Date.now();
  await oldSource.call('CLIENT', ['PAUSE', timeoutMs + PAUSE_MARGIN_MS, 'WRITE'], 'CLIENT PAUSE WRITE');
  const unpause = () => oldSource.call('CLIENT', ['UNPAUSE'], 'CLIENT UNPAUSE');
  const offsetOf = async (s: RedisSession, key: 'master_repl_offset' | 'slave_repl_offset') =>
    Number((await s.info('replication'))[key] ?? -1);

  // --- wait for the candidate to have everything the old source acknowledged ---
  let pausedOffset = -1;
  let candidateOffset = -1;
  const deadline = pausedAt + timeoutMs;
  let caughtUp = false;
  try {
    while (Date.now() < deadline && !input.signal?.aborted) {
      const before = await offsetOf(oldSource, 'master_repl_offset');
      candidateOffset = await offsetOf(candidate, 'slave_repl_offset');
      const after = await offsetOf(oldSource, 'master_repl_offset');
      pausedOffset = after;
      if (before === after && candidateOffset >= after) {
        caughtUp = true;
        break;
      }
      await sleep(5);
    }
  } catch (err) {
    await unpause().catch(() => {});
    throw err;
  }
  const catchUpMs = Date.now() - pausedAt;
  if (!caughtUp || input.signal?.aborted) {
    await unpause().catch(() => {});
    const aborted = !!input.signal?.aborted;
    return {
      outcome: 'refused',
      code: aborted ? 'ERR_REDIS_ABORTED' : 'ERR_REDIS_CATCHUP_TIMEOUT',
      message: aborted
        ? 'aborted: the operator is stopping; the old source stays the source'
        : `candidate ${candidate.label} reached offset ${candidateOffset} of the old source's ${pausedOffset} within ${timeoutMs} ms; writes resumed on ${oldSource.label}, which stays the source`,
      paused: true,
    };
  }
  log(`candidate ${candidate.label} caught up at offset ${pausedOffset} in ${catchUpMs} ms`);

  // --- promote, repoint, unpause ---
  const notes: string[] = [];
  try {
    await candidate.call('REPLICAOF', ['NO', 'ONE'], 'REPLICAOF NO ONE');
  } catch (err) {
    await unpause().catch(() => {});
    throw err;
  }
  const writeUnavailableMs = Date.now() - pausedAt;
  const persisted = await persistConfig(candidate);
  if (persisted) notes.push(persisted);
  const repointFailures: SwitchoverDone['repointFailures'] = [];
  for (const s of [oldSource, ...input.others]) {
    try {
      const note = await replicaOf(s, input.candidateAddress, password);
      if (note) notes.push(note);
    } catch (err) {
      repointFailures.push({ node: s.label, message: (err as Error).message });
    }
  }
  // the old source is unpaused only once it is a replica; if that failed it stays paused until its pause runs out
  // (writes then land on it and the next pass reports them), rather than at once
  if (!repointFailures.some((f) => f.node === oldSource.label)) await unpause().catch(() => {});
  return { outcome: 'promoted', pausedOffset, writeUnavailableMs, catchUpMs, repointFailures, notes };
}
