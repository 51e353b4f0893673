/**
 * Leader election on a coordination.k8s.io/v1 Lease, equivalent to client-go's leaderelection with
 * LeaseDuration 15 s, RenewDeadline 10 s, RetryPeriod 2 s.
 *
 * Guarantees
 * - A candidate takes the lease only when it is free (no holder) or the holder has not renewed it for a whole
 *   lease duration, measured on the candidate's own clock from when it last saw the lease change (no reliance
 *   on synchronized clocks).
 * - Writes use the lease's resourceVersion, so two candidates racing for it cannot both win.
 * - Leadership is counted from the START of the last successful acquire/renew attempt (`lastRenew`): the record
 *   it wrote was committed after that instant, so no peer can have seen it earlier, and no peer can take the
 *   lease before lastRenew + leaseDuration.
 * - The leader renews every retry period. Each attempt — every GET/PUT/POST in it — is bounded by what is left of
 *   the renew deadline (lastRenew + renewDeadline − now, `renewBudget`), is passed that bound as an AbortSignal,
 *   and is raced against a deadline timer, so a hanging API connection cannot delay the verdict: leadership is
 *   reported lost (`hold()` resolves 'lost', `onLeadershipChange(false)`) when the deadline passes, a lease
 *   duration − renew deadline (5 s by default) before any peer could acquire the lease. An attempt that succeeds
 *   only after the deadline does not count.
 * - A leader that finds the lease held by someone else reports the loss at once, without waiting for the deadline.
 * - `isLeader` is false from the deadline on, even before the timer has fired (a busy event loop), so a write
 *   guard built on it (the manager's) refuses writes on time.
 * - `release()` clears the holder so a successor takes over at once instead of after a lease duration; it is only
 *   attempted while still leading, and bounded by the time left.
 *
 * Caveats
 * - Timing is measured with a monotonic clock (`performance.now()`), but it assumes both machines' clocks run at
 *   about the same rate and that this process is not paused (GC, SIGSTOP, VM freeze) for longer than
 *   leaseDuration − renewDeadline between a write guard's check and the write leaving the socket.
 * - Bounding requests cannot recall one the API server already received; it is applied when the server gets to
 *   it. The lease duration's margin over the renew deadline (5 s) is the time such a request has to be applied
 *   in; one the server holds for longer can land after a successor took over.
 */
import type { Logger } from 'pino';
import type { KubeClient } from './client.ts';
import { isConflict } from './errors.ts';
import type { KubeObject } from './gvk.ts';
import { sleep } from './sleep.ts';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  onLeadershipChange?: (leading: boolean) => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

const microTime = (d = new Date()): string => d.toISOString().replace('Z', '000Z');

/** Monotonic milliseconds: lease timing must not jump when the wall clock is set. */
const now = (): number => performance.now();

/**
 * What is left of the renew deadline at `at` (ms, never negative): how long the next renew attempt may take.
 * 0 means leadership is lost. `lastRenew` is when the last successful attempt started.
 */
export function renewBudget(lastRenew: number, renewDeadlineMs: number, at: number): number {
  return Math.max(0, lastRenew + renewDeadlineMs - at);
}

/** How long `hold()` waits before the next renew attempt: a retry period, but never past the deadline. */
export function nextRenewDelay(lastRenew: number, renewDeadlineMs: number, retryPeriodMs: number, at: number): number {
  return Math.min(retryPeriodMs, renewBudget(lastRenew, renewDeadlineMs, at));
}

export class LeaderElector {
  private readonly client: KubeClient;
  readonly options: Required<Omit<LeaderElectionOptions, 'onLeadershipChange'>> &
    Pick<LeaderElectionOptions, 'onLeadershipChange'>;
  private observed?: { record: string; at: number };
  private leading = false;
  /** monotonic start of the last successful acquire/renew attempt */
  private lastRenew = Number.NEGATIVE_INFINITY;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.client = client;
    // `??` per field: an explicit undefined in options must not erase a default
    this.options = {
      ...options,
      leaseDurationMs: options.leaseDurationMs ?? 15_000,
      renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
      retryPeriodMs: options.retryPeriodMs ?? 2_000,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.options;
    if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
      throw new Error('leader election: need retryPeriodMs < renewDeadlineMs < leaseDurationMs');
    }
  }

  /** True while the lease is held and its renew deadline has not passed. */
  get isLeader(): boolean {
    return this.leading && this.remainingMs > 0;
  }

  /** Milliseconds until leadership must be considered lost if no renew succeeds (0 when not leading). */
  get remainingMs(): number {
    return this.leading ? renewBudget(this.lastRenew, this.options.renewDeadlineMs, now()) : 0;
  }

  /** Tries until it holds the lease (resolves true) or `signal` aborts (resolves false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    const { log, retryPeriodMs, renewDeadlineMs } = this.options;
    log.info(
      { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity },
      'attempting to acquire leader lease',
    );
    while (!signal.aborted) {
      // an acquisition we learn of later than a renew deadline after we asked is already stale
      if (await this.attempt(signal, renewDeadlineMs)) {
        this.setLeading(true);
        log.info({ identity: this.options.identity }, 'acquired leader lease');
        return true;
      }
      await sleep(retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /**
   * Keeps renewing until `signal` aborts (resolves 'stopped') or no renewal succeeded within renewDeadline of the
   * last one (resolves 'lost' at that deadline, even while a request hangs).
   */
  async hold(signal: AbortSignal): Promise<'stopped' | 'lost'> {
    const { retryPeriodMs, renewDeadlineMs, log } = this.options;
    while (!signal.aborted) {
      await sleep(nextRenewDelay(this.lastRenew, renewDeadlineMs, retryPeriodMs, now()), signal);
      if (signal.aborted) break;
      const budget = renewBudget(this.lastRenew, renewDeadlineMs, now());
      if (budget > 0 && (await this.attempt(signal, budget))) continue;
      if (signal.aborted) break;
      if (renewBudget(this.lastRenew, renewDeadlineMs, now()) === 0) {
        this.setLeading(false);
        log.error(
          { identity: this.options.identity, renewDeadlineMs },
          'leader lease lost: not renewed within the renew deadline',
        );
        return 'lost';
      }
    }
    return 'stopped';
  }

  /**
   * One acquire-or-renew attempt that must finish within `budgetMs`: its requests get a signal aborted at that
   * bound (or by `signal`), and the attempt is raced against a timer, so it settles on time whatever the
   * connection does. On success `lastRenew` becomes the attempt's start.
   */
  private async attempt(signal: AbortSignal, budgetMs: number): Promise<boolean> {
    const started = now();
    const cancel = new AbortController();
    const stop = () => cancel.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(
      () => cancel.abort(new Error('leader election: renew deadline reached')),
      Math.ceil(budgetMs),
    );
    const expired = new Promise<false>((resolve) => {
      cancel.signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    try {
      if (signal.aborted) return false;
      const ok = await Promise.race([this.tryAcquireOrRenew(cancel.signal), expired]);
      if (!ok || cancel.signal.aborted || now() - started >= budgetMs) return false;
      this.lastRenew = started;
      return true;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      cancel.abort(); // ends whatever is still in flight
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.onLeadershipChange?.(leading);
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs, log } = this.options;
    const wallClock = new Date();
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(leaseDurationMs / 1000),
      acquireTime: microTime(wallClock),
      renewTime: microTime(wallClock),
      leaseTransitions: 0,
    };
    try {
      const lease = await this.client.get<Lease>(LEASE, namespace, name, { signal });
      if (!lease) {
        await this.client.create<Lease>({ ...LEASE, metadata: { name, namespace }, spec }, { signal });
        return true;
      }
      const old = lease.spec ?? {};
      const record = JSON.stringify([old.holderIdentity, old.renewTime, old.leaseDurationSeconds]);
      if (this.observed?.record !== record) this.observed = { record, at: now() };
      const heldByOther = !!old.holderIdentity && old.holderIdentity !== identity;
      const durationMs = (old.leaseDurationSeconds ?? leaseDurationMs / 1000) * 1000;
      if (heldByOther && this.leading) {
        // someone else holds it while we think we lead (we were paused, or the lease was edited): lost, now
        log.error({ identity, holder: old.holderIdentity }, 'leader lease is held by another candidate');
        this.lastRenew = Number.NEGATIVE_INFINITY;
        return false;
      }
      if (heldByOther && this.observed.at + durationMs > now()) return false;
      if (old.holderIdentity === identity) {
        spec.acquireTime = old.acquireTime;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      await this.client.replace<Lease>({ ...lease, spec }, { signal });
      return true;
    } catch (err) {
      if (signal.aborted) return false; // deadline or stop: attempt() reports it
      if (!isConflict(err)) {
        log.warn({ err: (err as Error).message }, 'leader lease request failed');
      }
      return false;
    }
  }

  /**
   * Gives the lease up if we still hold it (holder cleared, duration 1 s) so a successor can take over at once.
   * Call it after `hold()` has ended. Only attempted while leading (before the renew deadline), with its
   * requests bounded by the time left; the PUT is conditional on the resourceVersion just read, so it cannot
   * overwrite a successor's lease.
   */
  async release(): Promise<void> {
    const budget = this.remainingMs;
    const wasLeading = this.leading;
    this.setLeading(false);
    if (!wasLeading || budget === 0) return;
    const { namespace, name, identity, log } = this.options;
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(budget)));
    try {
      const lease = await this.client.get<Lease>(LEASE, namespace, name, { signal });
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      await this.client.replace<Lease>(
        { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() } },
        { signal },
      );
      log.info({ identity }, 'released leader lease');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not release leader lease');
    }
  }
}
