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

/** MysqlReplication: SHOW REPLICA STATUS as the controller records it in status.topology. */
export const mysqlReplicationView: KindView = {
  kind: 'MysqlReplication',
  nodes(cr) {
    const topology = (statusOf(cr).topology ?? {}) as Record<string, AnyStatus>;
    return sortNodes(
      Object.entries(topology).map(([name, n]): NodeView => {
        const role = n.role === 'Source' ? 'source' : n.role === 'Replica' ? 'replica' : 'none';
        const read = num(n.readSourceLogPos);
        const exec = num(n.execSourceLogPos);
        return {
          ...topologyNode(name, n, role),
          source: role === 'replica' ? sourceName(topology, n.sourceHost, n.sourcePort) : undefined,
          lagSeconds: role === 'replica' ? num(n.secondsBehindSource) : undefined,
          // read-but-not-applied binlog bytes of the current source file: the relay backlog
          lagBytes:
            role === 'replica' && read !== undefined && exec !== undefined ? Math.max(0, read - exec) : undefined,
          position: n.gtidExecuted,
          linkUp: role === 'replica' ? n.replicaIO === 'Yes' && n.replicaSQL === 'Yes' : undefined,
          errant: n.errantTransactions || undefined,
        };
      }),
    );
  },
  services: roleServices,
};
