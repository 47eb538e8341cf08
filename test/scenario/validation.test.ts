/** Rejects with catalog codes and the validation order (docs/matching.md, "Numbers", "Band", "Validation order"). */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src-engine/domain/commands.ts';
import { A, B, BOOKS, C, type CommandInput, checkReject, kinds, makeSpec, Scenario, SYM } from './helpers.ts';

/** tick 5, lot 10, max 100, band [950, 1050] around reference 1000 (ticks rule), continuous. */
const RULES = {
  priceTick: 5,
  lotSize: 10,
  maxOrderVolume: 100,
  referencePrice: 1000,
  band: { kind: 'ticks', ticks: 10 },
} as const;

describe.each(BOOKS)('order validation (%s book)', (book) => {
  const start = () => new Scenario(book).instrument(SYM, RULES);

  it('tick, band, lot and maximum volume', () => {
    const s = start();
    const limit = (price: number, volume: number) => s.placeInput(1, A, 'buy', price, volume);
    expect(s.rejected(limit(1002, 10))).toBe('VALIDATION_PRICE_NOT_ON_TICK');
    expect(s.rejected(limit(1055, 10))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(s.rejected(limit(945, 10))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(s.rejected(limit(0, 10))).toBe('VALIDATION_PRICE_NOT_POSITIVE');
    expect(s.rejected(limit(-5, 10))).toBe('VALIDATION_PRICE_NOT_POSITIVE');
    expect(s.rejected(limit(1000, 15))).toBe('VALIDATION_VOLUME_NOT_LOT_MULTIPLE');
    expect(s.rejected(limit(1000, 110))).toBe('VALIDATION_VOLUME_ABOVE_MAXIMUM');
    expect(s.rejected(limit(1000, 0))).toBe('VALIDATION_VOLUME_NOT_POSITIVE');
    expect(s.rejected(limit(1000, -10))).toBe('VALIDATION_VOLUME_NOT_POSITIVE');
    // the bounds themselves and the maximum are fine
    expect(kinds(s.buy(1, A, 950, 100))).toEqual(['OrderAccepted', 'OrderRested']);
    expect(kinds(s.sell(2, B, 1050, 10))).toEqual(['OrderAccepted', 'OrderRested']);
    s.validate();
  });

  it('a percent band rounds inward to the tick', () => {
    // ref 1010, 10%: upper 1111 -> 1110, lower 909 -> 910 (tick 5)
    const s = new Scenario(book).instrument(SYM, {
      priceTick: 5,
      referencePrice: 1010,
      band: { kind: 'percent', bps: 1000 },
    });
    expect(s.rejected(s.placeInput(1, A, 'sell', 1115, 1))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(s.rejected(s.placeInput(1, A, 'buy', 905, 1))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(kinds(s.sell(1, A, 1110, 1))).toEqual(['OrderAccepted', 'OrderRested']);
    expect(kinds(s.buy(2, B, 910, 1))).toEqual(['OrderAccepted', 'OrderRested']);
    s.validate();
  });

  it('SetReferencePrice moves the band; resting orders outside the new band stay', () => {
    const s = start();
    s.sell(1, B, 1050, 10);
    const ev = s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 900 }); // band [850, 950]
    expect(ev).toEqual([{ kind: 'ReferencePriceChanged', instrumentId: SYM, price: 900 }]);
    expect(s.rejected(s.placeInput(2, A, 'buy', 1000, 10))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(kinds(s.buy(2, A, 850, 10))).toEqual(['OrderAccepted', 'OrderRested']);
    expect(s.depth()).toEqual({ bids: [[850, 10, 1]], asks: [[1050, 10, 1]] });
    s.validate();
  });

  it('market orders ignore the price field but not the volume rules', () => {
    const s = start();
    s.sell(1, B, 1000, 10);
    expect(s.rejected(s.placeInput(2, A, 'buy', 0, 15, { type: 'market', tif: 'IOC' }))).toBe(
      'VALIDATION_VOLUME_NOT_LOT_MULTIPLE',
    );
    expect(kinds(s.market(2, A, 'buy', 10))).toEqual(['OrderAccepted', 'TradeExecuted']);
    s.validate();
  });

  it('invalid combinations of type, time in force and flags', () => {
    const s = start();
    const bad: CommandInput[] = [
      s.placeInput(1, A, 'buy', 0, 10, { type: 'market', tif: 'GTC' }),
      s.placeInput(1, A, 'buy', 0, 10, { type: 'market', tif: 'GFD' }),
      s.placeInput(1, A, 'buy', 0, 10, { type: 'stop', tif: 'GTC', stopPrice: 1020 }),
      s.placeInput(1, A, 'buy', 0, 10, { type: 'stop', tif: 'GFD', stopPrice: 1020 }),
      s.placeInput(1, A, 'buy', 0, 10, { type: 'stop', tif: 'FOK', stopPrice: 1020 }),
      s.placeInput(1, A, 'buy', 1000, 10, { tif: 'IOC', postOnly: true }),
      s.placeInput(1, A, 'buy', 1000, 10, { tif: 'FOK', postOnly: true }),
      s.placeInput(1, A, 'buy', 0, 10, { type: 'market', tif: 'IOC', postOnly: true }),
      s.placeInput(1, A, 'buy', 1000, 10, { type: 'stopLimit', tif: 'GTC', stopPrice: 1020, postOnly: true }),
    ];
    for (const cmd of bad) expect(s.rejected(cmd)).toBe('VALIDATION_INVALID_ORDER_COMBINATION');
    s.validate();
  });

  it('stop price must be positive and on tick; a stop-limit price must be valid and in band', () => {
    const s = start();
    const stop = (stopPrice: number) => s.placeInput(1, A, 'buy', 0, 10, { type: 'stop', tif: 'IOC', stopPrice });
    expect(s.rejected(stop(0))).toBe('VALIDATION_STOP_PRICE_INVALID');
    expect(s.rejected(stop(-5))).toBe('VALIDATION_STOP_PRICE_INVALID');
    expect(s.rejected(stop(1002))).toBe('VALIDATION_STOP_PRICE_INVALID');
    const stopLimit = (price: number, stopPrice: number) =>
      s.placeInput(1, A, 'buy', price, 10, { type: 'stopLimit', tif: 'GTC', stopPrice });
    expect(s.rejected(stopLimit(1003, 1020))).toBe('VALIDATION_PRICE_NOT_ON_TICK');
    expect(s.rejected(stopLimit(1100, 1020))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(s.rejected(stopLimit(1020, 1021))).toBe('VALIDATION_STOP_PRICE_INVALID');
    // the stop price itself is not limited by the band
    expect(kinds(s.stop(1, A, 'buy', 2000, 10))).toEqual(['OrderAccepted']);
    expect(kinds(s.stopLimit(2, A, 'buy', 2000, 1050, 10))).toEqual(['OrderAccepted']);
    s.validate();
  });

  it('duplicate ids: open orders and pending stops are in use, finished orders are not', () => {
    const s = start();
    s.buy(1, A, 1000, 10);
    s.stop(2, A, 'sell', 900, 10);
    expect(s.rejected(s.placeInput(1, B, 'sell', 1010, 10))).toBe('VALIDATION_DUPLICATE_ORDER_ID');
    expect(s.rejected(s.placeInput(2, B, 'sell', 1010, 10))).toBe('VALIDATION_DUPLICATE_ORDER_ID');
    s.sell(3, B, 1000, 10); // fills order 1 completely
    expect(kinds(s.sell(1, B, 1010, 10))).toEqual(['OrderAccepted', 'OrderRested']); // 1 is free again
    s.cancel(2);
    expect(kinds(s.buy(2, C, 995, 10))).toEqual(['OrderAccepted', 'OrderRested']);
    s.validate();
  });

  it('unknown and not tradable instruments', () => {
    const s = start();
    expect(s.rejected(s.placeInput(1, A, 'buy', 1000, 10, { instrumentId: 'NOPE' }))).toBe(
      'VALIDATION_UNKNOWN_INSTRUMENT',
    );
    s.ok({ kind: 'SetInstrumentStatus', instrumentId: SYM, status: 'suspended' });
    expect(s.rejected(s.placeInput(1, A, 'buy', 1000, 10))).toBe('VALIDATION_INSTRUMENT_NOT_TRADABLE');
    s.validate();
  });

  it('malformed commands', () => {
    const s = start();
    const base = s.placeInput(1, A, 'buy', 1000, 10) as Record<string, unknown>;
    const broken: Record<string, unknown>[] = [
      { ...base, side: 'long' },
      { ...base, type: 'iceberg' },
      { ...base, tif: 'GTD' },
      { ...base, orderId: undefined },
      { ...base, orderId: 'x' },
      { ...base, accountId: null },
      { ...base, stp: 'sometimes' },
      { ...base, instrumentId: 7 },
      { kind: 'CancelOrder' },
      { kind: 'Explode' },
    ];
    for (const cmd of broken)
      expect(s.rejected(cmd as unknown as CommandInput), JSON.stringify(cmd)).toBe('VALIDATION_MALFORMED_COMMAND');
    s.validate();
  });

  it('sequence numbers must increase; a rejected command changes nothing', () => {
    const engineScenario = new Scenario(book);
    const e = engineScenario.engine;
    const add: Command = { kind: 'AddInstrument', spec: makeSpec(SYM), seq: 5, ts: 1 };
    const r1 = e.apply(add);
    expect(r1.ok).toBe(true);
    expect(r1.seq).toBe(5);
    for (const seq of [5, 4, 1]) {
      const hash = e.stateHash();
      const r = e.apply({ kind: 'SetPhase', instrumentId: SYM, phase: 'continuous', seq, ts: 2 });
      expect(r.ok).toBe(false);
      expect(r.seq).toBe(seq);
      if (!r.ok) {
        expect(r.reject.code).toBe('VALIDATION_SEQUENCE_NOT_INCREASING');
        checkReject(r.reject);
      }
      expect(e.stateHash()).toBe(hash);
      expect(e.phase(SYM)).toBe('closed');
    }
    const r2 = e.apply({ kind: 'SetPhase', instrumentId: SYM, phase: 'continuous', seq: 9, ts: 3 });
    expect(r2.ok).toBe(true);
    expect(e.phase(SYM)).toBe('continuous');
    expect(() => e.validateInternalState()).not.toThrow();
  });

  it('a malformed timestamp is a malformed command', () => {
    const e = new Scenario(book).engine;
    expect(e.apply({ kind: 'AddInstrument', spec: makeSpec(SYM), seq: 1, ts: 1 }).ok).toBe(true);
    const bad = [Number.NaN, 1.5, '7' as unknown as number];
    bad.forEach((ts, i) => {
      const r = e.apply({ kind: 'SetPhase', instrumentId: SYM, phase: 'continuous', seq: 2 + i, ts });
      expect(r.ok ? 'ok' : r.reject.code, String(ts)).toBe('VALIDATION_MALFORMED_COMMAND');
      expect(e.phase(SYM)).toBe('closed');
    });
    expect(e.apply({ kind: 'SetPhase', instrumentId: SYM, phase: 'continuous', seq: 10, ts: 2 }).ok).toBe(true);
    expect(() => e.validateInternalState()).not.toThrow();
  });

  describe('validation order: the first failure wins', () => {
    /** `SYM` continuous with the rules above and a resting order 1; `HALT` halted with a resting ask 2 at 1000. */
    const setup = () => {
      const s = start();
      s.buy(1, A, 1000, 10);
      s.instrument('HALT', RULES, 'continuous');
      s.sell(2, B, 1000, 10, { instrumentId: 'HALT' });
      s.phase('halted', 'HALT');
      s.instrument('SHUT', RULES, 'closed');
      s.instrument('SUSP', RULES, 'continuous');
      s.ok({ kind: 'SetInstrumentStatus', instrumentId: 'SUSP', status: 'suspended' });
      return s;
    };

    it('1. sequence before everything else', () => {
      const s = setup();
      const r = s.engine.apply({
        kind: 'PlaceOrder',
        seq: 1,
        ts: 1,
        orderId: 1,
        accountId: A,
        instrumentId: 'NOPE',
        side: 'buy',
        type: 'market',
        tif: 'GTC',
        price: 1,
        volume: 0,
      });
      expect(r.ok ? 'ok' : r.reject.code).toBe('VALIDATION_SEQUENCE_NOT_INCREASING');
      s.validate();
    });

    it('1. malformed before duplicate id', () => {
      const s = setup();
      const cmd = { ...s.placeInput(1, A, 'buy', 1000, 10), side: 'up' } as unknown as CommandInput;
      expect(s.rejected(cmd)).toBe('VALIDATION_MALFORMED_COMMAND');
      s.validate();
    });

    it('2. duplicate id before unknown instrument', () => {
      const s = setup();
      expect(s.rejected(s.placeInput(1, A, 'buy', 1000, 10, { instrumentId: 'NOPE' }))).toBe(
        'VALIDATION_DUPLICATE_ORDER_ID',
      );
      s.validate();
    });

    it('3. unknown / not tradable instrument before the order combination', () => {
      const s = setup();
      expect(s.rejected(s.placeInput(5, A, 'buy', 0, 10, { instrumentId: 'NOPE', type: 'market', tif: 'GTC' }))).toBe(
        'VALIDATION_UNKNOWN_INSTRUMENT',
      );
      expect(s.rejected(s.placeInput(5, A, 'buy', 0, 10, { instrumentId: 'SUSP', type: 'market', tif: 'GTC' }))).toBe(
        'VALIDATION_INSTRUMENT_NOT_TRADABLE',
      );
      s.validate();
    });

    it('4. order combination before volume', () => {
      const s = setup();
      expect(s.rejected(s.placeInput(5, A, 'buy', 0, 15, { type: 'market', tif: 'GTC' }))).toBe(
        'VALIDATION_INVALID_ORDER_COMBINATION',
      );
      s.validate();
    });

    it('5. volume before price', () => {
      const s = setup();
      expect(s.rejected(s.placeInput(5, A, 'buy', 1002, 15))).toBe('VALIDATION_VOLUME_NOT_LOT_MULTIPLE');
      expect(s.rejected(s.placeInput(5, A, 'buy', 2000, 500))).toBe('VALIDATION_VOLUME_ABOVE_MAXIMUM');
      s.validate();
    });

    it('6. price: positive, then on tick, then in band; all before the phase', () => {
      const s = setup();
      expect(s.rejected(s.placeInput(5, A, 'buy', 2003, 10))).toBe('VALIDATION_PRICE_NOT_ON_TICK');
      expect(s.rejected(s.placeInput(5, A, 'buy', 2000, 10, { instrumentId: 'SHUT' }))).toBe(
        'VALIDATION_PRICE_OUT_OF_BAND',
      );
      expect(
        s.rejected(s.placeInput(5, A, 'buy', 0, 10, { instrumentId: 'SHUT', type: 'stop', tif: 'IOC', stopPrice: 3 })),
      ).toBe('VALIDATION_STOP_PRICE_INVALID');
      s.validate();
    });

    it('7. phase before post-only crossing', () => {
      const s = setup();
      // halted, with an ask at 1000 that a post-only bid at 1000 would cross
      expect(s.rejected(s.placeInput(5, A, 'buy', 1000, 10, { instrumentId: 'HALT', postOnly: true }))).toBe(
        'MATCHING_PHASE_REJECTS_ORDERS',
      );
      expect(s.rejected(s.placeInput(5, A, 'buy', 1000, 10, { instrumentId: 'SHUT' }))).toBe(
        'MATCHING_PHASE_REJECTS_ORDERS',
      );
      s.validate();
    });

    it('8. post-only crossing last', () => {
      const s = setup();
      expect(s.rejected(s.placeInput(5, B, 'sell', 1000, 10, { postOnly: true }))).toBe(
        'MATCHING_POST_ONLY_WOULD_CROSS',
      );
      s.validate();
    });
  });
});

describe.each(BOOKS)('instruments (%s book)', (book) => {
  it('AddInstrument: new id and valid spec', () => {
    const s = new Scenario(book);
    const spec = makeSpec('NEW1', { priceTick: 5, referencePrice: 1000, band: { kind: 'percent', bps: 500 } });
    const ev = s.ok({ kind: 'AddInstrument', spec });
    expect(ev).toEqual([{ kind: 'InstrumentAdded', spec }]);
    expect(s.rejected({ kind: 'AddInstrument', spec })).toBe('ADMIN_DUPLICATE_INSTRUMENT');
    expect(s.rejected({ kind: 'AddInstrument', spec: makeSpec('BAD1', { priceTick: 0 }) })).toBe(
      'ADMIN_INVALID_INSTRUMENT_SPEC',
    );
    expect(s.rejected({ kind: 'AddInstrument', spec: makeSpec('BAD2', { priceTick: 5, referencePrice: 1002 }) })).toBe(
      'ADMIN_INVALID_INSTRUMENT_SPEC',
    );
    expect(s.engine.phase('NEW1')).toBe('closed');
    expect(s.engine.lastPrice('NEW1')).toBeNull();
    s.validate();
  });

  it('suspending cancels all open orders and pending stops (reason suspended); reactivation allows trading', () => {
    const s = new Scenario(book).instrument();
    s.instrument('OTHER');
    s.buy(1, A, 100, 5);
    s.sell(2, B, 105, 7);
    s.sell(3, B, 100, 2); // order 1 now 3 open
    s.stop(4, C, 'buy', 110, 4);
    s.buy(5, A, 100, 1, { instrumentId: 'OTHER' });
    const ev = s.ok({ kind: 'SetInstrumentStatus', instrumentId: SYM, status: 'suspended' });
    expect(ev.filter((e) => e.kind === 'InstrumentStatusChanged')).toEqual([
      { kind: 'InstrumentStatusChanged', instrumentId: SYM, status: 'suspended' },
    ]);
    const canceled = ev.flatMap((e) => (e.kind === 'OrderCanceled' ? [[e.orderId, e.reason, e.canceled]] : []));
    expect(canceled.sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
      [1, 'suspended', 3],
      [2, 'suspended', 7],
      [4, 'suspended', 4],
    ]);
    expect(ev).toHaveLength(4);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    expect(s.depth('OTHER')).toEqual({ bids: [[100, 1, 1]], asks: [] }); // other instruments untouched
    s.ok({ kind: 'SetInstrumentStatus', instrumentId: SYM, status: 'active' });
    expect(kinds(s.buy(1, A, 100, 5))).toEqual(['OrderAccepted', 'OrderRested']); // the id is free again
    s.validate();
  });

  it('delisting cancels orders and is final', () => {
    const s = new Scenario(book).instrument();
    s.buy(1, A, 100, 5);
    const ev = s.ok({ kind: 'SetInstrumentStatus', instrumentId: SYM, status: 'delisted' });
    expect(ev.flatMap((e) => (e.kind === 'OrderCanceled' ? [[e.orderId, e.reason, e.canceled]] : []))).toEqual([
      [1, 'suspended', 5],
    ]);
    expect(s.rejected({ kind: 'SetInstrumentStatus', instrumentId: SYM, status: 'active' })).toBe(
      'ADMIN_INSTRUMENT_DELISTED',
    );
    expect(s.rejected({ kind: 'SetInstrumentStatus', instrumentId: SYM, status: 'suspended' })).toBe(
      'ADMIN_INSTRUMENT_DELISTED',
    );
    expect(s.rejected(s.placeInput(2, A, 'buy', 100, 5))).toBe('VALIDATION_INSTRUMENT_NOT_TRADABLE');
    expect(s.rejected({ kind: 'SetInstrumentStatus', instrumentId: 'NOPE', status: 'active' })).toBe(
      'VALIDATION_UNKNOWN_INSTRUMENT',
    );
    s.validate();
  });
});
