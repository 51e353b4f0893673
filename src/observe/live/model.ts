/**
 * `statecraft status --live`, database side: what each node's server says about itself (read through the same
 * engine the controller uses) beside what the operator wrote in status, with every disagreement named. Pure: the
 * probes (mysql.ts, ...) produce an Observation, `mergeLive` puts it next to the StatusReport's nodes.
 */
import type { NodeView } from '../views/index.ts';

/** One node as its server reports it, or the (scrubbed) reason it could not be asked. */
export interface ObservedNode {
  name: string;
  /** host:port the probe connected to */
  address?: string;
  /** why the node could not be observed; never carries a password */
  error?: string;
  role?: NodeView['role'];
  /** the role in the engine's words (Source/Replica, master/slave, primary/standby) */
  rawRole?: string;
  /** MySQL read_only, Redis slave-read-only on a replica, PostgreSQL pg_is_in_recovery() */
  readOnly?: boolean;
  /** the replication threads / link as the server spells it, e.g. `IO Yes, SQL Yes` */
  link?: string;
  linkUp?: boolean;
  /** the node this one replicates from (node name when it matches one, else host:port) */
  source?: string;
  /** host:port the replication channel points at (status may name the source that way) */
  sourceAddress?: string;
  lagSeconds?: number;
  /** GTID set, replication offset or LSN */
  position?: string;
}

/** One probe of one CR's databases. `error`: nothing could be asked (e.g. credentials unreadable). */
export interface Observation {
  at: string;
  nodes: ObservedNode[];
  error?: string;
}

export interface LiveNode {
  name: string;
  /** what the operator wrote (status), when the node is in status */
  status?: Pick<NodeView, 'role' | 'rawRole' | 'source' | 'linkUp' | 'lagSeconds'>;
  observed: ObservedNode;
  /** each way the server contradicts status (or a dangerous state status cannot show), in words */
  disagreements: string[];
}

export interface LiveReport {
  at: string;
  error?: string;
  nodes: LiveNode[];
}

/** The ways `observed` contradicts `status` (undefined: the node is not in status). Pure. */
export function disagreements(status: NodeView | undefined, observed: ObservedNode): string[] {
  if (observed.error) return status?.role === 'source' || status?.healthy ? ['unreachable'] : [];
  if (!status) return ['not in status'];
  const out: string[] = [];
  if (observed.role && observed.role !== status.role) {
    out.push(`status says ${status.rawRole ?? status.role}, server is ${observed.rawRole ?? observed.role}`);
  }
  if (status.role === 'replica' && observed.readOnly === false) out.push('replica is writable');
  if (status.role === 'source' && observed.readOnly === true) out.push('source is read-only');
  if (status.role === 'replica' && observed.role === 'replica' && status.source && observed.source) {
    if (status.source !== observed.source && status.source !== observed.sourceAddress) {
      out.push(`replicates from ${observed.source}, status says ${status.source}`);
    }
  }
  if (status.linkUp !== undefined && observed.linkUp !== undefined && status.linkUp !== observed.linkUp) {
    out.push(`link ${observed.linkUp ? 'up' : 'down'} on the server, status says ${status.linkUp ? 'up' : 'down'}`);
  }
  return out;
}

/** Status nodes beside observed ones: status order first, then nodes only the probe knows. Pure. */
export function mergeLive(statusNodes: readonly NodeView[] | undefined, obs: Observation): LiveReport {
  const byName = new Map((statusNodes ?? []).map((n) => [n.name, n]));
  const observed = new Map(obs.nodes.map((n) => [n.name, n]));
  const names = [...byName.keys(), ...obs.nodes.map((n) => n.name).filter((n) => !byName.has(n))];
  const nodes = names.map((name): LiveNode => {
    const s = byName.get(name);
    const o = observed.get(name) ?? { name, error: obs.error ?? 'not observed' };
    return {
      name,
      status: s && { role: s.role, rawRole: s.rawRole, source: s.source, linkUp: s.linkUp, lagSeconds: s.lagSeconds },
      observed: o,
      disagreements: disagreements(s, o),
    };
  });
  return { at: obs.at, ...(obs.error ? { error: obs.error } : {}), nodes };
}
