/**
 * Pure desired state and status of a RedisCluster: the engine's desired shards (sorted by shard name, so the slot
 * layout never depends on map order), and the status — numberOfShard, clusterJoined, clusterSynced, per-node
 * id / role / slots / masterRef / ready — recomputed from one observation every pass (never a one-way flag).
 * No I/O; unit-tested in build.test.ts.
 */
import type { RedisCluster, RedisClusterStatus } from '../../apis/rediscluster.ts';
import {
  type ClusterObservation,
  clusterJoined,
  countSlots,
  type DesiredCluster,
  formatRanges,
  quotaBounds,
  type ShardState,
  SLOT_COUNT,
  shardStates,
  slotOwners,
} from '../../engines/redis/cluster/index.ts';
import type { Address } from '../compose/index.ts';

type TopologyNode = NonNullable<RedisClusterStatus['topology']>[string];

export interface ClusterNodeRef {
  name: string;
  host: string;
  port: number;
  shard: string;
  /** first member of its shard */
  master: boolean;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Shard names in the stable order slots are laid out in (code-point order of the names). */
export const shardNames = (cr: RedisCluster) => Object.keys(cr.spec.members).sort(byName);

export function nodesOf(cr: RedisCluster): ClusterNodeRef[] {
  return shardNames(cr).flatMap((shard) =>
    cr.spec.members[shard].map((n, i) => ({ name: n.name, host: n.host, port: n.port, shard, master: i === 0 })),
  );
}

export function desiredCluster(cr: RedisCluster): DesiredCluster {
  return { shards: shardNames(cr).map((name) => ({ name, nodes: cr.spec.members[name].map((n) => n.name) })) };
}

export interface ClusterVerdict {
  topology: Record<string, TopologyNode>;
  numberOfShard: number;
  clusterJoined: boolean;
  clusterSynced: boolean;
  /** why each node is not ready, and why the cluster is not synced: for the condition message */
  reasons: string[];
  /** shards served by a member other than the spec's master (a failover, or a reordered spec) */
  failedOver: Array<{ shard: string; master: string; specMaster: string }>;
  shards: ShardState[];
}

/** Judges the observed cluster against the spec. */
export function judgeCluster(
  cr: RedisCluster,
  o: ClusterObservation,
  addresses: Readonly<Record<string, Address>>,
): ClusterVerdict {
  const desired = desiredCluster(cr);
  const shards = shardStates(desired, o);
  const shardOf = new Map(shards.map((s) => [s.name, s]));
  const reasons: string[] = [];
  const topology: Record<string, TopologyNode> = {};
  const { min, max } = quotaBounds(desired.shards.length);

  for (const n of nodesOf(cr)) {
    const a = addresses[n.name] ?? { host: n.host, port: n.port };
    const v = o.views[n.name];
    const st = shardOf.get(n.shard)!;
    if (!v) {
      const err = o.errors[n.name];
      reasons.push(`${n.name}: ${err ? err.message : 'unreachable'}`);
      topology[n.name] = { host: a.host, port: a.port, shard: n.shard, role: 'None', status: 'Failed', ready: false };
      continue;
    }
    if (!v.clusterEnabled) {
      reasons.push(`${n.name}: cluster support is disabled (cluster-enabled no)`);
      topology[n.name] = { host: a.host, port: a.port, shard: n.shard, role: 'None', status: 'Healthy', ready: false };
      continue;
    }
    const self = v.self;
    const node: TopologyNode = {
      id: v.id,
      host: a.host,
      port: a.port,
      shard: n.shard,
      role: self.master ? 'Master' : 'Replica',
      status: o.known[v.id]?.failed ? 'Failed' : 'Healthy',
      ready: false,
      ...(self.slots.length ? { slots: formatRanges(self.slots) } : {}),
      ...(self.masterId ? { masterRef: self.masterId } : {}),
    };
    let why: string | undefined;
    if (n.master) {
      const count = countSlots(self.slots);
      if (!self.master) why = `a replica of ${st.master ?? self.masterId}; the spec wants it master of ${n.shard}`;
      else if (count < min || count > max) why = `holds ${count} slots, its share is ${min}-${max}`;
      else if (v.clusterState !== 'ok') why = `cluster_state ${v.clusterState}`;
    } else if (self.master) {
      why = st.master === n.name ? `took over as master of ${n.shard}` : 'a master; the spec wants it a replica';
    } else if (!st.masterId || self.masterId !== st.masterId) {
      why = `replicates ${self.masterId ?? 'nothing'}, not the master of ${n.shard}`;
    } else if (!v.linkUp) {
      why = v.syncInProgress ? 'syncing from its master' : 'link to its master is down';
    }
    node.ready = why === undefined && node.status === 'Healthy';
    if (why) reasons.push(`${n.name}: ${why}`);
    topology[n.name] = node;
  }

  const failedOver = desired.shards
    .map((s, i) => ({ shard: s.name, master: shards[i].master, specMaster: s.nodes[0], over: shards[i].failedOver }))
    .filter((f) => f.over && f.master)
    .map(({ shard, master, specMaster }) => ({ shard, master: master!, specMaster }));

  // synced: every slot on a spec shard's current master, none open, each share even, every replica following
  const owners = slotOwners(o.known);
  const masterIds = new Set(shards.map((s) => s.masterId).filter(Boolean));
  let foreign = 0;
  for (const id of owners.values()) if (!masterIds.has(id)) foreign++;
  const open = Object.values(o.views).some((v) => v?.self.migrating.length || v?.self.importing.length);
  if (owners.size < SLOT_COUNT) reasons.push(`${SLOT_COUNT - owners.size} slots are not served by any node`);
  if (foreign) reasons.push(`${foreign} slots are on nodes outside the spec's shards`);
  if (open) reasons.push('slots are being migrated');
  const uneven = shards.filter((s) => {
    const c = countSlots(s.slots);
    return c < min || c > max;
  });
  for (const s of uneven) reasons.push(`${s.name} holds ${countSlots(s.slots)} slots, its share is ${min}-${max}`);
  const replicasFollow = nodesOf(cr)
    .filter((n) => !n.master)
    .every((n) => topology[n.name].ready || failedOver.some((f) => f.shard === n.shard));
  const clusterSynced = owners.size === SLOT_COUNT && foreign === 0 && !open && uneven.length === 0 && replicasFollow;

  const numberOfShard = new Set(
    Object.values(o.known)
      .filter((e) => e.master && !e.failed && e.slots.length)
      .map((e) => e.id),
  ).size;
  return {
    topology,
    numberOfShard,
    clusterJoined: clusterJoined(desired, o),
    clusterSynced,
    reasons: [...new Set(reasons)],
    failedOver,
    shards,
  };
}

/** Failovers that are new since the last status: the spec master was Master there and is not now. */
export function newFailovers(
  previous: RedisClusterStatus['topology'] | undefined,
  verdict: ClusterVerdict,
): ClusterVerdict['failedOver'] {
  return verdict.failedOver.filter(
    (f) => previous?.[f.specMaster]?.role === 'Master' && previous[f.master]?.role !== 'Master',
  );
}

/** Condition reason for an engine error code. */
export function conditionReason(code: string | undefined): string {
  switch (code) {
    case 'ERR_REDIS_AUTH_FAILED':
      return 'AuthFailed';
    case 'ERR_REDIS_CONNECT_FAILED':
      return 'NodeUnreachable';
    case 'ERR_REDIS_UNSUPPORTED_VERSION':
      return 'UnsupportedVersion';
    case 'ERR_REDIS_FAILOVER_TIMEOUT':
      return 'FailoverTimeout';
    default:
      return 'SyncTopologyFailed';
  }
}
