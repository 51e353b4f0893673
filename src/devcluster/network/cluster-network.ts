import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { NetworkBinaries } from '../build.ts';
import { freePort, type StartedProcess, startDetached, waitFor } from '../processes.ts';
import { ensureBridge, nftTables, routedOctets, teardownNetwork } from './host.ts';
import { type ClusterNetwork, chooseOctet, clusterNetwork, renderCorefile } from './plan.ts';

const API_RELAY = resolve(dirname(fileURLToPath(import.meta.url)), 'api-relay.ts');

/**
 * Whether a cluster gets the pod network: `--pod-network` / `--no-pod-network`, else STATECRAFT_POD_NETWORK
 * (1/0) for every cluster a process starts, else on whenever we may make network namespaces (root). Without root
 * the cluster falls back to loopback pod IPs (127.x), which the operator on the host reaches in pod-ip mode.
 */
export function podNetworkRequested(
  option: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  isRoot: boolean = process.getuid?.() === 0,
): boolean {
  if (option !== undefined) return option;
  const v = (env.STATECRAFT_POD_NETWORK ?? '').toLowerCase();
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  return isRoot;
}

/** Where the agent reads the network from (`--pod-network=FILE`). */
export const networkFile = (dir: string) => join(dir, 'network.json');

/**
 * The cluster's network, created on the host: the same octet as the last run of this directory when it is still
 * free, otherwise one no link of this machine routes yet (another cluster's bridge). Then the bridge.
 */
export async function prepareClusterNetwork(dir: string, previous?: ClusterNetwork): Promise<ClusterNetwork> {
  // what a crashed run left (found by the directory's names, whatever the octet): start from nothing
  await teardownNetwork(previous ?? clusterNetwork(dir, 0));
  const taken = await routedOctets();
  let octet = previous && !taken.has(previous.octet) ? previous.octet : chooseOctet(dir, taken);
  // two clusters starting at the same moment may pick one octet: the second's route then exists already, and it
  // moves on to the next free one
  for (let attempt = 1; ; attempt++) {
    const net = clusterNetwork(dir, octet);
    try {
      await ensureBridge(net);
      await writeFile(networkFile(dir), `${JSON.stringify(net, null, 2)}\n`);
      return net;
    } catch (err) {
      await teardownNetwork(net).catch(() => {});
      if (attempt >= 5) throw err;
      taken.add(octet);
      for (const o of await routedOctets()) taken.add(o);
      octet = chooseOctet(dir, taken);
    }
  }
}

export async function readClusterNetwork(dir: string): Promise<ClusterNetwork | undefined> {
  try {
    return JSON.parse(await readFile(networkFile(dir), 'utf8')) as ClusterNetwork;
  } catch {
    return undefined;
  }
}

/**
 * CoreDNS on the gateway address (port 53 of the bridge, so every cluster has its own), serving the cluster domain
 * from the API; resolves once its ready endpoint says the kubernetes plugin has synced.
 */
export async function startCoreDns(
  dir: string,
  net: ClusterNetwork,
  bins: NetworkBinaries,
  kubeconfig: string,
): Promise<StartedProcess> {
  const readyPort = await freePort();
  const corefile = join(dir, 'Corefile');
  await writeFile(corefile, renderCorefile(net, { kubeconfig, readyPort }));
  const log = join(dir, 'logs', 'coredns.log');
  const p = startDetached('coredns', bins.coredns, [`-conf=${corefile}`], log);
  await waitFor('coredns', async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`)).ok, 60_000, `see ${log}`);
  return p;
}

/** Names the API server's certificate needs for clients in pods: the `kubernetes` ClusterIP and the relay address. */
export function apiserverSans(net: ClusterNetwork): string[] {
  return [`IP:${net.apiServiceIp}`, `IP:${net.hostIp}`];
}

/**
 * The endpoints of the `kubernetes` Service, which the API server does not keep itself here
 * (--endpoint-reconciler-type=none: its own address is 127.0.0.1): the relay, so that kube-proxy sends pods'
 * https://kubernetes.default.svc to the API server.
 */
export function kubernetesServiceEndpoints(net: ClusterNetwork, apiserverPort: number): object[] {
  return [
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kubernetes-pod-network',
        namespace: 'default',
        labels: {
          'kubernetes.io/service-name': 'kubernetes',
          'endpointslice.kubernetes.io/managed-by': 'statecraft-devcluster',
        },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [net.hostIp], conditions: { ready: true } }],
      ports: [{ name: 'https', port: apiserverPort, protocol: 'TCP' }],
    },
  ];
}

/**
 * The API server for clients in the cluster's namespaces: a relay on the host's link address (the API server
 * itself listens on 127.0.0.1), and a kubeconfig that goes through it yet still verifies the server as 127.0.0.1.
 */
export async function startApiRelay(
  dir: string,
  net: ClusterNetwork,
  apiserverPort: number,
  adminKubeconfig: string,
): Promise<{ process: StartedProcess; kubeconfig: string }> {
  const log = join(dir, 'logs', 'api-relay.log');
  const p = startDetached(
    'api-relay',
    process.execPath,
    // --cluster-dir only marks the process as this cluster's (cluster down finds stragglers by their command line)
    [
      API_RELAY,
      `--listen=${net.hostIp}:${apiserverPort}`,
      `--target=127.0.0.1:${apiserverPort}`,
      `--cluster-dir=${dir}`,
    ],
    log,
  );
  const config = parse(await readFile(adminKubeconfig, 'utf8')) as {
    clusters: { cluster: Record<string, string> }[];
  };
  for (const c of config.clusters) {
    c.cluster.server = `https://${net.hostIp}:${apiserverPort}`;
    c.cluster['tls-server-name'] = '127.0.0.1';
  }
  const kubeconfig = join(dir, 'pki', 'pod-network.kubeconfig');
  await writeFile(kubeconfig, stringify(config), { mode: 0o600 });
  return { process: p, kubeconfig };
}

/**
 * kube-proxy (nftables mode) in the router namespace: it programs ClusterIP Services there, where both pods'
 * traffic (through their gateway) and the host's (through its route to the Service range) pass. masquerade-all:
 * a pod reaching a Service whose endpoint is on the same bridge gets the reply back through the router, where the
 * translation is undone. Resolves once its table is there.
 */
export async function startKubeProxy(
  dir: string,
  net: ClusterNetwork,
  bins: NetworkBinaries,
  kubeconfig: string,
  nodeName: string,
): Promise<StartedProcess> {
  const log = join(dir, 'logs', 'kube-proxy.log');
  const p = startDetached(
    'kube-proxy',
    'ip',
    [
      'netns',
      'exec',
      net.routerNetns,
      bins.kubeProxy,
      `--kubeconfig=${kubeconfig}`,
      '--proxy-mode=nftables',
      `--hostname-override=${nodeName}`,
      `--cluster-cidr=${net.podCidr}`,
      '--masquerade-all',
      '--conntrack-max-per-core=0',
      '--metrics-bind-address=127.0.0.1:10249',
      '--healthz-bind-address=127.0.0.1:10256',
      '--v=1',
    ],
    log,
  );
  // `ip netns exec` execs kube-proxy: the pid runs kube-proxy, which is what `down` must recognise
  const started = { ...p, command: bins.kubeProxy };
  await waitFor(
    'kube-proxy',
    async () => (await nftTables(net.routerNetns)).some((t) => t.includes('kube-proxy')),
    60_000,
    `see ${log}`,
  );
  return started;
}
