/**
 * Status writes through the status subresource that skip no-op writes: `patchStatus(live, status)` sends a JSON
 * merge patch of the given top-level status fields only when one of them differs from the live object's status
 * (a field set to undefined is removed). A merge patch carries no resourceVersion, so there is no conflict to
 * retry; the fields given are the caller's to own.
 */
import { type KubeClient, kindOf } from './client.ts';
import { deepEqual } from './equality.ts';
import type { KubeObject } from './gvk.ts';

export async function patchStatus<T extends KubeObject>(
  client: KubeClient,
  live: T,
  status: Record<string, unknown>,
): Promise<{ object: T; patched: boolean }> {
  const current = (live.status ?? {}) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined) {
      if (current[k] !== undefined) patch[k] = null;
    } else if (!deepEqual(v, current[k])) patch[k] = v;
  }
  if (Object.keys(patch).length === 0) return { object: live, patched: false };
  const object = await client.patch<T>(
    kindOf(live),
    live.metadata?.namespace,
    live.metadata!.name!,
    { status: patch },
    'merge',
    {
      subresource: 'status',
    },
  );
  return { object, patched: true };
}
