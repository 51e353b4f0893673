/**
 * Leader election on a coordination.k8s.io/v1 Lease, equivalent to client-go's leaderelection with
 * LeaseDuration 15 s, RenewDeadline 10 s, RetryPeriod 2 s.
 *
 * Guarantees
 * - A candidate takes the lease only when it is free (no holder) or the holder has not renewed it for a whole
 *   lease duration, measured on the candidate's own clock from when it last saw the lease change (no reliance
 *   on synchronized clocks).
 * - Writes use the lease's resourceVersion, so two candidates racing for it cannot both win.
 * - The leader renews every retry period; if it cannot renew for renewDeadline it reports leadership lost
 *   (before the lease could expire for others: renewDeadline < leaseDuration).
 * - `release()` clears the holder so a successor takes over at once instead of after a lease duration.
 */
import type { Logger } from 'pino';
import type { KubeClient } from './client.ts';
import { ApiError } from './errors.ts';
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

export class LeaderElector {
  private readonly client: KubeClient;
  readonly options: Required<Omit<LeaderElectionOptions, 'onLeadershipChange'>> &
    Pick<LeaderElectionOptions, 'onLeadershipChange'>;
  private observed?: { record: string; at: number };
  private leading = false;
  private lastRenew = 0;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.client = client;
    this.options = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries until it holds the lease (resolves true) or `signal` aborts (resolves false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    const { log, retryPeriodMs } = this.options;
    log.info(
      { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity },
      'attempting to acquire leader lease',
    );
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.setLeading(true);
        log.info({ identity: this.options.identity }, 'acquired leader lease');
        return true;
      }
      await sleep(retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /**
   * Keeps renewing until `signal` aborts (resolves 'stopped') or a renewal fails for longer than renewDeadline
   * (resolves 'lost').
   */
  async hold(signal: AbortSignal): Promise<'stopped' | 'lost'> {
    const { retryPeriodMs, renewDeadlineMs, log } = this.options;
    while (!signal.aborted) {
      await sleep(retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) continue;
      if (Date.now() - this.lastRenew > renewDeadlineMs) {
        this.setLeading(false);
        log.error({ identity: this.options.identity }, 'leader lease lost');
        return 'lost';
      }
    }
    return 'stopped';
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.onLeadershipChange?.(leading);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs, log } = this.options;
    const now = new Date();
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await this.client.get<Lease>(LEASE, namespace, name);
      if (!lease) {
        await this.client.create<Lease>({ ...LEASE, metadata: { name, namespace }, spec });
        this.lastRenew = Date.now();
        return true;
      }
      const old = lease.spec ?? {};
      const record = JSON.stringify([old.holderIdentity, old.renewTime, old.leaseDurationSeconds]);
      if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
      const heldByOther = !!old.holderIdentity && old.holderIdentity !== identity;
      const durationMs = (old.leaseDurationSeconds ?? leaseDurationMs / 1000) * 1000;
      if (heldByOther && this.observed.at + durationMs > Date.now()) return false;
      if (old.holderIdentity === identity) {
        spec.acquireTime = old.acquireTime;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      await this.client.replace<Lease>({ ...lease, spec });
      this.lastRenew = Date.now();
      return true;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) {
        log.warn({ err: (err as Error).message }, 'leader lease request failed');
      }
      return false;
    }
  }

  /** Gives the lease up if we hold it (holder cleared, duration 1 s) so a successor can take over at once. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.setLeading(false);
    const { namespace, name, identity, log } = this.options;
    try {
      const lease = await this.client.get<Lease>(LEASE, namespace, name);
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      await this.client.replace<Lease>({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
      });
      log.info({ identity }, 'released leader lease');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not release leader lease');
    }
  }
}
