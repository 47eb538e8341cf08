/**
 * Every rounding rule of the exchange, in one place (docs/accounts.md, "Rounding"):
 * - margin rounds up (a deposit held, never below the rate);
 * - commission by rate rounds down (a charge never above the rate); per lot is exact;
 * - notional and profit are exact (the unit value is a whole number of minor units by construction);
 * - a settlement VWAP rounds to the nearest tick, halves up.
 */
import { mulDivCeil, mulDivFloor, mulExact } from '../domain/fixed-point.ts';
import type { CommissionRule } from '../domain/instrument.ts';

const PPM = 1_000_000;

/** Money value (minor units) of `volume` at `price`, for an instrument whose unit value is `unitValue`. */
export function notional(price: number, volume: number, unitValue: number): number {
  return mulExact(mulExact(price, unitValue), volume);
}

/** Margin for `volume` at `price`: ceil(notional × ppm / 1e6). */
export function marginFor(price: number, volume: number, unitValue: number, ppm: number): number {
  if (volume === 0 || ppm === 0) return 0;
  return mulDivCeil(notional(price, volume, unitValue), ppm, PPM);
}

export type CommissionKind = 'open' | 'close' | 'closeToday';

/** Commission for `volume` at `price`: floor(notional × ppm / 1e6) by rate, or per lot × lots. */
export function commissionFor(
  rule: CommissionRule,
  kind: CommissionKind,
  price: number,
  volume: number,
  unitValue: number,
  lotSize: number,
): number {
  if (volume === 0) return 0;
  if (rule.kind === 'rate') {
    const ppm = kind === 'open' ? rule.openPpm : kind === 'close' ? rule.closePpm : rule.closeTodayPpm;
    return ppm === 0 ? 0 : mulDivFloor(notional(price, volume, unitValue), ppm, PPM);
  }
  const perLot = kind === 'open' ? rule.open : kind === 'close' ? rule.close : rule.closeToday;
  return mulExact(perLot, volume / lotSize);
}

/** Profit of closing `volume` bought (dir +1) or sold (dir −1) at `from`, at price `to`. Exact. */
export function profitFor(from: number, to: number, volume: number, unitValue: number, dir: 1 | -1): number {
  return mulExact(mulExact(to - from, unitValue), volume) * dir;
}

/** The rounding allowance frozen with an order: `perLot` minor units for each lot of open volume. */
export function allowanceFor(volume: number, lotSize: number, perLot: number): number {
  return (volume / lotSize) * perLot;
}

/** Volume-weighted average price rounded to the nearest multiple of `tick`, halves up. */
export function vwapToTick(sumPriceVolume: bigint, sumVolume: bigint, tick: number): number {
  const t = BigInt(tick);
  const den = sumVolume * t;
  // nearest integer of sumPV / (sumV × tick), halves up: floor((2·num + den) / (2·den))
  const ticks = (2n * sumPriceVolume + den) / (2n * den);
  return Number(ticks * t);
}

/** risk ratio in ppm = margin / balance; 1e6 × ... when balance ≤ 0 with margin, 0 without margin. */
export function riskRatioPpm(margin: number, balance: number): number {
  if (margin <= 0) return 0;
  if (balance <= 0) return Number.MAX_SAFE_INTEGER;
  return mulDivCeil(margin, PPM, balance);
}

/**
 * The most money (minor units) the exchange holds in all: deposits minus withdrawals never pass it. 10^15 is about
 * 2^50, so every sum the engine forms from it (balances with profits, margins, the totals a state hash reads)
 * stays inside JavaScript's exact integers (2^53).
 */
export const MAX_TOTAL_MONEY = 1_000_000_000_000_000;
