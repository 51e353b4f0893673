import type { V1Pod } from '@kubernetes/client-node';
import type { AddressMode } from '../address-mode.ts';
import { DB_PORT } from './names.ts';

export interface NodeAddress {
  host: string;
  port: number;
}

/**
 * The address of a database pod in an address mode (../address-mode.ts), or undefined while it has none (no IP
 * yet): `host` is the pod's stable name under its StatefulSet's headless Service; `pod-ip` its current IP (a
 * restarted pod may get a new one; the engine then re-points the replicas).
 */
export function podAddress(pod: V1Pod, mode: AddressMode, serviceName: string): NodeAddress | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return undefined;
  if (mode === 'host') return { host: `${name}.${serviceName}.${namespace}.svc`, port: DB_PORT };
  const ip = pod.status?.podIP;
  return ip ? { host: ip, port: DB_PORT } : undefined;
}

/** A pod whose server may answer: scheduled, running, not being deleted. Readiness is the engine's to judge. */
export function podRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
}
