/**
 * Status writes through the status subresource that read their own writes and skip no-op writes. Equivalent to
 * CloudNativePG's conflict-free status patch helper, plus the read-your-writes memory the applier has for applies.
 *
 * `StatusWriter.patch(live, status)` owns the top-level status fields it is given: each is made equal to the given
 * value (a field set to undefined is removed; keys of nested maps that are no longer given are removed too, so a
 * promoted source loses its `sourceHost`), by one JSON merge patch that carries only the differences — nothing is
 * sent when there are none. Fields not given are left alone.
 *
 * Guarantees:
 * - Read your own writes: the writer remembers, per object, the status the API server returned for its last
 *   patch. `freshStatus(live)` (and `patch`) use it while the cache still holds an older copy, so a reconcile that
 *   runs before the cache saw our write neither rewrites the same fields nor computes transitions (condition times,
 *   "phase changed" events) from a stale status. The object reconciler hands reconcilers the fresh status.
 * - A converged status costs no request.
 * Assumptions: resourceVersions of one object are etcd revisions (decimal integers), so "newer" can be told; when
 * they are not, the cached copy is trusted (no memory, never a wrong one).
 * Caveats: a merge patch carries no resourceVersion, so there is no conflict to retry: the fields given are the
 * caller's to own; `null` cannot be stored as a value (it means "remove" in a merge patch).
 */
import { type KubeClient, kindOf } from './client.ts';
import { deepEqual } from './equality.ts';
import { gvkKey, type KubeObject } from './gvk.ts';

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Marks "no difference" in `mergePatchOf` (undefined is a legal "remove" elsewhere). */
const SAME = Symbol('same');

/**
 * The JSON merge patch (RFC 7386) that turns `current` into `desired`, or SAME. Maps are diffed key by key (keys
 * missing from `desired` become null, i.e. removed); anything else is replaced whole when it differs.
 */
export function mergePatchOf(current: unknown, desired: unknown): unknown {
  if (isMap(desired) && isMap(current)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(desired)) {
      if (v === undefined) continue;
      const d = mergePatchOf(current[k], v);
      if (d !== SAME) out[k] = d;
    }
    for (const k of Object.keys(current)) {
      if (current[k] !== undefined && desired[k] === undefined) out[k] = null;
    }
    return Object.keys(out).length ? out : SAME;
  }
  return deepEqual(current, desired) ? SAME : desired;
}

/** The patch for the owned top-level fields of `status`, or undefined when nothing differs. */
export function statusPatch(current: Json, status: Json): Json | undefined {
  const patch: Json = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined) {
      if (current[k] !== undefined) patch[k] = null;
      continue;
    }
    const d = mergePatchOf(current[k], v);
    if (d !== SAME) patch[k] = d;
  }
  return Object.keys(patch).length ? patch : undefined;
}

const revision = (rv: string | undefined): bigint | undefined => (rv && /^[0-9]+$/.test(rv) ? BigInt(rv) : undefined);

interface Written {
  uid: string;
  resourceVersion: bigint;
  status: Json;
}

export class StatusWriter {
  private readonly client: KubeClient;
  private readonly written = new Map<string, Written>();
  /** requests sent / skipped, for metrics and tests */
  readonly stats = { patched: 0, skipped: 0 };

  constructor(client: KubeClient) {
    this.client = client;
  }

  private key(obj: KubeObject): string {
    return `${gvkKey(kindOf(obj))}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}`;
  }

  /**
   * The newest status known for `live`: ours from the last patch while the cache is behind it, else the live one.
   */
  freshStatus(live: KubeObject): Json {
    const liveStatus = (live.status ?? {}) as Json;
    const key = this.key(live);
    const w = this.written.get(key);
    if (!w) return liveStatus;
    const rv = revision(live.metadata?.resourceVersion);
    if (w.uid !== live.metadata?.uid || rv === undefined || rv >= w.resourceVersion) {
      // the cache caught up (or the object was recreated): it is the truth from now on
      this.written.delete(key);
      return liveStatus;
    }
    return w.status;
  }

  /** Forgets an object (it was deleted). */
  forget(obj: KubeObject): void {
    this.written.delete(this.key(obj));
  }

  async patch<T extends KubeObject>(live: T, status: Json): Promise<{ object: T; patched: boolean }> {
    const current = this.freshStatus(live);
    const patch = statusPatch(current, status);
    if (!patch) {
      this.stats.skipped++;
      return { object: current === live.status ? live : ({ ...live, status: current } as T), patched: false };
    }
    const object = await this.client.patch<T>(
      kindOf(live),
      live.metadata?.namespace,
      live.metadata!.name!,
      { status: patch },
      'merge',
      { subresource: 'status' },
    );
    this.stats.patched++;
    const rv = revision(object.metadata?.resourceVersion);
    if (rv !== undefined && object.metadata?.uid) {
      this.written.set(this.key(live), {
        uid: object.metadata.uid,
        resourceVersion: rv,
        status: (object.status ?? {}) as Json,
      });
    }
    return { object, patched: true };
  }
}

/** One status patch without memory (for callers outside a manager). See StatusWriter.patch. */
export function patchStatus<T extends KubeObject>(
  client: KubeClient,
  live: T,
  status: Json,
): Promise<{ object: T; patched: boolean }> {
  return new StatusWriter(client).patch(live, status);
}
