/** Hash slots: the 16384 of them, ranges as Redis prints them, and the even layouts the planner aims for. */

export const SLOT_COUNT = 16384;

/** An inclusive range of slots, `[first, last]`. */
export type SlotRange = readonly [number, number];

/** Sorted, merged ranges of a set of slots. */
export function toRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

/** Every slot of some ranges, ascending. */
export function fromRanges(ranges: readonly SlotRange[]): number[] {
  const out: number[] = [];
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.push(s);
  return out.sort((x, y) => x - y);
}

export const countSlots = (ranges: readonly SlotRange[]) => ranges.reduce((n, [a, b]) => n + b - a + 1, 0);

/** `["0-5460", "5461"]`-style strings, as compose-operator's status prints them ("min-max"; one slot is "n-n"). */
export const formatRanges = (ranges: readonly SlotRange[]) => ranges.map(([a, b]) => `${a}-${b}`);

/**
 * The contiguous layout of a fresh cluster: shard i of n gets one range, the sizes differ by at most one and the
 * boundaries are the ones `redis-cli --cluster create` (and compose-operator) draw: 3 shards → 0-5460,
 * 5461-10922, 10923-16383.
 */
export function evenLayout(n: number): SlotRange[] {
  if (n < 1) return [];
  const per = SLOT_COUNT / n;
  const out: SlotRange[] = [];
  let first = 0;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1 ? SLOT_COUNT - 1 : Math.round((i + 1) * per - 1);
    out.push([first, last]);
    first = last + 1;
  }
  return out;
}

/** How many slots each of n shards should hold: floor or ceil of 16384/n. */
export function quotaBounds(n: number): { min: number; max: number } {
  return { min: Math.floor(SLOT_COUNT / n), max: Math.ceil(SLOT_COUNT / n) };
}
