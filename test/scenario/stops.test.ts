/** Stop and stop-limit orders (docs/matching.md, "Order types": stop / stopLimit). */
import { describe, expect, it } from 'vitest';
import { A, B, BOOKS, C, cancelInput, cancels, D, kinds, ofKind, one, Scenario, SYM, trades } from './helpers.ts';

describe.each(BOOKS)('stop orders (%s book)', (book) => {
  /** Continuous, with a last trade price of 100 and an empty book (orders 901 and 902 are done). */
  const withLast100 = () => {
    const s = new Scenario(book).instrument();
    s.sell(901, B, 100, 1);
    s.buy(902, A, 100, 1);
    expect(s.lastPrice()).toBe(100);
    return s;
  };

  it('a stop is only accepted, and waits without touching the book', () => {
    const s = withLast100();
    const ev = s.stop(1, C, 'buy', 101, 5);
    expect(kinds(ev)).toEqual(['OrderAccepted']);
    expect(one(ev, 'OrderAccepted')).toMatchObject({ orderId: 1, type: 'stop', tif: 'IOC', stopPrice: 101, volume: 5 });
    expect(kinds(s.stopLimit(2, C, 'sell', 99, 98, 5))).toEqual(['OrderAccepted']);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });

  it('is rejected when the last price already meets its trigger', () => {
    const s = withLast100();
    expect(s.rejected(s.placeInput(1, C, 'buy', 0, 5, { type: 'stop', tif: 'IOC', stopPrice: 100 }))).toBe(
      'MATCHING_STOP_WOULD_TRIGGER_NOW',
    );
    expect(s.rejected(s.placeInput(1, C, 'buy', 0, 5, { type: 'stop', tif: 'IOC', stopPrice: 95 }))).toBe(
      'MATCHING_STOP_WOULD_TRIGGER_NOW',
    );
    expect(s.rejected(s.placeInput(1, C, 'sell', 0, 5, { type: 'stop', tif: 'IOC', stopPrice: 100 }))).toBe(
      'MATCHING_STOP_WOULD_TRIGGER_NOW',
    );
    expect(s.rejected(s.placeInput(1, C, 'sell', 0, 5, { type: 'stop', tif: 'IOC', stopPrice: 104 }))).toBe(
      'MATCHING_STOP_WOULD_TRIGGER_NOW',
    );
    expect(s.rejected(s.placeInput(1, C, 'buy', 105, 5, { type: 'stopLimit', tif: 'GTC', stopPrice: 100 }))).toBe(
      'MATCHING_STOP_WOULD_TRIGGER_NOW',
    );
    s.validate();
  });

  it('without a last price any stop price is accepted', () => {
    const s = new Scenario(book).instrument();
    expect(kinds(s.stop(1, C, 'buy', 1, 5))).toEqual(['OrderAccepted']);
    expect(kinds(s.stop(2, C, 'sell', 1_000_000, 5))).toEqual(['OrderAccepted']);
    s.validate();
  });

  it('a buy stop triggers when a trade prints at the stop price and sweeps as a market order', () => {
    const s = withLast100();
    s.stop(10, C, 'buy', 102, 5);
    s.sell(11, D, 102, 3);
    s.sell(12, D, 104, 5);
    const ev = s.buy(13, A, 102, 1);
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'StopTriggered', 'TradeExecuted', 'TradeExecuted']);
    expect(one(ev, 'StopTriggered')).toEqual({ kind: 'StopTriggered', orderId: 10, instrumentId: SYM, lastPrice: 102 });
    expect(trades(ev)).toEqual([
      [102, 1, 13, 11, 0, 2, 'buy'],
      [102, 2, 10, 11, 3, 0, 'buy'],
      [104, 3, 10, 12, 0, 2, 'buy'],
    ]);
    expect(s.depth()).toEqual({ bids: [], asks: [[104, 2, 1]] });
    expect(s.lastPrice()).toBe(104);
    expect(s.rejected(cancelInput(10))).toBe('MATCHING_UNKNOWN_ORDER'); // no longer pending
    s.validate();
  });

  it('a sell stop triggers at or below its price; the unfilled rest is canceled (reason market)', () => {
    const s = withLast100();
    s.stop(10, C, 'sell', 98, 6);
    s.buy(11, B, 98, 2);
    s.buy(12, B, 97, 1);
    // a trade at 99 does not trigger it
    s.buy(20, B, 99, 1);
    const above = s.sell(21, A, 99, 1);
    expect(kinds(above)).toEqual(['OrderAccepted', 'TradeExecuted']);
    const ev = s.sell(13, A, 98, 1);
    expect(kinds(ev)).toEqual([
      'OrderAccepted',
      'TradeExecuted',
      'StopTriggered',
      'TradeExecuted',
      'TradeExecuted',
      'OrderCanceled',
    ]);
    expect(trades(ev)).toEqual([
      [98, 1, 11, 13, 1, 0, 'sell'],
      [98, 1, 11, 10, 0, 5, 'sell'],
      [97, 1, 12, 10, 0, 4, 'sell'],
    ]);
    expect(cancels(ev)).toEqual([[10, 'market', 4]]);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });

  it('a stop-limit becomes a limit order with its own time in force and rests the rest', () => {
    const s = withLast100();
    s.stopLimit(10, C, 'sell', 98, 97, 10); // GTC
    s.buy(11, B, 98, 3);
    s.buy(12, B, 97, 4);
    s.buy(13, B, 96, 5);
    const ev = s.sell(14, A, 98, 1);
    expect(kinds(ev)).toEqual([
      'OrderAccepted',
      'TradeExecuted',
      'StopTriggered',
      'TradeExecuted',
      'TradeExecuted',
      'OrderRested',
    ]);
    expect(trades(ev)).toEqual([
      [98, 1, 11, 14, 2, 0, 'sell'],
      [98, 2, 11, 10, 0, 8, 'sell'],
      [97, 4, 12, 10, 0, 4, 'sell'],
    ]);
    expect(one(ev, 'OrderRested')).toMatchObject({ orderId: 10, price: 97, remaining: 4 });
    expect(s.depth()).toEqual({ bids: [[96, 5, 1]], asks: [[97, 4, 1]] });
    // now an ordinary resting order: it can be modified and canceled
    expect(one(s.modify(10, 97, 2, C), 'OrderModified').keptPriority).toBe(true);
    expect(cancels(s.cancel(10, C))).toEqual([[10, 'canceled', 2]]);
    s.validate();
  });

  it('a stop-limit IOC cancels its rest (reason ioc) after triggering', () => {
    const s = withLast100();
    s.stopLimit(20, C, 'buy', 101, 101, 5, { tif: 'IOC' });
    s.sell(21, D, 101, 3);
    s.sell(22, D, 102, 5);
    const ev = s.buy(23, A, 101, 1);
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'StopTriggered', 'TradeExecuted', 'OrderCanceled']);
    expect(trades(ev)).toEqual([
      [101, 1, 23, 21, 0, 2, 'buy'],
      [101, 2, 20, 21, 3, 0, 'buy'],
    ]);
    expect(cancels(ev)).toEqual([[20, 'ioc', 3]]);
    expect(s.depth()).toEqual({ bids: [], asks: [[102, 5, 1]] });
    s.validate();
  });

  it('a triggered GFD stop-limit that rests expires at the close', () => {
    const s = withLast100();
    s.stopLimit(10, C, 'buy', 101, 101, 4, { tif: 'GFD' });
    s.sell(11, D, 101, 1);
    const ev = s.buy(12, A, 101, 1);
    expect(kinds(ev)).toEqual(['OrderAccepted', 'TradeExecuted', 'StopTriggered', 'OrderRested']);
    expect(one(ev, 'OrderRested')).toMatchObject({ orderId: 10, price: 101, remaining: 4 });
    expect(cancels(s.phase('closed'))).toEqual([[10, 'expired', 4]]);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });

  it('several triggered stops run one at a time in acceptance order, with a cascade', () => {
    const s = withLast100();
    s.stop(11, C, 'buy', 102, 2); // accepted first
    s.stop(12, D, 'buy', 101, 1); // second, lower stop price
    s.stop(13, C, 'buy', 105, 1); // third
    s.stop(14, D, 'buy', 103, 1); // fourth
    s.sell(20, B, 102, 1);
    s.sell(21, B, 103, 2);
    s.sell(22, B, 104, 1);
    s.sell(23, B, 106, 5);
    // the trade at 102 triggers 11 and 12; 11 runs first (accepted first) and prints 103, which triggers 14;
    // 12 runs next (prints 104, short of 105), then 14 (prints 106, which triggers 13), then 13.
    const ev = s.buy(30, A, 102, 1);
    expect(kinds(ev)).toEqual([
      'OrderAccepted',
      'TradeExecuted',
      'StopTriggered',
      'TradeExecuted',
      'StopTriggered',
      'TradeExecuted',
      'StopTriggered',
      'TradeExecuted',
      'StopTriggered',
      'TradeExecuted',
    ]);
    expect(ofKind(ev, 'StopTriggered').map((e) => e.orderId)).toEqual([11, 12, 14, 13]);
    expect(trades(ev)).toEqual([
      [102, 1, 30, 20, 0, 0, 'buy'],
      [103, 2, 11, 21, 0, 0, 'buy'],
      [104, 1, 12, 22, 0, 0, 'buy'],
      [106, 1, 14, 23, 0, 4, 'buy'],
      [106, 1, 13, 23, 0, 3, 'buy'],
    ]);
    const trig = ofKind(ev, 'StopTriggered');
    expect(trig[0]!.lastPrice).toBe(102);
    expect(s.depth()).toEqual({ bids: [], asks: [[106, 3, 1]] });
    expect(s.lastPrice()).toBe(106);
    s.validate();
  });

  it('a modify that trades also triggers stops', () => {
    const s = withLast100();
    s.stop(10, C, 'buy', 102, 1);
    s.sell(11, D, 102, 5);
    s.buy(12, A, 100, 1);
    const ev = s.modify(12, 102, 1, A);
    expect(kinds(ev)).toEqual(['OrderModified', 'TradeExecuted', 'StopTriggered', 'TradeExecuted']);
    expect(trades(ev)).toEqual([
      [102, 1, 12, 11, 0, 4, 'buy'],
      [102, 1, 10, 11, 0, 3, 'buy'],
    ]);
    s.validate();
  });

  it('a pending stop keeps its id in use', () => {
    const s = withLast100();
    s.stop(10, C, 'buy', 110, 1);
    expect(s.rejected(s.placeInput(10, A, 'buy', 90, 1))).toBe('VALIDATION_DUPLICATE_ORDER_ID');
    s.validate();
  });
});
