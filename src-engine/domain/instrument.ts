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
  return null;
}
