/**
 * Resource quantities as the API accepts them: custom resources may carry plain numbers (`cpu: 2`), core types
 * want strings; `2` and `"2"` mean the same quantity.
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';

type Quantities = Record<string, string | number> | undefined;

function strings(q: Quantities): Record<string, string> | undefined {
  return q ? Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])) : undefined;
}

export function resourceRequirements(r: {
  limits?: Quantities;
  requests?: Quantities;
  claims?: { name: string; request?: string }[];
}): V1ResourceRequirements {
  return {
    ...(r.limits ? { limits: strings(r.limits) } : {}),
    ...(r.requests ? { requests: strings(r.requests) } : {}),
    ...(r.claims ? { claims: r.claims } : {}),
  };
}
