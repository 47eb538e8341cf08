import { describe, expect, it } from 'vitest';
import type { InstrumentSpec } from '../../../src-renderer/api/types.ts';
import {
  emptyDraft,
  errorsFromApi,
  priceBand,
  tifsFor,
  validateOrder,
  withType,
} from '../../../src-renderer/logic/order-form.ts';

const IF: InstrumentSpec = {
  id: 'IF2612',
  kind: 'future',
  priceTick: 2,
  priceDecimals: 1,
  lotSize: 1,
  multiplier: 300,
  maxOrderVolume: 500,
  band: { kind: 'percent', bps: 1000 },
  referencePrice: 38000,
  status: 'active',
};

const STOCK: InstrumentSpec = {
  ...IF,
  id: '600519',
  kind: 'stock',
  priceTick: 1,
  priceDecimals: 2,
  lotSize: 100,
  maxOrderVolume: 100000,
  referencePrice: 150000,
};

describe('order form validation', () => {
  it('turns a valid limit draft into the request, price in price units', () => {
    const r = validateOrder({ ...emptyDraft(7), price: '3799.8', volume: '2', side: 'sell', offset: 'close' }, IF);
    expect(r).toEqual({
      ok: true,
      order: {
        accountId: 7,
        instrumentId: 'IF2612',
        side: 'sell',
        type: 'limit',
        tif: 'GFD',
        volume: 2,
        offset: 'close',
        price: 37998,
      },
    });
  });

  it('names the field of every mistake', () => {
    const r = validateOrder({ ...emptyDraft(null), price: '3799.9', volume: '0' }, IF);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.account).toMatch(/account/);
    expect(r.errors.price).toMatch(/tick 0\.2/);
    expect(r.errors.volume).toMatch(/above zero/);
  });

  it('checks decimals, the band, the lot size and the maximum volume', () => {
    const errs = (d: Partial<ReturnType<typeof emptyDraft>>, spec = IF) => {
      const r = validateOrder({ ...emptyDraft(1), price: '3800', ...d }, spec);
      return r.ok ? {} : r.errors;
    };
    expect(errs({ price: '3800.12' }).price).toMatch(/at most 1 decimal/);
    expect(errs({ price: '4200' }).price).toMatch(/outside the band 3420\.0 – 4180\.0/);
    expect(errs({ volume: '501' }).volume).toMatch(/at most 500/);
    expect(errs({ price: '1500.00', volume: '150' }, STOCK).volume).toMatch(/lot size 100/);
    const stock = validateOrder(
      { ...emptyDraft(1), price: '1500.00', volume: '200', side: 'sell', offset: 'closeToday' },
      STOCK,
    );
    expect(stock.ok && stock.order).toEqual({
      accountId: 1,
      instrumentId: '600519',
      side: 'sell',
      type: 'limit',
      tif: 'GFD',
      volume: 200,
      price: 150000,
    });
    expect(errs({ type: 'stopLimit', stopPrice: '' }).stopPrice).toMatch(/stop price/);
  });

  it('sends no price for market orders and the stop price for stops', () => {
    const m = validateOrder({ ...withType(emptyDraft(1), 'market'), price: 'ignored' }, IF);
    expect(m.ok && m.order).toMatchObject({ type: 'market', tif: 'IOC' });
    expect(m.ok && 'price' in m.order).toBe(false);
    const s = validateOrder({ ...withType(emptyDraft(1), 'stop'), stopPrice: '3810' }, IF);
    expect(s.ok && s.order).toMatchObject({ type: 'stop', tif: 'IOC', stopPrice: 38100 });
  });

  it('keeps time in force and post-only consistent with the order type', () => {
    expect(tifsFor('market')).toEqual(['IOC', 'FOK']);
    expect(tifsFor('stop')).toEqual(['IOC']);
    const d = withType({ ...emptyDraft(1), postOnly: true, tif: 'GTC' }, 'market');
    expect(d).toMatchObject({ tif: 'IOC', postOnly: false });
    const r = validateOrder({ ...emptyDraft(1), price: '3800', tif: 'IOC', postOnly: true }, IF);
    expect(!r.ok && r.errors.postOnly).toMatch(/Post-only/);
  });

  it('computes the band as the engine does', () => {
    expect(priceBand(IF)).toEqual({ lower: 34200, upper: 41800 });
    expect(priceBand({ ...IF, band: { kind: 'ticks', ticks: 10 } })).toEqual({ lower: 37980, upper: 38020 });
    expect(priceBand({ ...IF, referencePrice: null })).toBeNull();
  });
});

describe('API errors on the form', () => {
  it('places schema problems by their path', () => {
    expect(
      errorsFromApi({
        code: 'API_VALIDATION_FAILED',
        message: 'body: /price must be integer',
        details: [
          { in: 'body', path: '/price', message: 'must be integer' },
          { in: 'body', path: '/volume', message: 'must be >= 1' },
          { in: 'body', path: '', message: 'must NOT have additional properties' },
        ],
      }),
    ).toEqual({ price: 'must be integer', volume: 'must be >= 1', form: 'must NOT have additional properties' });
  });

  it('places engine rejects by their code, with the message and code', () => {
    expect(errorsFromApi({ code: 'VALIDATION_PRICE_OUT_OF_BAND', message: 'The price is outside the band.' })).toEqual({
      price: 'The price is outside the band. (VALIDATION_PRICE_OUT_OF_BAND)',
    });
    expect(errorsFromApi({ code: 'RISK_INSUFFICIENT_FUNDS', message: 'm' }).volume).toBeDefined();
    expect(errorsFromApi({ code: 'MATCHING_PHASE_REJECTS_ORDERS', message: 'closed' }).form).toMatch(/closed/);
  });
});
