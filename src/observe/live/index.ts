/**
 * The database side of `statecraft status --live`: per replication kind a probe (one small module each), run for
 * every report of such a kind, the results kept and merged into the reports by `withLive`. Probes read Secrets,
 * pods and the CR through the given reader (the user's kubeconfig) and never write to the API or a database.
 */

import { kinds } from '../../apis/index.ts';
import type { AddressMode } from '../../controllers/address-mode.ts';
import type { ObjectReader } from '../../controllers/compose/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { StatusReport } from '../statusReport.ts';
import { mergeLive, type Observation } from './model.ts';
import { observeMysqlReplication } from './mysql.ts';
import { observePostgresReplication } from './postgres.ts';
import type { ProbeOptions } from './probe.ts';
import { observeRedisReplication } from './redis.ts';

export {
  disagreements,
  type LiveNode,
  type LiveReport,
  mergeLive,
  type Observation,
  type ObservedNode,
} from './model.ts';

type Probe = (reader: ObjectReader, cr: KubeObject, o: ProbeOptions) => Promise<Observation>;

/** Kinds whose databases `--live` asks directly. */
const PROBES: Record<string, Probe> = {
  MysqlReplication: observeMysqlReplication,
  PostgresReplication: observePostgresReplication,
  RedisReplication: observeRedisReplication,
};

export const probedKind = (kind: string) => kind in PROBES;

const keyOf = (r: { kind: string; namespace: string; name: string }) => `${r.kind}/${r.namespace}/${r.name}`;

export class LiveDatabases {
  private readonly observations = new Map<string, Observation>();
  private readonly options: ProbeOptions;
  private readonly reader: ObjectReader;

  constructor(reader: ObjectReader, options: Partial<ProbeOptions> & { addressMode: AddressMode }) {
    this.reader = reader;
    this.options = { timeoutMs: 3000, ...options };
  }

  /** Probes every report's databases (of a probed kind) at once; resolves when all answered or timed out. */
  async probe(reports: readonly StatusReport[]): Promise<void> {
    const wanted = reports.filter((r) => probedKind(r.kind));
    const keep = new Set(wanted.map(keyOf));
    for (const k of this.observations.keys()) if (!keep.has(k)) this.observations.delete(k);
    await Promise.all(
      wanted.map(async (r) => {
        const d = kinds.find((k) => k.kind === r.kind);
        if (!d) return;
        const gvk = { apiVersion: `${d.group}/${d.version}`, kind: d.kind };
        const at = new Date().toISOString();
        const obs = await this.reader.get(gvk, r.namespace, r.name).then(
          (cr) => (cr ? PROBES[r.kind](this.reader, cr, this.options) : undefined),
          (err: unknown) => ({ at, nodes: [], error: `reading ${r.kind} ${r.name}: ${(err as Error).message}` }),
        );
        if (obs) this.observations.set(keyOf(r), obs);
      }),
    );
  }

  /** The reports with the last observation of each beside its status nodes (`live`). */
  withLive(reports: readonly StatusReport[]): StatusReport[] {
    return reports.map((r) => {
      const obs = this.observations.get(keyOf(r));
      return obs ? { ...r, live: mergeLive(r.nodes, obs) } : r;
    });
  }
}
