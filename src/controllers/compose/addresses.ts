import type { AddressMode } from '../address-mode.ts';

/** A database endpoint as engines take it. */
export interface Address {
  host: string;
  port: number;
}

/** A pod a compose CR names, with the host and port written in the CR. */
export interface NamedNode {
  name: string;
  host: string;
  port: number;
}

/**
 * Addresses by node name in an address mode (see ../address-mode.ts): the CR's host in `host` mode, the pod's IP
 * in `pod-ip` mode. A node whose pod has no IP yet is missing, with the reason in `missing`.
 */
export function nodeAddresses(
  nodes: readonly NamedNode[],
  mode: AddressMode,
  podIp: (name: string) => string | undefined,
): { addresses: Record<string, Address>; missing: Record<string, string> } {
  const addresses: Record<string, Address> = {};
  const missing: Record<string, string> = {};
  for (const n of nodes) {
    if (mode === 'host') {
      addresses[n.name] = { host: n.host, port: n.port };
      continue;
    }
    const ip = podIp(n.name);
    if (ip) addresses[n.name] = { host: ip, port: n.port };
    else missing[n.name] = `pod ${n.name} has no IP (address mode pod-ip)`;
  }
  return { addresses, missing };
}
