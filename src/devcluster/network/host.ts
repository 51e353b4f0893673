import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ClusterNetwork, podIpOfSlot, podLinkNames } from './plan.ts';

const run = promisify(execFile);

/** `ip netns exec` binds the files of this directory over /etc in the namespace: the pod's resolv.conf and hosts. */
export const NETNS_ETC = '/etc/netns';
const NETNS_RUN = '/run/netns';

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Octets of 10.x.0.0/16 networks some link of this machine already routes (another cluster's, or anyone's). */
export async function routedOctets(): Promise<Set<number>> {
  const out = await ip('-4', 'route', 'show');
  return new Set([...out.matchAll(/^10\.(\d+)\./gm)].map((m) => Number(m[1])));
}

/**
 * The cluster's router namespace (lo up, forwarding on), the bridge in it with the gateway address, the link to the
 * host (veth pair, a /30) and the host's routes to the pod and Service ranges through it. Created from nothing:
 * call teardownNetwork first when a previous run may have left some of it.
 */
export async function ensureBridge(net: ClusterNetwork): Promise<void> {
  const r = net.routerNetns;
  await ip('netns', 'add', r);
  await ip('-n', r, 'link', 'set', 'lo', 'up');
  await ip('-n', r, 'link', 'add', net.bridge, 'type', 'bridge');
  await ip('-n', r, 'addr', 'add', `${net.gateway}/17`, 'dev', net.bridge);
  await ip('-n', r, 'link', 'set', net.bridge, 'up');
  await ip('link', 'add', net.uplink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', r);
  await ip('addr', 'add', `${net.hostIp}/30`, 'dev', net.uplink);
  await ip('link', 'set', net.uplink, 'up');
  await ip('-n', r, 'addr', 'add', `${net.routerIp}/30`, 'dev', 'uplink');
  await ip('-n', r, 'link', 'set', 'uplink', 'up');
  await ip('-n', r, 'route', 'add', 'default', 'via', net.hostIp);
  // forwarding in the router namespace only (a per-namespace setting): the host itself forwards nothing
  await run('ip', ['netns', 'exec', r, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  await ip('route', 'add', net.podCidr, 'via', net.routerIp, 'dev', net.uplink);
  await ip('route', 'add', net.serviceCidr, 'via', net.routerIp, 'dev', net.uplink);
}

/**
 * A pod's sandbox network: namespace `netns` with lo up and eth0 (one end of a veth pair whose other end joins the
 * bridge in the router namespace) holding the pod IP, default route via the gateway; resolv.conf and hosts for
 * `ip netns exec`. Whatever a previous run left under the same names is replaced, so an agent restart re-creates it.
 */
export async function attachPod(
  net: ClusterNetwork,
  slot: number,
  files: { resolvConf: string; hosts: string },
): Promise<string> {
  const { netns, hostVeth } = podLinkNames(net, slot);
  const r = net.routerNetns;
  await detachPod(net, slot);
  await ip('netns', 'add', netns);
  await ip('-n', r, 'link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
  await ip('-n', r, 'link', 'set', hostVeth, 'master', net.bridge, 'up');
  await ip('-n', netns, 'link', 'set', 'lo', 'up');
  await ip('-n', netns, 'addr', 'add', `${podIpOfSlot(net, slot)}/17`, 'dev', 'eth0');
  await ip('-n', netns, 'link', 'set', 'eth0', 'up');
  await ip('-n', netns, 'route', 'add', 'default', 'via', net.gateway);
  await writePodFiles(netns, files);
  return netns;
}

/** Rewrites the pod's resolv.conf/hosts (seen by processes started after this). */
export async function writePodFiles(netns: string, files: { resolvConf: string; hosts: string }): Promise<void> {
  const etc = join(NETNS_ETC, netns);
  await mkdir(etc, { recursive: true });
  await writeFile(join(etc, 'resolv.conf'), files.resolvConf);
  await writeFile(join(etc, 'hosts'), files.hosts);
}

/** Removes a pod's namespace (its eth0 and so the veth pair go with it), the router's veth end and the files. */
export async function detachPod(net: ClusterNetwork, slot: number): Promise<void> {
  const { netns, hostVeth } = podLinkNames(net, slot);
  if (existsSync(join(NETNS_RUN, netns))) await ip('netns', 'delete', netns);
  if (await linkExists(hostVeth, net.routerNetns)) {
    await ip('-n', net.routerNetns, 'link', 'delete', hostVeth).catch(ignoreGone);
  }
  await rm(join(NETNS_ETC, netns), { recursive: true, force: true });
}

/**
 * Every namespace, link, route, nftables table and file of this cluster's network that exists on the host right
 * now (what is inside the namespaces goes with them).
 */
export async function networkLeftovers(net: ClusterNetwork): Promise<string[]> {
  const left: string[] = [];
  for (const ns of await listDir(NETNS_RUN)) if (ns.startsWith(net.netnsPrefix)) left.push(`netns ${ns}`);
  for (const f of await listDir(NETNS_ETC)) if (f.startsWith(net.netnsPrefix)) left.push(`file ${NETNS_ETC}/${f}`);
  const links = await ip('-o', 'link', 'show');
  for (const m of links.matchAll(/^\d+: ([^:@\s]+)/gm)) {
    if ([net.bridge, net.uplink].includes(m[1]) || m[1].startsWith(net.vethPrefix)) left.push(`link ${m[1]}`);
  }
  const routes = await ip('-4', 'route', 'show');
  for (const line of routes.split('\n')) {
    if (line.includes(`dev ${net.uplink}`) || line.startsWith(`10.${net.octet}.`)) left.push(`route ${line.trim()}`);
  }
  for (const table of await nftTables()) left.push(`host nftables table ${table}`);
  return left;
}

/** nftables tables of the host namespace (the cluster makes none there: kube-proxy's live in the router's). */
export async function nftTables(netns?: string): Promise<string[]> {
  try {
    const argv = netns ? ['ip', 'netns', 'exec', netns, 'nft', 'list', 'tables'] : ['nft', 'list', 'tables'];
    const { stdout } = await run(argv[0], argv.slice(1));
    return stdout.split('\n').filter((l) => l.startsWith('table ') && (netns || l.includes('kube-proxy')));
  } catch {
    return [];
  }
}

/**
 * Removes everything of this cluster's network, found by its names (not by what the agent remembers, so a crashed
 * agent leaves nothing behind either): pod namespaces and their files, the router namespace (the bridge, veths and
 * kube-proxy's nftables table go with it), the host's end of the link and with it the routes.
 */
export async function teardownNetwork(net: ClusterNetwork): Promise<void> {
  // the host's end first: deleting it removes both ends and the routes at once, while a namespace's links go
  // away asynchronously after `ip netns delete` (a link seen a moment earlier may be gone by the time we delete it)
  for (const link of [net.uplink, net.bridge]) {
    if (await linkExists(link)) await ip('link', 'delete', link).catch(ignoreGone);
  }
  const namespaces = (await listDir(NETNS_RUN)).filter((ns) => ns.startsWith(net.netnsPrefix));
  // pods before the router, whose bridge their veths join
  for (const ns of namespaces.sort((a, b) => Number(a === net.routerNetns) - Number(b === net.routerNetns))) {
    await killProcessesIn(ns);
    await ip('netns', 'delete', ns).catch(ignoreGone);
  }
  for (const f of await listDir(NETNS_ETC)) {
    if (f.startsWith(net.netnsPrefix)) await rm(join(NETNS_ETC, f), { recursive: true, force: true });
  }
}

/**
 * Every process still in a namespace of the cluster is one of its pods' (the agent stops them on a clean stop; after
 * a crash nobody did): SIGKILL, and wait until they are gone, so no server outlives `cluster down`.
 */
async function killProcessesIn(netns: string): Promise<void> {
  const pids = async () => (await ip('netns', 'pids', netns).catch(() => '')).split('\n').filter(Boolean).map(Number);
  for (let i = 0; i < 100; i++) {
    const left = await pids();
    if (!left.length) return;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ignoreGone(err: Error): void {
  if (!/Cannot find device|No such file|Cannot open network namespace/.test(err.message)) throw err;
}

async function linkExists(name: string, netns?: string): Promise<boolean> {
  try {
    await run('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
