import { describe, expect, it } from 'vitest';
import { cumulative, DepthBook } from '../../../src-renderer/logic/depth-book.ts';

describe('DepthBook', () => {
  it('applies a snapshot and then deltas in sequence', () => {
    const b = new DepthBook();
    b.applySnapshot({
      seq: 5,
      bids: [
        [100, 3],
        [99, 1],
      ],
      asks: [
        [101, 2],
        [103, 4],
      ],
    });
    expect(b.bids()).toEqual([
      [100, 3],
      [99, 1],
    ]);
    expect(b.asks()).toEqual([
      [101, 2],
      [103, 4],
    ]);
    expect(
      b.applyDelta({
        seq: 6,
        prevSeq: 5,
        bids: [
          [100, 0],
          [98, 7],
        ],
        asks: [[102, 1]],
      }),
    ).toBe('ok');
    expect(b.bids()).toEqual([
      [99, 1],
      [98, 7],
    ]);
    expect(b.asks()).toEqual([
      [101, 2],
      [102, 1],
      [103, 4],
    ]);
    expect(b.bestBid()).toBe(99);
    expect(b.bestAsk()).toBe(101);
    expect(b.seq).toBe(6);
  });

  it('reports a gap when a delta does not follow the last seq, and ignores deltas until a snapshot', () => {
    const b = new DepthBook();
    b.applySnapshot({ seq: 1, bids: [[100, 1]], asks: [] });
    expect(b.applyDelta({ seq: 3, prevSeq: 2, bids: [[100, 5]], asks: [] })).toBe('gap');
    expect(b.bidVolume(100)).toBe(1);
    expect(b.applyDelta({ seq: 4, prevSeq: 3, bids: [[100, 9]], asks: [] })).toBe('gap');
    b.applySnapshot({ seq: 4, bids: [[100, 9]], asks: [] });
    expect(b.applyDelta({ seq: 5, prevSeq: 4, bids: [[100, 8]], asks: [] })).toBe('ok');
    expect(b.bidVolume(100)).toBe(8);
  });

  it('ignores stale deltas from before a snapshot', () => {
    const b = new DepthBook();
    b.applySnapshot({ seq: 10, bids: [[100, 1]], asks: [] });
    const v = b.version;
    expect(b.applyDelta({ seq: 9, prevSeq: 8, bids: [[100, 5]], asks: [] })).toBe('stale');
    expect(b.version).toBe(v);
  });

  it('is empty and waiting before the first snapshot', () => {
    const b = new DepthBook();
    expect(b.applyDelta({ seq: 1, prevSeq: 0, bids: [[1, 1]], asks: [] })).toBe('gap');
    expect(b.bestBid()).toBeNull();
  });

  it('accumulates volume outwards for the depth chart', () => {
    expect(
      cumulative([
        [100, 2],
        [99, 3],
        [98, 1],
      ]),
    ).toEqual([
      [100, 2],
      [99, 5],
      [98, 6],
    ]);
  });
});
