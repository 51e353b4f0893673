/**
 * How the operator reaches database pods, and which address it gives replicas for their source — one setting for
 * every controller that talks to databases (MysqlReplication, MusicService, and the Redis/PostgreSQL kinds).
 *
 * - `host`: stable DNS names — the hosts written in a compose CR (`spec.source.host`, `spec.replica[].host`), or a
 *   StatefulSet pod's `{pod}.{service}.{namespace}.svc`. Right when the operator runs inside the cluster.
 * - `pod-ip`: each pod's `status.podIP`, for both the operator's connections and the replicas' source address. For
 *   an operator outside the cluster (`statecraft dev`, tests, a laptop), where cluster DNS does not resolve. A pod
 *   that comes back with a new IP is re-pointed on the next pass (pods are watched, so at once).
 * - `auto` (the flag's default): `host` in a pod (KUBERNETES_SERVICE_HOST is set), else `pod-ip`.
 *
 * Set with `statecraft run --address-mode=auto|host|pod-ip`; it reaches controllers as an option, never through the
 * environment.
 */

export type AddressMode = 'host' | 'pod-ip';
export type AddressModeFlag = AddressMode | 'auto';

/** The address mode a flag value means here; `inPod` says whether this process runs in a pod. */
export function resolveAddressMode(
  flag: string | undefined,
  inPod: boolean = !!process.env.KUBERNETES_SERVICE_HOST,
): AddressMode {
  const v = flag ?? 'auto';
  if (v === 'host' || v === 'pod-ip') return v;
  if (v !== 'auto') throw new Error(`--address-mode must be auto, host or pod-ip, got '${v}'`);
  return inPod ? 'host' : 'pod-ip';
}
