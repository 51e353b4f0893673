/** Structural comparisons used to skip writes that would change nothing. */

/** Deep equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/**
 * Whether every field set in `want` has the same value in `have` (extra fields in `have`, e.g. defaults filled in
 * by the API server, are ignored). Lists must have the same length; their items are compared the same way.
 */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === have) return true;
  if (typeof want !== 'object' || want === null) return want === have;
  if (typeof have !== 'object' || have === null) return false;
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || want.length !== have.length) return false;
    return want.every((v, i) => isSubset(v, have[i]));
  }
  if (Array.isArray(have)) return false;
  return Object.entries(want as Record<string, unknown>).every(
    ([k, v]) => v === undefined || isSubset(v, (have as Record<string, unknown>)[k]),
  );
}
