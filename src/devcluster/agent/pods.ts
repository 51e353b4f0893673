import * as k8s from '@kubernetes/client-node';
import type { ClusterNetwork } from '../network/plan.ts';
import { SYSTEM_DIRS } from '../system-packages.ts';
import { type AgentContext, PodRunner } from './pod-runner.ts';
import { type HostEntry, podDnsNames, selectorMatches, serviceDnsNames } from './podspec.ts';
import { wrapperBinDir } from './sandbox.ts';

/** Where pod IPs come from: 127.x addresses of this machine (ips.ts) or the pod network's CIDR. */
export interface PodIpSource {
  allocate(ports: number[]): Promise<string>;
  owns(ip: string | undefined): boolean;
}

/**
 * The kubelet part of the node agent: watches pods bound to its Node, runs each with a PodRunner, and on deletion
 * stops the pod's processes within its grace period before completing the deletion (delete with grace 0).
 */
export class PodAgent {
  private readonly kc: k8s.KubeConfig;
  private readonly core: k8s.CoreV1Api;
  /** node name → its InternalIP */
  private readonly nodes: Map<string, string>;
  private readonly ips: PodIpSource;
  private readonly network: ClusterNetwork | undefined;
  private readonly podsDir: string;
  private readonly programPath: string;
  private readonly log: (m: string) => void;
  private readonly runners = new Map<string, PodRunner>();
  private readonly finishing = new Set<string>();
  private informer: (k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>) | undefined;
  private stopped = false;

  constructor(
    kc: k8s.KubeConfig,
    nodes: Map<string, string>,
    ips: PodIpSource,
    podsDir: string,
    log: (m: string) => void,
    /** where servers' programs and pods' commands are looked up (PATH syntax) */
    programPath: string = SYSTEM_DIRS.join(':'),
    /** the pod network (`cluster up --pod-network`): each pod in its own network namespace on the bridge */
    network?: ClusterNetwork,
  ) {
    this.network = network;
    this.kc = kc;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.nodes = nodes;
    this.ips = ips;
    this.podsDir = podsDir;
    this.programPath = programPath;
    this.log = log;
  }

  async start(): Promise<void> {
    const binDir = await wrapperBinDir(this.podsDir);
    const server = this.kc.getCurrentCluster()?.server;
    // in the pod network pods reach the API as in a real cluster, at the `kubernetes` Service's ClusterIP
    const apiServer = this.network
      ? new URL(`https://${this.network.apiServiceIp}`)
      : server
        ? new URL(server)
        : undefined;
    const ctxFor = (nodeName: string): AgentContext => ({
      core: this.core,
      apiServer,
      nodeName,
      nodeIp: this.nodes.get(nodeName)!,
      podsDir: this.podsDir,
      binDir,
      programPath: this.programPath,
      allocateIp: (ports) => this.ips.allocate(ports),
      ownsIp: (ip) => this.ips.owns(ip),
      network: this.network,
      hostEntries: (ns) => this.hostEntries(ns),
      log: this.log,
    });
    const inf = k8s.makeInformer(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces());
    const onPod = (pod: k8s.V1Pod) => {
      if (!this.nodes.has(pod.spec?.nodeName ?? '') || this.stopped) return;
      void this.sync(ctxFor(pod.spec!.nodeName!), pod).catch((e) =>
        this.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${(e as Error).message}`),
      );
    };
    inf.on('add', onPod);
    inf.on('update', onPod);
    inf.on('delete', (pod) => {
      const r = this.runners.get(pod.metadata?.uid ?? '');
      if (!r) return;
      this.runners.delete(pod.metadata!.uid!);
      void r.stop(2).then(() => r.cleanup());
    });
    inf.on('error', () => setTimeout(() => !this.stopped && void inf.start().catch(() => {}), 2000));
    await inf.start();
    this.informer = inf;
  }

  /** Log file of a container of a pod this agent runs (for the kubelet API's /containerLogs). */
  logFile(namespace: string, name: string, container: string | undefined): string | undefined {
    const runner = [...this.runners.values()].find(
      (r) => r.pod.metadata?.namespace === namespace && r.pod.metadata?.name === name,
    );
    return runner?.logFile(container);
  }

  /** How to run a command in a container of a pod this agent runs (for the kubelet API's /exec). */
  execLauncher(namespace: string, name: string, container: string | undefined) {
    const runner = [...this.runners.values()].find(
      (r) => r.pod.metadata?.namespace === namespace && r.pod.metadata?.name === name,
    );
    return runner?.container(container)?.execLauncher();
  }

  /** On agent shutdown: stop every process it started; pods stay in the API and are restarted next time. */
  async stop(graceSeconds = 8): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
    await Promise.all([...this.runners.values()].map((r) => r.stop(graceSeconds)));
  }

  private async sync(ctx: AgentContext, pod: k8s.V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    let runner = this.runners.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (this.finishing.has(uid)) return;
      this.finishing.add(uid);
      try {
        const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
        if (runner) await runner.stop(grace);
        await this.core
          .deleteNamespacedPod({
            name: pod.metadata.name!,
            namespace: pod.metadata.namespace!,
            gracePeriodSeconds: 0,
            body: { gracePeriodSeconds: 0, preconditions: { uid } },
          })
          .catch((e) => {
            if ((e as { code?: number }).code !== 404 && (e as { code?: number }).code !== 409) throw e;
          });
        await runner?.cleanup();
      } finally {
        this.runners.delete(uid);
        this.finishing.delete(uid);
      }
      return;
    }
    if (runner) {
      runner.pod = { ...pod, status: { ...pod.status, podIP: runner.podIp } };
      return;
    }
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    runner = new PodRunner(ctx, pod);
    this.runners.set(uid, runner);
  }

  /** Pod and Service names a pod can resolve: pods of this node by their DNS names, Services by their ready pods. */
  private async hostEntries(ns: string): Promise<HostEntry[]> {
    const runners = [...this.runners.values()].filter((r) => r.podIp);
    const entries: HostEntry[] = runners.map((r) => ({ ip: r.podIp!, names: podDnsNames(r.pod) }));
    const services = await this.core.listServiceForAllNamespaces().catch(() => undefined);
    for (const svc of services?.items ?? []) {
      const match = runners
        .filter((r) => r.pod.metadata?.namespace === svc.metadata?.namespace)
        .filter((r) => selectorMatches(svc.spec?.selector, r.pod.metadata?.labels))
        .sort((a, b) => Number(b.isReady) - Number(a.isReady));
      if (match.length) {
        entries.push({
          ip: match[0].podIp!,
          names: serviceDnsNames({ name: svc.metadata!.name!, namespace: svc.metadata!.namespace! }, ns),
        });
      }
    }
    return entries;
  }
}
