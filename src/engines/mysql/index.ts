/** MySQL/MariaDB topology engine: observe → plan → act against real servers. No Kubernetes imports. */

export { type Account, accountsQuery, readAccounts, selectAccounts } from './accounts.ts';
export { type ApplyContext, applySteps, type StepResult } from './applySteps.ts';
export { type ConfirmationResult, confirmUnreachable, type FailoverConfirmation } from './confirmUnreachable.ts';
export {
  type Dialect,
  dialectFor,
  FENCE_MARKER,
  mariadbDialect,
  mysqlDialect,
  type ReplicationStatus,
  type Statement,
} from './dialect.ts';
export { classifyDriverError, MysqlEngineError, type MysqlErrorCode } from './errors.ts';
export { applyGroupSteps, type GroupStepResult, groupStepStatements, observeMember } from './groupReplication.ts';
export { gtidsNotCovered, parseMariadbGtidList, positionNotReached } from './gtid.ts';
export { gtidCount, gtidSetContains, parseMysqlGtidSet } from './mysqlGtidSet.ts';
export { type NodeState, observeNode, replicaLagSeconds } from './observeNode.ts';
export { observeTopology, type TopologyObservation } from './observeTopology.ts';
export {
  type GroupDesired,
  type GroupMemberView,
  type GroupPlan,
  type GroupStep,
  inLiveGroup,
  type MemberObservation,
  planGroupReplication,
} from './planGroupReplication.ts';
export {
  type DesiredTopology,
  errantGtids,
  type ObservedTopology,
  type PlanContext,
  planTopology,
  type ReplicationMode,
  type Step,
} from './planTopology.ts';
export { reconcileTopology, type TopologyPass, type TopologyPassInput } from './reconcileTopology.ts';
export { dumpCoordinates, SEED_MARKER_SCHEMA, type SeedInput, type SeedResult, seedReplica } from './seedReplica.ts';
export { connectNode, type Login, type NodeAddress, type Session } from './session.ts';
export {
  candidateErrantGtids,
  type SwitchoverInput,
  type SwitchoverResult,
  type SwitchoverStage,
  switchover,
} from './switchover.ts';
export { parseServerVersion, type ServerVersion } from './version.ts';
