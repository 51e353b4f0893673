import { createHash } from 'node:crypto';

/**
 * The pod network of one local cluster (`cluster up --pod-network`): every name and address it uses, derived from
 * the cluster directory so that clusters running side by side (the test suite starts several) never share a bridge,
 * a namespace or a subnet. Pure: host.ts creates and removes what this describes.
 *
 * Layout: a router namespace per cluster holds the bridge the pods' veths join (its address 10.<octet>.0.1 is the
 * pods' gateway) and runs kube-proxy, whose nftables table is then the cluster's own (its name is fixed, so two
 * clusters could not share one namespace); a veth pair (10.<octet>.255.252/30) links it to the host, which routes
 * the pod and Service ranges through it. Cluster DNS and the API relay listen on the host end of that link.
 *
 * Addresses: the cluster owns 10.<octet>.0.0/16. Pods get 10.<octet>.0.2 - 10.<octet>.127.254 (the /17 below),
 * ClusterIPs come from 10.<octet>.128.0/18. All of it lives on this machine only: nothing is forwarded off it.
 */
export interface ClusterNetwork {
  /** 6 hex digits of the cluster directory's hash: the part of every name that says which cluster owns it */
  id: string;
  octet: number;
  /** the Linux bridge the pods' veths join, in the router namespace (≤ 15 characters, as link names must be) */
  bridge: string;
  /** the bridge's address: pods' default gateway */
  gateway: string;
  /** the cluster's router namespace: the bridge, forwarding between pods and host, kube-proxy's rules */
  routerNetns: string;
  /** host end of the host-router link, and its address: cluster DNS and the API relay listen there */
  uplink: string;
  hostIp: string;
  /** the router's end of that link (the host's next hop to pods and Services) */
  routerIp: string;
  podCidr: string;
  serviceCidr: string;
  /** the `kubernetes` Service's ClusterIP (the range's first address), what pods' KUBERNETES_SERVICE_HOST names */
  apiServiceIp: string;
  /** network namespaces of this cluster's pods are `<netnsPrefix><slot>` */
  netnsPrefix: string;
  /** host ends of the pods' veth pairs are `<vethPrefix><slot hex>` */
  vethPrefix: string;
  /** the cluster domain pods' search paths and CoreDNS serve */
  domain: string;
}

/** Octets never given to a cluster: 10.0/16 is the default Service range, 10.244/16 KWOK's simulated pod range. */
const RESERVED_OCTETS = new Set([0, 244]);

export function clusterId(dir: string): string {
  return createHash('sha256').update(dir).digest('hex').slice(0, 6);
}

/** The first octet to try for a directory (10..249); `taken` octets (used by another cluster here) are skipped. */
export function chooseOctet(dir: string, taken: Set<number> = new Set()): number {
  const start = createHash('sha256').update(`net:${dir}`).digest().readUInt16BE(0) % 240;
  for (let i = 0; i < 240; i++) {
    const octet = 10 + ((start + i) % 240);
    if (!RESERVED_OCTETS.has(octet) && !taken.has(octet)) return octet;
  }
  throw new Error('no free 10.x.0.0/16 left for another local cluster pod network');
}

export function clusterNetwork(dir: string, octet: number): ClusterNetwork {
  const id = clusterId(dir);
  return {
    id,
    octet,
    bridge: `scbr${id}`,
    gateway: `10.${octet}.0.1`,
    routerNetns: `sc${id}-router`,
    uplink: `scup${id}`,
    hostIp: `10.${octet}.255.254`,
    routerIp: `10.${octet}.255.253`,
    podCidr: `10.${octet}.0.0/17`,
    serviceCidr: `10.${octet}.128.0/18`,
    apiServiceIp: `10.${octet}.128.1`,
    netnsPrefix: `sc${id}-`,
    vethPrefix: `scv${id}`,
    domain: 'cluster.local',
  };
}

/** Pod slots 1..32765 map onto 10.<octet>.0.2 .. 10.<octet>.127.254 (slot 0 would be the gateway). */
export const MAX_POD_SLOT = 128 * 256 - 3;

export function podIpOfSlot(net: ClusterNetwork, slot: number): string {
  if (!Number.isInteger(slot) || slot < 1 || slot > MAX_POD_SLOT) throw new Error(`pod slot ${slot} out of range`);
  const n = slot + 1;
  return `10.${net.octet}.${n >> 8}.${n & 255}`;
}

/** The slot of a pod IP of this cluster, or undefined for any other address. */
export function slotOfPodIp(net: ClusterNetwork, ip: string | undefined): number | undefined {
  const m = /^10\.(\d+)\.(\d+)\.(\d+)$/.exec(ip ?? '');
  if (!m || Number(m[1]) !== net.octet) return undefined;
  const slot = Number(m[2]) * 256 + Number(m[3]) - 1;
  return slot >= 1 && slot <= MAX_POD_SLOT ? slot : undefined;
}

/** Per-pod names: its network namespace and the host end of its veth pair (≤ 15 characters). */
export function podLinkNames(net: ClusterNetwork, slot: number): { netns: string; hostVeth: string } {
  return { netns: `${net.netnsPrefix}${slot}`, hostVeth: `${net.vethPrefix}${slot.toString(16)}` };
}

/** What a kubelet writes as a ClusterFirst pod's resolv.conf. */
export function renderResolvConf(net: ClusterNetwork, namespace: string): string {
  const d = net.domain;
  return `search ${namespace}.svc.${d} svc.${d} ${d}\nnameserver ${net.hostIp}\noptions ndots:5\n`;
}

/**
 * What a kubelet writes as a pod's /etc/hosts: localhost, and the pod's own name (with hostname and subdomain, its
 * FQDN first). Other pods and Services are cluster DNS's to answer.
 */
export function renderPodHosts(
  net: ClusterNetwork,
  pod: { name: string; namespace: string; hostname?: string; subdomain?: string },
  ip: string,
): string {
  const host = pod.hostname ?? pod.name;
  const names = pod.subdomain ? [`${host}.${pod.subdomain}.${pod.namespace}.svc.${net.domain}`, host] : [host];
  return [
    '# Kubernetes-managed hosts file (statecraft node agent).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${ip}\t${names.join('\t')}`,
    '',
  ].join('\n');
}

/** CoreDNS configuration: the kubernetes plugin serves the cluster domain and reverse zones on the host's link address. */
export function renderCorefile(net: ClusterNetwork, opts: { kubeconfig: string; readyPort: number }): string {
  return [
    `.:53 {`,
    `    bind ${net.hostIp}`,
    '    errors',
    `    ready 127.0.0.1:${opts.readyPort}`,
    `    kubernetes ${net.domain} in-addr.arpa ip6.arpa {`,
    `        kubeconfig ${opts.kubeconfig}`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '        ttl 5',
    '    }',
    '    cache 5',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
}
