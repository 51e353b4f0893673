import { type AnyStatus, type KindView, type NodeView, sortNodes, statusOf, topologyNode } from './view.ts';

/** RedisCluster: CLUSTER NODES as the controller records it; a replica's source is its master. */
export const redisClusterView: KindView = {
  kind: 'RedisCluster',
  nodes(cr) {
    const topology = (statusOf(cr).topology ?? {}) as Record<string, AnyStatus>;
    const byId = new Map(Object.entries(topology).map(([name, n]) => [n.id as string, name]));
    return sortNodes(
      Object.entries(topology).map(([name, n]): NodeView => {
        const role = n.role === 'Master' ? 'source' : n.role === 'Replica' ? 'replica' : 'none';
        return {
          ...topologyNode(name, n, role),
          rawRole: n.shard ? `${n.role} (shard ${n.shard})` : n.role,
          source: role === 'replica' ? (byId.get(n.masterRef) ?? n.masterRef) : undefined,
          position: Array.isArray(n.slots) && n.slots.length ? `slots ${n.slots.join(',')}` : undefined,
        };
      }),
    );
  },
};
