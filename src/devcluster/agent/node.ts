import * as k8s from '@kubernetes/client-node';

/** The Node the agent owns. Its taint keeps ordinary pods on KWOK's node; the steering policy adds the toleration. */
export const LOCAL_NODE_NAME = 'statecraft-local-0';
export const LOCAL_NODE_LABEL = 'statecraft.dev/node-type';
export const LOCAL_NODE_LABEL_VALUE = 'local';
export const LOCAL_NODE_TAINT = 'statecraft.dev/local-processes';

export function localNodeObject(name: string): k8s.V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        [LOCAL_NODE_LABEL]: LOCAL_NODE_LABEL_VALUE,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { taints: [{ key: LOCAL_NODE_TAINT, value: 'true', effect: 'NoSchedule' }] },
  };
}

function nodeStatus(ip: string, now: Date): k8s.V1NodeStatus {
  const cond = (type: string, status: string, reason: string, message: string): k8s.V1NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    capacity: { cpu: '16', memory: '64Gi', pods: '250', 'ephemeral-storage': '100Gi' },
    allocatable: { cpu: '16', memory: '64Gi', pods: '250', 'ephemeral-storage': '100Gi' },
    addresses: [
      { type: 'InternalIP', address: ip },
      { type: 'Hostname', address: LOCAL_NODE_NAME },
    ],
    conditions: [
      cond('Ready', 'True', 'KubeletReady', 'statecraft node agent runs pods as local processes'),
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', ''),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', ''),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', ''),
    ],
    nodeInfo: {
      architecture: 'amd64',
      bootID: '',
      containerRuntimeVersion: 'statecraft-local://1',
      kernelVersion: '',
      kubeProxyVersion: '',
      kubeletVersion: 'v1.34.0-statecraft',
      machineID: '',
      operatingSystem: 'linux',
      osImage: 'local processes',
      systemUUID: '',
    },
  };
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/**
 * Registers the Node and keeps it Ready: a Lease renewal every 10 s (what the node lifecycle controller watches)
 * and a status heartbeat every 40 s. stop() ends the heartbeats; the Node stays (pods keep their binding).
 */
export class NodeHeartbeat {
  private readonly core: k8s.CoreV1Api;
  private readonly coord: k8s.CoordinationV1Api;
  private timers: NodeJS.Timeout[] = [];
  private readonly name: string;
  private readonly ip: string;
  private readonly log: (m: string) => void;

  constructor(kc: k8s.KubeConfig, name: string, ip: string, log: (m: string) => void) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.coord = kc.makeApiClient(k8s.CoordinationV1Api);
    this.name = name;
    this.ip = ip;
    this.log = log;
  }

  async start(): Promise<void> {
    try {
      await this.core.createNode({ body: localNodeObject(this.name) });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const { metadata, spec } = localNodeObject(this.name);
      await this.core.patchNode(
        { name: this.name, body: { metadata: { labels: metadata?.labels }, spec } },
        mergePatch,
      );
    }
    await this.heartbeat();
    await this.renewLease();
    const every = (ms: number, fn: () => Promise<void>) =>
      this.timers.push(setInterval(() => void fn().catch((e) => this.log(`node: ${(e as Error).message}`)), ms));
    every(10_000, () => this.renewLease());
    every(40_000, () => this.heartbeat());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async heartbeat(): Promise<void> {
    await this.core.patchNodeStatus({ name: this.name, body: { status: nodeStatus(this.ip, new Date()) } }, mergePatch);
  }

  private async renewLease(): Promise<void> {
    const ns = 'kube-node-lease';
    const spec: k8s.V1LeaseSpec = {
      holderIdentity: this.name,
      leaseDurationSeconds: 40,
      renewTime: new k8s.V1MicroTime(),
    };
    try {
      const lease = await this.coord.readNamespacedLease({ name: this.name, namespace: ns });
      await this.coord.replaceNamespacedLease({
        name: this.name,
        namespace: ns,
        body: { ...lease, spec: { ...lease.spec, ...spec } },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      await this.coord.createNamespacedLease({
        namespace: ns,
        body: { metadata: { name: this.name, namespace: ns }, spec },
      });
    }
  }
}
