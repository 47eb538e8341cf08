/** Call auction uncross (docs/matching.md, "Call auction uncross"). */
import { describe, expect, it } from 'vitest';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import { A, B, BOOKS, C, cancelInput, D, kinds, modifyInput, one, Scenario, SYM, trades } from './helpers.ts';

describe.each(BOOKS)('call auction uncross (%s book)', (book) => {
  const preOpen = (overrides: Partial<InstrumentSpec> = {}) => new Scenario(book).instrument(SYM, overrides, 'preOpen');

  it('(1) maximum executable volume wins, even against the reference price; price-time pairing', () => {
    const s = preOpen({ referencePrice: 100 });
    s.buy(1, A, 102, 10);
    s.buy(2, B, 101, 10);
    s.sell(3, C, 100, 5);
    s.sell(4, D, 101, 10);
    s.buy(6, C, 101, 5); // same price as order 2, later
    // p=100: min(25, 5)=5; p=101: min(25, 15)=15; p=102: min(10, 15)=10  -> 101, imbalance 25-15 = 10
    const ev = s.phase('auction');
    expect(kinds(ev)).toEqual(['PhaseChanged', 'AuctionUncrossed', 'TradeExecuted', 'TradeExecuted', 'TradeExecuted']);
    expect(one(ev, 'AuctionUncrossed')).toEqual({
      kind: 'AuctionUncrossed',
      instrumentId: SYM,
      price: 101,
      volume: 15,
      imbalance: 10,
    });
    expect(trades(ev)).toEqual([
      [101, 5, 1, 3, 5, 0, null],
      [101, 5, 1, 4, 0, 5, null],
      [101, 5, 2, 4, 5, 0, null],
    ]);
    expect(s.lastPrice()).toBe(101);
    expect(s.engine.phase(SYM)).toBe('auction');
    expect(s.depth()).toEqual({ bids: [[101, 10, 2]], asks: [] });
    // no cancels in the auction phase
    expect(s.rejected(cancelInput(6))).toBe('MATCHING_PHASE_REJECTS_CANCELS');
    // moving on to continuous with an uncrossed book trades nothing
    expect(trades(s.phase('continuous'))).toEqual([]);
    expect(s.depth()).toEqual({ bids: [[101, 10, 2]], asks: [] });
    s.validate();
  });

  it('(1) a sell-heavy uncross reports a negative imbalance', () => {
    const s = preOpen();
    s.buy(1, A, 101, 5);
    s.sell(2, B, 100, 3);
    s.sell(3, C, 101, 4);
    // p=100: min(5, 3)=3; p=101: min(5, 7)=5 -> 101, imbalance 5-7 = -2
    const ev = s.phase('auction');
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 101, volume: 5, imbalance: -2 });
    expect(trades(ev)).toEqual([
      [101, 3, 1, 2, 2, 0, null],
      [101, 2, 1, 3, 0, 2, null],
    ]);
    expect(s.depth()).toEqual({ bids: [], asks: [[101, 2, 1]] });
    s.validate();
  });

  it('(2) equal volume: the minimum absolute imbalance wins, even above the reference and the lower price', () => {
    const s = preOpen({ referencePrice: 100 });
    s.buy(1, A, 101, 10);
    s.buy(2, B, 100, 5);
    s.sell(3, C, 100, 10);
    // p=100: min(15, 10)=10, |15-10|=5; p=101: min(10, 10)=10, |0| -> 101
    const ev = s.phase('auction');
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 101, volume: 10, imbalance: 0 });
    expect(trades(ev)).toEqual([[101, 10, 1, 3, 0, 0, null]]);
    expect(s.depth()).toEqual({ bids: [[100, 5, 1]], asks: [] });
    s.validate();
  });

  // bid 10@102 and ask 10@100: both candidate prices execute 10 with imbalance 0
  it.each([
    [102, 102],
    [110, 102],
    [100, 100],
    [90, 100],
  ])('(3) equal volume and imbalance: closest to the reference price %i -> %i', (reference, expected) => {
    const s = preOpen({ referencePrice: reference });
    s.buy(1, A, 102, 10);
    s.sell(2, B, 100, 10);
    const ev = s.phase('auction');
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: expected, volume: 10, imbalance: 0 });
    expect(trades(ev)).toEqual([[expected, 10, 1, 2, 0, 0, null]]);
    expect(s.lastPrice()).toBe(expected);
    s.validate();
  });

  it('(3) without a reference price, closest to the last trade price', () => {
    for (const [last, expected] of [
      [103, 102],
      [99, 100],
    ] as const) {
      const s = new Scenario(book).instrument(SYM, {}, 'continuous');
      s.sell(90, C, last, 1);
      s.buy(91, D, last, 1);
      expect(s.lastPrice()).toBe(last);
      s.phase('preOpen');
      s.buy(1, A, 102, 10);
      s.sell(2, B, 100, 10);
      const ev = s.phase('auction');
      expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: expected, volume: 10, imbalance: 0 });
      expect(trades(ev)).toEqual([[expected, 10, 1, 2, 0, 0, null]]);
      s.validate();
    }
  });

  it('(3) the reference price takes precedence over the last trade price', () => {
    const s = new Scenario(book).instrument(SYM, { referencePrice: 100 }, 'continuous');
    s.sell(90, C, 103, 1);
    s.buy(91, D, 103, 1);
    s.phase('preOpen');
    s.buy(1, A, 102, 10);
    s.sell(2, B, 100, 10);
    expect(one(s.phase('auction'), 'AuctionUncrossed').price).toBe(100);
    s.validate();
  });

  it('(3) without a reference or a last price: the lower price', () => {
    const s = preOpen();
    s.buy(1, A, 102, 10);
    s.sell(2, B, 100, 10);
    const ev = s.phase('auction');
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 100, volume: 10, imbalance: 0 });
    expect(trades(ev)).toEqual([[100, 10, 1, 2, 0, 0, null]]);
    s.validate();
  });

  it('(4) equally close to the reference: the lower price', () => {
    const s = preOpen({ referencePrice: 101 });
    s.buy(1, A, 102, 10);
    s.sell(2, B, 100, 10);
    const ev = s.phase('auction');
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 100, volume: 10, imbalance: 0 });
    s.validate();
  });

  it('(4) equally close to the last price (no reference): the lower price', () => {
    const s = new Scenario(book).instrument(SYM, {}, 'continuous');
    s.sell(90, C, 101, 1);
    s.buy(91, D, 101, 1);
    s.phase('preOpen');
    s.buy(1, A, 102, 10);
    s.sell(2, B, 100, 10);
    expect(one(s.phase('auction'), 'AuctionUncrossed')).toMatchObject({ price: 100, volume: 10 });
    s.validate();
  });

  it('does not apply self-trade prevention', () => {
    const s = preOpen();
    s.buy(1, A, 100, 5, { stp: 'cancelBoth' });
    s.sell(2, A, 100, 5, { stp: 'cancelBoth' });
    const ev = s.phase('auction');
    expect(trades(ev)).toEqual([[100, 5, 1, 2, 0, 0, null]]);
    const t = one(ev, 'TradeExecuted');
    expect([t.buyAccountId, t.sellAccountId]).toEqual([A, A]);
    expect(kinds(ev)).not.toContain('OrderCanceled');
    s.validate();
  });

  it('an uncrossed book trades nothing on entering the auction', () => {
    const s = preOpen();
    s.buy(1, A, 99, 5);
    s.sell(2, B, 101, 5);
    const ev = s.phase('auction');
    expect(trades(ev)).toEqual([]);
    expect(s.depth()).toEqual({ bids: [[99, 5, 1]], asks: [[101, 5, 1]] });
    expect(s.lastPrice()).toBeNull();
    s.validate();
  });

  it('stops wait through the auction and trigger on entering continuous', () => {
    const s = preOpen();
    s.buy(1, A, 101, 10);
    s.sell(2, B, 100, 10);
    s.sell(3, B, 103, 5);
    expect(kinds(s.stop(4, C, 'buy', 100, 3))).toEqual(['OrderAccepted']); // no last price yet
    // candidates 100 and 101 both execute 10 with imbalance 0; no reference, no last price -> 100
    const auction = s.phase('auction');
    expect(kinds(auction)).toEqual(['PhaseChanged', 'AuctionUncrossed', 'TradeExecuted']);
    expect(trades(auction)).toEqual([[100, 10, 1, 2, 0, 0, null]]);
    expect(s.lastPrice()).toBe(100); // meets the stop, but the auction phase triggers nothing
    expect(s.rejected(modifyInput(3, 104, 5))).toBe('MATCHING_PHASE_REJECTS_CANCELS');
    const cont = s.phase('continuous');
    expect(kinds(cont)).toEqual(['PhaseChanged', 'StopTriggered', 'TradeExecuted']);
    expect(one(cont, 'StopTriggered')).toMatchObject({ orderId: 4, lastPrice: 100 });
    expect(trades(cont)).toEqual([[103, 3, 4, 3, 0, 2, 'buy']]);
    expect(s.lastPrice()).toBe(103);
    expect(s.depth()).toEqual({ bids: [], asks: [[103, 2, 1]] });
    s.validate();
  });

  it('pre-open -> continuous with a crossed book uncrosses, then triggers stops', () => {
    const s = preOpen();
    s.buy(1, A, 101, 10);
    s.sell(2, B, 100, 10);
    s.sell(3, B, 103, 5);
    s.stop(4, C, 'buy', 100, 3);
    const ev = s.phase('continuous');
    expect(kinds(ev)).toEqual(['PhaseChanged', 'AuctionUncrossed', 'TradeExecuted', 'StopTriggered', 'TradeExecuted']);
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 100, volume: 10, imbalance: 0 });
    expect(trades(ev)).toEqual([
      [100, 10, 1, 2, 0, 0, null],
      [103, 3, 4, 3, 0, 2, 'buy'],
    ]);
    s.validate();
  });

  it('uncrosses many orders at one price, pairing best price first then time', () => {
    const s = preOpen({ referencePrice: 100 });
    s.buy(1, A, 103, 4);
    s.buy(2, B, 102, 3);
    s.buy(3, C, 102, 3);
    s.buy(4, D, 99, 8);
    s.sell(5, A, 98, 2);
    s.sell(6, B, 99, 5);
    s.sell(7, C, 101, 6);
    s.sell(8, D, 104, 1);
    // cumulative bids >= p: 98:18 99:18 101:10 102:10 103:4 104:0
    // cumulative asks <= p: 98:2 99:7 101:13 102:13 103:13 104:14
    // executable: 98:2 99:7 101:10 102:10 103:4 104:0 -> 101 and 102 (10); imbalance |10-13|=3 both
    // closest to reference 100: 101
    const ev = s.phase('auction');
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 101, volume: 10, imbalance: -3 });
    expect(trades(ev)).toEqual([
      [101, 2, 1, 5, 2, 0, null],
      [101, 2, 1, 6, 0, 3, null],
      [101, 3, 2, 6, 0, 0, null],
      [101, 3, 3, 7, 0, 3, null],
    ]);
    expect(s.depth()).toEqual({
      bids: [[99, 8, 1]],
      asks: [
        [101, 3, 1],
        [104, 1, 1],
      ],
    });
    s.validate();
  });
});
