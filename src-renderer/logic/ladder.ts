/**
 * The price ladder: a fixed number of rows, one per tick, highest price on top, with the bid and ask volume at each
 * price and the user's own open volume per side. The window stays where it is while the inside market is in its
 * middle half and re-centres on the mid price when the market moves out of it, so rows do not jump on every tick.
 */

export interface LadderRow {
  price: number;
  bid: number;
  ask: number;
  ownBuy: number;
  ownSell: number;
  /** The best bid or best ask row. */
  best: 'bid' | 'ask' | null;
  /** The row of the last trade price. */
  last: boolean;
}

export interface LadderSource {
  bestBid(): number | null;
  bestAsk(): number | null;
  bidVolume(price: number): number;
  askVolume(price: number): number;
}

/** Own open volume by price: buys and sells. */
export interface OwnVolumes {
  readonly buy: ReadonlyMap<number, number>;
  readonly sell: ReadonlyMap<number, number>;
}

export const NO_OWN: OwnVolumes = { buy: new Map(), sell: new Map() };

/** Rounds a price to the nearest multiple of the tick (halves up). */
export function roundToTick(price: number, tick: number): number {
  return Math.floor((price + tick / 2) / tick) * tick;
}

/**
 * The price of the top row. `previousTop` is kept when the reference (the mid, else the one best price, else the
 * last price, else the reference price) lies within the middle half of the window; otherwise the window centres on it.
 */
export function ladderTop(
  previousTop: number | null,
  rows: number,
  tick: number,
  bestBid: number | null,
  bestAsk: number | null,
  fallback: number | null,
): number | null {
  let ref: number | null;
  if (bestBid !== null && bestAsk !== null) ref = roundToTick((bestBid + bestAsk) / 2, tick);
  else ref = bestBid ?? bestAsk ?? fallback;
  if (ref === null) return previousTop;
  if (previousTop !== null) {
    const quarter = Math.floor(rows / 4) * tick;
    const upper = previousTop - quarter;
    const lower = previousTop - (rows - 1) * tick + quarter;
    const inside = (p: number | null) => p === null || (p <= upper && p >= lower);
    if (previousTop % tick === 0 && inside(ref) && inside(bestBid) && inside(bestAsk)) return previousTop;
  }
  let top = ref + Math.floor(rows / 2) * tick;
  // never show prices below one tick
  const minTop = rows * tick;
  if (top < minTop) top = minTop;
  return top;
}

/** Fills `out` (reused between frames) with the rows from `top` downwards. */
export function ladderRows(
  out: LadderRow[],
  top: number,
  rows: number,
  tick: number,
  book: LadderSource,
  own: OwnVolumes,
  lastPrice: number | null,
): LadderRow[] {
  const bestBid = book.bestBid();
  const bestAsk = book.bestAsk();
  out.length = rows;
  for (let i = 0; i < rows; i++) {
    const price = top - i * tick;
    const row = out[i] ?? { price: 0, bid: 0, ask: 0, ownBuy: 0, ownSell: 0, best: null, last: false };
    row.price = price;
    row.bid = book.bidVolume(price);
    row.ask = book.askVolume(price);
    row.ownBuy = own.buy.get(price) ?? 0;
    row.ownSell = own.sell.get(price) ?? 0;
    row.best = price === bestBid ? 'bid' : price === bestAsk ? 'ask' : null;
    row.last = price === lastPrice;
    out[i] = row;
  }
  return out;
}

/** Own open volume per price and side from open orders of one instrument (resting limit orders only). */
export function ownVolumes(
  orders: Iterable<{
    instrumentId: string;
    side: 'buy' | 'sell';
    price: number;
    remaining: number;
    status: string;
    type: string;
  }>,
  instrumentId: string,
): OwnVolumes {
  const buy = new Map<number, number>();
  const sell = new Map<number, number>();
  for (const o of orders) {
    if (o.instrumentId !== instrumentId || o.remaining <= 0) continue;
    if (o.status !== 'new' && o.status !== 'partial') continue;
    if (o.type === 'market') continue;
    const m = o.side === 'buy' ? buy : sell;
    m.set(o.price, (m.get(o.price) ?? 0) + o.remaining);
  }
  return { buy, sell };
}
