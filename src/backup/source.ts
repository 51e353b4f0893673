/**
 * Where a backup is taken from. Given hosts in order of preference, every host but the last is used only when it is
 * a healthy replica (replication threads running, lag under a bound): a dump then costs the primary nothing. The
 * last host (the primary, or an instance's only server) is the fallback, used as it is.
 */
import { connectNode, type Login, type NodeAddress } from '../engines/mysql/index.ts';

/** A replica further behind than this is not a good source: its dump would miss recent writes. */
export const MAX_SOURCE_LAG_SECONDS = 60;

export interface ChosenSource {
  address: NodeAddress;
  /** why this one, and why not the ones before it */
  notes: string[];
}

export async function chooseSource(hosts: readonly string[], port: number, login: Login): Promise<ChosenSource> {
  if (!hosts.length) throw new Error('no host to back up from');
  const notes: string[] = [];
  for (const host of hosts.slice(0, -1)) {
    const address = { host, port };
    try {
      const s = await connectNode(address, login, { connectTimeoutMs: 5000 });
      try {
        const rows = await s.run(s.dialect.replicaStatus);
        const st = rows.length ? s.dialect.parseReplicaStatus(rows[0]) : undefined;
        if (!st) notes.push(`${host}: not a replica`);
        else if (st.ioRunning !== 'Yes' || st.sqlRunning !== 'Yes') notes.push(`${host}: replication not running`);
        else if (st.secondsBehindSource === null || st.secondsBehindSource > MAX_SOURCE_LAG_SECONDS) {
          notes.push(`${host}: ${st.secondsBehindSource ?? 'unknown'} s behind its source`);
        } else {
          notes.push(`${host}: healthy replica, ${st.secondsBehindSource} s behind`);
          return { address, notes };
        }
      } finally {
        await s.close();
      }
    } catch (err) {
      notes.push(`${host}: ${(err as Error).message}`);
    }
  }
  const last = hosts[hosts.length - 1];
  notes.push(`${last}: used${hosts.length > 1 ? ' (no healthy replica)' : ''}`);
  return { address: { host: last, port }, notes };
}
