/** Self-trade prevention (docs/matching.md, "Self-trade prevention"). */
import { describe, expect, it } from 'vitest';
import { A, B, BOOKS, C, cancels, kinds, one, Scenario, trades } from './helpers.ts';

describe.each(BOOKS)('self-trade prevention (%s book)', (book) => {
  /** Asks: 1 = B 5@100, 2 = A 5@100 (A's own), 3 = C 5@101. */
  const book3 = () => {
    const s = new Scenario(book).instrument();
    s.sell(1, B, 100, 5);
    s.sell(2, A, 100, 5);
    s.sell(3, C, 101, 5);
    return s;
  };

  it('none: trades with its own resting order', () => {
    const s = book3();
    const ev = s.buy(9, A, 101, 12, { stp: 'none' });
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'TradeExecuted', 'TradeExecuted']);
    expect(one(ev, 'OrderAccepted').stp).toBe('none');
    expect(trades(ev)).toEqual([
      [100, 5, 9, 1, 7, 0, 'buy'],
      [100, 5, 9, 2, 2, 0, 'buy'],
      [101, 2, 9, 3, 0, 3, 'buy'],
    ]);
    expect(s.depth()).toEqual({ bids: [], asks: [[101, 3, 1]] });
    s.validate();
  });

  it('cancelTaker (the default): cancels the rest of the incoming order, the own maker stays', () => {
    const s = book3();
    const ev = s.buy(9, A, 101, 12);
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderCanceled']);
    expect(trades(ev)).toEqual([[100, 5, 9, 1, 7, 0, 'buy']]);
    expect(cancels(ev)).toEqual([[9, 'stp', 7]]);
    expect(s.depth()).toEqual({
      bids: [],
      asks: [
        [100, 5, 1],
        [101, 5, 1],
      ],
    });
    s.validate();
  });

  it('cancelTaker explicitly: a GTC remainder is canceled, not rested', () => {
    const s = book3();
    const ev = s.buy(9, A, 100, 6, { stp: 'cancelTaker' });
    expect(trades(ev)).toEqual([[100, 5, 9, 1, 1, 0, 'buy']]);
    expect(cancels(ev)).toEqual([[9, 'stp', 1]]);
    expect(kinds(ev)).not.toContain('OrderRested');
    expect(s.depth().bids).toEqual([]);
    s.validate();
  });

  it('cancelMaker: cancels the own resting order and goes on matching, then rests', () => {
    const s = book3();
    const ev = s.buy(9, A, 101, 12, { stp: 'cancelMaker' });
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderCanceled', 'TradeExecuted', 'OrderRested']);
    expect(trades(ev)).toEqual([
      [100, 5, 9, 1, 7, 0, 'buy'],
      [101, 5, 9, 3, 2, 0, 'buy'],
    ]);
    expect(cancels(ev)).toEqual([[2, 'stp', 5]]);
    expect(one(ev, 'OrderCanceled').accountId).toBe(A);
    expect(one(ev, 'OrderRested')).toMatchObject({ orderId: 9, price: 101, remaining: 2 });
    expect(s.depth()).toEqual({ bids: [[101, 2, 1]], asks: [] });
    s.validate();
  });

  it('cancelBoth: cancels the own resting order and the rest of the incoming one', () => {
    const s = book3();
    const ev = s.buy(9, A, 101, 12, { stp: 'cancelBoth' });
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderCanceled', 'OrderCanceled']);
    expect(trades(ev)).toEqual([[100, 5, 9, 1, 7, 0, 'buy']]);
    expect(cancels(ev)).toEqual([
      [2, 'stp', 5],
      [9, 'stp', 7],
    ]);
    expect(s.depth()).toEqual({ bids: [], asks: [[101, 5, 1]] });
    s.validate();
  });

  it('does not apply between different accounts or to non-crossing own orders', () => {
    const s = new Scenario(book).instrument();
    s.sell(1, A, 102, 5); // own, but above the limit
    s.sell(2, B, 100, 5);
    const ev = s.buy(3, A, 101, 5, { stp: 'cancelBoth' });
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted']);
    expect(trades(ev)).toEqual([[100, 5, 3, 2, 0, 0, 'buy']]);
    expect(s.depth()).toEqual({ bids: [], asks: [[102, 5, 1]] });
    s.validate();
  });

  it('IOC and market orders stopped by their own resting order are canceled with reason stp', () => {
    const s = book3();
    const ioc = s.buy(9, A, 101, 12, { tif: 'IOC' });
    expect(trades(ioc)).toEqual([[100, 5, 9, 1, 7, 0, 'buy']]);
    expect(cancels(ioc)).toEqual([[9, 'stp', 7]]);
    const market = s.market(10, A, 'buy', 3);
    expect(kinds(market)).toEqual(['OrderAccepted', 'OrderCanceled']);
    expect(cancels(market)).toEqual([[10, 'stp', 3]]);
    expect(s.depth().asks).toEqual([
      [100, 5, 1],
      [101, 5, 1],
    ]);
    s.validate();
  });

  it("a modify that meets an own order applies the order's self-trade prevention", () => {
    const s = new Scenario(book).instrument();
    s.sell(1, A, 102, 5);
    s.sell(2, B, 103, 5);
    s.buy(3, A, 100, 5, { stp: 'cancelMaker' });
    const ev = s.modify(3, 103, 5, A);
    expect(kinds(ev)).toEqual(['OrderModified', 'OrderCanceled', 'TradeExecuted']);
    expect(cancels(ev)).toEqual([[1, 'stp', 5]]);
    expect(trades(ev)).toEqual([[103, 5, 3, 2, 0, 0, 'buy']]);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });

  describe('FOK with self-trade prevention', () => {
    it('cancelTaker: the own order stops the fill, so the FOK is killed and nothing is touched', () => {
      const s = book3();
      const ev = s.buy(9, A, 101, 10, { tif: 'FOK' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(ev)).toEqual([[9, 'fok', 10]]);
      expect(s.depth()).toEqual({
        bids: [],
        asks: [
          [100, 10, 2],
          [101, 5, 1],
        ],
      });
      s.validate();
    });

    it('cancelMaker: own order skipped and counted out; fills when the others suffice', () => {
      const s = book3();
      const ev = s.buy(9, A, 101, 10, { tif: 'FOK', stp: 'cancelMaker' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'OrderCanceled', 'TradeExecuted']);
      expect(trades(ev)).toEqual([
        [100, 5, 9, 1, 5, 0, 'buy'],
        [101, 5, 9, 3, 0, 0, 'buy'],
      ]);
      expect(cancels(ev)).toEqual([[2, 'stp', 5]]);
      expect(s.depth()).toEqual({ bids: [], asks: [] });
      s.validate();
    });

    it('cancelMaker: killed when the others do not suffice, and the own maker is not canceled', () => {
      const s = book3();
      const ev = s.buy(9, A, 101, 11, { tif: 'FOK', stp: 'cancelMaker' });
      expect(kinds(ev)).toEqual(['OrderAccepted', 'OrderCanceled']);
      expect(cancels(ev)).toEqual([[9, 'fok', 11]]);
      expect(s.depth()).toEqual({
        bids: [],
        asks: [
          [100, 10, 2],
          [101, 5, 1],
        ],
      });
      s.validate();
    });

    it('none: the own order counts, so the FOK fills against it', () => {
      const s = book3();
      const ev = s.buy(9, A, 100, 10, { tif: 'FOK', stp: 'none' });
      expect(trades(ev)).toEqual([
        [100, 5, 9, 1, 5, 0, 'buy'],
        [100, 5, 9, 2, 0, 0, 'buy'],
      ]);
      s.validate();
    });
  });
});
