/** PostgreSQL streaming-replication engine: observe → plan → act against real servers. No Kubernetes imports. */
export { type ApplyContext, applySteps, type StepResult } from './applySteps.ts';
export { classifyDriverError, PostgresEngineError, type PostgresErrorCode } from './errors.ts';
export { divergedFrom, formatLsn, parseLsn, parseTimelineHistory } from './lsn.ts';
export {
  allowReplicationCommand,
  type ExecResult,
  type NodeControl,
  rebuildCommand,
  stopAsStandbyCommand,
} from './nodeControl.ts';
export { endOfWal, type NodeState, observeNode, observeNodes, parseConninfo } from './observeNode.ts';
export {
  applicationName,
  type DesiredTopology,
  divergence,
  followsAddress,
  type ObservedTopology,
  planTopology,
  type ReplicationMode,
  SLOT_PREFIX,
  type Step,
  slotName,
  synchronousStandbyNames,
} from './planTopology.ts';
export { connectNode, type Login, type NodeAddress, type Session } from './session.ts';
export { primaryConninfo } from './statements.ts';
export { type SwitchoverInput, type SwitchoverResult, switchover } from './switchover.ts';
