/** Cancel and modify (docs/matching.md, "Cancel and modify"). */
import { describe, expect, it } from 'vitest';
import { A, B, BOOKS, C, cancelInput, cancels, D, kinds, modifyInput, one, Scenario, SYM, trades } from './helpers.ts';

describe.each(BOOKS)('cancel (%s book)', (book) => {
  const start = () => new Scenario(book).instrument();

  it('cancels an own open order with its open volume (reason canceled)', () => {
    const s = start();
    s.buy(1, A, 100, 10);
    s.sell(2, B, 100, 4); // order 1 now has 6 open
    const ev = s.cancel(1, A);
    expect(kinds(ev)).toEqual(['OrderCanceled']);
    expect(one(ev, 'OrderCanceled')).toEqual({
      kind: 'OrderCanceled',
      orderId: 1,
      accountId: A,
      instrumentId: SYM,
      canceled: 6,
      reason: 'canceled',
    });
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });

  it('without an account id any open order can be canceled', () => {
    const s = start();
    s.sell(1, B, 101, 3);
    expect(cancels(s.cancel(1))).toEqual([[1, 'canceled', 3]]);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });

  it('refuses another account, an unknown id, and an order that is already gone', () => {
    const s = start();
    s.buy(1, A, 100, 10);
    expect(s.rejected(cancelInput(1, B))).toBe('MATCHING_NOT_ORDER_OWNER');
    expect(s.rejected(cancelInput(99, A))).toBe('MATCHING_UNKNOWN_ORDER');
    s.sell(2, B, 100, 10); // fills order 1 completely
    expect(s.rejected(cancelInput(1, A))).toBe('MATCHING_UNKNOWN_ORDER');
    expect(s.rejected(cancelInput(2, B))).toBe('MATCHING_UNKNOWN_ORDER');
    s.buy(3, A, 99, 1);
    s.cancel(3, A);
    expect(s.rejected(cancelInput(3, A))).toBe('MATCHING_UNKNOWN_ORDER');
    s.validate();
  });

  it('cancels a pending stop with its whole volume', () => {
    const s = start();
    s.stop(1, A, 'buy', 120, 7);
    const ev = s.cancel(1, A);
    expect(kinds(ev)).toEqual(['OrderCanceled']);
    expect(cancels(ev)).toEqual([[1, 'canceled', 7]]);
    expect(s.rejected(cancelInput(1, A))).toBe('MATCHING_UNKNOWN_ORDER');
    s.validate();
  });

  it('is allowed in pre-open, halted and closed, refused in auction', () => {
    const s = new Scenario(book).instrument(SYM, {}, 'preOpen');
    s.buy(1, A, 99, 1);
    s.buy(2, A, 98, 1);
    s.buy(3, A, 97, 1);
    s.sell(4, B, 101, 1);
    expect(cancels(s.cancel(1))).toEqual([[1, 'canceled', 1]]); // pre-open
    s.phase('auction'); // not crossed: nothing trades
    expect(s.rejected(cancelInput(2))).toBe('MATCHING_PHASE_REJECTS_CANCELS');
    expect(s.rejected(modifyInput(2, 96, 1))).toBe('MATCHING_PHASE_REJECTS_CANCELS');
    s.phase('halted');
    expect(cancels(s.cancel(2))).toEqual([[2, 'canceled', 1]]); // halted
    s.phase('closed');
    expect(cancels(s.cancel(3))).toEqual([[3, 'canceled', 1]]); // closed (GTC orders stay at the close)
    expect(s.depth()).toEqual({ bids: [], asks: [[101, 1, 1]] });
    s.validate();
  });
});

describe.each(BOOKS)('modify (%s book)', (book) => {
  const start = () => new Scenario(book).instrument();
  /** Three bids of 10 at 100 from A, B, C in that order (orders 1, 2, 3). */
  const queue = () => {
    const s = start();
    s.buy(1, A, 100, 10);
    s.buy(2, B, 100, 10);
    s.buy(3, C, 100, 10);
    return s;
  };

  it('a lower volume at the same price keeps the queue place', () => {
    const s = queue();
    const ev = s.modify(1, 100, 4, A);
    expect(kinds(ev)).toEqual(['OrderModified']);
    expect(one(ev, 'OrderModified')).toEqual({
      kind: 'OrderModified',
      orderId: 1,
      instrumentId: SYM,
      price: 100,
      remaining: 4,
      keptPriority: true,
    });
    expect(s.depth()).toEqual({ bids: [[100, 24, 3]], asks: [] });
    const fill = s.sell(9, D, 100, 6);
    expect(trades(fill)).toEqual([
      [100, 4, 1, 9, 0, 2, 'sell'],
      [100, 2, 2, 9, 8, 0, 'sell'],
    ]);
    s.validate();
  });

  it('a higher volume sends the order to the back of its level', () => {
    const s = queue();
    const ev = s.modify(1, 100, 15, A);
    expect(kinds(ev)).toEqual(['OrderModified']);
    expect(one(ev, 'OrderModified')).toMatchObject({ price: 100, remaining: 15, keptPriority: false });
    const fill = s.sell(9, D, 100, 12);
    expect(trades(fill)).toEqual([
      [100, 10, 2, 9, 0, 2, 'sell'],
      [100, 2, 3, 9, 8, 0, 'sell'],
    ]);
    expect(s.depth()).toEqual({ bids: [[100, 23, 2]], asks: [] });
    s.validate();
  });

  it('a new price loses priority even when it comes back to the old price', () => {
    const s = queue();
    expect(one(s.modify(1, 99, 10, A), 'OrderModified').keptPriority).toBe(false);
    expect(s.depth()).toEqual({
      bids: [
        [100, 20, 2],
        [99, 10, 1],
      ],
      asks: [],
    });
    expect(one(s.modify(1, 100, 10, A), 'OrderModified').keptPriority).toBe(false);
    const fill = s.sell(9, D, 100, 25);
    expect(trades(fill)).toEqual([
      [100, 10, 2, 9, 0, 15, 'sell'],
      [100, 10, 3, 9, 0, 5, 'sell'],
      [100, 5, 1, 9, 5, 0, 'sell'],
    ]);
    s.validate();
  });

  it('a lower volume on a partially filled order is its new open volume', () => {
    const s = queue();
    s.sell(9, D, 100, 4); // order 1: 6 open
    expect(s.rejected(modifyInput(1, 100, 6, A))).toBe('MATCHING_MODIFY_CHANGES_NOTHING');
    const ev = s.modify(1, 100, 3, A);
    expect(one(ev, 'OrderModified')).toMatchObject({ remaining: 3, keptPriority: true });
    expect(trades(s.sell(10, D, 100, 3))).toEqual([[100, 3, 1, 10, 0, 0, 'sell']]);
    s.validate();
  });

  it('a new price may trade at once, at the resting price, and the rest stays at the new price', () => {
    const s = start();
    s.buy(1, A, 100, 10);
    s.sell(5, D, 102, 5);
    s.sell(6, D, 104, 5);
    const ev = s.modify(1, 103, 10, A);
    expect(kinds(ev)).toEqual(['OrderModified', 'TradeExecuted']);
    expect(one(ev, 'OrderModified')).toMatchObject({ orderId: 1, price: 103, remaining: 10, keptPriority: false });
    expect(trades(ev)).toEqual([[102, 5, 1, 5, 5, 0, 'buy']]);
    expect(s.depth()).toEqual({ bids: [[103, 5, 1]], asks: [[104, 5, 1]] });
    expect(s.lastPrice()).toBe(102);
    s.validate();
  });

  it('a modify that fills the order completely removes it', () => {
    const s = start();
    s.sell(1, A, 105, 4);
    s.buy(2, B, 100, 6);
    const ev = s.modify(1, 99, 4, A);
    expect(kinds(ev)).toEqual(['OrderModified', 'TradeExecuted']);
    expect(trades(ev)).toEqual([[100, 4, 2, 1, 2, 0, 'sell']]);
    expect(s.depth()).toEqual({ bids: [[100, 2, 1]], asks: [] });
    expect(s.rejected(cancelInput(1, A))).toBe('MATCHING_UNKNOWN_ORDER');
    s.validate();
  });

  it('a post-only order modified to a crossing price is rejected and left as it was', () => {
    const s = start();
    s.buy(1, A, 100, 5, { postOnly: true });
    s.buy(2, B, 100, 5);
    s.sell(3, D, 102, 5);
    expect(s.rejected(modifyInput(1, 102, 5, A))).toBe('MATCHING_POST_ONLY_WOULD_CROSS');
    expect(s.depth()).toEqual({ bids: [[100, 10, 2]], asks: [[102, 5, 1]] });
    // still first in its queue, with its volume
    expect(trades(s.sell(4, D, 100, 5))).toEqual([[100, 5, 1, 4, 0, 0, 'sell']]);
    // a non-crossing new price is fine
    s.buy(5, A, 99, 5, { postOnly: true });
    expect(one(s.modify(5, 101, 5, A), 'OrderModified')).toMatchObject({ price: 101, keptPriority: false });
    s.validate();
  });

  it('refuses pending stops, no-change modifies, unknown orders and other accounts', () => {
    const s = start();
    s.buy(1, A, 100, 5);
    s.stop(2, A, 'buy', 110, 5);
    s.stopLimit(3, A, 'sell', 90, 89, 5);
    expect(s.rejected(modifyInput(2, 100, 3, A))).toBe('MATCHING_ORDER_NOT_MODIFIABLE');
    expect(s.rejected(modifyInput(3, 88, 5, A))).toBe('MATCHING_ORDER_NOT_MODIFIABLE');
    expect(s.rejected(modifyInput(1, 100, 5, A))).toBe('MATCHING_MODIFY_CHANGES_NOTHING');
    expect(s.rejected(modifyInput(77, 100, 5, A))).toBe('MATCHING_UNKNOWN_ORDER');
    expect(s.rejected(modifyInput(1, 101, 5, B))).toBe('MATCHING_NOT_ORDER_OWNER');
    expect(s.depth()).toEqual({ bids: [[100, 5, 1]], asks: [] });
    s.validate();
  });

  it('validates the new price and volume like an order', () => {
    const s = new Scenario(book).instrument(SYM, {
      priceTick: 5,
      lotSize: 10,
      maxOrderVolume: 100,
      referencePrice: 1000,
      band: { kind: 'ticks', ticks: 10 },
    });
    s.buy(1, A, 1000, 20);
    expect(s.rejected(modifyInput(1, 1002, 20, A))).toBe('VALIDATION_PRICE_NOT_ON_TICK');
    expect(s.rejected(modifyInput(1, 1055, 20, A))).toBe('VALIDATION_PRICE_OUT_OF_BAND');
    expect(s.rejected(modifyInput(1, 1000, 15, A))).toBe('VALIDATION_VOLUME_NOT_LOT_MULTIPLE');
    expect(s.rejected(modifyInput(1, 1000, 110, A))).toBe('VALIDATION_VOLUME_ABOVE_MAXIMUM');
    expect(s.rejected(modifyInput(1, 1000, 0, A))).toBe('VALIDATION_VOLUME_NOT_POSITIVE');
    expect(s.depth()).toEqual({ bids: [[1000, 20, 1]], asks: [] });
    s.validate();
  });

  it('a modified GFD order stays GFD and expires at the close; modify works in closed', () => {
    const s = start();
    s.buy(1, A, 100, 5, { tif: 'GFD' });
    s.buy(2, B, 99, 5); // GTC
    s.modify(1, 98, 6, A);
    const close = s.phase('closed');
    expect(cancels(close)).toEqual([[1, 'expired', 6]]);
    const ev = s.modify(2, 99, 3, B);
    expect(one(ev, 'OrderModified')).toMatchObject({ price: 99, remaining: 3, keptPriority: true });
    expect(s.depth()).toEqual({ bids: [[99, 3, 1]], asks: [] });
    s.validate();
  });

  it('never trades outside continuous: in pre-open and halted a crossing modify only moves the order', () => {
    const s = new Scenario(book).instrument(SYM, {}, 'preOpen');
    s.buy(1, A, 100, 10);
    s.sell(2, B, 102, 10);
    const ev = s.modify(1, 103, 10, A);
    expect(kinds(ev)).toEqual(['OrderModified']);
    expect(s.depth()).toEqual({ bids: [[103, 10, 1]], asks: [[102, 10, 1]] });
    s.validate();

    const h = new Scenario(book).instrument(SYM, {}, 'continuous');
    h.buy(1, A, 100, 10);
    h.sell(2, B, 102, 10);
    h.phase('halted');
    expect(kinds(h.modify(2, 99, 10, B))).toEqual(['OrderModified']);
    expect(h.depth()).toEqual({ bids: [[100, 10, 1]], asks: [[99, 10, 1]] });
    expect(h.lastPrice()).toBeNull();
    h.validate();
  });
});
