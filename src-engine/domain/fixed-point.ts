/**
 * Fixed-point helpers. The engine holds every quantity as an integer:
 * prices in price units (the instrument's `priceDecimals` says where the point is, the tick is a whole number of units),
 * volumes in units of the instrument (orders must be whole lots), money in minor units of the currency.
 * All values stay within Number.MAX_SAFE_INTEGER; helpers that multiply check it.
 */

export type Price = number;
export type Volume = number;
export type Money = number;

export function isSafeInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

export function isPositiveInt(n: unknown): n is number {
  return isSafeInt(n) && n > 0;
}

/** a * b, throwing if the exact product leaves the safe integer range. */
export function mulExact(a: number, b: number): number {
  const p = a * b;
  if (!Number.isSafeInteger(p)) throw new RangeError(`integer overflow: ${a} * ${b}`);
  return p;
}

/** floor(a * num / den) for non-negative integers, exact even when a * num exceeds 2^53. */
export function mulDivFloor(a: number, num: number, den: number): number {
  const p = a * num;
  if (Number.isSafeInteger(p)) return (p - (p % den)) / den;
  return Number((BigInt(a) * BigInt(num)) / BigInt(den));
}

/** ceil(a * num / den) for non-negative integers. */
export function mulDivCeil(a: number, num: number, den: number): number {
  const p = a * num;
  if (Number.isSafeInteger(p)) {
    const r = p % den;
    return r === 0 ? p / den : (p - r) / den + 1;
  }
  const big = BigInt(a) * BigInt(num);
  const d = BigInt(den);
  return Number((big + d - 1n) / d);
}

/** The largest multiple of `tick` that is <= price (price >= 0). */
export function floorToTick(price: number, tick: number): number {
  return price - (price % tick);
}

/** The smallest multiple of `tick` that is >= price (price >= 0). */
export function ceilToTick(price: number, tick: number): number {
  const r = price % tick;
  return r === 0 ? price : price + (tick - r);
}

/** Renders an integer amount with `decimals` implied decimal places, e.g. (123450, 2) -> "1234.50". */
export function formatFixed(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  const neg = units < 0;
  const digits = String(Math.abs(units)).padStart(decimals + 1, '0');
  const head = decimals === 0 ? digits : `${digits.slice(0, digits.length - decimals)}.${digits.slice(-decimals)}`;
  return neg ? `-${head}` : head;
}

/**
 * Parses a decimal string into integer units with `decimals` places, without floating point.
 * Returns undefined for anything that is not an exact decimal with at most `decimals` places.
 */
export function parseFixed(text: string, decimals: number): number | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const frac = m[3] ?? '';
  if (frac.length > decimals) {
    if (!/^0*$/.test(frac.slice(decimals))) return undefined;
  }
  const digits = `${m[2]}${frac.slice(0, decimals).padEnd(decimals, '0')}`;
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' && n !== 0 ? -n : n;
}
