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
  /**
   * false: file/position replication (MusicService `replication.gtid: false`): replicas follow binary log
   * coordinates, and a replica re-pointed at a moved source keeps the coordinates it had applied. Default true.
   */
  gtid?: boolean;
}

/** Observed state by node name; `undefined` for a node that could not be observed. */
export type ObservedTopology = Readonly<Record<string, (NodeState & { errantGtids?: string }) | undefined>>;

export type Step =
  | { kind: 'switchover'; from: string; to: string }
  /** a failover: `node` is promoted although `from` (its source, when known) could not be reached */
  | { kind: 'promote'; node: string; from?: string; reason: string }
  /** read_only=ON and every client session killed: a node that is writable but must not be */
  | { kind: 'fence'; node: string; reason: string }
  /** ends a fence session left by an earlier switchover attempt (its global read lock stalls every write) */
  | { kind: 'releaseFence'; node: string; connectionId: number }
  | { kind: 'createReplicationUser'; node: string }
  | { kind: 'setReadOnly'; node: string; readOnly: boolean }
  | { kind: 'setSemiSync'; node: string; role: 'source' | 'replica'; enabled: boolean }
  | {
      kind: 'changeSource';
      node: string;
      source: string;
      demote: boolean;
      /** file/position replication: where on the source to continue (else positions by GTID) */
      position?: { file: string; pos: number };
    }
  | { kind: 'startReplication'; node: string }
  | { kind: 'detachReplica'; node: string }
  | {
      kind: 'blocked';
      node: string;
      code: 'ERR_MYSQL_SOURCE_UNREACHABLE' | 'ERR_MYSQL_ERRANT_TRANSACTIONS' | 'ERR_MYSQL_FAILOVER_UNCONFIRMED';
      message: string;
    };

/** What the caller knows beyond one observation. */
export interface PlanContext {
  /**
   * Nodes that did not answer over the whole failover confirmation window (several probes over a configured
   * time). Only these may be given up on: a node missing from ONE observation (a timeout, a failed query, a pod
   * without an IP yet) may still be a writable source, and promoting past it would make two.
   */
  confirmedUnreachable?: ReadonlySet<string>;
}

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

/**
 * The node `state` replicates from, by name, if it is one of the topology's nodes: by address, else by the server
 * id the channel last connected to (the address may be spelled differently: a host name, an old pod IP).
 */
function upstreamOf(state: NodeState, desired: DesiredTopology, observed: ObservedTopology): string | undefined {
  for (const [name, address] of Object.entries(desired.replicationAddress)) {
    if (pointsAt(state, address)) return name;
  }
  const id = state.replication?.sourceServerId;
  if (!id) return undefined;
  return Object.entries(observed).find(([, o]) => o && o.serverId === id && o.serverId !== state.serverId)?.[0];
}

const isolatedIn = (desired: DesiredTopology, name: string) =>
  desired.replicas.some((r) => r.name === name && r.isolated);

/** Every node of the topology by name: the source and the replicas. */
const nodeNames = (desired: DesiredTopology) => [
  desired.source,
  ...desired.replicas.map((r) => r.name).filter((n) => n !== desired.source),
];

/**
 * Steps that come before anything else: fence sessions left by an earlier attempt are ended, and every node that
 * is writable but is not the spec's source (a former source answering again after a failover, a switchover
 * interrupted after its promotion) is fenced, so there are never two writable sources. `except`: the old source
 * of a switchover planned in this pass, which the switchover fences itself.
 */
function safetySteps(desired: DesiredTopology, observed: ObservedTopology, except?: string): Step[] {
  const steps: Step[] = [];
  for (const name of nodeNames(desired)) {
    const o = observed[name];
    if (o?.fenceHolder) steps.push({ kind: 'releaseFence', node: name, connectionId: o.fenceHolder });
  }
  for (const name of nodeNames(desired)) {
    const o = observed[name];
    if (!o || name === desired.source || name === except || isolatedIn(desired, name)) continue;
    if (o.role === 'Source' && (!o.readOnly || o.superReadOnly === false)) {
      steps.push({
        kind: 'fence',
        node: name,
        reason: `${name} is a writable source but the spec's source is ${desired.source}`,
      });
    }
  }
  return steps;
}

export function planTopology(desired: DesiredTopology, observed: ObservedTopology, context: PlanContext = {}): Step[] {
  const sourceName = desired.source;
  const source = observed[sourceName];
  const confirmed = context.confirmedUnreachable ?? new Set<string>();
  if (!source) {
    return [
      ...safetySteps(desired, observed),
      {
        kind: 'blocked',
        node: sourceName,
        code: 'ERR_MYSQL_SOURCE_UNREACHABLE',
        message: `source ${sourceName} cannot be observed; replicas are left as they are`,
      },
    ];
  }

  if (source.role === 'Replica') {
    const from = upstreamOf(source, desired, observed);
    if (from && from !== sourceName && observed[from]) {
      return [...safetySteps(desired, observed, from), { kind: 'switchover', from, to: sourceName }];
    }
    if (from && from !== sourceName && !confirmed.has(from)) {
      return [
        ...safetySteps(desired, observed),
        {
          kind: 'blocked',
          node: from,
          code: 'ERR_MYSQL_FAILOVER_UNCONFIRMED',
          message: `${sourceName} replicates from ${from}, which does not answer; it is promoted only once ${from} stayed unreachable over the failover confirmation window`,
        },
      ];
    }
    if (!from) {
      // the upstream is outside the topology: every node must be seen (and fenced if writable, by the safety
      // steps) or confirmed down, else one of them may be that upstream under another address
      const unseen = nodeNames(desired).filter(
        (n) => n !== sourceName && !isolatedIn(desired, n) && !observed[n] && !confirmed.has(n),
      );
      if (unseen.length) {
        return [
          ...safetySteps(desired, observed),
          {
            kind: 'blocked',
            node: unseen[0],
            code: 'ERR_MYSQL_FAILOVER_UNCONFIRMED',
            message: `${sourceName} replicates from a node outside the topology and ${unseen.join(', ')} cannot be observed; it is promoted only once they stayed unreachable over the failover confirmation window`,
          },
        ];
      }
    }
    return [
      ...safetySteps(desired, observed),
      {
        kind: 'promote',
        node: sourceName,
        ...(from ? { from } : {}),
        reason: from
          ? `its source ${from} stayed unreachable over the failover confirmation window: transactions not yet replicated from it may be missing`
          : `it replicates from ${source.replication?.sourceHost}:${source.replication?.sourcePort}, which is not part of the topology`,
      },
    ];
  }

  const steps: Step[] = safetySteps(desired, observed);
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
    const fenced = steps.some((s) => s.kind === 'fence' && s.node === name);
    if (!fenced && (!replica.readOnly || replica.superReadOnly === false)) {
      steps.push({ kind: 'setReadOnly', node: name, readOnly: true });
    }
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
    const gtid = desired.gtid !== false;
    if (!pointsAt(replica, desired.replicationAddress[sourceName]) || replica.replication?.usesGtid !== gtid) {
      const r = replica.replication;
      if (gtid) {
        steps.push({ kind: 'changeSource', node: name, source: sourceName, demote: replica.role === 'Source' });
      } else if (r?.execSourceLogFile) {
        // the same source under a new address (or GTID → positions): continue where its SQL thread stands
        const position = { file: r.execSourceLogFile, pos: r.execSourceLogPos };
        steps.push({ kind: 'changeSource', node: name, source: sourceName, demote: false, position });
      }
      // gtid:false and no coordinates (not a replica yet): only a seed can say where to start
    } else if (replica.replication.ioRunning === 'No' || replica.replication.sqlRunning !== 'Yes') {
      steps.push({ kind: 'startReplication', node: name });
    }
    if (replica.semiSync.replicaEnabled !== semi) {
      steps.push({ kind: 'setSemiSync', node: name, role: 'replica', enabled: semi });
    }
  }
  return steps;
}
