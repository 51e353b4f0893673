import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { attachPod, detachPod } from '../network/host.ts';
import { type ClusterNetwork, renderPodHosts, renderResolvConf, slotOfPodIp } from '../network/plan.ts';
import { ContainerRunner } from './container.ts';
import { resolveEnv } from './env.ts';
import { isMySQLImage, MYSQL_ON_MARIADB_REASON, mysqlOnMariadbMessage } from './mysql-image.ts';
import { type ContainerPlan, type HostEntry, planContainer, renderHosts } from './podspec.ts';
import { containerMounts, NotYet, PodRefs, prepareVolumes } from './volumes.ts';

export interface AgentContext {
  core: k8s.CoreV1Api;
  /** the API server's URL, for pods' KUBERNETES_SERVICE_HOST/PORT */
  apiServer?: URL;
  nodeName: string;
  nodeIp: string;
  /** per-pod directories (config files, emptyDirs, sockets) */
  podsDir: string;
  binDir: string;
  /** where servers' programs and pods' commands are looked up (PATH syntax) */
  programPath: string;
  allocateIp(ports: number[]): Promise<string>;
  ownsIp(ip: string | undefined): boolean;
  /** with the pod network: the pod's processes run in a network namespace of their own (network/host.ts) */
  network?: ClusterNetwork;
  /** /etc/hosts entries for a pod in namespace ns (pods and Services the agent knows) */
  hostEntries(ns: string): Promise<HostEntry[]>;
  log(msg: string): void;
}

const smp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

/**
 * One pod on the agent's node: prepares volumes and env, runs init containers then containers as local processes,
 * and reports PodStatus (phase, pod IP, conditions, container statuses) from what the processes do.
 */
export class PodRunner {
  private readonly ctx: AgentContext;
  pod: k8s.V1Pod;
  private ip: string | undefined;
  private netns: string | undefined;
  private containers: ContainerRunner[] = [];
  private initStatuses: k8s.V1ContainerStatus[] = [];
  private waiting: { reason: string; message?: string } = { reason: 'ContainerCreating' };
  private initialized = false;
  private stopping = false;
  private statusDirty = false;
  private statusLoop: Promise<void> | undefined;
  private readonly startTime = new Date();
  private readonly transitions = new Map<string, { status: string; at: Date }>();
  private terminal: 'Succeeded' | 'Failed' | undefined;
  private readonly dir: string;
  readonly done: Promise<void>;

  constructor(ctx: AgentContext, pod: k8s.V1Pod) {
    this.ctx = ctx;
    this.pod = pod;
    this.dir = join(ctx.podsDir, pod.metadata!.uid!);
    this.done = this.run().catch((err) => {
      this.ctx.log(`pod ${this.key}: ${(err as Error).message}`);
    });
  }

  get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  get podIp(): string | undefined {
    return this.ip;
  }

  get isReady(): boolean {
    return this.containers.length > 0 && this.containers.every((c) => c.status.ready);
  }

  /** The log file of a container (the first one when none is named), as `kubectl logs` reads it. */
  logFile(container: string | undefined): string | undefined {
    const spec = this.pod.spec!;
    const i = container ? spec.containers.findIndex((c) => c.name === container) : 0;
    if (i >= 0) return join(this.dir, `c${i}.log`);
    const j = (spec.initContainers ?? []).findIndex((c) => c.name === container);
    return j >= 0 ? join(this.dir, `i${j}.log`) : undefined;
  }

  /** The runner of a running container (the first one when none is named), for exec. */
  container(name: string | undefined): ContainerRunner | undefined {
    return name ? this.containers.find((c) => c.status.name === name) : this.containers[0];
  }

  pids(): number[] {
    return this.containers.flatMap((c) => (c.pid ? [c.pid] : []));
  }

  /** Stops every process of the pod (SIGTERM, SIGKILL after the grace period) and removes its private files. */
  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true;
    if (this.containers.length) this.event('Normal', 'Killing', `Stopping containers (grace ${graceSeconds}s)`);
    await Promise.all(this.containers.map((c) => c.stop(graceSeconds)));
    await this.done;
  }

  async cleanup(): Promise<void> {
    const slot = this.ctx.network && slotOfPodIp(this.ctx.network, this.ip);
    if (this.ctx.network && slot)
      await detachPod(this.ctx.network, slot).catch((e) =>
        this.ctx.log(`pod ${this.key}: network: ${(e as Error).message}`),
      );
    if (process.env.STATECRAFT_AGENT_KEEP_POD_DIRS) return; // for post-mortems of failing tests
    await rm(this.dir, { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    const pod = this.pod;
    const spec = pod.spec!;
    const plans = spec.containers.map((c) => planContainer(c));
    const runnable = plans.filter((p) => p.kind !== 'unsupported');
    if (runnable.length === 0) {
      const reason = (plans[0] as { reason: string }).reason;
      this.waiting = { reason: 'ImageNotSupported', message: reason };
      this.event('Warning', 'ImageNotSupported', reason);
      await this.markDirty();
      return;
    }
    const ports = spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
    const previous = pod.status?.podIP;
    this.ip = this.ctx.ownsIp(previous) ? previous! : await this.ctx.allocateIp(ports.length ? ports : [3306]);
    this.pod = { ...pod, status: { ...pod.status, podIP: this.ip, hostIP: this.ctx.nodeIp } };
    await this.markDirty();

    // volumes and env: retried until the claim is bound and the referenced objects exist
    const refs = new PodRefs(this.ctx.core, pod.metadata!.namespace!, this.ctx.apiServer);
    let volumes: Map<string, string> | undefined;
    for (let delay = 500; !this.stopping; delay = Math.min(delay * 2, 5000)) {
      try {
        volumes = await prepareVolumes(this.pod, refs, this.dir);
        break;
      } catch (err) {
        if (!(err instanceof NotYet)) this.ctx.log(`pod ${this.key}: volumes: ${(err as Error).message}`);
        this.setWaiting('ContainerCreating', (err as Error).message);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (!volumes || this.stopping) return;
    const hostsFile = join(this.dir, 'hosts');
    const net = this.ctx.network;
    if (net) {
      // as a kubelet writes them: the pod's own names in /etc/hosts, cluster DNS (on the gateway) for the rest
      const md = this.pod.metadata!;
      const hosts = renderPodHosts(
        net,
        { name: md.name!, namespace: md.namespace!, hostname: spec.hostname, subdomain: spec.subdomain },
        this.ip,
      );
      await writeFile(hostsFile, hosts);
      this.netns = await attachPod(net, slotOfPodIp(net, this.ip)!, {
        resolvConf: renderResolvConf(net, md.namespace!),
        hosts,
      });
    } else {
      await writeFile(hostsFile, renderHostsFor(await this.ctx.hostEntries(pod.metadata!.namespace!), this.pod));
    }

    const restartPolicy = (spec.restartPolicy ?? 'Always') as 'Always' | 'OnFailure' | 'Never';
    const prevStatuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
    const makeRunner = async (c: k8s.V1Container, plan: ContainerPlan, idx: string, policy: typeof restartPolicy) => {
      if (plan.kind === 'unsupported') return undefined;
      const env = await this.retry(() =>
        resolveEnv(c, this.pod, refs, plan.kind === 'server' ? plan.server : undefined),
      );
      if (!env) return undefined;
      const prev = prevStatuses.get(c.name);
      await mkdir(join(this.dir, idx), { recursive: true });
      return new ContainerRunner({
        pod: this.pod,
        container: c,
        plan,
        ip: this.ip!,
        env,
        mounts: containerMounts(c, volumes!),
        dir: join(this.dir, idx),
        hostsFile,
        netns: this.netns,
        binDir: this.ctx.binDir,
        programPath: this.ctx.programPath,
        restartPolicy: policy,
        restartCount: prev ? (prev.restartCount ?? 0) + (prev.state?.running ? 1 : 0) : 0,
        onChange: () => this.markDirty(),
        event: (type, reason, message) => this.event(type, reason, message),
      });
    };

    // init containers, one after the other; a failure ends the pod (Never) or is retried (the runner's backoff)
    for (const [i, c] of (spec.initContainers ?? []).entries()) {
      const runner = await makeRunner(c, planContainer(c), `i${i}`, restartPolicy === 'Never' ? 'Never' : 'OnFailure');
      if (!runner) {
        if (this.stopping) return;
        this.event(
          'Warning',
          'ImageNotSupported',
          `init container ${c.name} skipped: ${(planContainer(c) as { reason: string }).reason}`,
        );
        continue;
      }
      this.containers = [runner];
      this.waiting = { reason: 'PodInitializing' };
      await runner.finished;
      this.initStatuses.push(runner.status);
      this.containers = [];
      if (this.stopping) return;
      if (runner.status.state?.terminated?.exitCode !== 0) {
        this.terminal = 'Failed';
        await this.markDirty();
        return;
      }
    }
    this.initialized = true;
    for (const [i, c] of spec.containers.entries()) {
      if (plans[i].kind === 'unsupported') {
        this.event(
          'Warning',
          'ImageNotSupported',
          `container ${c.name} is simulated (not run): ${(plans[i] as { reason: string }).reason}`,
        );
        continue;
      }
      if (isMySQLImage(c.image)) this.event('Warning', MYSQL_ON_MARIADB_REASON, mysqlOnMariadbMessage(c.name, c.image));
      const runner = await makeRunner(c, plans[i], `c${i}`, restartPolicy);
      if (!runner) return;
      this.containers.push(runner);
    }
    this.markDirty();
    await Promise.all(this.containers.map((c) => c.finished));
    if (!this.stopping) {
      const failed = this.containers.some((c) => c.status.state?.terminated?.exitCode !== 0);
      this.terminal = failed ? 'Failed' : 'Succeeded';
      await this.markDirty();
    }
  }

  private async retry<T>(fn: () => Promise<T>): Promise<T | undefined> {
    for (let delay = 500; !this.stopping; delay = Math.min(delay * 2, 5000)) {
      try {
        return await fn();
      } catch (err) {
        this.setWaiting('CreateContainerConfigError', (err as Error).message);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    return undefined;
  }

  private setWaiting(reason: string, message: string): void {
    if (this.waiting.reason === reason && this.waiting.message === message) return;
    this.waiting = { reason, message };
    this.markDirty();
  }

  /**
   * Status patches go out one at a time, each built when it is sent: two patches in flight could land out of order
   * and leave an older phase (Running after Succeeded) as the last word.
   */
  private markDirty(): Promise<void> {
    this.statusDirty = true;
    this.statusLoop ??= (async () => {
      while (this.statusDirty) {
        this.statusDirty = false;
        await this.syncStatus();
      }
      this.statusLoop = undefined;
    })();
    return this.statusLoop;
  }

  private async syncStatus(): Promise<void> {
    if (this.stopping && !this.terminal) return;
    const body = { status: this.buildStatus() };
    try {
      await this.ctx.core.patchNamespacedPodStatus(
        { name: this.pod.metadata!.name!, namespace: this.pod.metadata!.namespace!, body },
        smp,
      );
    } catch (err) {
      if ((err as { code?: number }).code !== 404) this.ctx.log(`pod ${this.key}: status: ${(err as Error).message}`);
    }
  }

  buildStatus(): k8s.V1PodStatus {
    const spec = this.pod.spec!;
    const now = new Date();
    const byName = new Map(this.containers.map((c) => [c.status.name, c.status]));
    const containerStatuses: k8s.V1ContainerStatus[] = spec.containers.map((c) => {
      const s = byName.get(c.name);
      if (s) return s;
      const simulated =
        this.initialized && planContainer(c).kind === 'unsupported' && this.waiting.reason !== 'ImageNotSupported';
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: simulated,
        restartCount: 0,
        started: simulated,
        state: simulated ? { running: { startedAt: this.startTime } } : { waiting: this.waiting },
      };
    });
    const ready = !this.terminal && containerStatuses.every((s) => s.ready);
    const started =
      this.initialized && containerStatuses.every((s) => s.started || s.state?.terminated || s.lastState?.terminated);
    const phase = this.terminal ?? (started ? 'Running' : 'Pending');
    const cond = (type: string, ok: boolean, reason?: string) => {
      const status = ok ? 'True' : 'False';
      const prev = this.transitions.get(type);
      if (prev?.status !== status) this.transitions.set(type, { status, at: now });
      // null removes a reason left from an earlier patch (strategic merge keeps fields otherwise)
      return { type, status, lastTransitionTime: this.transitions.get(type)!.at, reason: reason ?? null };
    };
    const notReadyReason = this.terminal ? 'PodCompleted' : 'ContainersNotReady';
    return {
      phase,
      hostIP: this.ctx.nodeIp,
      hostIPs: [{ ip: this.ctx.nodeIp }],
      ...(this.ip ? { podIP: this.ip, podIPs: [{ ip: this.ip }] } : {}),
      startTime: this.startTime,
      // qosClass is set by the API server when the pod is created (and immutable): not ours to report
      conditions: [
        cond('PodReadyToStartContainers', !!this.ip),
        cond(
          'Initialized',
          this.initialized || !!this.terminal,
          this.initialized ? undefined : 'ContainersNotInitialized',
        ),
        cond('ContainersReady', ready, ready ? undefined : notReadyReason),
        cond('Ready', ready, ready ? undefined : notReadyReason),
      ] as unknown as k8s.V1PodCondition[],
      containerStatuses,
      ...(spec.initContainers?.length
        ? {
            initContainerStatuses: spec.initContainers.map(
              (c, i) =>
                this.initStatuses[i] ??
                (this.containers[0]?.status.name === c.name && !this.initialized
                  ? this.containers[0].status
                  : undefined) ?? {
                  name: c.name,
                  image: c.image ?? '',
                  imageID: '',
                  ready: false,
                  restartCount: 0,
                  state: { waiting: { reason: 'PodInitializing' } },
                },
            ),
          }
        : {}),
    };
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    const md = this.pod.metadata!;
    const now = new Date();
    void this.ctx.core
      .createNamespacedEvent({
        namespace: md.namespace!,
        body: {
          metadata: { generateName: `${md.name}.`, namespace: md.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name: md.name, namespace: md.namespace, uid: md.uid },
          type,
          reason,
          message,
          source: { component: 'kubelet', host: this.ctx.nodeName },
          reportingComponent: 'kubelet',
          reportingInstance: this.ctx.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch(() => {});
  }
}

function renderHostsFor(entries: HostEntry[], pod: k8s.V1Pod): string {
  return renderHosts([{ ip: pod.status!.podIP!, names: [pod.spec?.hostname ?? pod.metadata!.name!] }, ...entries]);
}
