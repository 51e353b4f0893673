/** PostgreSQL WAL positions ("16/B374D848") as bigints, and the timeline history a primary keeps. */

export function parseLsn(text: string | null | undefined): bigint | undefined {
  if (!text) return undefined;
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text.trim());
  if (!m) return undefined;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** One line of a `0000000N.history` file: timeline `tli` ended (and the next began) at `switchpoint`. */
export interface TimelineSwitch {
  tli: number;
  switchpoint: bigint;
}

export function parseTimelineHistory(text: string): TimelineSwitch[] {
  const out: TimelineSwitch[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/.exec(line);
    if (m) out.push({ tli: Number(m[1]), switchpoint: parseLsn(m[2])! });
  }
  return out;
}

/**
 * Whether a node whose WAL ends at `lsn` on timeline `tli` can follow a primary on `primaryTli` with `history`
 * without a rewind: its timeline is the primary's, or one in the primary's history that the node has no WAL of past
 * the point where the primary's history forked off it.
 */
export function divergedFrom(
  node: { tli: number; lsn: bigint },
  primary: { tli: number; history: readonly TimelineSwitch[] },
): string | undefined {
  // same timeline: a standby observed a moment after the primary may well be past the primary's snapshot
  if (node.tli === primary.tli) return undefined;
  if (node.tli > primary.tli) return `it is on timeline ${node.tli}, newer than the primary's ${primary.tli}`;
  const sw = primary.history.find((h) => h.tli === node.tli);
  if (!sw) return `its timeline ${node.tli} is not in the primary's history`;
  if (node.lsn > sw.switchpoint) {
    return `it has WAL up to ${formatLsn(node.lsn)} on timeline ${node.tli}, past ${formatLsn(sw.switchpoint)} where the primary's timeline ${sw.tli + 1} forked`;
  }
  return undefined;
}
