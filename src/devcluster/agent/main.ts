/**
 * The local cluster's node services, one process started by `statecraft cluster up`: the storage provisioner
 * (and, from the node-agent issue on, the agent that runs database pods as local processes).
 * Stops cleanly on SIGTERM; `cluster down` sends it to the whole process group.
 */

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { PodCidrAllocator } from '../network/allocator.ts';
import type { ClusterNetwork } from '../network/plan.ts';
import { IpAllocator } from './ips.ts';
import { KubeletApi } from './kubelet-api.ts';
import { localNodeNames, NodeHeartbeat } from './node.ts';
import { PodAgent } from './pods.ts';
import { LocalDirProvisioner } from './provisioner.ts';

const { values } = parseArgs({
  options: { kubeconfig: { type: 'string' }, dir: { type: 'string' }, 'pod-network': { type: 'string' } },
});
if (!values.kubeconfig || !values.dir) {
  console.error('usage: agent --kubeconfig=PATH --dir=CLUSTER_DIR');
  process.exit(2);
}
const kc = new k8s.KubeConfig();
kc.loadFromFile(values.kubeconfig);
const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

const provisioner = new LocalDirProvisioner(kc, values.dir, log);
await startWithRetry('provisioner', () => provisioner.start());

// the kubelet of the local node: database pods as local processes
const clusterDir = resolve(values.dir);
const ips = new IpAllocator(clusterDir, join(clusterDir, 'agent', 'next-ip'));
// several Nodes, so that pods with required anti-affinity can all run; STATECRAFT_AGENT_NODES changes how many
const nodeIps = new Map(
  localNodeNames(Number(process.env.STATECRAFT_AGENT_NODES) || 3).map((n, i) => [n, ips.nodeIp(i)]),
);
const nodes = [...nodeIps].map(([name, ip]) => new NodeHeartbeat(kc, name, ip, log));
// short paths: MariaDB and PostgreSQL sockets live here and unix socket paths are limited to 107 bytes
// STATECRAFT_AGENT_PATH: where the servers' programs are looked up (default: the system directories); tests point it
// at a directory without one program to see the PackageNotInstalled path without uninstalling anything
// --pod-network=FILE: the cluster's network (network/plan.ts, written by `cluster up --pod-network`): pods get
// addresses of its CIDR in network namespaces of their own; without it pods share the machine's network on 127.x
const network = values['pod-network']
  ? (JSON.parse(readFileSync(values['pod-network'], 'utf8')) as ClusterNetwork)
  : undefined;
const pods = new PodAgent(
  kc,
  nodeIps,
  network ? new PodCidrAllocator(network, join(clusterDir, 'agent', 'next-pod-slot')) : ips,
  join(tmpdir(), 'statecraft-pods'),
  log,
  process.env.STATECRAFT_AGENT_PATH || undefined,
  network,
);
for (const node of nodes) await startWithRetry('node', () => node.start());
await startWithRetry('pod agent', () => pods.start());
const kubeletApi = new KubeletApi(
  join(clusterDir, 'agent'),
  (ns, pod, c) => pods.logFile(ns, pod, c),
  log,
  (ns, pod, c) => pods.execLauncher(ns, pod, c),
);
await kubeletApi.start([...nodeIps.values()]);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log(`received ${signal}, stopping`);
    for (const node of nodes) node.stop();
    await kubeletApi.stop();
    await pods.stop().catch((e) => log(`stopping pods: ${(e as Error).message}`));
    await provisioner.stop().catch(() => {});
    process.exit(0);
  });
}

async function startWithRetry(name: string, start: () => Promise<void>): Promise<void> {
  for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
    try {
      await start();
      log(`${name} started`);
      return;
    } catch (err) {
      log(`${name} could not start (${(err as Error).message}); retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
