import { createHash } from 'node:crypto';

/** Annotation on the pod template carrying the hash of the configuration the pods were built with. */
export const CONFIG_HASH_ANNOTATION = 'statecraft.dev/config-hash';

/**
 * A stable hash of configuration content (strings, objects, arrays): object keys are sorted, so the hash depends on
 * content only. Put in the pod template, a change in the config changes the template and rolls the pods.
 */
export function configHash(...parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(canonicalJson(p)).update('\0');
  return h.digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
