/**
 * MariaDB GTIDs are `domain-serverId-seq`; a position is a comma-separated list. `@@gtid_binlog_state` holds the
 * last GTID per (domain, server id) pair written to a server's binary log, `@@gtid_binlog_pos` only the last per
 * domain, `@@gtid_current_pos` the last per domain of binlog and replication position combined.
 *
 * Errant transactions (MariaDB rule): with log_slave_updates on every node, each transaction a replica applied
 * from its source is written to the replica's binary log with the ORIGINAL server id and sequence number, so the
 * replica's gtid_binlog_state can only contain (domain, server id) pairs that its source's gtid_binlog_state also
 * contains, at a sequence number no higher than the source's. A pair the source lacks, or a higher sequence number
 * for a pair, is a transaction that was written on the replica itself (or kept from a former role) and that the
 * source never saw: an errant transaction. It would be lost on a switchover to that source, and under
 * gtid_strict_mode it stops replication once the source's sequence numbers reach it.
 * (MySQL has UUID:interval sets instead; there the server computes GTID_SUBTRACT(replica, source).)
 */
export interface MariadbGtid {
  domain: number;
  serverId: number;
  seq: bigint;
}

export function parseMariadbGtidList(text: string | null | undefined): MariadbGtid[] {
  if (!text) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(s);
      if (!m) throw new Error(`not a MariaDB GTID: '${s}'`);
      return { domain: Number(m[1]), serverId: Number(m[2]), seq: BigInt(m[3]) };
    });
}

export function formatMariadbGtidList(gtids: readonly MariadbGtid[]): string {
  return gtids.map((g) => `${g.domain}-${g.serverId}-${g.seq}`).join(',');
}

/**
 * GTIDs in `want` (a gtid_binlog_state) that `have` (another gtid_binlog_state) does not cover: for each
 * (domain, server id) pair of `want`, `have` lacks the pair or holds a lower sequence number.
 *   errant GTIDs of a replica    = gtidsNotCovered(sourceState, replicaState)
 *   what a candidate still lacks = gtidsNotCovered(candidateState, oldSourceState)
 */
export function gtidsNotCovered(have: string | null | undefined, want: string | null | undefined): MariadbGtid[] {
  const best = new Map<string, bigint>();
  for (const g of parseMariadbGtidList(have)) {
    const k = `${g.domain}-${g.serverId}`;
    if ((best.get(k) ?? -1n) < g.seq) best.set(k, g.seq);
  }
  return parseMariadbGtidList(want).filter((g) => (best.get(`${g.domain}-${g.serverId}`) ?? -1n) < g.seq);
}

/**
 * GTIDs of position `want` (one GTID per domain, e.g. a source's gtid_binlog_pos) that position `have` (e.g. a
 * replica's gtid_slave_pos or gtid_current_pos) has not reached: `have` lacks the domain or is at a lower sequence
 * number. Under gtid_strict_mode sequence numbers only grow within a domain, so reaching the number means having
 * applied everything up to it. Unlike comparing gtid_binlog_state, this holds for a replica whose binary log was
 * reset or that does not log what it applies (log_slave_updates off).
 */
export function positionNotReached(have: string | null | undefined, want: string | null | undefined): MariadbGtid[] {
  const best = new Map<number, bigint>();
  for (const g of parseMariadbGtidList(have)) {
    if ((best.get(g.domain) ?? -1n) < g.seq) best.set(g.domain, g.seq);
  }
  return parseMariadbGtidList(want).filter((g) => (best.get(g.domain) ?? -1n) < g.seq);
}
