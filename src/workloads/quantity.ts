/** resource.Quantity values: parsed to numbers (comparisons) and written in the API server's canonical form. */
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

const DECIMAL_SUFFIX: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * A quantity in the API server's canonical form ("1000m" → "1", "1024Mi" → "1Gi", 0.5 → "500m"). Children are
 * built with canonical quantities so the object read back equals the one applied and a converged child costs no
 * request. Values finer than nano-units are rounded up, as the API server does.
 */
export function canonicalQuantity(q: string | number, field = 'quantity'): string {
  const s = String(q).trim();
  const m = /^([+-]?)([0-9]*\.?[0-9]*)(?:[eE]([+-]?[0-9]+)|([a-zA-Z]*))$/.exec(s);
  if (!m || m[2] === '' || m[2] === '.') throw new Error(`${field}: "${q}" is not a quantity`);
  const [, sign, mantissa, exponent, suffix = ''] = m;
  const [whole, frac = ''] = mantissa!.split('.');
  let num = BigInt(`${whole || '0'}${frac}`);
  let den = 10n ** BigInt(frac.length);
  const binary = suffix.endsWith('i');
  if (exponent !== undefined) {
    const e = Number(exponent);
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else if (binary) {
    const i = BINARY_SUFFIX.indexOf(suffix);
    if (i < 0) throw new Error(`${field}: "${q}" has an unknown suffix`);
    num *= 1024n ** BigInt(i);
  } else {
    const e = Object.entries(DECIMAL_SUFFIX).find(([, v]) => v === suffix)?.[0];
    if (e === undefined) throw new Error(`${field}: "${q}" has an unknown suffix`);
    if (Number(e) >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-Number(e));
  }
  const neg = sign === '-' && num !== 0n ? '-' : '';
  if (binary && num % den === 0n && num / den >= 1024n) {
    let v = num / den;
    let i = 0;
    while (i < BINARY_SUFFIX.length - 1 && v % 1024n === 0n) {
      v /= 1024n;
      i++;
    }
    return `${neg}${v}${BINARY_SUFFIX[i]}`;
  }
  // nano-units, rounded up
  let nano = (num * 10n ** 9n + den - 1n) / den;
  let e = -9;
  while (e < 18 && nano !== 0n && nano % 1000n === 0n) {
    nano /= 1000n;
    e += 3;
  }
  if (nano === 0n) e = 0;
  const unit = exponent !== undefined ? (e === 0 ? '' : `e${e}`) : DECIMAL_SUFFIX[e];
  return `${neg}${nano}${unit}`;
}
