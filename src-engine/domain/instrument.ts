import {
  ceilToTick,
  floorToTick,
  isPositiveInt,
  isSafeInt,
  mulDivCeil,
  mulDivFloor,
  type Price,
} from './fixed-point.ts';
import { type InstrumentId, isInstrumentId } from './ids.ts';

export type InstrumentKind = 'future' | 'stock';
export type InstrumentStatus = 'active' | 'suspended' | 'delisted';

/**
 * The limit-up / limit-down band around the reference price (the previous settlement price).
 * percent: in basis points of the reference price, rounded inward to the tick; ticks: a whole number of ticks;
 * none: no band (market orders then sweep the whole opposite side).
 */
export type PriceBandRule =
  | { readonly kind: 'percent'; readonly bps: number }
  | { readonly kind: 'ticks'; readonly ticks: number }
  | { readonly kind: 'none' };

/** Commission of a trade: by rate of notional (parts per million) or a fixed amount per lot (minor units). */
export type CommissionRule =
  | { readonly kind: 'rate'; readonly openPpm: number; readonly closePpm: number; readonly closeTodayPpm: number }
  | { readonly kind: 'perLot'; readonly open: number; readonly close: number; readonly closeToday: number };

/** How the daily settlement price is found. */
export type SettlementRule =
  | { readonly kind: 'last' }
  | { readonly kind: 'vwap'; readonly minutes: number }
  | { readonly kind: 'admin' };

/** Margin, commission, close and settlement terms of an instrument (docs/accounts.md). */
export interface TradingTerms {
  /** Margin rates in parts per million of notional (futures). */
  readonly marginLongPpm: number;
  readonly marginShortPpm: number;
  readonly commission: CommissionRule;
  /** yesterdayFirst: a close takes yesterday's position, then today's; separate: today's need closeToday. */
  readonly closeRule: 'yesterdayFirst' | 'separate';
  readonly settlement: SettlementRule;
}

export const DEFAULT_TERMS: TradingTerms = {
  marginLongPpm: 1_000_000,
  marginShortPpm: 1_000_000,
  commission: { kind: 'rate', openPpm: 0, closePpm: 0, closeTodayPpm: 0 },
  closeRule: 'yesterdayFirst',
  settlement: { kind: 'last' },
};

/** Money (minor units, 1/100) has two decimals. */
export const MONEY_DECIMALS = 2;

export interface InstrumentSpec {
  readonly id: InstrumentId;
  readonly kind: InstrumentKind;
  /** Price tick in price units; every price must be a multiple of it. */
  readonly priceTick: number;
  /** Decimal places of a price unit, for display only (prices stay integers). */
  readonly priceDecimals: number;
  /** Every order volume must be a multiple of the lot size. */
  readonly lotSize: number;
  /** Contract multiplier: money value of one price unit for one volume unit (1 for stocks). */
  readonly multiplier: number;
  readonly maxOrderVolume: number;
  readonly band: PriceBandRule;
  /** Reference price for the band and for the auction tie-break; null before the first settlement. */
  readonly referencePrice: Price | null;
  readonly status: InstrumentStatus;
  /** Trading terms; DEFAULT_TERMS when absent. */
  readonly terms?: TradingTerms;
}

export function termsOf(spec: InstrumentSpec): TradingTerms {
  return spec.terms ?? DEFAULT_TERMS;
}

/**
 * Minor units of money that one price unit is worth for one volume unit: multiplier × 10^MONEY_DECIMALS /
 * 10^priceDecimals. Specs where this is not a whole number are refused, so every notional and P&L is exact.
 */
export function unitValue(spec: InstrumentSpec): number {
  return (spec.multiplier * 10 ** MONEY_DECIMALS) / 10 ** spec.priceDecimals;
}

export interface PriceBand {
  readonly lower: Price;
  readonly upper: Price;
}

/** The band [lower, upper] for a spec, or null when the rule is none or there is no reference price yet. */
export function priceBand(spec: InstrumentSpec): PriceBand | null {
  const ref = spec.referencePrice;
  if (ref === null || spec.band.kind === 'none') return null;
  const tick = spec.priceTick;
  let lower: number;
  let upper: number;
  if (spec.band.kind === 'ticks') {
    lower = ref - spec.band.ticks * tick;
    upper = ref + spec.band.ticks * tick;
  } else {
    const bps = spec.band.bps;
    upper = floorToTick(mulDivFloor(ref, 10_000 + bps, 10_000), tick);
    lower = ceilToTick(mulDivCeil(ref, Math.max(0, 10_000 - bps), 10_000), tick);
  }
  if (lower < tick) lower = tick;
  return { lower, upper };
}

/** Returns a description of what is wrong with a spec, or null when it is valid. */
export function checkInstrumentSpec(spec: InstrumentSpec): string | null {
  if (typeof spec !== 'object' || spec === null) return 'spec must be an object';
  if (!isInstrumentId(spec.id)) return 'id must be 1-32 characters of letters, digits, ".", "_" or "-"';
  if (spec.kind !== 'future' && spec.kind !== 'stock') return 'kind must be future or stock';
  if (!isPositiveInt(spec.priceTick)) return 'priceTick must be a positive integer';
  if (!isSafeInt(spec.priceDecimals) || spec.priceDecimals < 0 || spec.priceDecimals > 12)
    return 'priceDecimals must be an integer 0..12';
  if (!isPositiveInt(spec.lotSize)) return 'lotSize must be a positive integer';
  if (!isPositiveInt(spec.multiplier)) return 'multiplier must be a positive integer';
  if (!isPositiveInt(spec.maxOrderVolume)) return 'maxOrderVolume must be a positive integer';
  if (spec.maxOrderVolume % spec.lotSize !== 0) return 'maxOrderVolume must be a multiple of lotSize';
  const band = spec.band as PriceBandRule | undefined;
  if (typeof band !== 'object' || band === null) return 'band must be an object';
  if (band.kind === 'percent') {
    if (!isPositiveInt(band.bps) || band.bps > 100_000) return 'band.bps must be an integer 1..100000';
  } else if (band.kind === 'ticks') {
    if (!isPositiveInt(band.ticks)) return 'band.ticks must be a positive integer';
  } else if (band.kind !== 'none') return 'band.kind must be percent, ticks or none';
  if (spec.referencePrice !== null) {
    if (!isPositiveInt(spec.referencePrice)) return 'referencePrice must be a positive integer or null';
    if (spec.referencePrice % spec.priceTick !== 0) return 'referencePrice must be on the price tick';
  }
  if (spec.status !== 'active' && spec.status !== 'suspended' && spec.status !== 'delisted')
    return 'status must be active, suspended or delisted';
  if (!Number.isSafeInteger(unitValue(spec)))
    return 'multiplier × 100 / 10^priceDecimals must be a whole number of minor units';
  if (spec.terms !== undefined) return checkTerms(spec.terms);
  return null;
}

function checkTerms(t: TradingTerms): string | null {
  if (typeof t !== 'object' || t === null) return 'terms must be an object';
  const ppm = (n: unknown) => isSafeInt(n) && n >= 0 && n <= 1_000_000;
  if (!ppm(t.marginLongPpm) || !ppm(t.marginShortPpm)) return 'margin rates must be integers 0..1000000 (ppm)';
  const c = t.commission as CommissionRule | undefined;
  if (typeof c !== 'object' || c === null) return 'terms.commission must be an object';
  if (c.kind === 'rate') {
    if (!ppm(c.openPpm) || !ppm(c.closePpm) || !ppm(c.closeTodayPpm))
      return 'commission rates must be integers 0..1000000 (ppm)';
  } else if (c.kind === 'perLot') {
    const money = (n: unknown) => isSafeInt(n) && n >= 0;
    if (!money(c.open) || !money(c.close) || !money(c.closeToday))
      return 'commission per lot must be non-negative integers (minor units)';
  } else return 'terms.commission.kind must be rate or perLot';
  if (t.closeRule !== 'yesterdayFirst' && t.closeRule !== 'separate')
    return 'closeRule must be yesterdayFirst or separate';
  const s = t.settlement as SettlementRule | undefined;
  if (typeof s !== 'object' || s === null) return 'terms.settlement must be an object';
  if (s.kind === 'vwap') {
    if (!isPositiveInt(s.minutes)) return 'settlement.minutes must be a positive integer';
  } else if (s.kind !== 'last' && s.kind !== 'admin') return 'settlement.kind must be last, vwap or admin';
  return null;
}
