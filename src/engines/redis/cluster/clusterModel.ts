/**
 * For unit tests only (planner and controller builders): an in-memory model of a cluster's state.
 */
import assert from 'node:assert/strict';
import type { ClusterNodeEntry } from './clusterNodes.ts';
import type { ClusterObservation, NodeView } from './observe.ts';
import { type ClusterStep, type DesiredCluster, planCluster } from './plan.ts';
import { fromRanges, SLOT_COUNT, toRanges } from './slots.ts';

/**
 * A model of a cluster's state for the planner: what the observation of it would say, and what each step does
 * to it. It stands in for nothing in the integration tests (those run real redis-server pods); it lets the plan be
 * driven to convergence here and checked step by step.
 */
interface ModelNode {
  name: string;
  id: string;
  up: boolean;
  master: boolean;
  masterId?: string;
  slots: Set<number>;
  migrating: Map<number, string>;
  importing: Map<number, string>;
  keys: Map<number, number>;
  knows: Set<string>;
  failed: boolean;
  linkUp: boolean;
  /** cluster_state as the node reports it */
  state: string;
}

export class Model {
  nodes = new Map<string, ModelNode>();
  spec: string[] = [];
  add(name: string, inSpec = true) {
    this.nodes.set(name, {
      name,
      id: `${name.padEnd(8, '0')}id`,
      up: true,
      master: true,
      slots: new Set(),
      migrating: new Map(),
      importing: new Map(),
      keys: new Map(),
      knows: new Set(),
      failed: false,
      linkUp: true,
      state: 'ok',
    });
    if (inSpec) this.spec.push(name);
    return this;
  }
  node(name: string) {
    return this.nodes.get(name)!;
  }
  byId(id: string) {
    return [...this.nodes.values()].find((n) => n.id === id)!;
  }
  entry(n: ModelNode, myself: boolean): ClusterNodeEntry {
    return {
      id: n.id,
      host: `10.0.0.${[...this.nodes.keys()].indexOf(n.name) + 1}`,
      port: 6379,
      busPort: 16379,
      flags: [],
      myself,
      master: n.master,
      masterId: n.masterId,
      failed: n.failed,
      pfail: false,
      handshake: false,
      noaddr: false,
      configEpoch: 1,
      linkConnected: true,
      slots: toRanges(n.slots),
      migrating: myself ? [...n.migrating].map(([slot, to]) => ({ slot, to })) : [],
      importing: myself ? [...n.importing].map(([slot, from]) => ({ slot, from })) : [],
    };
  }
  view(n: ModelNode): NodeView {
    const others = [...this.nodes.values()].filter((o) => o !== n && n.knows.has(o.id));
    const self = this.entry(n, true);
    return {
      name: this.spec.includes(n.name) ? n.name : undefined,
      id: n.id,
      address: { host: self.host, port: 6379 },
      clusterEnabled: true,
      clusterState: n.state,
      self,
      nodes: [self, ...others.map((o) => this.entry(o, false))],
      keys: [...n.keys.values()].reduce((a, b) => a + b, 0),
      linkUp: !n.master && n.linkUp,
      syncInProgress: false,
      offset: 0,
      masterauthOk: true,
    };
  }
  observe(): ClusterObservation {
    const views: ClusterObservation['views'] = {};
    for (const name of this.spec) views[name] = this.node(name).up ? this.view(this.node(name)) : undefined;
    const known: ClusterObservation['known'] = {};
    const others: ClusterObservation['others'] = {};
    for (const n of this.nodes.values()) {
      const seen = this.spec.some((s) => this.node(s).up && this.node(s).knows.has(n.id)) || this.spec.includes(n.name);
      if (!seen) continue;
      known[n.id] = this.entry(n, false);
      if (!this.spec.includes(n.name) && n.up) others[n.id] = this.view(n);
    }
    return { views, errors: {}, others, known };
  }
  apply(step: ClusterStep) {
    switch (step.kind) {
      case 'meet': {
        const a = this.node(step.on);
        const b = this.node(step.node);
        // gossip: after a meet everyone who knows either knows both
        a.knows.add(b.id);
        b.knows.add(a.id);
        const all = [...this.nodes.values()].filter((n) => n.knows.size > 0);
        for (const x of all) for (const y of all) if (x !== y) x.knows.add(y.id);
        break;
      }
      case 'replicate': {
        const n = this.node(step.node);
        assert.ok(n.slots.size === 0, `${n.name} replicates while holding slots`);
        n.master = false;
        n.masterId = step.masterId;
        n.keys.clear();
        break;
      }
      case 'addSlots':
        for (const s of fromRanges(step.ranges)) {
          assert.ok(!this.owner(s), `slot ${s} added twice`);
          this.node(step.node).slots.add(s);
        }
        break;
      case 'finishSlot':
      case 'moveSlots': {
        const from = this.byId(step.fromId);
        const to = this.byId(step.toId);
        for (const s of step.kind === 'finishSlot' ? [step.slot] : step.slots) {
          assert.ok(from.slots.has(s) || to.slots.has(s), `slot ${s} moved from a node that does not own it`);
          to.keys.set(s, (to.keys.get(s) ?? 0) + (from.keys.get(s) ?? 0));
          from.keys.delete(s);
          from.slots.delete(s);
          to.slots.add(s);
          from.migrating.delete(s);
          to.importing.delete(s);
        }
        this.moved += step.kind === 'moveSlots' ? step.slots.length : 1;
        break;
      }
      case 'clearSlot': {
        const n = this.byId(step.nodeId);
        n.migrating.delete(step.slot);
        n.importing.delete(step.slot);
        break;
      }
      case 'failover': {
        const n = this.node(step.node);
        const m = this.byId(n.masterId!);
        n.master = true;
        n.slots = m.slots;
        n.keys = m.keys;
        m.slots = new Set();
        m.keys = new Map();
        m.master = false;
        m.masterId = n.id;
        for (const r of this.nodes.values()) if (r.masterId === m.id && r !== m) r.masterId = n.id;
        n.masterId = undefined;
        break;
      }
      case 'forget': {
        const n = this.byId(step.id);
        assert.equal(n.slots.size, 0, `${n.name} forgotten while it holds slots`);
        assert.equal(
          [...n.keys.values()].reduce((a, b) => a + b, 0),
          0,
          `${n.name} forgotten while it holds keys`,
        );
        for (const o of this.nodes.values()) o.knows.delete(step.id);
        if (step.reset) n.knows.clear();
        this.forgotten.push(n.name);
        break;
      }
      case 'setMasterauth':
        break;
    }
  }
  owner(slot: number) {
    return [...this.nodes.values()].find((n) => n.slots.has(slot));
  }
  moved = 0;
  forgotten: string[] = [];
  /** plans and applies until converged; returns the phases seen */
  converge(desired: DesiredCluster, max?: number): string[] {
    this.spec = desired.shards.flatMap((sh) => sh.nodes);
    const phases: string[] = [];
    for (let i = 0; i < (max ?? 50); i++) {
      const plan = planCluster(desired, this.observe());
      assert.deepEqual(plan.blocked, []);
      if (plan.phase === 'converged') return phases;
      assert.ok(plan.steps.length > 0, `phase ${plan.phase} planned nothing: ${plan.waiting.join('; ')}`);
      phases.push(plan.phase);
      for (const s of plan.steps) this.apply(s);
      this.assertCovered(phases.includes('cover'));
    }
    if (max === undefined) assert.fail('did not converge');
    return phases;
  }
  assertCovered(afterCover: boolean) {
    if (!afterCover) return;
    let covered = 0;
    for (let s = 0; s < SLOT_COUNT; s++) if (this.owner(s)) covered++;
    assert.equal(covered, SLOT_COUNT, 'every slot is covered after every phase');
  }
}

export const shards = (spec: Record<string, string[]>): DesiredCluster => ({
  shards: Object.keys(spec)
    .sort()
    .map((name) => ({ name, nodes: spec[name] })),
});
export const three = { a: ['n0', 'n1'], b: ['n2', 'n3'], c: ['n4', 'n5'] };
export const fresh = (names: string[]) => {
  const m = new Model();
  for (const n of names) m.add(n);
  return m;
};
