/**
 * The pure heart of the RedisReplication engine: from the desired topology and what each server reports, the
 * steps that move the servers toward it. A pass plans at most one role change (a switchover or a promotion) and
 * nothing else, since everything after it depends on its outcome: the caller applies, re-observes, plans again.
 * A converged topology plans no steps.
 */
import type { RedisAddress } from '../session.ts';
import type { RedisNodeState } from './observeReplication.ts';

export interface DesiredReplication {
  source: string;
  replicas: ReadonlyArray<{ name: string; isolated?: boolean }>;
  /** where the OTHER servers reach each node (what REPLICAOF is given), by node name */
  address: Readonly<Record<string, RedisAddress>>;
}

/** Observed state by node name; `undefined` for a node that could not be observed. */
export type ObservedReplication = Readonly<Record<string, RedisNodeState | undefined>>;

/** Writes a node holds that the source does not, which making it a replica throws away. */
export interface Divergence {
  /** bytes of replication stream past the point where the source's history forked from this node's */
  bytes?: number;
  keys: number;
  message: string;
}

export type ReplicationStep =
  | { kind: 'switchover'; from: string; to: string }
  | { kind: 'promote'; node: string; reason: string }
  | { kind: 'replicaOf'; node: string; source: string; discards?: Divergence }
  | { kind: 'setMasterauth'; node: string }
  | { kind: 'detach'; node: string }
  | {
      kind: 'blocked';
      node: string;
      code: 'ERR_REDIS_SOURCE_UNREACHABLE' | 'ERR_REDIS_DATA_AT_RISK';
      message: string;
    };

export const pointsAt = (state: RedisNodeState, address: RedisAddress | undefined): boolean =>
  state.role === 'slave' && !!address && state.masterHost === address.host && state.masterPort === address.port;

/** The topology node `state` replicates from, by name. */
export function upstreamOf(state: RedisNodeState, desired: DesiredReplication): string | undefined {
  for (const [name, address] of Object.entries(desired.address)) if (pointsAt(state, address)) return name;
  return undefined;
}

/** Whether `node`'s replication history is `source`'s or one `source` continued (so a partial resync works). */
const sharesHistory = (node: RedisNodeState, source: RedisNodeState) =>
  node.replid === source.replid || (node.replid !== '' && node.replid === source.replid2);

/**
 * What a MASTER that is to become `source`'s replica holds beyond `source` — a returning old source's writes while
 * it was cut off. Same history continued by `source` (it was promoted from this node's stream): the bytes past the
 * fork point. An unrelated history: its keys, all replaced by a full resync. A replica's data is its master's,
 * so only masters are judged.
 *
 * Caveat: a master also advances its offset by the PINGs it sends replicas still connected to it (14 bytes
 * every repl-ping-replica-period), so a few bytes may be pings rather than writes.
 */
export function divergence(node: RedisNodeState, source: RedisNodeState): Divergence | undefined {
  if (node.role !== 'master') return undefined;
  if (node.replid === source.replid) return undefined;
  if (node.replid !== '' && node.replid === source.replid2 && source.secondReplOffset > 0) {
    const forkAt = source.secondReplOffset - 1;
    const bytes = node.masterReplOffset - forkAt;
    if (bytes <= 0) return undefined;
    return {
      bytes,
      keys: node.keys,
      message: `it took ${bytes} bytes of writes (offset ${forkAt} to ${node.masterReplOffset}) after the new source's history forked from it; they are discarded by the resync`,
    };
  }
  if (node.keys === 0) return undefined;
  return {
    keys: node.keys,
    message: `its ${node.keys} keys come from a replication history the source does not share; they are replaced by the source's data`,
  };
}

export function planReplication(desired: DesiredReplication, observed: ObservedReplication): ReplicationStep[] {
  const sourceName = desired.source;
  const source = observed[sourceName];
  if (!source) {
    return [
      {
        kind: 'blocked',
        node: sourceName,
        code: 'ERR_REDIS_SOURCE_UNREACHABLE',
        message: `source ${sourceName} cannot be observed; replicas are left as they are`,
      },
    ];
  }

  if (source.role === 'slave') {
    const from = upstreamOf(source, desired);
    if (from && from !== sourceName && observed[from]?.role === 'master') {
      return [{ kind: 'switchover', from, to: sourceName }];
    }
    return [
      {
        kind: 'promote',
        node: sourceName,
        reason: from
          ? `its source ${from} cannot be observed as a master: writes it had not yet sent may be missing`
          : `it replicates from ${source.masterHost}:${source.masterPort}, which is not a reachable node of the topology: writes it had not yet received may be missing`,
      },
    ];
  }

  const steps: ReplicationStep[] = [];
  // the source carries masterauth too: after a later switchover it is a replica and must authenticate
  if (!source.masterauthMatches) steps.push({ kind: 'setMasterauth', node: sourceName });
  for (const { name, isolated } of desired.replicas) {
    const replica = observed[name];
    if (!replica || name === sourceName) continue;
    if (isolated) {
      if (replica.role === 'slave') steps.push({ kind: 'detach', node: name });
      continue;
    }
    if (pointsAt(replica, desired.address[sourceName])) {
      if (!replica.masterauthMatches) steps.push({ kind: 'setMasterauth', node: name });
      continue;
    }
    if (replica.role === 'slave' && !sharesHistory(replica, source) && replica.keys > source.keys) {
      // e.g. the source restarted without its data: a full resync would replace the replica's data with less
      steps.push({
        kind: 'blocked',
        node: name,
        code: 'ERR_REDIS_DATA_AT_RISK',
        message: `replica ${name} holds ${replica.keys} keys from a replication history source ${sourceName} (${source.keys} keys) does not share — the source may have restarted without its data; ${name} is not repointed. To keep its data make it the source in the spec; to accept the source's data repoint it by hand (REPLICAOF)`,
      });
      continue;
    }
    const discards = divergence(replica, source);
    steps.push({ kind: 'replicaOf', node: name, source: sourceName, ...(discards ? { discards } : {}) });
  }
  return steps;
}
