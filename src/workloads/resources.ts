/**
 * Container resources from a custom resource's: custom resources may carry plain numbers (`cpu: 2`), core types
 * want strings; `2` and `"2"` mean the same quantity.
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { canonicalQuantity } from './quantity.ts';

type Quantities = Record<string, string | number> | undefined;

function strings(q: Quantities): Record<string, string> | undefined {
  return q ? Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])) : undefined;
}

/** The quantities as strings, as given (`2` → "2", "1000m" stays "1000m"). */
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

/**
 * The quantities in the API server's canonical form ("1000m" → "1"; see canonicalQuantity), so the object read
 * back equals the one applied and a converged child costs no apply request. Other fields are kept.
 */
export function canonicalResources<
  R extends { limits?: Record<string, string | number>; requests?: Record<string, string | number> },
>(r: R): Omit<R, 'limits' | 'requests'> & { limits?: Record<string, string>; requests?: Record<string, string> } {
  const canon = (m: Record<string, string | number> | undefined, what: string) =>
    m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, canonicalQuantity(v, `resources.${what}.${k}`)]));
  const { limits, requests, ...rest } = r;
  return {
    ...rest,
    ...(limits ? { limits: canon(limits, 'limits') } : {}),
    ...(requests ? { requests: canon(requests, 'requests') } : {}),
  };
}
