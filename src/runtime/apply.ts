/**
 * Server-side apply with the field manager `statecraft`, skipping requests that could not change anything.
 *
 * A converged object costs zero writes: the API server itself drops no-op applies, and this helper goes further
 * and sends nothing when (a) the same desired object was applied before by this process and (b) the live object
 * (from the shared cache when the kind is cached) still carries every field of it. (a) catches fields removed
 * from the desired object (they must be applied to be released); (b) catches drift by other writers.
 *
 * Caveats: kinds that are not cached are always applied (a no-op apply is not an etcd write, but it is a request).
 * Values the API server normalises (e.g. quantities '1000m' → '1') never compare equal and so always send an
 * apply — still without an etcd write. `force` defaults to true: the operator owns the fields it declares.
 */
import { createHash } from 'node:crypto';
import type { Cache } from './cache.ts';
import { type KubeClient, kindOf } from './client.ts';
import { isSubset } from './equality.ts';
import { gvkKey, type KubeObject } from './gvk.ts';

export const FIELD_MANAGER = 'statecraft';

export interface ApplyOptions {
  force?: boolean;
  fieldManager?: string;
  /** apply to a subresource, e.g. 'status' */
  subresource?: string;
}

export interface ApplyResult<T> {
  /** the object after the apply, or the cached live object when nothing was sent */
  object: T;
  /** whether a request was sent */
  applied: boolean;
}

export class Applier {
  private readonly client: KubeClient;
  private readonly cache?: Cache;
  private readonly lastApplied = new Map<string, string>();
  /** requests sent / skipped, for metrics and tests */
  readonly stats = { applied: 0, skipped: 0 };

  constructor(client: KubeClient, cache?: Cache) {
    this.client = client;
    this.cache = cache;
  }

  async apply<T extends KubeObject>(desired: T, options: ApplyOptions = {}): Promise<ApplyResult<T>> {
    const gvk = kindOf(desired);
    const name = desired.metadata?.name;
    if (!name) throw new Error(`apply ${desired.kind}: metadata.name is required`);
    const namespace = desired.metadata?.namespace;
    const fieldManager = options.fieldManager ?? FIELD_MANAGER;
    const key = `${gvkKey(gvk)}|${namespace ?? ''}|${name}|${options.subresource ?? ''}|${fieldManager}`;
    const hash = createHash('sha256').update(JSON.stringify(desired)).digest('base64url');
    const live = this.cache?.peek(gvk, namespace, name);
    if (live && this.lastApplied.get(key) === hash && isSubset(desired, live)) {
      this.stats.skipped++;
      return { object: live as T, applied: false };
    }
    if (live === undefined) this.lastApplied.delete(key); // gone: forget, so the map does not grow with churn
    const object = await this.client.patch<T>(gvk, namespace, name, desired, 'apply', {
      fieldManager,
      force: options.force ?? true,
      subresource: options.subresource,
    });
    this.stats.applied++;
    this.lastApplied.set(key, hash);
    return { object, applied: true };
  }

  /** Forgets what was applied for an object (call after deleting it). */
  forget(desired: KubeObject): void {
    const prefix = `${desired.apiVersion}/${desired.kind}|${desired.metadata?.namespace ?? ''}|${desired.metadata?.name}|`;
    for (const k of this.lastApplied.keys()) if (k.startsWith(prefix)) this.lastApplied.delete(k);
  }
}
