import {
  type AnyStatus,
  type KindView,
  type NodeView,
  num,
  roleServices,
  sortNodes,
  sourceName,
  statusOf,
  topologyNode,
} from './view.ts';

/** RedisReplication: INFO replication as the controller records it in status.topology. */
export const redisReplicationView: KindView = {
  kind: 'RedisReplication',
  nodes(cr) {
    const topology = (statusOf(cr).topology ?? {}) as Record<string, AnyStatus>;
    const offsets = Object.values(topology).map((n) => num(n.masterReplOffset) ?? 0);
    return sortNodes(
      Object.entries(topology).map(([name, n]): NodeView => {
        const raw = String(n.role ?? '');
        const role = /^(source|master)$/i.test(raw) ? 'source' : /^(replica|slave)$/i.test(raw) ? 'replica' : 'none';
        const offset = num(n.slaveReplOffset);
        const head = num(n.masterReplOffset) ?? Math.max(0, ...offsets);
        return {
          ...topologyNode(name, n, role),
          source: role === 'replica' ? sourceName(topology, n.sourceHost, n.sourcePort) : undefined,
          lagBytes: role === 'replica' && offset !== undefined ? Math.max(0, head - offset) : undefined,
          position: offset !== undefined ? String(offset) : head ? String(head) : undefined,
          linkUp: role === 'replica' ? n.masterLinkStatus === 'up' : undefined,
        };
      }),
    );
  },
  services: roleServices,
};
