/**
 * The pure heart of the engine: from the desired topology and what each node reports, the steps that move the
 * servers toward it. One pass plans at most one role change (a switchover or a promotion) and nothing else, since
 * everything after it depends on its outcome: the caller applies, re-observes and plans again. A converged
 * topology plans no steps.
 */
import { formatMariadbGtidList, gtidsNotCovered } from './gtid.ts';
import type { NodeState } from './observeNode.ts';
import type { NodeAddress } from './session.ts';

export type ReplicationMode = 'async' | 'semisync';

export interface DesiredTopology {
  source: string;
  replicas: ReadonlyArray<{ name: string; isolated?: boolean }>;
  mode: ReplicationMode;
  /** the address at which the OTHER servers reach each node (what CHANGE MASTER uses), by node name */
  replicationAddress: Readonly<Record<string, NodeAddress>>;
  /** the replication account's user name (the password only matters to applySteps) */
  replicationUser: string;
}

/** Observed state by node name; `undefined` for a node that could not be observed. */
export type ObservedTopology = Readonly<Record<string, (NodeState & { errantGtids?: string }) | undefined>>;

export type Step =
  | { kind: 'switchover'; from: string; to: string }
  | { kind: 'promote'; node: string; reason: string }
  | { kind: 'createReplicationUser'; node: string }
  | { kind: 'setReadOnly'; node: string; readOnly: boolean }
  | { kind: 'setSemiSync'; node: string; role: 'source' | 'replica'; enabled: boolean }
  | { kind: 'changeSource'; node: string; source: string; demote: boolean }
  | { kind: 'startReplication'; node: string }
  | { kind: 'detachReplica'; node: string }
  | {
      kind: 'blocked';
      node: string;
      code: 'ERR_MYSQL_SOURCE_UNREACHABLE' | 'ERR_MYSQL_ERRANT_TRANSACTIONS';
      message: string;
    };

/**
 * GTIDs `replica` has that `source` lacks, or '' when none. MariaDB: computed here from gtid_binlog_state (rule in
 * gtid.ts); MySQL: `errantGtids` filled in by observeTopology with the server's GTID_SUBTRACT.
 */
export function errantGtids(replica: NodeState & { errantGtids?: string }, source: NodeState): string {
  if (replica.flavor === 'mysql') return replica.errantGtids ?? '';
  return formatMariadbGtidList(gtidsNotCovered(source.gtid.binlogState, replica.gtid.binlogState));
}

function pointsAt(state: NodeState, address: NodeAddress | undefined): boolean {
  const r = state.replication;
  return !!r && !!address && r.sourceHost === address.host && r.sourcePort === address.port;
}

/** The node `state` replicates from, by name, if it is one of the topology's nodes. */
function upstreamOf(state: NodeState, desired: DesiredTopology): string | undefined {
  for (const [name, address] of Object.entries(desired.replicationAddress)) {
    if (pointsAt(state, address)) return name;
  }
  return undefined;
}

export function planTopology(desired: DesiredTopology, observed: ObservedTopology): Step[] {
  const sourceName = desired.source;
  const source = observed[sourceName];
  if (!source) {
    return [
      {
        kind: 'blocked',
        node: sourceName,
        code: 'ERR_MYSQL_SOURCE_UNREACHABLE',
        message: `source ${sourceName} cannot be observed; replicas are left as they are`,
      },
    ];
  }

  if (source.role === 'Replica') {
    const from = upstreamOf(source, desired);
    if (from && from !== sourceName && observed[from]) return [{ kind: 'switchover', from, to: sourceName }];
    return [
      {
        kind: 'promote',
        node: sourceName,
        reason: from
          ? `its source ${from} cannot be reached: transactions not yet replicated from it may be missing`
          : `it replicates from ${source.replication?.sourceHost}:${source.replication?.sourcePort}, which is not part of the topology`,
      },
    ];
  }

  const steps: Step[] = [];
  if (source.readOnly || source.superReadOnly) steps.push({ kind: 'setReadOnly', node: sourceName, readOnly: false });
  if (source.replicationUserExists === false) steps.push({ kind: 'createReplicationUser', node: sourceName });
  const semi = desired.mode === 'semisync';
  if (source.semiSync.sourceEnabled !== semi) {
    steps.push({ kind: 'setSemiSync', node: sourceName, role: 'source', enabled: semi });
  }

  for (const { name, isolated } of desired.replicas) {
    const replica = observed[name];
    if (!replica || name === sourceName) continue;
    if (isolated) {
      if (replica.role === 'Replica') steps.push({ kind: 'detachReplica', node: name });
      continue;
    }
    if (!replica.readOnly) steps.push({ kind: 'setReadOnly', node: name, readOnly: true });
    const errant = errantGtids(replica, source);
    if (errant) {
      steps.push({
        kind: 'blocked',
        node: name,
        code: 'ERR_MYSQL_ERRANT_TRANSACTIONS',
        message: `replica ${name} has transactions the source ${sourceName} lacks (${errant}); it is not (re)pointed and must be rebuilt or the transactions reconciled by hand`,
      });
      continue;
    }
    if (!pointsAt(replica, desired.replicationAddress[sourceName]) || !replica.replication?.usesGtid) {
      steps.push({ kind: 'changeSource', node: name, source: sourceName, demote: replica.role === 'Source' });
    } else if (replica.replication.ioRunning === 'No' || replica.replication.sqlRunning !== 'Yes') {
      steps.push({ kind: 'startReplication', node: name });
    }
    if (replica.semiSync.replicaEnabled !== semi) {
      steps.push({ kind: 'setSemiSync', node: name, role: 'replica', enabled: semi });
    }
  }
  return steps;
}
