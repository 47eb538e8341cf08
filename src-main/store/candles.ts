/** How a trade goes into a candle: written once for the stored K-lines (read-models.ts) and the live feed. */

/** A candle's figures. */
export interface Ohlcv {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

/** The figures of a candle whose first trade this is. */
export function openCandle(price: number, volume: number): Ohlcv {
  return { open: price, high: price, low: price, close: price, volume, trades: 1 };
}

/** Adds a later trade to a candle. */
export function addToCandle(c: Ohlcv, price: number, volume: number): void {
  if (price > c.high) c.high = price;
  if (price < c.low) c.low = price;
  c.close = price;
  c.volume += volume;
  c.trades++;
}
