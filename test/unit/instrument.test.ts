import { describe, expect, it } from 'vitest';
import { checkInstrumentSpec, type InstrumentSpec, priceBand } from '../../src-engine/domain/instrument.ts';

function spec(overrides: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    id: 'IF2501',
    kind: 'future',
    priceTick: 1,
    priceDecimals: 1,
    lotSize: 1,
    multiplier: 300,
    maxOrderVolume: 500,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 1000,
    status: 'active',
    ...overrides,
  };
}

describe('priceBand', () => {
  it('percent: exact bounds when the percentage divides evenly', () => {
    expect(priceBand(spec({ band: { kind: 'percent', bps: 500 }, referencePrice: 1000 }))).toEqual({
      lower: 950,
      upper: 1050,
    });
  });

  it('percent: rounds both bounds inward to the tick', () => {
    // tick 5, ref 1005: upper = 1105.5 -> floor 1105 (on tick); lower = 904.5 -> ceil 905 (on tick)
    expect(priceBand(spec({ priceTick: 5, band: { kind: 'percent', bps: 1000 }, referencePrice: 1005 }))).toEqual({
      lower: 905,
      upper: 1105,
    });
    // tick 5, ref 1010: upper = 1111 -> floor to tick 1110; lower = 909 -> ceil to tick 910
    expect(priceBand(spec({ priceTick: 5, band: { kind: 'percent', bps: 1000 }, referencePrice: 1010 }))).toEqual({
      lower: 910,
      upper: 1110,
    });
    // tick 1: 1003 * 1.1 = 1103.3 -> 1103, 1003 * 0.9 = 902.7 -> 903
    expect(priceBand(spec({ priceTick: 1, band: { kind: 'percent', bps: 1000 }, referencePrice: 1003 }))).toEqual({
      lower: 903,
      upper: 1103,
    });
    // tick 10, ref 1230, 7%: upper 1316.1 -> 1316 -> 1310; lower 1143.9 -> 1144 -> 1150
    expect(priceBand(spec({ priceTick: 10, band: { kind: 'percent', bps: 700 }, referencePrice: 1230 }))).toEqual({
      lower: 1150,
      upper: 1310,
    });
  });

  it('percent: the lower bound is at least one tick', () => {
    expect(priceBand(spec({ priceTick: 1, band: { kind: 'percent', bps: 10_000 }, referencePrice: 10 }))).toEqual({
      lower: 1,
      upper: 20,
    });
    expect(priceBand(spec({ priceTick: 5, band: { kind: 'percent', bps: 20_000 }, referencePrice: 10 }))).toEqual({
      lower: 5,
      upper: 30,
    });
  });

  it('percent: exact for reference prices whose product with the factor exceeds 2^53', () => {
    const ref = 900_000_000_000_005; // * 10100 is beyond 2^53
    // upper = floor(ref * 1.01) = 909000000000005.05 -> 909000000000005; lower = ceil(ref * 0.99) = 891000000000004.95 -> ...005
    expect(priceBand(spec({ priceTick: 1, band: { kind: 'percent', bps: 100 }, referencePrice: ref }))).toEqual({
      lower: 891_000_000_000_005,
      upper: 909_000_000_000_005,
    });
  });

  it('ticks: reference plus and minus whole ticks, lower at least one tick', () => {
    expect(priceBand(spec({ priceTick: 5, band: { kind: 'ticks', ticks: 3 }, referencePrice: 100 }))).toEqual({
      lower: 85,
      upper: 115,
    });
    expect(priceBand(spec({ priceTick: 5, band: { kind: 'ticks', ticks: 5 }, referencePrice: 10 }))).toEqual({
      lower: 5,
      upper: 35,
    });
  });

  it('none, or no reference price: no band', () => {
    expect(priceBand(spec({ band: { kind: 'none' } }))).toBeNull();
    expect(priceBand(spec({ referencePrice: null }))).toBeNull();
    expect(priceBand(spec({ band: { kind: 'ticks', ticks: 3 }, referencePrice: null }))).toBeNull();
  });
});

describe('checkInstrumentSpec', () => {
  it('accepts valid specs, including edge values', () => {
    expect(checkInstrumentSpec(spec())).toBeNull();
    expect(checkInstrumentSpec(spec({ kind: 'stock', multiplier: 1, band: { kind: 'none' } }))).toBeNull();
    expect(checkInstrumentSpec(spec({ id: 'a'.repeat(32) }))).toBeNull();
    expect(checkInstrumentSpec(spec({ id: 'rb2510.SHFE_x-1' }))).toBeNull();
    expect(checkInstrumentSpec(spec({ priceDecimals: 0 }))).toBeNull();
    // 12 decimals need a multiplier that keeps one price unit a whole number of minor units
    expect(checkInstrumentSpec(spec({ priceDecimals: 12, multiplier: 10_000_000_000 }))).toBeNull();
    expect(checkInstrumentSpec(spec({ band: { kind: 'percent', bps: 100_000 } }))).toBeNull();
    expect(checkInstrumentSpec(spec({ band: { kind: 'ticks', ticks: 1 } }))).toBeNull();
    expect(checkInstrumentSpec(spec({ referencePrice: null }))).toBeNull();
    expect(checkInstrumentSpec(spec({ lotSize: 10, maxOrderVolume: 1000 }))).toBeNull();
    expect(checkInstrumentSpec(spec({ status: 'suspended' }))).toBeNull();
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['empty id', { id: '' }, /id/],
    ['id with a space', { id: 'IF 2501' }, /id/],
    ['id of 33 characters', { id: 'a'.repeat(33) }, /id/],
    ['id starting with a dot', { id: '.IF' }, /id/],
    ['numeric id', { id: 42 }, /id/],
    ['unknown kind', { kind: 'option' }, /kind/],
    ['zero tick', { priceTick: 0 }, /priceTick/],
    ['fractional tick', { priceTick: 0.5 }, /priceTick/],
    ['negative decimals', { priceDecimals: -1 }, /priceDecimals/],
    ['13 decimals', { priceDecimals: 13 }, /priceDecimals/],
    ['a price unit worth a fraction of a minor unit', { priceDecimals: 3, multiplier: 1 }, /whole number/],
    ['fractional decimals', { priceDecimals: 1.5 }, /priceDecimals/],
    ['zero lot', { lotSize: 0 }, /lotSize/],
    ['zero multiplier', { multiplier: 0 }, /multiplier/],
    ['zero max volume', { maxOrderVolume: 0 }, /maxOrderVolume/],
    ['max volume not a lot multiple', { lotSize: 10, maxOrderVolume: 15 }, /maxOrderVolume/],
    ['missing band', { band: null }, /band/],
    ['zero bps', { band: { kind: 'percent', bps: 0 } }, /bps/],
    ['too many bps', { band: { kind: 'percent', bps: 100_001 } }, /bps/],
    ['fractional bps', { band: { kind: 'percent', bps: 1.5 } }, /bps/],
    ['zero ticks', { band: { kind: 'ticks', ticks: 0 } }, /ticks/],
    ['unknown band kind', { band: { kind: 'range' } }, /band/],
    ['zero reference', { referencePrice: 0 }, /referencePrice/],
    ['negative reference', { referencePrice: -5 }, /referencePrice/],
    ['fractional reference', { referencePrice: 1000.5 }, /referencePrice/],
    ['reference off tick', { priceTick: 5, referencePrice: 1002 }, /tick/],
    ['unknown status', { status: 'paused' }, /status/],
  ];
  it.each(refusals)('refuses %s', (_name, overrides, message) => {
    const bad = { ...spec(), ...overrides } as unknown as InstrumentSpec;
    const result = checkInstrumentSpec(bad);
    expect(result).toEqual(expect.any(String));
    expect(result).toMatch(message);
  });

  it('refuses a non-object', () => {
    expect(checkInstrumentSpec(null as unknown as InstrumentSpec)).toEqual(expect.any(String));
  });
});
