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

/** The cluster's bridge with the gateway address, up (idempotent). */
export async function ensureBridge(net: ClusterNetwork): Promise<void> {
  if (!(await linkExists(net.bridge))) await ip('link', 'add', net.bridge, 'type', 'bridge');
  const addrs = await ip('-4', 'addr', 'show', 'dev', net.bridge);
  if (!addrs.includes(`inet ${net.gateway}/`)) await ip('addr', 'add', `${net.gateway}/17`, 'dev', net.bridge);
  await ip('link', 'set', net.bridge, 'up');
}

/**
 * A pod's sandbox network: namespace `netns` with lo up and eth0 (one end of a veth pair whose other end joins the
 * bridge) holding the pod IP, default route via the gateway; resolv.conf and hosts for `ip netns exec`. Whatever a
 * previous run left under the same names is replaced, so an agent restart re-creates it cleanly.
 */
export async function attachPod(
  net: ClusterNetwork,
  slot: number,
  files: { resolvConf: string; hosts: string },
): Promise<string> {
  const { netns, hostVeth } = podLinkNames(net, slot);
  await detachPod(net, slot);
  await ip('netns', 'add', netns);
  await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
  await ip('link', 'set', hostVeth, 'master', net.bridge, 'up');
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

/** Removes a pod's namespace (its eth0 and so the veth pair go with it), host veth end and files. */
export async function detachPod(net: ClusterNetwork, slot: number): Promise<void> {
  const { netns, hostVeth } = podLinkNames(net, slot);
  if (existsSync(join(NETNS_RUN, netns))) await ip('netns', 'delete', netns);
  if (await linkExists(hostVeth)) await ip('link', 'delete', hostVeth);
  await rm(join(NETNS_ETC, netns), { recursive: true, force: true });
}

/** Every namespace, link, route and file of this cluster's network that exists right now. */
export async function networkLeftovers(net: ClusterNetwork): Promise<string[]> {
  const left: string[] = [];
  for (const ns of await listDir(NETNS_RUN)) if (ns.startsWith(net.netnsPrefix)) left.push(`netns ${ns}`);
  for (const f of await listDir(NETNS_ETC)) if (f.startsWith(net.netnsPrefix)) left.push(`file ${NETNS_ETC}/${f}`);
  const links = await ip('-o', 'link', 'show');
  for (const m of links.matchAll(/^\d+: ([^:@\s]+)/gm)) {
    if (m[1] === net.bridge || m[1].startsWith(net.vethPrefix)) left.push(`link ${m[1]}`);
  }
  const routes = await ip('-4', 'route', 'show');
  for (const line of routes.split('\n')) if (line.includes(`dev ${net.bridge} `)) left.push(`route ${line.trim()}`);
  return left;
}

/**
 * Removes everything of this cluster's network, found by its names (not by what the agent remembers, so a crashed
 * agent leaves nothing behind either): pod namespaces and their files, veths, the bridge and with it its route.
 */
export async function teardownNetwork(net: ClusterNetwork): Promise<void> {
  for (const ns of await listDir(NETNS_RUN)) {
    if (ns.startsWith(net.netnsPrefix)) await ip('netns', 'delete', ns).catch(() => {});
  }
  for (const f of await listDir(NETNS_ETC)) {
    if (f.startsWith(net.netnsPrefix)) await rm(join(NETNS_ETC, f), { recursive: true, force: true });
  }
  const links = await ip('-o', 'link', 'show');
  for (const m of links.matchAll(/^\d+: ([^:@\s]+)/gm)) {
    if (m[1].startsWith(net.vethPrefix)) await ip('link', 'delete', m[1]).catch(() => {});
  }
  if (await linkExists(net.bridge)) await ip('link', 'delete', net.bridge);
}

async function linkExists(name: string): Promise<boolean> {
  try {
    await run('ip', ['link', 'show', 'dev', name]);
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
