/**
 * What every node of a Redis Cluster says about itself and the others: `CLUSTER MYID`, `CLUSTER NODES` (roles,
 * masters, slots, open importing / migrating slots, links), `CLUSTER INFO` (cluster_state), `INFO replication`,
 * `DBSIZE`. Nodes the spec no longer names but the cluster still knows (a shard being removed) are observed too,
 * at the address the cluster announces for them.
 */
import { classifyRedisError, type RedisEngineError } from '../errors.ts';
import { parseInfo } from '../info.ts';
import type { RedisAddress, RedisSession } from '../session.ts';
import { type ClusterNodeEntry, parseClusterNodes } from './clusterNodes.ts';
import type { SlotRange } from './slots.ts';

export interface NodeView {
  /** the spec's name for the node; absent for a node only the cluster knows */
  name?: string;
  id: string;
  /** where the engine reached it */
  address: RedisAddress;
  clusterEnabled: boolean;
  /** `cluster_state` from CLUSTER INFO: ok | fail */
  clusterState: string;
  /** its own line of CLUSTER NODES (open slots are only shown there) */
  self: ClusterNodeEntry;
  /** every node it knows, itself included */
  nodes: ClusterNodeEntry[];
  keys: number;
  /** replicas: the link to the master; offsets in bytes of the replication stream */
  linkUp: boolean;
  syncInProgress: boolean;
  offset: number;
  /** `masterauth` equals the password the engine logs in with (replicas need it to sync) */
  masterauthOk: boolean;
}

export interface ClusterObservation {
  /** by spec name; undefined when the node could not be observed (see errors) */
  views: Record<string, NodeView | undefined>;
  errors: Record<string, RedisEngineError>;
  /** by node id: nodes the cluster knows that the spec does not name, observed when reachable */
  others: Record<string, NodeView | undefined>;
  /**
   * Every node id the observed nodes know, with the best entry: the node's own line when it answered (with
   * `failed` / `pfail` as its peers see it), else the entry with the highest config epoch.
   */
  known: Record<string, ClusterNodeEntry>;
}

/** Where a session comes from: spec nodes are opened by the caller, others on demand at their cluster address. */
export interface ClusterSessions {
  spec: Readonly<Record<string, RedisSession | undefined>>;
  /** a session to a node the spec does not name (cached by the caller); undefined when it cannot be reached */
  other(id: string, address: RedisAddress): Promise<RedisSession | undefined>;
  /** the password the engine logs in with, compared with each node's masterauth */
  password: string;
}

async function observeNode(s: RedisSession, password: string, name?: string): Promise<NodeView> {
  const clusterInfo = await s.info('cluster');
  const address = s.address;
  if (clusterInfo.cluster_enabled !== '1') {
    const none: ClusterNodeEntry = {
      id: '',
      host: address.host,
      port: address.port,
      busPort: 0,
      flags: [],
      myself: true,
      master: true,
      failed: false,
      pfail: false,
      handshake: false,
      noaddr: false,
      configEpoch: 0,
      linkConnected: true,
      slots: [],
      migrating: [],
      importing: [],
    };
    return {
      name,
      id: '',
      address,
      clusterEnabled: false,
      clusterState: 'disabled',
      self: none,
      nodes: [],
      keys: 0,
      linkUp: false,
      syncInProgress: false,
      offset: 0,
      masterauthOk: true,
    };
  }
  const [myid, nodesText, infoText, replication, keys, masterauth] = await Promise.all([
    s.call('CLUSTER', ['MYID'], 'CLUSTER MYID'),
    s.call('CLUSTER', ['NODES'], 'CLUSTER NODES'),
    s.call('CLUSTER', ['INFO'], 'CLUSTER INFO'),
    s.info('replication'),
    s.call('DBSIZE'),
    s.call('CONFIG', ['GET', 'masterauth'], 'CONFIG GET masterauth'),
  ]);
  const nodes = parseClusterNodes(String(nodesText));
  const id = String(myid);
  const self = nodes.find((n) => n.myself) ?? nodes.find((n) => n.id === id)!;
  const info = parseInfo(String(infoText));
  const isReplica = replication.role === 'slave';
  return {
    name,
    id,
    address,
    clusterEnabled: true,
    clusterState: info.cluster_state ?? 'unknown',
    self,
    nodes,
    keys: Number(keys),
    linkUp: isReplica && replication.master_link_status === 'up',
    syncInProgress: isReplica && replication.master_sync_in_progress === '1',
    offset: Number(isReplica ? replication.slave_repl_offset : replication.master_repl_offset) || 0,
    masterauthOk: (masterauth as string[])[1] === password,
  };
}

export async function observeCluster(sessions: ClusterSessions): Promise<ClusterObservation> {
  const views: ClusterObservation['views'] = {};
  const errors: ClusterObservation['errors'] = {};
  await Promise.all(
    Object.entries(sessions.spec).map(async ([name, s]) => {
      if (!s) return;
      try {
        views[name] = await observeNode(s, sessions.password, name);
      } catch (err) {
        errors[name] = classifyRedisError(err, s.label, 'observing', [sessions.password]);
      }
    }),
  );
  const specIds = new Set(
    Object.values(views)
      .map((v) => v?.id)
      .filter(Boolean),
  );
  const seen = mergeEntries(Object.values(views));
  const others: ClusterObservation['others'] = {};
  await Promise.all(
    Object.values(seen)
      .filter((e) => !specIds.has(e.id) && !e.failed && !e.noaddr && !e.handshake && e.host)
      .map(async (e) => {
        const s = await sessions.other(e.id, { host: e.host, port: e.port });
        others[e.id] = s ? await observeNode(s, sessions.password).catch(() => undefined) : undefined;
        // a node at that address with another id (the pod was replaced) is not this node
        if (others[e.id] && others[e.id]!.id !== e.id) others[e.id] = undefined;
      }),
  );
  return { views, errors, others, known: mergeEntries([...Object.values(views), ...Object.values(others)]) };
}

/** Best entry per id: a node's own line, marked failed as its peers see it; else the highest epoch seen. */
function mergeEntries(views: ReadonlyArray<NodeView | undefined>): Record<string, ClusterNodeEntry> {
  const out: Record<string, ClusterNodeEntry> = {};
  const own = new Set<string>();
  for (const v of views) {
    if (!v?.clusterEnabled) continue;
    own.add(v.id);
    out[v.id] = { ...v.self, failed: false, pfail: false };
  }
  for (const v of views) {
    if (!v?.clusterEnabled) continue;
    for (const e of v.nodes) {
      if (e.myself || e.handshake) continue;
      if (own.has(e.id)) {
        // it answered us, but the cluster may still have marked it failed (it was down a moment ago)
        if (e.failed) out[e.id] = { ...out[e.id], failed: true };
        continue;
      }
      const prev = out[e.id];
      if (!prev || e.configEpoch > prev.configEpoch || (e.failed && !prev.failed)) out[e.id] = { ...e };
    }
  }
  return out;
}

/** Slot → owner id, from the known entries (a slot two nodes claim goes to the higher config epoch). */
export function slotOwners(known: Readonly<Record<string, ClusterNodeEntry>>): Map<number, string> {
  const owners = new Map<number, string>();
  const epochOf = (id: string) => known[id]?.configEpoch ?? -1;
  for (const e of Object.values(known)) {
    if (!e.master) continue;
    for (const [a, b] of e.slots as SlotRange[]) {
      for (let s = a; s <= b; s++) {
        const prev = owners.get(s);
        if (prev === undefined || e.configEpoch > epochOf(prev)) owners.set(s, e.id);
      }
    }
  }
  return owners;
}
