/**
 * The pure heart of the engine: from the desired topology and what each node reports, the steps that move the
 * servers toward it. One pass plans at most one role change (switchover, promotion or demotion) and nothing
 * else, since everything after it depends on its outcome: the caller applies, re-observes and plans again.
 * A converged topology plans no steps.
 */
import { divergedFrom } from './lsn.ts';
import { endOfWal, type NodeState } from './observeNode.ts';
import type { NodeAddress } from './session.ts';

export type ReplicationMode = 'async' | 'sync';

export interface DesiredTopology {
  primary: string;
  standbys: ReadonlyArray<{ name: string; isolated?: boolean }>;
  mode: ReplicationMode;
  /** the address at which the OTHER servers reach each node (what primary_conninfo names), by node name */
  replicationAddress: Readonly<Record<string, NodeAddress>>;
  replicationUser: string;
  /** rebuild diverged standbys from the primary (opt-in) */
  rebuildDiverged?: boolean;
}

/** Observed state by node name; `undefined` for a node that could not be observed. */
export type ObservedTopology = Readonly<Record<string, NodeState | undefined>>;

export type Step =
  | { kind: 'switchover'; from: string; to: string }
  | { kind: 'promote'; node: string; reason: string }
  | { kind: 'demote'; node: string; reason: string }
  | { kind: 'allowReplicationInHba'; node: string }
  | { kind: 'createReplicationRole'; node: string }
  | { kind: 'setWritable'; node: string }
  | { kind: 'createSlot'; node: string; slot: string }
  | { kind: 'dropSlot'; node: string; slot: string }
  | { kind: 'setSynchronousStandbys'; node: string; value: string }
  | { kind: 'followPrimary'; node: string; primary: string }
  | { kind: 'isolate'; node: string }
  | { kind: 'rebuild'; node: string; primary: string; reason: string }
  | {
      kind: 'blocked';
      node: string;
      code: 'ERR_POSTGRES_PRIMARY_UNREACHABLE' | 'ERR_POSTGRES_DIVERGED' | 'ERR_POSTGRES_NOT_STREAMING';
      message: string;
    };

/** compose-operator's application name of a node: its pod name with `-` → `_`. */
export const applicationName = (node: string) => node.replace(/-/g, '_');
/** The physical slot a standby streams through; the prefix marks the slots this operator manages. */
export const SLOT_PREFIX = 'statecraft_';
export const slotName = (node: string) => `${SLOT_PREFIX}${applicationName(node).toLowerCase()}`.slice(0, 63);

/** synchronous_standby_names for a mode: `ANY 1 (a, b)` of the non-isolated standbys in rpl_sync, else ''. */
export function synchronousStandbyNames(desired: DesiredTopology, primary = desired.primary): string {
  if (desired.mode !== 'sync') return '';
  const names = [desired.primary, ...desired.standbys.filter((s) => !s.isolated).map((s) => s.name)]
    .filter((n) => n !== primary)
    .map(applicationName);
  return names.length ? `ANY 1 (${names.join(', ')})` : '';
}

/** Whether `state`'s primary_conninfo names `address` (host, port) with this node's application name. */
export function followsAddress(state: NodeState, address: NodeAddress | undefined, node: string): boolean {
  const u = state.upstream;
  return (
    !!u &&
    !!address &&
    u.host === address.host &&
    u.port === address.port &&
    u.applicationName === applicationName(node) &&
    state.primarySlotName === slotName(node)
  );
}

/** Why a node cannot follow the primary without a rebuild, or undefined. */
export function divergence(node: NodeState, primary: NodeState): string | undefined {
  return divergedFrom({ tli: node.timeline, lsn: endOfWal(node) }, { tli: primary.timeline, history: primary.history });
}

/** The node `state`'s primary_conninfo points at, by name, when it is one of the topology's nodes. */
function upstreamOf(state: NodeState, desired: DesiredTopology): string | undefined {
  for (const [name, a] of Object.entries(desired.replicationAddress)) {
    if (state.upstream?.host === a.host && state.upstream.port === a.port) return name;
  }
  return undefined;
}

export function planTopology(desired: DesiredTopology, observed: ObservedTopology): Step[] {
  const primaryName = desired.primary;
  const primary = observed[primaryName];
  const names = [primaryName, ...desired.standbys.map((s) => s.name)];
  if (!primary) {
    return [
      {
        kind: 'blocked',
        node: primaryName,
        code: 'ERR_POSTGRES_PRIMARY_UNREACHABLE',
        message: `primary ${primaryName} cannot be observed; standbys are left as they are`,
      },
    ];
  }

  // nodes of the same cluster (a node with another system identifier is a separate server, to be seeded)
  const sameSystem = (n: string) => observed[n]?.systemIdentifier === primary.systemIdentifier;
  const writers = names.filter((n) => n !== primaryName && sameSystem(n) && !observed[n]!.inRecovery);
  if (primary.inRecovery) {
    // the spec names a standby as primary: a clean switchover from the running primary, else a failover
    const from = writers.length === 1 ? writers[0] : undefined;
    if (from) return [{ kind: 'switchover', from, to: primaryName }];
    if (writers.length > 1) {
      return [
        {
          kind: 'blocked',
          node: primaryName,
          code: 'ERR_POSTGRES_PRIMARY_UNREACHABLE',
          message: `several nodes run as primary (${writers.join(', ')}); the spec's primary ${primaryName} is not promoted`,
        },
      ];
    }
    const up = upstreamOf(primary, desired);
    return [
      {
        kind: 'promote',
        node: primaryName,
        reason: up
          ? `its primary ${up} cannot be reached: WAL it had not yet streamed may be missing`
          : 'no node of the topology runs as primary',
      },
    ];
  }

  // a node that runs as primary but is not the spec's (an old primary that came back): it must stop serving
  // writes before anything else; it restarts as a standby
  for (const n of writers) {
    return [{ kind: 'demote', node: n, reason: `${n} runs as primary but the spec's primary is ${primaryName}` }];
  }

  const steps: Step[] = [];
  if (primary.defaultReadOnly) steps.push({ kind: 'setWritable', node: primaryName });
  if (primary.replicationRoleOk === false) steps.push({ kind: 'createReplicationRole', node: primaryName });
  for (const n of names) {
    if (observed[n]?.hbaAllowsReplication === false) steps.push({ kind: 'allowReplicationInHba', node: n });
  }
  const sync = synchronousStandbyNames(desired);
  if (primary.synchronousStandbyNames !== sync) {
    steps.push({ kind: 'setSynchronousStandbys', node: primaryName, value: sync });
  }

  const wantedSlots = new Set(desired.standbys.filter((s) => !s.isolated).map((s) => slotName(s.name)));
  for (const slot of wantedSlots) {
    if (!primary.slots.some((s) => s.name === slot)) steps.push({ kind: 'createSlot', node: primaryName, slot });
  }
  for (const s of primary.slots) {
    if (s.type === 'physical' && s.name.startsWith(SLOT_PREFIX) && !wantedSlots.has(s.name) && !s.active) {
      steps.push({ kind: 'dropSlot', node: primaryName, slot: s.name });
    }
  }

  for (const { name, isolated } of desired.standbys) {
    const st = observed[name];
    if (!st || name === primaryName) continue;
    // slots a standby kept from when it was primary would hold its WAL forever
    for (const s of st.slots) {
      if (s.type === 'physical' && s.name.startsWith(SLOT_PREFIX) && !s.active) {
        steps.push({ kind: 'dropSlot', node: name, slot: s.name });
      }
    }
    if (isolated) {
      if (st.upstream) steps.push({ kind: 'isolate', node: name });
      continue;
    }
    if (!sameSystem(name)) {
      // a new server (the image initialised its own data directory): seeded by a base backup when it holds no
      // data; one holding data is only replaced with the opt-in
      const reason = `it is a separate PostgreSQL cluster (system identifier ${st.systemIdentifier}, the primary's is ${primary.systemIdentifier})`;
      steps.push(
        st.looksEmpty || desired.rebuildDiverged
          ? { kind: 'rebuild', node: name, primary: primaryName, reason }
          : {
              kind: 'blocked',
              node: name,
              code: 'ERR_POSTGRES_DIVERGED',
              message: `standby ${name} holds data and ${reason}; set the rebuild opt-in to replace it with a copy of ${primaryName}`,
            },
      );
      continue;
    }
    if (!followsAddress(st, desired.replicationAddress[primaryName], name)) {
      // (re)pointing comes first: a standby's own timeline is only known once it streams again
      steps.push({ kind: 'followPrimary', node: name, primary: primaryName });
      continue;
    }
    // it follows the primary but does not stream: the timelines say whether it can
    const diverged = st.walReceiver?.status === 'streaming' ? undefined : divergence(st, primary);
    if (diverged) {
      steps.push(
        desired.rebuildDiverged
          ? { kind: 'rebuild', node: name, primary: primaryName, reason: diverged }
          : {
              kind: 'blocked',
              node: name,
              code: 'ERR_POSTGRES_DIVERGED',
              message: `standby ${name} diverged from the primary ${primaryName} (${diverged})`,
            },
      );
    }
  }
  return steps;
}
