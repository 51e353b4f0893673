import { mysqlErrantGtids } from './dialect.ts';
import { MysqlEngineError } from './errors.ts';
import { type NodeState, observeNode } from './observeNode.ts';
import type { DesiredTopology, ObservedTopology } from './planTopology.ts';
import type { Session } from './session.ts';

export interface TopologyObservation {
  observed: ObservedTopology;
  /** why a node could not be observed, by name */
  errors: Record<string, MysqlEngineError>;
}

/**
 * Observes every node that has a session (the source with the replication-user lookup). On MySQL, also asks the
 * source for each replica's errant GTIDs (GTID_SUBTRACT); MariaDB's are computed from the states in planTopology.
 */
export async function observeTopology(
  sessions: Readonly<Record<string, Session | undefined>>,
  desired: DesiredTopology,
): Promise<TopologyObservation> {
  const observed: Record<string, (NodeState & { errantGtids?: string }) | undefined> = {};
  const errors: Record<string, MysqlEngineError> = {};
  // replicas first, then the source: a source observed later holds at least every GTID the replicas got from it,
  // so writes during observation cannot look like errant transactions
  const observe = (names: string[]) =>
    Promise.all(
      names.map(async (name) => {
        const s = sessions[name];
        if (!s) return;
        try {
          observed[name] = await observeNode(
            s,
            name === desired.source ? { replicationUser: desired.replicationUser } : {},
          );
        } catch (err) {
          errors[name] =
            err instanceof MysqlEngineError
              ? err
              : new MysqlEngineError('ERR_MYSQL_QUERY_FAILED', (err as Error).message);
        }
      }),
    );
  await observe(desired.replicas.map((r) => r.name).filter((n) => n !== desired.source));
  await observe([desired.source]);
  const source = observed[desired.source];
  const sourceSession = sessions[desired.source];
  if (source?.flavor === 'mysql' && sourceSession) {
    for (const { name } of desired.replicas) {
      const r = observed[name];
      if (!r || name === desired.source) continue;
      const [row] = await sourceSession.run(mysqlErrantGtids(r.gtid.executed, source.gtid.executed));
      r.errantGtids = String(row.errant ?? '').replace(/\s+/g, '');
    }
  }
  return { observed, errors };
}
