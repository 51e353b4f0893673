/**
 * How the operator reaches the database nodes, and which address it gives replicas for their source.
 *
 * - `host`: the hosts written in the CR (`spec.source.host`, `spec.replica[].host`), normally cluster DNS names.
 *   Right when the operator runs inside the cluster.
 * - `pod-ip`: each node's pod (named `spec.*.name` in the CR's namespace) by its `status.podIP`, for both the
 *   operator's connections and CHANGE MASTER. For an operator outside the cluster (`statecraft dev`, tests, a
 *   laptop) where cluster DNS does not resolve. A pod that comes back with a new IP is re-pointed on the next pass
 *   (pods are watched, so at once).
 * - `auto` (default): `host` in a pod (KUBERNETES_SERVICE_HOST is set), else `pod-ip`.
 *
 * Set with `statecraft run --address-mode=auto|host|pod-ip` (or STATECRAFT_ADDRESS_MODE).
 */
import type { NodeAddress } from '../../engines/mysql/index.ts';
import type { NodeRef } from './build.ts';

export type AddressMode = 'host' | 'pod-ip';

export function resolveAddressMode(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): AddressMode {
  const v = flag ?? env.STATECRAFT_ADDRESS_MODE ?? 'auto';
  if (v === 'host' || v === 'pod-ip') return v;
  if (v !== 'auto') throw new Error(`address mode must be auto, host or pod-ip, got '${v}'`);
  return env.KUBERNETES_SERVICE_HOST ? 'host' : 'pod-ip';
}

/**
 * Addresses by node name; a node whose pod has no IP yet (pod-ip mode) is missing, with the reason in `missing`.
 */
export function nodeAddresses(
  nodes: readonly NodeRef[],
  mode: AddressMode,
  podIp: (name: string) => string | undefined,
): { addresses: Record<string, NodeAddress>; missing: Record<string, string> } {
  const addresses: Record<string, NodeAddress> = {};
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
