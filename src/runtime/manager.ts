/**
 * The Manager owns everything controllers share: one API client, one informer cache, metrics, the probe server,
 * event recorders and (optionally) leader election. Equivalent to controller-runtime's manager.
 *
 * Start order: probe + metrics servers → cache (informers for every watched kind) → wait for sync (/readyz turns
 * ready) → leader election (if enabled) → controllers. Stop order (`stop()`, SIGTERM/SIGINT when
 * `handleSignals()` was called): reconciles' `ctx.signal` aborted and queues closed → controllers drain in-flight
 * reconciles (at most gracefulShutdownMs; the lease is still renewed meanwhile) → with leader election, client
 * fenced and lease released → informers stopped → servers closed.
 *
 * Guarantees (with leader election)
 * - Nothing writes before the lease is held: `client` refuses mutating requests (FencedError) unless `isLeader`,
 *   which turns false at the renew deadline (see leaderelection.ts), checked right before each request is sent.
 * - When leadership is lost — the lease not renewed within the renew deadline, which is a lease duration − renew
 *   deadline (5 s) before a peer can acquire it, or found held by another — at that instant: `client` is fenced (every further
 *   POST/PUT/PATCH/DELETE refused, those in flight cut off and their connections reset), every reconcile's
 *   `ctx.signal` aborts, the queues close so no new reconcile starts; the manager then stops without waiting for
 *   in-flight reconciles and `start()` rejects with LeadershipLostError. The lease is not released (it is no
 *   longer ours).
 * - A graceful stop drains as before, then fences the client before releasing the lease, so a reconcile that
 *   outlived the grace period cannot write once a successor may lead. (Without leader election a stopped
 *   manager's client stays usable.)
 * - The lease is renewed over a client of its own, which the fence does not cover, so renewals never queue
 *   behind controller traffic.
 *
 * Caveats
 * - The fence covers this manager's `client` (and everything built on it: apply, patchStatus, events). A
 *   KubeClient made elsewhere, and database connections, are not fenced: long-running steps must pass
 *   `ctx.signal` on and stop when it aborts.
 * - After LeadershipLostError the process should exit (the `statecraft run` command does): reconciles that
 *   ignore their signal may still be running, though nothing they send to the API server gets through.
 * - A write the API server had already received when leadership was lost may still be applied — even after a
 *   successor took over, if the server is slow to get to it: a client cannot recall a request. Such a write left
 *   before the renew deadline; closing that window entirely would take fencing on the server side (a token the
 *   API server checks), which Leases do not offer.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Access, RUNTIME_ACCESS } from './access.ts';
import { Applier, type ApplyOptions, type ApplyResult } from './apply.ts';
import { Cache } from './cache.ts';
import { KubeClient } from './client.ts';
import { type Controller, ControllerBuilder } from './controller.ts';
import { StatecraftError } from './errors.ts';
import { EventRecorder } from './events.ts';
import type { KubeObject } from './gvk.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import { LeaderElector } from './leaderelection.ts';
import { createLogger } from './logger.ts';
import { RuntimeMetrics } from './metrics.ts';
import { type ChildRef, type DeleteOwnedOptions, deleteOwned } from './prune.ts';
import type { ControllerRegistration } from './registration.ts';
import { close, parseBindAddress, serve } from './server.ts';
import { StatusWriter } from './status.ts';

export interface ManagerOptions {
  /** `host:port` for /metrics; '0' disables; default ':8080' */
  metricsBindAddress?: string;
  /** `host:port` for /healthz and /readyz; '0' disables; default ':8081' */
  healthProbeBindAddress?: string;
  /** elect a leader among replicas before starting controllers; default false */
  leaderElection?: boolean;
  /** Lease name; default 'statecraft-leader' */
  leaderElectionID?: string;
  /** Lease namespace; default the pod's namespace in-cluster, else 'default' */
  leaderElectionNamespace?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** namespaces to watch; undefined/empty = all */
  namespaces?: string[];
  logger?: Logger;
  /** how long stop() waits for in-flight reconciles; default 30 s */
  gracefulShutdownMs?: number;
  /** identity in the Lease and in events; default `${hostname}_${uuid}` */
  identity?: string;
}

/** `statecraft/<identity>`: what a Manager's clients send as User-Agent (HTTP token characters only). */
export function userAgentFor(identity: string): string {
  return `statecraft/${identity.replace(/[^A-Za-z0-9!#$%&'*+.^_`|~-]/g, '_')}`;
}

export class LeadershipLostError extends StatecraftError {
  constructor() {
    super('ERR_LEADERSHIP_LOST', 'leader election lost: stopping so that no two leaders act at once');
  }
}

export class Manager {
  readonly client: KubeClient;
  readonly cache: Cache;
  readonly metrics = new RuntimeMetrics();
  readonly log: Logger;
  readonly applier: Applier;
  /** status writes that read their own writes (see status.ts) */
  readonly statusWriter: StatusWriter;
  readonly options: ManagerOptions;
  readonly identity: string;
  private readonly controllers: Controller[] = [];
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly abort = new AbortController();
  /** ends lease renewal: aborted only once the controllers drained, so the lease is held while they finish */
  private readonly renewing = new AbortController();
  private elector?: LeaderElector;
  private leaseClient?: KubeClient;
  private holding?: Promise<'stopped' | 'lost'>;
  private servers: http.Server[] = [];
  private started?: Promise<void>;
  private stopping?: Promise<void>;
  private ready = false;
  /** bound addresses after start(), e.g. '127.0.0.1:43121' */
  metricsAddress?: string;
  healthAddress?: string;

  constructor(kubeConfig: KubeConfigLike, options: ManagerOptions = {}) {
    this.options = options;
    this.log = options.logger ?? createLogger();
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    // the identity in the User-Agent: the API server's audit log then tells which instance made each request
    this.client = new KubeClient(kubeConfig, { userAgent: userAgentFor(this.identity) });
    this.client.onRequest((method, status) => this.metrics.restRequests.inc({ method, code: String(status) }));
    this.client.guardWrites(() => (this.isLeader ? undefined : 'this manager does not hold the leader lease'));
    this.cache = new Cache(this.client, { namespaces: options.namespaces, log: this.log });
    this.applier = new Applier(this.client, this.cache);
    this.statusWriter = new StatusWriter(this.client);
  }

  /** Registers controllers (see registration.ts); each registers once. */
  add(...registrations: ControllerRegistration[]): this {
    for (const r of registrations) r.register(this);
    return this;
  }

  /** Starts building a controller named `name` (the name labels its metrics and logs). */
  controller(name: string): ControllerBuilder {
    if (this.controllers.some((c) => c.name === name)) throw new Error(`controller ${name} is already registered`);
    const deps = {
      log: this.log,
      metrics: this.metrics,
      cache: this.cache,
      client: this.client,
      applier: this.applier,
      statusWriter: this.statusWriter,
      events: (controller: string) => this.events(controller),
    };
    return new ControllerBuilder(name, deps, (c) => {
      this.controllers.push(c);
      if (this.started) this.log.warn({ controller: name }, 'controller added after start is not started');
    });
  }

  /** What the registered controllers and the runtime do to each kind: the input of the generated RBAC. */
  access(): { controller: string; access: readonly Access[] }[] {
    return [
      ...this.controllers.map((c) => ({ controller: c.name, access: c.access })),
      { controller: 'runtime', access: RUNTIME_ACCESS },
    ];
  }

  /** Server-side apply (field manager `statecraft`), skipped when the live object already matches. */
  apply<T extends KubeObject>(desired: T, options?: ApplyOptions): Promise<ApplyResult<T>> {
    return this.applier.apply(desired, options);
  }

  /** Status subresource merge patch of the given top-level fields, skipped when nothing changes (status.ts). */
  patchStatus<T extends KubeObject>(
    live: T,
    status: Record<string, unknown>,
  ): Promise<{ object: T; patched: boolean }> {
    return this.statusWriter.patch(live, status);
  }

  /** Deletes the named children that `owner` controls (prune.ts); resolves to the deleted objects. */
  deleteOwned(owner: KubeObject, refs: readonly ChildRef[], options?: DeleteOwnedOptions): Promise<KubeObject[]> {
    return deleteOwned(this, owner, refs, options);
  }

  /** The deduplicating event recorder of a controller (reportingController `statecraft/<controller>`). */
  events(controller = 'manager'): EventRecorder {
    let r = this.recorders.get(controller);
    if (!r) {
      r = new EventRecorder(this.client, {
        reportingController: `statecraft.dev/${controller}`,
        reportingInstance: this.identity.slice(0, 128),
        log: this.log.child({ controller }),
      });
      this.recorders.set(controller, r);
    }
    return r;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get isLeader(): boolean {
    return this.options.leaderElection ? !!this.elector?.isLeader : true;
  }

  /** The manager's stop signal: aborted when stopping or when leadership is lost (it is every `ctx.signal`). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Stops gracefully on SIGTERM and SIGINT. */
  handleSignals(): void {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        this.log.info({ signal: sig }, 'shutting down');
        void this.stop();
      });
    }
  }

  /**
   * Runs until `stop()`: resolves after a graceful stop, rejects with LeadershipLostError when the lease is lost
   * or with the error that prevented startup (bind failure, cache sync timeout).
   */
  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    await this.startServers();
    for (const c of this.controllers) await c.watch(this.cache);
    this.cache.start(signal);
    await this.cache.waitForSync();
    if (signal.aborted) return this.stopping;
    this.ready = true;
    this.log.info({ controllers: this.controllers.map((c) => c.name) }, 'caches synced');

    let lost: Promise<'stopped' | 'lost'> = Promise.resolve('stopped');
    if (this.options.leaderElection) {
      const leaseName = this.options.leaderElectionID ?? 'statecraft-leader';
      this.metrics.leader.set({ name: leaseName }, 0);
      this.leaseClient = new KubeClient(this.client.kubeConfig, { userAgent: this.client.userAgent });
      this.leaseClient.onRequest((method, status) => this.metrics.restRequests.inc({ method, code: String(status) }));
      this.elector = new LeaderElector(this.leaseClient, {
        namespace: this.options.leaderElectionNamespace ?? (await podNamespace()) ?? 'default',
        name: leaseName,
        identity: this.identity,
        leaseDurationMs: this.options.leaseDurationMs,
        renewDeadlineMs: this.options.renewDeadlineMs,
        retryPeriodMs: this.options.retryPeriodMs,
        log: this.log,
        onLeadershipChange: (leading) => {
          this.metrics.leader.set({ name: leaseName }, leading ? 1 : 0);
          if (leading) return;
          // synchronously with the verdict, before anything else runs: no write gets out, reconciles are cancelled
          this.client.fence('leadership lost: this process no longer holds the leader lease');
          this.abort.abort();
        },
      });
      if (!(await this.elector.acquire(signal))) return this.stopping;
      lost = this.holding = this.elector.hold(this.renewing.signal);
    }
    const workers = Promise.all(this.controllers.map((c) => c.start(signal)));
    if ((await lost) === 'lost') {
      await this.stop(); // aborts ctx.signal and closes the queues at once; does not wait for a drain
      throw new LeadershipLostError();
    }
    await workers;
    await this.stopping;
  }

  private async startServers(): Promise<void> {
    const metrics = parseBindAddress(this.options.metricsBindAddress ?? ':8080');
    const health = parseBindAddress(this.options.healthProbeBindAddress ?? ':8081');
    const routes = {
      '/metrics': async () => ({
        status: 200,
        body: await this.metrics.registry.metrics(),
        contentType: this.metrics.registry.contentType,
      }),
      '/healthz': async () => ({ status: 200, body: 'ok\n' }),
      '/readyz': async () =>
        this.ready ? { status: 200, body: 'ok\n' } : { status: 503, body: 'caches not synced\n' },
    };
    if (metrics) {
      const s = await serve(metrics, { '/metrics': routes['/metrics'] });
      this.servers.push(s.server);
      this.metricsAddress = s.address;
    }
    if (health) {
      const s = await serve(health, { '/healthz': routes['/healthz'], '/readyz': routes['/readyz'] });
      this.servers.push(s.server);
      this.healthAddress = s.address;
    }
  }

  /** Graceful stop: drain controllers, release the lease, stop informers, close servers. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.ready = false;
      const grace = this.options.gracefulShutdownMs ?? 30_000;
      const drained = Promise.all(this.controllers.map((c) => c.stop()));
      // Like controller-runtime: in-flight reconciles see their context cancelled, then we wait for them —
      // unless the client is (or gets) fenced: then nothing they do reaches the API server and we stop at once.
      this.abort.abort();
      const fence = this.client.writesFenced;
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref()),
        new Promise<boolean>((r) => (fence.aborted ? r(false) : fence.addEventListener('abort', () => r(false)))),
      ]);
      if (timedOut) this.log.warn({ graceMs: grace }, 'in-flight reconciles did not finish within the grace period');
      // a reconcile that outlived the grace period must not write once the lease is released
      if (this.elector) this.client.fence('manager stopped: leader lease released');
      this.renewing.abort();
      await this.holding;
      await this.elector?.release();
      for (const r of this.recorders.values()) r.close();
      await this.cache.stopped();
      await Promise.all(this.servers.map(close));
      this.client.close();
      this.leaseClient?.close();
      this.log.info('manager stopped');
    })();
    return this.stopping;
  }
}

async function podNamespace(): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  return readFile('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8')
    .then((s) => s.trim() || undefined)
    .catch(() => undefined);
}
