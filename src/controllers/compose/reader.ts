import type { GroupVersionKind, KubeObject, Manager } from '../../runtime/index.ts';

/** Reads one object by name: the manager's cache, or a KubeClient (GET) for a process without a cache. */
export interface ObjectReader {
  get<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined>;
}

/**
 * Where compose helpers read Secrets and pods: a controller passes its Manager (the cache it watches), `statecraft
 * status --live` a KubeClient, so both find credentials and nodes the same way.
 */
export type ObjectSource = Pick<Manager, 'cache'> | ObjectReader;

export const readerOf = (from: ObjectSource): ObjectReader => ('cache' in from ? from.cache : from);
