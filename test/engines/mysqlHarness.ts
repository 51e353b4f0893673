/** Drives the MySQL engine against test servers the way a controller would: observe → plan → apply until converged. */
import {
  applySteps,
  connectNode,
  type DesiredTopology,
  observeTopology,
  planTopology,
  type Session,
  type StepResult,
} from '../../src/engines/mysql/index.ts';
import type { Login, MariadbServer } from '../support/mariadb.ts';

export const REPLICATION: Login = { user: 'repl', password: 'Repl-s3cret-pw' };

export interface Harness {
  names: string[];
  byName: Record<string, MariadbServer>;
  desired(source: string, replicas: string[], mode?: 'async' | 'semisync'): DesiredTopology;
  open(name: string): Promise<Session>;
  /** observe → plan → apply until nothing is planned (or `maxPasses`); returns every step result */
  converge(
    desired: DesiredTopology,
    options?: { catchUpTimeoutMs?: number; maxPasses?: number; signal?: AbortSignal; log?: (m: string) => void },
  ): Promise<StepResult[]>;
  close(): Promise<void>;
}

export function harness(servers: MariadbServer[]): Harness {
  const names = servers.map((_, i) => `node-${i}`);
  const byName = Object.fromEntries(servers.map((s, i) => [names[i], s]));
  const sessions = new Map<string, Session>();
  const open = (name: string) =>
    connectNode({ host: byName[name].host, port: byName[name].port }, byName[name].admin, {
      secrets: [REPLICATION.password],
    });
  const session = async (name: string) => {
    let s = sessions.get(name);
    if (!s) {
      s = await open(name);
      sessions.set(name, s);
    }
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
        const live: Record<string, Session> = {};
        for (const n of nodes) live[n] = await session(n);
        const { observed } = await observeTopology(live, desired);
        const steps = planTopology(desired, observed);
        if (!steps.length) return all;
        const results = await applySteps(live, steps, {
          desired,
          replication: REPLICATION,
          openSession: open,
          catchUpTimeoutMs: options.catchUpTimeoutMs,
          signal: options.signal,
          log: options.log,
        });
        all.push(...results);
        if (results.some((r) => !r.ok)) return all;
      }
      return all;
    },
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.close()));
      sessions.clear();
    },
  };
}
