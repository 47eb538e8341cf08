/**
 * Display of the API's integers: prices are integer price units placed by the instrument's priceDecimals (IF2612,
 * priceDecimals 1: 37998 shows as 3799.8), money is integer minor units (2 decimals), ratios are parts per million.
 * Parsing goes the other way without floating point, so what a user types is exactly what is sent.
 */

export const MONEY_DECIMALS = 2;

function group(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** An integer with `decimals` implied places as a decimal string; `grouped` adds thousands separators. */
export function formatFixed(units: number, decimals: number, grouped = false): string {
  if (!Number.isFinite(units)) return '—';
  const neg = units < 0;
  const digits = String(Math.abs(Math.trunc(units))).padStart(decimals + 1, '0');
  const int = decimals === 0 ? digits : digits.slice(0, digits.length - decimals);
  const frac = decimals === 0 ? '' : `.${digits.slice(-decimals)}`;
  return `${neg ? '-' : ''}${grouped ? group(int) : int}${frac}`;
}

/** A price in price units for display; null (no price yet) shows as a dash. */
export function formatPrice(price: number | null | undefined, decimals: number): string {
  return price === null || price === undefined ? '—' : formatFixed(price, decimals);
}

/** An axis tick in price units (may fall between integers) as a price: 37998.5, 1 → "3799.9" (display only). */
export function formatPriceTick(v: number, decimals: number): string {
  const t = (v / 10 ** decimals).toFixed(decimals);
  return /^-0(\.0*)?$/.test(t) ? t.slice(1) : t;
}

/** Money in minor units, grouped: 123456789 → "1,234,567.89". */
export function formatMoney(minor: number | null | undefined): string {
  return minor === null || minor === undefined ? '—' : formatFixed(minor, MONEY_DECIMALS, true);
}

export function formatVolume(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : formatFixed(v, 0, true);
}

/** Parts per million as a percentage with two decimals: 123456 → "12.35%" (rounded half up). */
export function formatPpm(ppm: number | null | undefined): string {
  if (ppm === null || ppm === undefined) return '—';
  if (ppm >= Number.MAX_SAFE_INTEGER) return '∞';
  // ppm / 10^4 = percent; keep two decimals: round ppm to hundreds
  const hundredths = Math.round(ppm / 100);
  return `${formatFixed(hundredths, 2)}%`;
}

/**
 * Parses a decimal text into integer units with at most `decimals` places ("3799.8", 1 → 37998). Returns null for
 * anything that is not such a number (more places than allowed, signs, exponents, empty).
 */
export function parseFixed(text: string, decimals: number): number | null {
  const m = /^\s*(\d+)(?:\.(\d*))?\s*$/.exec(text);
  if (m === null) return null;
  const frac = m[2] ?? '';
  if (frac.length > decimals && !/^0*$/.test(frac.slice(decimals))) return null;
  const n = Number(`${m[1]}${frac.slice(0, decimals).padEnd(decimals, '0')}`);
  return Number.isSafeInteger(n) ? n : null;
}

/** A whole positive number typed by a user ("1,000" allowed), or null. */
export function parseWhole(text: string): number | null {
  const t = text.replace(/[,_\s]/g, '');
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Wall-clock time of a timestamp (ms) in local time: HH:MM:SS, with milliseconds when asked. */
export function formatClock(ts: number, millis = false): string {
  const d = new Date(ts);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** Date and time of a timestamp (ms) in local time: YYYY-MM-DD HH:MM:SS. */
export function formatDateTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(ts)}`;
}

/** Seconds as a short latency: 0.000123 → "123 µs", 0.0456 → "45.6 ms", 2 → "2.00 s". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 1e-3) return `${(s * 1e6).toFixed(s < 1e-5 ? 1 : 0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 1e-2 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

/** A rate per second, rounded for display: 1234.5 → "1,235/s". */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '—';
  return `${formatFixed(Math.round(perSecond), 0, true)}/s`;
}

/** The change from `ref` to `last` as text with a sign, in the price's decimals, and its direction. */
export function priceChange(
  last: number | null,
  ref: number | null,
  decimals: number,
): { text: string; direction: 'up' | 'down' | 'flat' } {
  if (last === null || ref === null) return { text: '—', direction: 'flat' };
  const d = last - ref;
  const pct = ref === 0 ? 0 : (d * 10_000) / ref; // basis points
  const sign = d > 0 ? '+' : '';
  const pctText = `${sign}${(pct / 100).toFixed(2)}%`;
  return {
    text: `${sign}${formatFixed(d, decimals)} (${pctText})`,
    direction: d > 0 ? 'up' : d < 0 ? 'down' : 'flat',
  };
}
