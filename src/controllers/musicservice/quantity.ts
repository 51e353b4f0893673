const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource.Quantity as a number of base units ("50Gi" → bytes, "500m" → 0.5). Throws on malformed input. */
export function parseQuantity(q: string | number, field = 'quantity'): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))$/.exec(q.trim());
  const mult = m ? (m[2] ? 1 : SUFFIX[m[3] ?? '']) : undefined;
  if (!m || mult === undefined || Number.isNaN(Number(m[1]))) throw new Error(`${field}: "${q}" is not a quantity`);
  return m[2] ? Number(`${m[1]}${m[2]}`) : Number(m[1]) * mult;
}
