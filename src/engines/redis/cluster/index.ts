/**
 * The Redis Cluster engine (no Kubernetes imports): observe every node, plan the next phase purely, act. See
 * plan.ts for the phases and docs/rediscluster.md for the behaviour.
 */
export {
  applyClusterSteps,
  type ClusterActContext,
  type ReconcileOptions,
  type ReconcileResult,
  reconcileCluster,
  type StepResult,
} from './act.ts';
export { type ClusterNodeEntry, parseClusterNodes } from './clusterNodes.ts';
export { type ClusterObservation, type ClusterSessions, type NodeView, observeCluster, slotOwners } from './observe.ts';
export {
  balanceMoves,
  type ClusterPlan,
  type ClusterStep,
  clusterJoined,
  type DesiredCluster,
  type DesiredShard,
  planCluster,
  type ShardState,
  shardStates,
} from './plan.ts';
export {
  countSlots,
  evenLayout,
  formatRanges,
  fromRanges,
  quotaBounds,
  SLOT_COUNT,
  type SlotRange,
  toRanges,
} from './slots.ts';
