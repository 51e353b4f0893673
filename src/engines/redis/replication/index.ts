/** RedisReplication engine: observe → plan → apply against real servers, and the zero-loss switchover. No Kubernetes imports. */
export {
  type ApplyReplicationContext,
  applyReplication,
  type ReplicationStepResult,
} from './applyReplication.ts';
export {
  type ConnectedReplica,
  observeNodes,
  observeReplication,
  parseReplicationInfo,
  type RedisNodeState,
} from './observeReplication.ts';
export {
  type DesiredReplication,
  type Divergence,
  divergence,
  type ObservedReplication,
  planReplication,
  pointsAt,
  type ReplicationStep,
  upstreamOf,
} from './planReplication.ts';
export { persistConfig, replicaOf, replicaOfNoOne, setMasterauth } from './replicaOf.ts';
export { type SwitchoverInput, type SwitchoverResult, switchover } from './switchover.ts';
