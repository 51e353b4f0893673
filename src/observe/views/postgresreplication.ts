import {
  type AnyStatus,
  type KindView,
  type NodeView,
  num,
  roleServices,
  sortNodes,
  statusOf,
  topologyNode,
} from './view.ts';

/** PostgresReplication: pg_stat_replication / timelines as the controller records them in status.topology. */
export const postgresReplicationView: KindView = {
  kind: 'PostgresReplication',
  nodes(cr) {
    const topology = (statusOf(cr).topology ?? {}) as Record<string, AnyStatus>;
    const primary = Object.entries(topology).find(([, n]) => n.role === 'Primary')?.[0];
    return sortNodes(
      Object.entries(topology).map(([name, n]): NodeView => {
        const role = n.role === 'Primary' ? 'source' : n.role === 'Standby' ? 'replica' : 'none';
        return {
          ...topologyNode(name, n, role),
          source: role === 'replica' ? primary : undefined,
          lagSeconds: role === 'replica' ? num(n.lagSeconds) : undefined,
          lagBytes: role === 'replica' ? (num(n.lagBytes) ?? num(n.walDiff)) : undefined,
          position: n.timeline !== undefined ? `timeline ${n.timeline}` : undefined,
          // a standby the primary streams to reports a lag; one that is not streaming reports none
          linkUp: role === 'replica' ? n.status === 'Healthy' && !n.diverged && n.lagBytes !== undefined : undefined,
          diverged: n.diverged ? true : undefined,
          errant: n.diverged || undefined,
        };
      }),
    );
  },
  services: roleServices,
};
