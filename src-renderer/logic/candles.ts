/**
 * Candles for a chart period. REST serves every period (the server folds 60 s candles into longer ones); the WS
 * feed pushes the current 3 s and 60 s candles only. For longer periods the series keeps the 60 s candles of its
 * last bucket and folds them again on every push, so the last bar is always exact.
 */
import type { Candle, RestCandle } from '../api/types.ts';

export function fromRest(rows: readonly RestCandle[]): Candle[] {
  return rows.map((r) => ({
    startTs: r.start_ts,
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
    trades: r.trades,
  }));
}

/** The live period a chart period is built from: itself when the feed pushes it, else 60 s. */
export function basePeriod(periodSec: number): 3 | 60 {
  return periodSec === 3 ? 3 : 60;
}

function fold(parts: readonly Candle[], start: number): Candle {
  const first = parts[0]!;
  let high = first.high;
  let low = first.low;
  let volume = 0;
  let trades = 0;
  for (const c of parts) {
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
    volume += c.volume;
    trades += c.trades;
  }
  return { startTs: start, open: first.open, high, low, close: parts[parts.length - 1]!.close, volume, trades };
}

export class CandleSeries {
  readonly candles: Candle[];
  /** Base candles of the last bucket by start (periods longer than the base only). */
  private readonly base = new Map<number, Candle>();
  version = 0;

  constructor(
    readonly periodSec: number,
    candles: readonly Candle[] = [],
    /** Base-period candles from the start of the last bucket (for periods longer than the base). */
    baseCandles: readonly Candle[] = [],
    readonly maxCandles = 2000,
  ) {
    this.candles = [...candles].sort((a, b) => a.startTs - b.startTs);
    for (const c of baseCandles) this.base.set(c.startTs, c);
  }

  /** Applies a pushed candle of the base period; true when the series changed. */
  apply(c: Candle): boolean {
    const ms = this.periodSec * 1000;
    const start = c.startTs - (c.startTs % ms);
    let bar: Candle;
    if (this.periodSec === basePeriod(this.periodSec)) {
      bar = c;
    } else {
      this.base.set(c.startTs, c);
      for (const k of this.base.keys()) if (k < start) this.base.delete(k);
      const parts = [...this.base.values()].filter((x) => x.startTs >= start && x.startTs < start + ms);
      parts.sort((a, b) => a.startTs - b.startTs);
      bar = fold(parts, start);
    }
    const last = this.candles[this.candles.length - 1];
    if (last !== undefined && last.startTs === start) {
      if (
        last.open === bar.open &&
        last.high === bar.high &&
        last.low === bar.low &&
        last.close === bar.close &&
        last.volume === bar.volume
      ) {
        return false;
      }
      this.candles[this.candles.length - 1] = bar;
    } else if (last === undefined || last.startTs < start) {
      this.candles.push(bar);
      if (this.candles.length > this.maxCandles) this.candles.splice(0, this.candles.length - this.maxCandles);
    } else {
      return false; // older than what is shown
    }
    this.version++;
    return true;
  }

  /** Columns for uPlot: time (s), open, high, low, close, volume. */
  columns(): [number[], number[], number[], number[], number[], number[]] {
    const n = this.candles.length;
    const t = new Array<number>(n);
    const o = new Array<number>(n);
    const h = new Array<number>(n);
    const l = new Array<number>(n);
    const c = new Array<number>(n);
    const v = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const x = this.candles[i]!;
      t[i] = x.startTs / 1000;
      o[i] = x.open;
      h[i] = x.high;
      l[i] = x.low;
      c[i] = x.close;
      v[i] = x.volume;
    }
    return [t, o, h, l, c, v];
  }
}
