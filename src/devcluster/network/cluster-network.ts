import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkBinaries } from '../build.ts';
import { freePort, type StartedProcess, startDetached, waitFor } from '../processes.ts';
import { ensureBridge, routedOctets, teardownNetwork } from './host.ts';
import { type ClusterNetwork, chooseOctet, clusterNetwork, renderCorefile } from './plan.ts';

/** `cluster up --pod-network`, or STATECRAFT_POD_NETWORK=1 for every cluster a process starts (tests). */
export function podNetworkRequested(option: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return option ?? ['1', 'true', 'yes'].includes((env.STATECRAFT_POD_NETWORK ?? '').toLowerCase());
}

/** Where the agent reads the network from (`--pod-network=FILE`). */
export const networkFile = (dir: string) => join(dir, 'network.json');

/**
 * The cluster's network, created on the host: the same octet as the last run of this directory when it is still
 * free, otherwise one no link of this machine routes yet (another cluster's bridge). Then the bridge.
 */
export async function prepareClusterNetwork(dir: string, previous?: ClusterNetwork): Promise<ClusterNetwork> {
  if (previous) await teardownNetwork(previous); // what a crashed run left: start from nothing
  const taken = await routedOctets();
  const octet = previous && !taken.has(previous.octet) ? previous.octet : chooseOctet(dir, taken);
  const net = clusterNetwork(dir, octet);
  await ensureBridge(net);
  await writeFile(networkFile(dir), `${JSON.stringify(net, null, 2)}\n`);
  return net;
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
