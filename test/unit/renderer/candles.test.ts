import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src-renderer/api/types.ts';
import { basePeriod, CandleSeries, fromRest } from '../../../src-renderer/logic/candles.ts';

const c = (startTs: number, open: number, high: number, low: number, close: number, volume: number): Candle => ({
  startTs,
  open,
  high,
  low,
  close,
  volume,
  trades: 1,
});

describe('candle series', () => {
  it('reads REST candles', () => {
    expect(fromRest([{ start_ts: 60_000, open: 1, high: 2, low: 0, close: 1, volume: 5, trades: 2 }])).toEqual([
      { startTs: 60_000, open: 1, high: 2, low: 0, close: 1, volume: 5, trades: 2 },
    ]);
    expect(basePeriod(3)).toBe(3);
    expect(basePeriod(60)).toBe(60);
    expect(basePeriod(900)).toBe(60);
  });

  it('replaces the live candle of its own period and appends new ones', () => {
    const s = new CandleSeries(60, [c(0, 10, 12, 9, 11, 5)]);
    expect(s.apply(c(0, 10, 13, 9, 13, 7))).toBe(true);
    expect(s.candles).toHaveLength(1);
    expect(s.candles[0]!.high).toBe(13);
    expect(s.apply(c(0, 10, 13, 9, 13, 7))).toBe(false);
    expect(s.apply(c(60_000, 13, 14, 12, 14, 1))).toBe(true);
    expect(s.candles).toHaveLength(2);
    expect(s.apply(c(-60_000, 1, 1, 1, 1, 1))).toBe(false);
  });

  it('folds 60 s candles into a longer period, exact for the last bucket', () => {
    // 5 minute bars; the REST bar of [0, 300 s) already holds the first minute
    const s = new CandleSeries(300, [c(0, 100, 105, 99, 104, 10)], [c(0, 100, 105, 99, 104, 10)]);
    s.apply(c(60_000, 104, 108, 103, 107, 4));
    expect(s.candles).toEqual([{ startTs: 0, open: 100, high: 108, low: 99, close: 107, volume: 14, trades: 2 }]);
    // the same minute again, grown: replaces its part, not added twice
    s.apply(c(60_000, 104, 110, 103, 109, 6));
    expect(s.candles[0]).toMatchObject({ high: 110, close: 109, volume: 16 });
    // the next bucket starts fresh
    s.apply(c(300_000, 109, 109, 95, 96, 3));
    expect(s.candles).toHaveLength(2);
    expect(s.candles[1]).toMatchObject({ startTs: 300_000, open: 109, low: 95, close: 96, volume: 3 });
  });

  it('gives uPlot columns with times in seconds', () => {
    const s = new CandleSeries(60, [c(60_000, 1, 2, 0, 1, 3), c(0, 5, 6, 4, 5, 1)]);
    expect(s.columns()).toEqual([
      [0, 60],
      [5, 1],
      [6, 2],
      [4, 0],
      [5, 1],
      [1, 3],
    ]);
  });
});
