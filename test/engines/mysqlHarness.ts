/**
 * Drives the MySQL engine against test servers the way a controller does: fresh sessions each pass (a node that
 * does not answer has none), then reconcileTopology (observe → plan → confirm → apply) until nothing is planned.
 */
import {
  type ApplyContext,
  connectNode,
  type DesiredTopology,
  reconcileTopology,
  type Session,
  type StepResult,
  type TopologyPass,
} from '../../src/engines/mysql/index.ts';
import type { Login, MariadbServer } from '../support/mariadb.ts';

export const REPLICATION: Login = { user: 'repl', password: 'Repl-s3cret-pw' };

export interface ConvergeOptions extends Partial<Omit<ApplyContext, 'desired' | 'replication' | 'openSession'>> {
  maxPasses?: number;
  confirmation?: { probes?: number; windowMs?: number };
  /** every pass, as it ends */
  onPass?: (pass: TopologyPass) => void;
}

export interface Harness {
  names: string[];
  byName: Record<string, MariadbServer>;
  desired(source: string, replicas: string[], mode?: 'async' | 'semisync'): DesiredTopology;
  open(name: string): Promise<Session>;
  /** observe → plan → apply until nothing is planned (or `maxPasses`, or a step fails); returns every step result */
  converge(desired: DesiredTopology, options?: ConvergeOptions): Promise<StepResult[]>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 1500;

export function harness(servers: MariadbServer[]): Harness {
  const names = servers.map((_, i) => `node-${i}`);
  const byName = Object.fromEntries(servers.map((s, i) => [names[i], s]));
  const opened = new Set<Session>();
  const open = async (name: string, bounds?: { waitTimeoutSeconds: number; lockWaitTimeoutSeconds: number }) => {
    const s = await connectNode({ host: byName[name].host, port: byName[name].port }, byName[name].admin, {
      secrets: [REPLICATION.password],
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      statementTimeoutMs: 5000,
      ...bounds,
    });
    opened.add(s);
    const close = s.close;
    s.close = async () => {
      opened.delete(s);
      await close();
    };
    return s;
  };
  return {
    names,
    byName,
    open,
    desired: (source, replicas, mode = 'async') => ({
      source,
      replicas: replicas.map((name) => ({ name })),
      mode,
      replicationAddress: Object.fromEntries(names.map((n) => [n, { host: byName[n].host, port: byName[n].port }])),
      replicationUser: REPLICATION.user,
    }),
    async converge(desired, options = {}) {
      const all: StepResult[] = [];
      for (let pass = 0; pass < (options.maxPasses ?? 6); pass++) {
        const nodes = [desired.source, ...desired.replicas.map((r) => r.name)];
        const live: Record<string, Session | undefined> = {};
        await Promise.all(nodes.map(async (n) => (live[n] = await open(n).catch(() => undefined))));
        try {
          const result = await reconcileTopology(live, {
            ...options,
            desired,
            replication: REPLICATION,
            openSession: open,
            probe: async (n) => (await open(n)).close(),
          });
          options.onPass?.(result);
          all.push(...result.results);
          if (!result.steps.length && !result.retrySoon) return all;
          if (result.results.some((r) => !r.ok) && !result.retrySoon) return all;
        } finally {
          await Promise.all(Object.values(live).map((s) => s?.close()));
        }
      }
      return all;
    },
    async close() {
      await Promise.all([...opened].map((s) => s.close()));
    },
  };
}
