/**
 * MySQL GTID sets (`@@gtid_executed`): `uuid:1-5:7,uuid2:1-3`, comma-separated per source UUID, each with
 * intervals. Group Replication bootstraps from the member that has executed the most transactions; these say how
 * many a set holds and whether one set contains another.
 */
export type GtidSet = Map<string, [bigint, bigint][]>;

export function parseMysqlGtidSet(text: string | null | undefined): GtidSet {
  const out: GtidSet = new Map();
  for (const part of (text ?? '').replace(/\s+/g, '').split(',').filter(Boolean)) {
    const [uuid, ...ranges] = part.split(':');
    if (!/^[0-9a-f-]{36}$/i.test(uuid) || !ranges.length) throw new Error(`not a MySQL GTID set element: '${part}'`);
    const list = out.get(uuid.toLowerCase()) ?? [];
    for (const r of ranges) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(r);
      if (!m) throw new Error(`not a GTID interval: '${r}' in '${part}'`);
      list.push([BigInt(m[1]), BigInt(m[2] ?? m[1])]);
    }
    out.set(uuid.toLowerCase(), list);
  }
  return out;
}

/** How many transactions the set holds (intervals of one UUID do not overlap in what the server reports). */
export function gtidCount(text: string | null | undefined): bigint {
  let n = 0n;
  for (const list of parseMysqlGtidSet(text).values()) for (const [a, b] of list) n += b - a + 1n;
  return n;
}

/** Whether every transaction of `inner` is in `outer`. */
export function gtidSetContains(outer: string | null | undefined, inner: string | null | undefined): boolean {
  const o = parseMysqlGtidSet(outer);
  for (const [uuid, list] of parseMysqlGtidSet(inner)) {
    const have = o.get(uuid) ?? [];
    for (const [a, b] of list) {
      // each inner interval must be covered by the union of outer intervals
      let next = a;
      for (const [x, y] of [...have].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0))) {
        if (x <= next && y >= next) next = y + 1n;
        if (next > b) break;
      }
      if (next <= b) return false;
    }
  }
  return true;
}
