/**
 * The informer's in-memory store: objects by `namespace/name`, plus named indexes (equivalent to client-go's
 * thread-safe store with indexers). Writes come only from reflectors; readers get the stored objects themselves —
 * treat them as read-only (clone before mutating).
 */
import { type KubeObject, keyOf } from './gvk.ts';

/** Computes the index values of one object, e.g. `(o) => [o.spec.nodeName]`. */
export type IndexFunc = (obj: KubeObject) => string[];

export const NAMESPACE_INDEX = 'namespace';

export class Store {
  private readonly items = new Map<string, KubeObject>();
  private readonly indexers = new Map<string, IndexFunc>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndex(NAMESPACE_INDEX, (o) => [o.metadata?.namespace ?? '']);
  }

  get size(): number {
    return this.items.size;
  }

  addIndex(name: string, fn: IndexFunc): void {
    if (this.indexers.has(name)) throw new Error(`index ${name} already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) this.indexOne(name, fn, index, key, obj);
  }

  private indexOne(name: string, fn: IndexFunc, index: Map<string, Set<string>>, key: string, obj: KubeObject): void {
    let values: string[];
    try {
      values = fn(obj);
    } catch (err) {
      throw new Error(`index ${name} failed on ${key}: ${(err as Error).message}`);
    }
    for (const v of values) {
      const set = index.get(v);
      if (set) set.add(key);
      else index.set(v, new Set([key]));
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        const set = index.get(v);
        set?.delete(key);
        if (set?.size === 0) index.delete(v);
      }
    }
  }

  /** Stores the object; returns the previous version, if any. */
  upsert(obj: KubeObject): KubeObject | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, this.indices.get(name)!, key, obj);
    return old;
  }

  remove(key: string): KubeObject | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  get(key: string): KubeObject | undefined {
    return this.items.get(key);
  }

  list(): KubeObject[] {
    return [...this.items.values()];
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  byIndex(name: string, value: string): KubeObject[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    const keys = index.get(value);
    return keys ? [...keys].map((k) => this.items.get(k)!) : [];
  }
}
