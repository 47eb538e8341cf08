/** Continuous trading: limit GTC/GFD, IOC, FOK, market and post-only orders (docs/matching.md, "Order types"). */
import { describe, expect, it } from 'vitest';
import { A, B, BOOKS, C, cancels, D, kinds, one, Scenario, SYM, trades } from './helpers.ts';

describe.each(BOOKS)('continuous trading (%s book)', (book) => {
  const start = (overrides = {}) => new Scenario(book).instrument(SYM, overrides);

  describe('limit orders', () => {
    it('a resting limit order is accepted then rested, with its fields echoed', () => {
      const s = start();
      const ev = s.buy(1, A, 100, 10);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderRested']);
      expect(one(ev, 'OrderAccepted')).toMatchObject({
        orderId: 1,
        accountId: A,
        instrumentId: SYM,
        side: 'buy',
        type: 'limit',
        tif: 'GTC',
        price: 100,
        volume: 10,
        postOnly: false,
        stp: 'cancelTaker', // the default
      });
      expect(one(ev, 'OrderRested')).toEqual({
        kind: 'OrderRested',
        orderId: 1,
        instrumentId: SYM,
        price: 100,
        remaining: 10,
      });
      expect(s.depth()).toEqual({ bids: [[100, 10, 1]], asks: [] });
      expect(s.lastPrice()).toBeNull();
      s.validate();
    });

    it('partially fills then rests the rest', () => {
      const s = start();
      s.sell(1, B, 100, 10);
      const ev = s.buy(2, A, 100, 15);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderRested']);
      expect(trades(ev)).toEqual([[100, 10, 2, 1, 5, 0, 'buy']]);
      const t = one(ev, 'TradeExecuted');
      expect(t.buyAccountId).toBe(A);
      expect(t.sellAccountId).toBe(B);
      expect(t.instrumentId).toBe(SYM);
      expect(one(ev, 'OrderRested')).toMatchObject({ orderId: 2, price: 100, remaining: 5 });
      expect(s.depth()).toEqual({ bids: [[100, 5, 1]], asks: [] });
      expect(s.lastPrice()).toBe(100);
      s.validate();
    });

    it('fills at the resting price: a buyer limited at 101 pays 99 and 100', () => {
      const s = start();
      s.sell(1, B, 99, 5);
      s.sell(2, C, 100, 5);
      const ev = s.buy(3, A, 101, 8);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted']);
      expect(trades(ev)).toEqual([
        [99, 5, 3, 1, 3, 0, 'buy'],
        [100, 3, 3, 2, 0, 2, 'buy'],
      ]);
      expect(s.depth()).toEqual({ bids: [], asks: [[100, 2, 1]] });
      expect(s.lastPrice()).toBe(100);
      s.validate();
    });

    it('fills at the resting price: a seller limited at 95 receives 98', () => {
      const s = start();
      s.buy(1, B, 98, 5);
      s.buy(2, C, 97, 5);
      const ev = s.sell(3, A, 95, 4);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted']);
      expect(trades(ev)).toEqual([[98, 4, 1, 3, 1, 0, 'sell']]);
      expect(s.depth()).toEqual({
        bids: [
          [98, 1, 1],
          [97, 5, 1],
        ],
        asks: [],
      });
      s.validate();
    });

    it('price-time priority: better price first, then earlier order at the same price', () => {
      const s = start();
      s.sell(1, B, 100, 5);
      s.sell(2, C, 100, 5);
      s.sell(3, D, 99, 5); // later, but a better price
      const ev = s.buy(4, A, 100, 12);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted', 'TradeExecuted']);
      expect(trades(ev)).toEqual([
        [99, 5, 4, 3, 7, 0, 'buy'],
        [100, 5, 4, 1, 2, 0, 'buy'],
        [100, 2, 4, 2, 0, 3, 'buy'],
      ]);
      expect(s.depth()).toEqual({ bids: [], asks: [[100, 3, 1]] });
      s.validate();
    });

    it('does not trade through its limit: the rest stays on the book beside a worse ask', () => {
      const s = start();
      s.sell(1, B, 101, 5);
      s.sell(2, B, 103, 5);
      const ev = s.buy(3, A, 102, 8);
      expect(trades(ev)).toEqual([[101, 5, 3, 1, 3, 0, 'buy']]);
      expect(one(ev, 'OrderRested')).toMatchObject({ orderId: 3, price: 102, remaining: 3 });
      expect(s.depth()).toEqual({ bids: [[102, 3, 1]], asks: [[103, 5, 1]] });
      s.validate();
    });

    it('a GFD limit order trades and rests like GTC', () => {
      const s = start();
      s.sell(1, B, 100, 4);
      const ev = s.buy(2, A, 100, 6, { tif: 'GFD' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderRested']);
      expect(trades(ev)).toEqual([[100, 4, 2, 1, 2, 0, 'buy']]);
      expect(s.depth()).toEqual({ bids: [[100, 2, 1]], asks: [] });
      s.validate();
    });

    it('depth aggregates orders per level and honours the level count', () => {
      const s = start();
      s.buy(1, A, 100, 5);
      s.buy(2, B, 100, 7);
      s.buy(3, C, 99, 1);
      s.buy(4, C, 98, 2);
      s.sell(5, D, 102, 3);
      expect(s.depth(SYM, 2)).toEqual({
        bids: [
          [100, 12, 2],
          [99, 1, 1],
        ],
        asks: [[102, 3, 1]],
      });
      expect(s.engine.depth('NOPE', 5)).toBeUndefined();
      s.validate();
    });
  });

  describe('IOC', () => {
    it('fills what it can and cancels the rest (reason ioc)', () => {
      const s = start();
      s.sell(1, B, 100, 5);
      s.sell(2, B, 101, 5);
      const ev = s.buy(3, A, 100, 8, { tif: 'IOC' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderCanceled']);
      expect(trades(ev)).toEqual([[100, 5, 3, 1, 3, 0, 'buy']]);
      expect(cancels(ev)).toEqual([[3, 'ioc', 3]]);
      expect(one(ev, 'OrderCanceled')).toMatchObject({ accountId: A, instrumentId: SYM });
      expect(s.depth()).toEqual({ bids: [], asks: [[101, 5, 1]] });
      s.validate();
    });

    it('with nothing to match is accepted and canceled whole, never resting', () => {
      const s = start();
      s.sell(1, B, 101, 5);
      const ev = s.sell(2, A, 99, 4, { tif: 'IOC' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(ev)).toEqual([[2, 'ioc', 4]]);
      expect(s.depth()).toEqual({ bids: [], asks: [[101, 5, 1]] });
      s.validate();
    });

    it('fully filled IOC has no cancel', () => {
      const s = start();
      s.sell(1, B, 100, 5);
      const ev = s.buy(2, A, 100, 5, { tif: 'IOC' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted']);
      expect(trades(ev)).toEqual([[100, 5, 2, 1, 0, 0, 'buy']]);
      expect(s.depth()).toEqual({ bids: [], asks: [] });
      s.validate();
    });
  });

  describe('FOK', () => {
    it('killed when the whole volume cannot fill: no fill, no maker touched', () => {
      const s = start();
      s.sell(1, B, 100, 5);
      s.sell(2, C, 101, 5);
      const ev = s.buy(3, A, 100, 10, { tif: 'FOK' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(ev)).toEqual([[3, 'fok', 10]]);
      expect(s.depth()).toEqual({
        bids: [],
        asks: [
          [100, 5, 1],
          [101, 5, 1],
        ],
      });
      expect(s.lastPrice()).toBeNull();
      // the book is exactly as before: a later order still meets maker 1 first with all of its volume
      const next = s.buy(4, D, 100, 5);
      expect(trades(next)).toEqual([[100, 5, 4, 1, 0, 0, 'buy']]);
      s.validate();
    });

    it('fills completely across levels when it can', () => {
      const s = start();
      s.sell(1, B, 100, 5);
      s.sell(2, C, 101, 5);
      const ev = s.buy(3, A, 101, 10, { tif: 'FOK' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted']);
      expect(trades(ev)).toEqual([
        [100, 5, 3, 1, 5, 0, 'buy'],
        [101, 5, 3, 2, 0, 0, 'buy'],
      ]);
      expect(s.depth()).toEqual({ bids: [], asks: [] });
      expect(s.lastPrice()).toBe(101);
      s.validate();
    });

    it('a sell FOK exactly equal to the available volume fills', () => {
      const s = start();
      s.buy(1, B, 100, 3);
      s.buy(2, C, 99, 4);
      s.buy(3, C, 98, 9);
      const ev = s.sell(4, A, 99, 7, { tif: 'FOK' });
      expect(trades(ev)).toEqual([
        [100, 3, 1, 4, 0, 4, 'sell'],
        [99, 4, 2, 4, 0, 0, 'sell'],
      ]);
      const killed = s.sell(5, A, 98, 10, { tif: 'FOK' }); // 9 available at >= 98
      expect(kinds(killed)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(killed)).toEqual([[5, 'fok', 10]]);
      expect(s.depth()).toEqual({ bids: [[98, 9, 1]], asks: [] });
      s.validate();
    });
  });

  describe('market orders', () => {
    it('sweeps up to the band upper bound; the rest is canceled (reason market)', () => {
      const s = start({ referencePrice: 100, band: { kind: 'ticks', ticks: 5 } }); // band [95, 105]
      s.sell(1, B, 101, 5);
      s.sell(2, C, 103, 5);
      s.sell(3, D, 105, 5);
      s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 98 }); // band [93, 103]; 105 stays resting
      const ev = s.market(4, A, 'buy', 20);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted', 'OrderCanceled']);
      expect(trades(ev)).toEqual([
        [101, 5, 4, 1, 15, 0, 'buy'],
        [103, 5, 4, 2, 10, 0, 'buy'],
      ]);
      expect(cancels(ev)).toEqual([[4, 'market', 10]]);
      expect(s.depth()).toEqual({ bids: [], asks: [[105, 5, 1]] });
      expect(s.lastPrice()).toBe(103);
      s.validate();
    });

    it('a market sell stops at the band lower bound', () => {
      const s = start({ referencePrice: 100, band: { kind: 'ticks', ticks: 5 } }); // band [95, 105]
      s.buy(1, B, 98, 5);
      s.buy(2, C, 96, 5);
      s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 102 }); // band [97, 107]
      const ev = s.market(3, A, 'sell', 8);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderCanceled']);
      expect(trades(ev)).toEqual([[98, 5, 1, 3, 0, 3, 'sell']]);
      expect(cancels(ev)).toEqual([[3, 'market', 3]]);
      expect(s.depth()).toEqual({ bids: [[96, 5, 1]], asks: [] });
      s.validate();
    });

    it('a percent band bounds the sweep with inward rounding', () => {
      // ref 1000, 1% -> band [990, 1010]; tick 5
      const s = start({ priceTick: 5, referencePrice: 1000, band: { kind: 'percent', bps: 100 } });
      s.sell(1, B, 1005, 2);
      s.sell(2, B, 1010, 2);
      s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 995 }); // 1004.95 -> 1000 (tick 5); 985.05 -> 990
      const ev = s.market(3, A, 'buy', 4);
      // the band is now [990, 1000]: nothing at or below 1000
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(ev)).toEqual([[3, 'market', 4]]);
      s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 1000 }); // back to [990, 1010]
      const ev2 = s.market(4, A, 'buy', 4);
      expect(trades(ev2)).toEqual([
        [1005, 2, 4, 1, 2, 0, 'buy'],
        [1010, 2, 4, 2, 0, 0, 'buy'],
      ]);
      s.validate();
    });

    it('without a band sweeps the whole opposite side', () => {
      const s = start();
      s.sell(1, B, 100, 5);
      s.sell(2, C, 500, 5);
      s.sell(3, D, 100_000, 5);
      const ev = s.market(4, A, 'buy', 15);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted', 'TradeExecuted']);
      expect(trades(ev)).toEqual([
        [100, 5, 4, 1, 10, 0, 'buy'],
        [500, 5, 4, 2, 5, 0, 'buy'],
        [100_000, 5, 4, 3, 0, 0, 'buy'],
      ]);
      expect(s.depth()).toEqual({ bids: [], asks: [] });
      expect(s.lastPrice()).toBe(100_000);
      s.validate();
    });

    it('without a band, more than the book holds: the rest is canceled (reason market)', () => {
      const s = start();
      s.buy(1, B, 3, 2);
      s.buy(2, C, 1, 2);
      const ev = s.market(3, A, 'sell', 7);
      expect(trades(ev)).toEqual([
        [3, 2, 1, 3, 0, 5, 'sell'],
        [1, 2, 2, 3, 0, 3, 'sell'],
      ]);
      expect(cancels(ev)).toEqual([[3, 'market', 3]]);
      s.validate();
    });

    it('on an empty side is accepted and canceled whole', () => {
      const s = start();
      s.buy(1, B, 100, 5); // same side only
      const ev = s.market(2, A, 'buy', 4);
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(ev)).toEqual([[2, 'market', 4]]);
      const fok = s.market(3, A, 'buy', 4, { tif: 'FOK' });
      expect(kinds(fok)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(fok)).toEqual([[3, 'fok', 4]]);
      expect(s.depth()).toEqual({ bids: [[100, 5, 1]], asks: [] });
      s.validate();
    });

    it('market FOK: killed when the band limits the fillable volume, filled otherwise', () => {
      const s = start({ referencePrice: 100, band: { kind: 'ticks', ticks: 5 } });
      s.sell(1, B, 101, 5);
      s.sell(2, C, 103, 5);
      s.sell(3, D, 105, 5);
      s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 98 }); // band [93, 103]
      const killed = s.market(4, A, 'buy', 15, { tif: 'FOK' });
      expect(kinds(killed)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(killed)).toEqual([[4, 'fok', 15]]);
      const filled = s.market(5, A, 'buy', 10, { tif: 'FOK' });
      expect(kinds(filled)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted']);
      expect(trades(filled)).toEqual([
        [101, 5, 5, 1, 5, 0, 'buy'],
        [103, 5, 5, 2, 0, 0, 'buy'],
      ]);
      expect(s.depth()).toEqual({ bids: [], asks: [[105, 5, 1]] });
      s.validate();
    });
  });

  describe('post-only', () => {
    it('accepted and rested when it would not trade', () => {
      const s = start();
      s.sell(1, B, 101, 5);
      const ev = s.buy(2, A, 100, 5, { postOnly: true });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderRested']);
      expect(one(ev, 'OrderAccepted').postOnly).toBe(true);
      const gfd = s.sell(3, A, 102, 5, { postOnly: true, tif: 'GFD' });
      expect(kinds(gfd)).toEqual(['OrderAccepted', 'OrderRested']);
      expect(s.depth()).toEqual({
        bids: [[100, 5, 1]],
        asks: [
          [101, 5, 1],
          [102, 5, 1],
        ],
      });
      s.validate();
    });

    it('rejected when it would trade on arrival, leaving the book unchanged', () => {
      const s = start();
      s.sell(1, B, 101, 5);
      s.buy(2, C, 99, 5);
      expect(s.rejected(s.placeInput(3, A, 'buy', 101, 5, { postOnly: true }))).toBe('MATCHING_POST_ONLY_WOULD_CROSS');
      expect(s.rejected(s.placeInput(4, A, 'buy', 105, 5, { postOnly: true }))).toBe('MATCHING_POST_ONLY_WOULD_CROSS');
      expect(s.rejected(s.placeInput(5, A, 'sell', 99, 1, { postOnly: true, tif: 'GFD' }))).toBe(
        'MATCHING_POST_ONLY_WOULD_CROSS',
      );
      expect(s.depth()).toEqual({ bids: [[99, 5, 1]], asks: [[101, 5, 1]] });
      expect(s.lastPrice()).toBeNull();
      s.validate();
    });

    it('only with limit GTC/GFD', () => {
      const s = start();
      for (const opts of [
        { postOnly: true, tif: 'IOC' as const },
        { postOnly: true, tif: 'FOK' as const },
        { postOnly: true, type: 'market' as const, tif: 'IOC' as const },
        { postOnly: true, type: 'stopLimit' as const, tif: 'GTC' as const, stopPrice: 90 },
      ]) {
        expect(s.rejected(s.placeInput(9, A, 'buy', 100, 1, opts))).toBe('VALIDATION_INVALID_ORDER_COMBINATION');
      }
      s.validate();
    });
  });

  it('trade ids increase across fills', () => {
    const s = start();
    s.sell(1, B, 100, 1);
    s.sell(2, B, 101, 1);
    const first = s.buy(3, A, 101, 2);
    s.sell(4, C, 102, 1);
    const second = s.buy(5, A, 102, 1);
    const ids = [...first, ...second].flatMap((e) => (e.kind === 'TradeExecuted' ? [e.tradeId] : []));
    expect(ids).toHaveLength(3);
    expect(ids[1]!).toBeGreaterThan(ids[0]!);
    expect(ids[2]!).toBeGreaterThan(ids[1]!);
    s.validate();
  });
});
