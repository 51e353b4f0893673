/**
 * Which MySQL version to run. MySQL upgrades a data directory in place when a newer server starts on it, and an
 * older server cannot read what a newer one wrote (the tutorial's own step, 8.0 → 5.7, destroys an 8.0 data
 * directory). So the highest version that has run on the data claim is recorded on it, and a spec asking for
 * less is refused: the server keeps its version and the condition names the field. Pure.
 */

/** `8.0` → [8, 0]; `8.0.36` → [8, 0, 36]; tags that are not dotted numbers (`latest`, `8.0-debian`) → undefined. */
export function parseVersion(tag: string): number[] | undefined {
  return /^\d+(\.\d+)*$/.test(tag) ? tag.split('.').map(Number) : undefined;
}

/**
 * < 0 when a is older than b, 0 equal, > 0 newer; undefined when either cannot be compared. A shorter tag names a
 * series (8.0 is whatever 8.0.x the image has), so 8.0 and 8.0.36 compare equal.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

export type VersionPlan =
  | { accepted: true; run: string /** the data claim's record must be raised to this */; record?: string }
  | { accepted: false; run: string; reason: 'DowngradeRefused' | 'VersionNotComparable'; message: string };

/** `wanted`: spec.mysqlVersion; `recorded`: the data claim's version (undefined for a new instance). */
export function planVersion(wanted: string, recorded: string | undefined): VersionPlan {
  if (!recorded || recorded === wanted) return { accepted: true, run: wanted, ...(recorded ? {} : { record: wanted }) };
  const cmp = compareVersions(wanted, recorded);
  if (cmp === undefined) {
    return {
      accepted: false,
      run: recorded,
      reason: 'VersionNotComparable',
      message: `spec.mysqlVersion ${JSON.stringify(wanted)} cannot be compared with ${recorded}, the version this instance's data directory has run, so it is not known to be an upgrade; the server keeps running ${recorded}. Use a version number such as 8.4`,
    };
  }
  if (cmp < 0) {
    return {
      accepted: false,
      run: recorded,
      reason: 'DowngradeRefused',
      message: `spec.mysqlVersion ${wanted} is older than ${recorded}, which this instance's data directory has run: MySQL cannot downgrade a data directory in place, so the server keeps running ${recorded}. Set spec.mysqlVersion to ${recorded} or newer (to go back, restore a backup into a new instance)`,
    };
  }
  return { accepted: true, run: wanted, ...(cmp > 0 ? { record: wanted } : {}) };
}
