/**
 * The pure planner of a Redis Cluster: from the desired shards and one observation, the next steps. It plans one
 * phase at a time (the engine applies it, observes again and plans again), in the order that keeps the cluster
 * serving and every slot covered:
 *
 *   1. join     — CLUSTER MEET from a hub to every node it or that node does not know
 *   2. repair   — finish every open (importing / migrating) slot towards its target: the resume after a kill
 *   3. attach   — masterauth, then CLUSTER REPLICATE for members that do not follow their shard's master
 *   4. cover    — ADDSLOTSRANGE for unowned slots (a fresh cluster: the contiguous even layout)
 *   5. balance  — slot moves from nodes outside the spec and shards over their share to shards under it,
 *                 the fewest slots that make every share even (±1)
 *   6. restore  — CLUSTER FAILOVER on a spec master that is a replica (after a failover), once it is in sync
 *   7. remove   — CLUSTER FORGET (everywhere) + CLUSTER RESET of nodes outside the spec holding no slot or key
 */
import { type ClusterObservation, type NodeView, slotOwners } from './observe.ts';
import { countSlots, evenLayout, SLOT_COUNT, type SlotRange, toRanges } from './slots.ts';

export interface DesiredShard {
  name: string;
  /** spec node names; the first is the master */
  nodes: string[];
}

export interface DesiredCluster {
  /** in the stable order slots are laid out in (the controller sorts by shard name) */
  shards: DesiredShard[];
}

export type ClusterStep =
  | { kind: 'meet'; on: string; node: string }
  | { kind: 'setMasterauth'; node: string }
  | { kind: 'replicate'; node: string; masterId: string }
  | { kind: 'addSlots'; node: string; ranges: SlotRange[] }
  | { kind: 'finishSlot'; slot: number; fromId: string; toId: string }
  | { kind: 'clearSlot'; nodeId: string; slot: number }
  | { kind: 'moveSlots'; fromId: string; toId: string; slots: number[] }
  | { kind: 'failover'; node: string; shard: string }
  | { kind: 'forget'; id: string; reset: boolean };

export interface ClusterPlan {
  phase: 'join' | 'repair' | 'attach' | 'cover' | 'balance' | 'restore' | 'remove' | 'converged';
  steps: ClusterStep[];
  /** things that settle on their own (gossip, a replica's sync): observe again soon */
  waiting: string[];
  /** things the engine will not do (a node without cluster support, keys outside any slot) */
  blocked: string[];
}

/** Who serves one spec shard now. */
export interface ShardState {
  name: string;
  /** the spec node that is the shard's master now: the spec master, or a member that took over from it */
  master?: string;
  masterId?: string;
  /** the spec master is not the master now (a failover happened, or the spec reordered the shard) */
  failedOver: boolean;
  /** slots the current master holds */
  slots: SlotRange[];
}

const idOf = (o: ClusterObservation, name: string) => o.views[name]?.id || undefined;

/**
 * The current master of each shard: the spec master while it is a live master with slots; else a live member
 * that is a master with slots (it took over); else — a shard without slots yet — the spec master.
 */
export function shardStates(desired: DesiredCluster, o: ClusterObservation): ShardState[] {
  return desired.shards.map((shard) => {
    const live = (name: string) => {
      const id = idOf(o, name);
      const e = id ? o.known[id] : undefined;
      return e?.master && !e.failed ? e : undefined;
    };
    const holders = shard.nodes.filter((n) => (live(n)?.slots.length ?? 0) > 0);
    const specMaster = shard.nodes[0];
    let master: string | undefined;
    if (holders.includes(specMaster)) master = specMaster;
    else if (holders.length) {
      master = [...holders].sort((a, b) => countSlots(live(b)!.slots) - countSlots(live(a)!.slots))[0];
    } else if (live(specMaster)) master = specMaster;
    const masterId = master ? idOf(o, master) : undefined;
    return {
      name: shard.name,
      master,
      masterId,
      failedOver: master !== undefined && master !== specMaster,
      slots: masterId ? [...(o.known[masterId]?.slots ?? [])] : [],
    };
  });
}

/** Every reachable spec node knows every other spec node (past the handshake). */
export function clusterJoined(desired: DesiredCluster, o: ClusterObservation, reachableOnly = false): boolean {
  const names = desired.shards.flatMap((s) => s.nodes).filter((n) => !reachableOnly || o.views[n]?.clusterEnabled);
  const ids = names.map((n) => idOf(o, n));
  if (ids.length === 0 || ids.some((id) => !id)) return false;
  return names.every((n) => {
    const v = o.views[n]!;
    const knows = new Set(v.nodes.filter((e) => !e.handshake && !e.noaddr).map((e) => e.id));
    return ids.every((id) => knows.has(id!));
  });
}

export function planCluster(desired: DesiredCluster, o: ClusterObservation): ClusterPlan {
  const names = desired.shards.flatMap((s) => s.nodes);
  const blocked: string[] = [];
  for (const n of names) {
    if (o.views[n] && !o.views[n]!.clusterEnabled)
      blocked.push(`${n}: cluster support is disabled (cluster-enabled no)`);
  }
  const reachable = names.filter((n) => o.views[n]?.clusterEnabled);
  const plan = (phase: ClusterPlan['phase'], steps: ClusterStep[], waiting: string[] = []): ClusterPlan => ({
    phase,
    steps,
    waiting,
    blocked,
  });
  if (reachable.length === 0) return plan('join', []);

  // 1. join
  if (!clusterJoined(desired, o, true)) {
    const hub = reachable[0];
    const hubView = o.views[hub]!;
    const knows = (v: NodeView, id: string) => v.nodes.some((e) => e.id === id && !e.handshake && !e.noaddr);
    const steps: ClusterStep[] = [];
    const waiting: string[] = [];
    for (const n of reachable) {
      if (n === hub) continue;
      const v = o.views[n]!;
      if (!knows(hubView, v.id) || !knows(v, hubView.id)) steps.push({ kind: 'meet', on: hub, node: n });
      else waiting.push(`${n}: learning the other nodes from the cluster bus`);
    }
    // nothing else is planned until every reachable node knows every other: REPLICATE and slot moves name node
    // ids. An unreachable node (a dead master) does not hold the others back.
    if (steps.length || waiting.length) return plan('join', steps, waiting);
  }

  const owners = slotOwners(o.known);
  const byId = (id: string): NodeView | undefined => Object.values(o.views).find((v) => v?.id === id) ?? o.others[id];

  // 2. repair open slots: finish each move towards its target (the importing side), as `redis-cli --cluster fix`
  // does for a move it can identify; an open slot naming a node the cluster forgot is closed
  {
    const steps: ClusterStep[] = [];
    const done = new Set<number>();
    const live = (id: string) => !!o.known[id] && !o.known[id].failed && !!byId(id);
    for (const v of [...Object.values(o.views), ...Object.values(o.others)]) {
      if (!v?.clusterEnabled) continue;
      for (const m of v.self.migrating) {
        if (done.has(m.slot)) continue;
        done.add(m.slot);
        steps.push(
          live(m.to)
            ? { kind: 'finishSlot', slot: m.slot, fromId: v.id, toId: m.to }
            : { kind: 'clearSlot', nodeId: v.id, slot: m.slot },
        );
      }
    }
    for (const v of [...Object.values(o.views), ...Object.values(o.others)]) {
      if (!v?.clusterEnabled) continue;
      for (const i of v.self.importing) {
        if (done.has(i.slot)) continue;
        done.add(i.slot);
        steps.push(
          live(i.from)
            ? { kind: 'finishSlot', slot: i.slot, fromId: i.from, toId: v.id }
            : { kind: 'clearSlot', nodeId: v.id, slot: i.slot },
        );
      }
    }
    if (steps.length) return plan('repair', steps);
  }

  // 3. attach replicas to their shard's current master
  const shards = shardStates(desired, o);
  {
    const steps: ClusterStep[] = [];
    for (const n of reachable) {
      if (!o.views[n]!.masterauthOk) steps.push({ kind: 'setMasterauth', node: n });
    }
    desired.shards.forEach((shard, i) => {
      const st = shards[i];
      if (!st.masterId) return;
      for (const n of shard.nodes) {
        const v = o.views[n];
        if (!v?.clusterEnabled || n === st.master) continue;
        if (v.self.master) {
          if (v.self.slots.length) return; // a second slot holder in the shard: balance moves its slots away
          if (v.keys > 0) {
            blocked.push(`${n}: a master without slots that holds ${v.keys} keys; it cannot become a replica`);
            continue;
          }
          steps.push({ kind: 'replicate', node: n, masterId: st.masterId });
        } else if (v.self.masterId !== st.masterId) {
          steps.push({ kind: 'replicate', node: n, masterId: st.masterId });
        }
      }
    });
    if (steps.length) return plan('attach', steps);
  }

  // 4. cover unowned slots: the contiguous layout's range of each shard goes to its master
  const allMasters = shards.every((s) => s.masterId && byId(s.masterId));
  if (owners.size < SLOT_COUNT) {
    if (!allMasters) return plan('cover', [], ['a shard master is unreachable: unowned slots wait for it']);
    const layout = evenLayout(desired.shards.length);
    const steps: ClusterStep[] = [];
    layout.forEach(([a, b], i) => {
      const free: number[] = [];
      for (let s = a; s <= b; s++) if (!owners.has(s)) free.push(s);
      if (free.length) steps.push({ kind: 'addSlots', node: shards[i].master!, ranges: toRanges(free) });
    });
    return plan('cover', steps);
  }

  // 5. balance
  const moves = balanceMoves(shards, owners);
  if (moves.length) {
    const unreachable = moves.flatMap((m) => [m.fromId, m.toId]).filter((id) => !byId(id));
    if (unreachable.length || !allMasters) {
      return plan('balance', [], [`slots wait to move: nodes unreachable (${[...new Set(unreachable)].join(', ')})`]);
    }
    // a node that just joined reports cluster_state fail until it has learned every slot's owner, and refuses
    // the keys MIGRATE sends it (CLUSTERDOWN) until then
    const settling = moves.flatMap((m) => [m.fromId, m.toId]).filter((id) => byId(id)?.clusterState !== 'ok');
    if (settling.length) {
      return plan('balance', [], [`slots wait to move: ${[...new Set(settling)].join(', ')} not yet cluster_state ok`]);
    }
    return plan('balance', moves);
  }

  // 6. restore the spec's master in each failed-over shard, once it follows the new master and is in sync
  {
    const steps: ClusterStep[] = [];
    const waiting: string[] = [];
    desired.shards.forEach((shard, i) => {
      const st = shards[i];
      if (!st.failedOver) return;
      const specMaster = shard.nodes[0];
      const v = o.views[specMaster];
      if (!v?.clusterEnabled || v.self.master || v.self.masterId !== st.masterId) {
        waiting.push(`${shard.name}: ${specMaster} is not yet a replica of ${st.master}`);
      } else if (!v.linkUp || v.syncInProgress) {
        waiting.push(`${shard.name}: ${specMaster} is syncing from ${st.master}`);
      } else {
        steps.push({ kind: 'failover', node: specMaster, shard: shard.name });
      }
    });
    if (steps.length || waiting.length) return plan('restore', steps, waiting);
  }

  // 7. remove nodes the spec no longer names — only once every spec node is known (else a spec node we could not
  // reach would look foreign), and never one that holds a slot or a key
  {
    const specIds = new Set(names.map((n) => idOf(o, n)));
    if (specIds.has(undefined)) return plan('converged', []);
    const steps: ClusterStep[] = [];
    for (const e of Object.values(o.known)) {
      if (specIds.has(e.id)) continue;
      if (e.master && e.slots.length) continue;
      const master = e.masterId ? o.known[e.masterId] : undefined;
      if (!e.master && master && !specIds.has(master.id) && master.slots.length) continue;
      const v = o.others[e.id];
      if (v?.self.master && v.keys > 0) {
        blocked.push(`node ${e.id} (${e.host}:${e.port}) left the spec but holds ${v.keys} keys outside any slot`);
        continue;
      }
      steps.push({ kind: 'forget', id: e.id, reset: !!v });
    }
    if (steps.length) return plan('remove', steps);
  }
  return plan('converged', []);
}

/**
 * The fewest slot moves that leave each spec shard with floor or ceil of 16384/n slots and nothing on nodes the
 * spec does not name (or on a second master inside a shard). The larger shares go to the shards that hold the most
 * now; a shard over its share gives its highest slots, and receivers are filled in spec order.
 */
export function balanceMoves(
  shards: readonly ShardState[],
  owners: ReadonlyMap<number, string>,
): Array<Extract<ClusterStep, { kind: 'moveSlots' }>> {
  const masterIds = new Set(shards.map((s) => s.masterId).filter(Boolean) as string[]);
  if (masterIds.size !== shards.length) return [];
  // slots by holder, from the owner map (what the cluster agrees on)
  const held = new Map<string, number[]>();
  for (const [slot, id] of owners) {
    if (!held.has(id)) held.set(id, []);
    held.get(id)!.push(slot);
  }
  for (const list of held.values()) list.sort((a, b) => a - b);
  const count = (id: string) => held.get(id)?.length ?? 0;
  const n = shards.length;
  const base = Math.floor(SLOT_COUNT / n);
  const extra = SLOT_COUNT % n;
  const order = shards.map((s, i) => ({ id: s.masterId!, i }));
  const byHolding = [...order].sort((a, b) => count(b.id) - count(a.id) || a.i - b.i);
  const target = new Map<string, number>();
  for (const [rank, s] of byHolding.entries()) target.set(s.id, base + (rank < extra ? 1 : 0));

  // donors: every holder outside the shards' masters gives everything, each master its surplus (highest first)
  const give: Array<{ id: string; slots: number[] }> = [];
  for (const [id, slots] of [...held.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!masterIds.has(id)) give.push({ id, slots: [...slots] });
  }
  for (const { id } of order) {
    const surplus = count(id) - target.get(id)!;
    if (surplus > 0) give.push({ id, slots: held.get(id)!.slice(-surplus) });
  }
  const need = order.map(({ id }) => ({ id, n: target.get(id)! - count(id) })).filter((r) => r.n > 0);
  const moves: Array<Extract<ClusterStep, { kind: 'moveSlots' }>> = [];
  let r = 0;
  for (const d of give) {
    let slots = d.slots;
    while (slots.length && r < need.length) {
      const take = Math.min(need[r].n, slots.length);
      moves.push({ kind: 'moveSlots', fromId: d.id, toId: need[r].id, slots: slots.slice(0, take) });
      slots = slots.slice(take);
      need[r].n -= take;
      if (need[r].n === 0) r++;
    }
  }
  return moves;
}
