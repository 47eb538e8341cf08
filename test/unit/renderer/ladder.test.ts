import { describe, expect, it } from 'vitest';
import { DepthBook } from '../../../src-renderer/logic/depth-book.ts';
import { ladderRows, ladderTop, NO_OWN, ownVolumes, roundToTick } from '../../../src-renderer/logic/ladder.ts';

describe('ladder window', () => {
  it('centres on the mid price rounded to the tick', () => {
    expect(roundToTick(101, 2)).toBe(102);
    expect(ladderTop(null, 10, 1, 99, 101, null)).toBe(105);
    expect(ladderTop(null, 10, 2, 37996, 38000, null)).toBe(38008);
  });

  it('keeps its place while the market stays in the middle half, re-centres when it leaves', () => {
    const top = ladderTop(null, 20, 1, 99, 101, null)!;
    expect(top).toBe(110);
    expect(ladderTop(top, 20, 1, 102, 104, null)).toBe(top);
    expect(ladderTop(top, 20, 1, 110, 112, null)).toBe(121);
  });

  it('falls back to one side, then the last price, and never goes below one tick', () => {
    expect(ladderTop(null, 10, 1, null, 50, null)).toBe(55);
    expect(ladderTop(null, 10, 1, null, null, 70)).toBe(75);
    expect(ladderTop(null, 10, 1, null, null, null)).toBeNull();
    expect(ladderTop(null, 10, 1, 2, 3, null)).toBe(10);
  });
});

describe('ladder rows', () => {
  it('lists bid and ask volume, own volume, best prices and the last price per tick', () => {
    const book = new DepthBook();
    book.applySnapshot({
      seq: 1,
      bids: [
        [100, 5],
        [98, 2],
      ],
      asks: [[102, 4]],
    });
    const own = ownVolumes(
      [
        { instrumentId: 'X', side: 'buy', price: 98, remaining: 1, status: 'new', type: 'limit' },
        { instrumentId: 'X', side: 'buy', price: 98, remaining: 1, status: 'partial', type: 'limit' },
        { instrumentId: 'X', side: 'sell', price: 102, remaining: 3, status: 'new', type: 'limit' },
        { instrumentId: 'Y', side: 'sell', price: 102, remaining: 9, status: 'new', type: 'limit' },
        { instrumentId: 'X', side: 'sell', price: 103, remaining: 9, status: 'pending', type: 'stopLimit' },
      ],
      'X',
    );
    const rows = ladderRows([], 103, 6, 1, book, own, 100);
    expect(rows.map((r) => r.price)).toEqual([103, 102, 101, 100, 99, 98]);
    expect(rows[1]).toMatchObject({ price: 102, ask: 4, ownSell: 3, best: 'ask' });
    expect(rows[3]).toMatchObject({ price: 100, bid: 5, best: 'bid', last: true });
    expect(rows[5]).toMatchObject({ price: 98, bid: 2, ownBuy: 2, best: null });
    expect(rows[0]).toMatchObject({ bid: 0, ask: 0, ownSell: 0 });
  });

  it('reuses the row objects between frames', () => {
    const book = new DepthBook();
    book.applySnapshot({ seq: 1, bids: [[10, 1]], asks: [] });
    const out = ladderRows([], 12, 3, 1, book, NO_OWN, null);
    const first = out[0];
    ladderRows(out, 11, 3, 1, book, NO_OWN, null);
    expect(out[0]).toBe(first);
    expect(out[1]!.bid).toBe(1);
  });
});
