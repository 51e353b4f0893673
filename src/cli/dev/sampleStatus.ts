/**
 * What `statecraft dev` says about a sample: the state its kind calls converged (MusicService Available,
 * MysqlReplication Ready, brokers Running) or, until then, the condition that holds it back with its reason and
 * message. A condition whose False means all is well (Degraded False, AsExpected) is never shown as a problem.
 * Pure: objects in, words out.
 */

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    ready?: boolean;
    observedGeneration?: number;
    conditions?: Condition[];
    [key: string]: unknown;
  };
}

export interface SampleState {
  /** the kind's ready state, for the spec generation the object has now */
  converged: boolean;
  /** Ready / Available / Running, or the phase it is in */
  state: string;
  /** while not converged: the condition that matters, `DatabaseReady False (PrimaryNotReady): ...` */
  detail?: string;
  /** while converged: conditions still worth knowing (a ServiceMonitor that was skipped) */
  notes: string[];
}

interface KindRule {
  converged(s: NonNullable<KubeObject['status']>): boolean;
  state(s: NonNullable<KubeObject['status']>): string | undefined;
  /** condition types in the order they explain a not-ready state */
  conditions: string[];
}

const BROKERS: KindRule = {
  converged: (s) => s.phase === 'Running',
  state: (s) => s.phase,
  conditions: ['Ready', 'Degraded'],
};

/** Readiness per kind, from each controller's status code. */
const RULES: Record<string, KindRule> = {
  MusicService: {
    converged: (s) => s.phase === 'Available',
    state: (s) => s.phase,
    conditions: ['Reconciled', 'Available', 'DatabaseReady'],
  },
  MysqlReplication: {
    converged: (s) => s.ready === true,
    state: (s) => (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
    conditions: ['TopologyReady', 'ResourceReady'],
  },
  RedisCluster: {
    converged: (s) => s.ready === true,
    state: (s) => (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
    conditions: ['TopologyReady'],
  },
  PostgresReplication: {
    converged: (s) => s.ready === true,
    state: (s) => (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
    conditions: ['TopologyReady', 'ResourceReady'],
  },
  RedisReplication: {
    converged: (s) => s.ready === true,
    state: (s) => (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
    conditions: ['TopologyReady', 'ResourceReady', 'DivergentWrites'],
  },
  ShazamqCluster: BROKERS,
  StreamBusCluster: BROKERS,
  ProxysqlSync: {
    converged: (s) => s.ready === true,
    state: (s) => (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
    conditions: ['ServerReady', 'UserReady'],
  },
  MysqlGroupReplication: {
    converged: (s) => s.ready === true,
    state: (s) => (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
    conditions: ['TopologyReady', 'ResourceReady', 'MemberCount'],
  },
};

/**
 * Kinds whose servers cannot run on the local cluster (no ProxySQL, and MariaDB has no Group Replication): their
 * samples are applied and their controllers report, but `dev` does not wait for them — the state it shows is the
 * False condition that says why, which is the honest outcome here.
 */
export const CANNOT_RUN_HERE: Readonly<Record<string, string>> = {
  ProxysqlSync: 'no ProxySQL runs on the local cluster',
  MysqlGroupReplication: 'no MySQL server runs on the local cluster (MariaDB has no Group Replication)',
};

const GENERIC: KindRule = {
  converged: (s) =>
    s.ready === true ||
    ['Ready', 'Running', 'Available'].includes(s.phase ?? '') ||
    !!s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  state: (s) => s.phase ?? (s.ready === undefined ? undefined : s.ready ? 'Ready' : 'NotReady'),
  conditions: ['Ready', 'Available'],
};

/** Conditions whose True is the problem (Degraded, StorageWarningApp, ...); for all others False is. */
export function isNegativeCondition(type: string): boolean {
  return /^(Degraded|Failed|Stalled|DivergentWrites)$|Warning/.test(type);
}

export function isProblem(c: Condition): boolean {
  return isNegativeCondition(c.type) ? c.status === 'True' : c.status === 'False';
}

export function describeCondition(c: Condition): string {
  const why = c.reason ? ` (${c.reason})` : '';
  return `${c.type} ${c.status}${why}${c.message ? `: ${c.message}` : ''}`;
}

export function sampleState(o: KubeObject): SampleState {
  const status = o.status;
  const rule = RULES[o.kind ?? ''] ?? GENERIC;
  if (!status || Object.keys(status).length === 0) {
    return { converged: false, state: "waiting for the operator's first status", notes: [] };
  }
  const current =
    status.observedGeneration === undefined ||
    o.metadata?.generation === undefined ||
    status.observedGeneration >= o.metadata.generation;
  const converged = current && rule.converged(status);
  const problems = (status.conditions ?? []).filter(isProblem);
  const rank = (c: Condition) => {
    const i = rule.conditions.indexOf(c.type);
    return i < 0 ? rule.conditions.length : i;
  };
  problems.sort((a, b) => rank(a) - rank(b));
  const state = rule.state(status) ?? 'no phase yet';
  if (converged) {
    // what is left is informational: the kind's own ready condition agrees it is ready
    return { converged, state, notes: problems.map(describeCondition) };
  }
  const detail = !current
    ? `the operator has not yet observed generation ${o.metadata?.generation}`
    : problems[0]
      ? describeCondition(problems[0])
      : undefined;
  return { converged, state, detail, notes: [] };
}

/**
 * One line for the watch: `Running`, `Progressing — DatabaseReady False (PrimaryNotReady): ...`; a message longer
 * than a few lines of terminal is cut (kubectl describe has all of it).
 */
export function stateLine(s: SampleState, max = 240): string {
  const cut = (t: string) => (t.length > max ? `${t.slice(0, max - 1)}…` : t);
  if (s.converged) return s.notes.length ? `${s.state} (note: ${cut(s.notes.join('; '))})` : s.state;
  return s.detail ? `${s.state} — ${cut(s.detail)}` : s.state;
}

interface PodJson {
  metadata?: { name?: string; namespace?: string };
  status?: {
    containerStatuses?: {
      name: string;
      state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { reason?: string; exitCode?: number; message?: string };
      };
    }[];
  };
}

/** Waiting reasons that are steps of a normal start, not problems. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * A pod container in trouble, in a person's words (`mariadb: PackageNotInstalled — mariadb-install-db (Debian
 * package mariadb-server) is not installed ...`), or undefined when its pod is fine or only starting.
 */
export function podProblem(pod: PodJson): string | undefined {
  for (const c of pod.status?.containerStatuses ?? []) {
    const w = c.state?.waiting;
    if (w?.reason && !STARTING.has(w.reason)) {
      return `${c.name}: ${w.reason}${w.message ? ` — ${firstLine(w.message)}` : ''}`;
    }
    const t = c.state?.terminated;
    if (t && t.exitCode !== 0) {
      return `${c.name}: terminated (${t.reason ?? 'Error'}, exit code ${t.exitCode})${t.message ? ` — ${firstLine(t.message)}` : ''}`;
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
