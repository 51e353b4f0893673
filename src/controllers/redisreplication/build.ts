/**
 * Pure desired state of a RedisReplication: the engine's desired topology, which node is the source right now,
 * each node's verdict, the pod labels, the read-write / read-only Services and the status topology — all from the
 * CR and what the engine observed. No I/O; unit-tested in build.test.ts.
 */
import type { RedisReplication } from '../../apis/redisreplication.ts';
import type { RedisAddress } from '../../engines/redis/index.ts';
import type { DesiredReplication, ObservedReplication } from '../../engines/redis/replication/index.ts';
import { pointsAt } from '../../engines/redis/replication/index.ts';
import { buildRoleServices, roleLabels } from '../compose/index.ts';

export const LABELS = roleLabels('redis-replication');
export const NAME_LABEL = LABELS.name;
export const READONLY_LABEL = LABELS.readonly;
export const SOURCE_HOST_LABEL = 'compose-operator/redis-replication.source.host';
export const SOURCE_PORT_LABEL = 'compose-operator/redis-replication.source.port';
export const UNKNOWN = 'unknown';

export interface NodeRef {
  name: string;
  host: string;
  port: number;
  announceHost: string;
  announcePort: number;
  isolated: boolean;
  role: 'source' | 'replica';
}

/** The login a RedisReplication uses (compose-operator's default key `redis`); the controller and `status --live`. */
export const loginsOf = (cr: RedisReplication) => ({ redis: cr.spec.secret.redis ?? 'redis' });

export function nodesOf(cr: RedisReplication): NodeRef[] {
  const ref = (
    n: { name: string; host: string; port: number; announceHost?: string; announcePort?: number },
    role: NodeRef['role'],
    isolated: boolean,
  ): NodeRef => ({
    name: n.name,
    host: n.host,
    port: n.port,
    announceHost: n.announceHost || n.host,
    announcePort: n.announcePort || n.port,
    isolated,
    role,
  });
  return [ref(cr.spec.source, 'source', false), ...(cr.spec.replica ?? []).map((r) => ref(r, 'replica', !!r.isolated))];
}

/** Every pod the controller reads or labels: the members and the Sentinel pods. */
export const podsOf = (cr: RedisReplication) => [...nodesOf(cr).map((n) => n.name), ...(cr.spec.sentinel ?? [])];

/** With Sentinel listed, Sentinel owns failover: the operator observes and labels, and changes no server. */
export const sentinelManaged = (cr: RedisReplication) => (cr.spec.sentinel?.length ?? 0) > 0;

export function desiredReplication(cr: RedisReplication, addresses: Record<string, RedisAddress>): DesiredReplication {
  return {
    source: cr.spec.source.name,
    replicas: (cr.spec.replica ?? []).map((r) => ({ name: r.name, isolated: !!r.isolated })),
    address: addresses,
  };
}

/**
 * The node that takes writes now, or undefined (then no pod is read-write: the Service fails closed).
 * Managed: the spec's source, once it is a master; until a switchover to it happens (refused, backing off), the
 * master it replicates from. Unmanaged (skip annotation or Sentinel): the one master among
 * the non-isolated nodes — or, if several, the one the others replicate from; ambiguity is no source.
 */
export function currentSource(
  cr: RedisReplication,
  observed: ObservedReplication,
  addresses: Record<string, RedisAddress>,
  managed: boolean,
): string | undefined {
  const members = nodesOf(cr).filter((n) => !n.isolated);
  if (managed) {
    const spec = observed[cr.spec.source.name];
    if (!spec) return undefined;
    if (spec.role === 'master') return cr.spec.source.name;
    // a switchover not done yet (refused, backing off): the master the spec's source replicates from still is
    const upstream = members.find((m) => m.name !== cr.spec.source.name && pointsAt(spec, addresses[m.name]));
    return upstream && observed[upstream.name]?.role === 'master' ? upstream.name : undefined;
  }
  const masters = members.filter((n) => observed[n.name]?.role === 'master');
  if (masters.length === 1) return masters[0].name;
  const followed = masters.filter((m) =>
    members.some((n) => {
      const st = observed[n.name];
      return st && pointsAt(st, addresses[m.name]);
    }),
  );
  return followed.length === 1 ? followed[0].name : undefined;
}

/** Why a node is (not) ready, judged from the server, never from the pod. */
export interface NodeVerdict {
  ready: boolean;
  /** member of the read-only Service: an in-sync replica of the current source */
  serveReads: boolean;
  reason?: string;
}

export function judgeNodes(
  cr: RedisReplication,
  observed: ObservedReplication,
  addresses: Record<string, RedisAddress>,
  source: string | undefined,
): Record<string, NodeVerdict> {
  const out: Record<string, NodeVerdict> = {};
  for (const n of nodesOf(cr)) {
    const st = observed[n.name];
    if (!st) {
      out[n.name] = { ready: false, serveReads: false, reason: 'unreachable' };
      continue;
    }
    if (n.isolated) {
      const ok = st.role === 'master';
      out[n.name] = { ready: ok, serveReads: false, reason: ok ? undefined : 'isolated but still replicating' };
      continue;
    }
    const follows = !!source && source !== n.name && pointsAt(st, addresses[source]);
    const inSync = follows && st.masterLinkStatus === 'up' && !st.masterSyncInProgress;
    if (n.role === 'source') {
      // a spec source that Sentinel demoted still serves reads while in sync with the master Sentinel chose
      const ok = st.role === 'master';
      out[n.name] = { ready: ok, serveReads: inSync, reason: ok ? undefined : 'the spec source is not a master' };
      continue;
    }
    // ready means "as the spec wants": replicating from the spec's source
    const ready = inSync && source === cr.spec.source.name;
    const reason = !follows
      ? st.role === 'master'
        ? 'a master, not a replica of the source'
        : `replicating from ${st.masterHost}:${st.masterPort}, not the source`
      : st.masterSyncInProgress
        ? 'full sync from the source in progress'
        : st.masterLinkStatus !== 'up'
          ? `link to the source ${st.masterLinkStatus ?? 'down'}`
          : !ready
            ? 'replicating from a node that is not the spec source'
            : undefined;
    out[n.name] = { ready, serveReads: inSync, reason };
  }
  return out;
}

/** Label values must be ≤ 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
const labelValue = (v: string) =>
  /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) && v.length <= 63 ? v : UNKNOWN;

/** The source labels: the current source's announced host and port, or `unknown` for both. */
export function sourceLabels(cr: RedisReplication, source: string | undefined): Record<string, string> {
  const n = source ? nodesOf(cr).find((x) => x.name === source) : undefined;
  return {
    [SOURCE_HOST_LABEL]: n ? labelValue(n.announceHost) : UNKNOWN,
    [SOURCE_PORT_LABEL]: n ? String(n.announcePort) : UNKNOWN,
  };
}

/**
 * The labels each pod should carry (an absent key is released: server-side apply removes it). The current
 * source is read-write, in-sync replicas of it read-only, anything else only a member; isolated nodes carry
 * nothing. `moving`: roles are about to change, so every member is read-only (the read-write Service is empty).
 */
export function podLabels(
  cr: RedisReplication,
  verdicts: Record<string, NodeVerdict>,
  source: string | undefined,
  moving = false,
): Record<string, Record<string, string>> {
  const crName = cr.metadata.name!;
  const src = sourceLabels(cr, moving ? undefined : source);
  const out: Record<string, Record<string, string>> = {};
  for (const n of nodesOf(cr)) {
    if (n.isolated) {
      out[n.name] = {};
      continue;
    }
    const readonly = moving ? 'true' : n.name === source ? 'false' : verdicts[n.name]?.serveReads ? 'true' : undefined;
    out[n.name] = { [NAME_LABEL]: crName, ...(readonly ? { [READONLY_LABEL]: readonly } : {}), ...src };
  }
  for (const s of cr.spec.sentinel ?? []) out[s] = { ...out[s], ...src };
  return out;
}

/** `<cr>-readwrite` always, `<cr>-readonly` while there are non-isolated replicas; port name `redis`. */
export function buildServices(cr: RedisReplication): { apply: Record<string, unknown>[]; remove: string[] } {
  return buildRoleServices(cr, {
    labels: LABELS,
    type: cr.spec.service?.type,
    port: cr.spec.source.port,
    portName: 'redis',
    hasReadReplicas: (cr.spec.replica ?? []).some((r) => !r.isolated),
  });
}

type TopologyNode = NonNullable<NonNullable<RedisReplication['status']>['topology']>[string];

export function topologyStatus(
  cr: RedisReplication,
  observed: ObservedReplication,
  verdicts: Record<string, NodeVerdict>,
): Record<string, TopologyNode> {
  const out: Record<string, TopologyNode> = {};
  for (const n of nodesOf(cr)) {
    const st = observed[n.name];
    const base = { host: n.host, port: n.port, announceHost: n.announceHost, announcePort: n.announcePort };
    if (!st) {
      out[n.name] = { ...base, role: 'None', status: 'Failed', ready: false };
      continue;
    }
    const node: TopologyNode = {
      ...base,
      role: st.role === 'master' ? 'Source' : 'Replica',
      status: 'Healthy',
      ready: verdicts[n.name]?.ready ?? false,
      masterReplOffset: st.masterReplOffset,
    };
    if (st.role === 'slave') {
      Object.assign(node, {
        sourceHost: st.masterHost,
        sourcePort: st.masterPort,
        masterLinkStatus: st.masterLinkStatus,
        masterSyncInProgress: st.masterSyncInProgress,
        slaveReplOffset: st.slaveReplOffset,
      });
    }
    out[n.name] = node;
  }
  return out;
}

/** Notes for a converged status: servers that cannot persist their role (no config file). */
export function persistenceNotes(cr: RedisReplication, observed: ObservedReplication): string[] {
  return nodesOf(cr)
    .filter((n) => observed[n.name] && observed[n.name]!.configFile === '')
    .map((n) => `${n.name} runs without a config file: its replication settings will not survive a restart`);
}

/** Condition reason for an engine error code. */
export function conditionReason(code: string | undefined): string {
  switch (code) {
    case 'ERR_REDIS_CONNECT_FAILED':
    case 'ERR_REDIS_SOURCE_UNREACHABLE':
      return 'NodeUnreachable';
    case 'ERR_REDIS_AUTH_FAILED':
      return 'AuthFailed';
    case 'ERR_REDIS_UNSUPPORTED_VERSION':
      return 'UnsupportedVersion';
    case 'ERR_REDIS_CATCHUP_TIMEOUT':
    case 'ERR_REDIS_NOT_REPLICATING':
    case 'ERR_REDIS_ABORTED':
      return 'SwitchoverRefused';
    case 'ERR_REDIS_DATA_AT_RISK':
      return 'DataAtRisk';
    default:
      return 'SyncTopologyFailed';
  }
}

/** How long a refused switchover waits before it is tried again: 10 s, doubling per refusal, at most 5 min. */
export const switchoverBackoffMs = (refusals: number) => Math.min(10_000 * 2 ** Math.max(0, refusals - 1), 300_000);
