import type { V1Pod } from '@kubernetes/client-node';
import { DB_PORT } from './names.ts';

/**
 * How the operator (and the replicas) reach a database pod:
 * - `dns`: the pod's stable name under its StatefulSet's headless Service — the operator runs in the cluster;
 * - `podIP`: the pod's current IP — the local cluster, whose pods answer only on their IPs and whose servers
 *   cannot resolve cluster DNS. A restarted pod may get a new IP; the engine then re-points the replicas.
 */
export type AddressMode = 'dns' | 'podIP';

/** In a pod (KUBERNETES_SERVICE_HOST set) cluster DNS works; elsewhere only pod IPs do. */
export function defaultAddressMode(env: NodeJS.ProcessEnv = process.env): AddressMode {
  return env.KUBERNETES_SERVICE_HOST ? 'dns' : 'podIP';
}

export interface NodeAddress {
  host: string;
  port: number;
}

/** The address of a database pod, or undefined while it has none (no IP yet). */
export function podAddress(pod: V1Pod, mode: AddressMode, serviceName: string): NodeAddress | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return undefined;
  if (mode === 'dns') return { host: `${name}.${serviceName}.${namespace}.svc`, port: DB_PORT };
  const ip = pod.status?.podIP;
  return ip ? { host: ip, port: DB_PORT } : undefined;
}

/** A pod whose server may answer: scheduled, running, not being deleted. Readiness is the engine's to judge. */
export function podRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
}

/** The StatefulSet ordinal of a pod name (`x-db-replica-2` → 2). */
export function podOrdinal(name: string): number {
  const m = /-([0-9]+)$/.exec(name);
  return m ? Number(m[1]) : -1;
}
