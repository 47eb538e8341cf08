import type { Depth } from '../book/order-book.ts';
import type { Price, Volume } from '../domain/fixed-point.ts';

export interface Uncross {
  readonly price: Price;
  readonly volume: Volume;
  /** Buy volume at or above the price minus sell volume at or below it. */
  readonly imbalance: Volume;
}

/**
 * The call auction's price: among the prices of resting orders, the one with (1) the most executable volume,
 * then (2) the least absolute imbalance, then (3) the least distance to the reference price (when there is one),
 * then (4) the lowest price. Returns null when nothing can trade.
 */
export function findUncross(depth: Depth, reference: Price | null): Uncross | null {
  const bids = depth.bids; // best (highest) first
  const asks = depth.asks; // best (lowest) first
  if (bids.length === 0 || asks.length === 0 || bids[0]!.price < asks[0]!.price) return null;
  const prices = new Set<number>();
  for (const l of bids) prices.add(l.price);
  for (const l of asks) prices.add(l.price);
  const candidates = [...prices].sort((a, b) => a - b);
  // Cumulative buy volume at >= p and sell volume at <= p, by two sweeps over the sorted candidates.
  const buyAtOrAbove = new Map<number, number>();
  let acc = 0;
  let bi = 0;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const p = candidates[i]!;
    while (bi < bids.length && bids[bi]!.price >= p) acc += bids[bi++]!.volume;
    buyAtOrAbove.set(p, acc);
  }
  let best: Uncross | null = null;
  let bestDistance = 0;
  acc = 0;
  let ai = 0;
  for (const p of candidates) {
    while (ai < asks.length && asks[ai]!.price <= p) acc += asks[ai++]!.volume;
    const buy = buyAtOrAbove.get(p)!;
    const volume = Math.min(buy, acc);
    if (volume === 0) continue;
    const imbalance = buy - acc;
    const distance = reference === null ? 0 : Math.abs(p - reference);
    if (
      best === null ||
      volume > best.volume ||
      (volume === best.volume &&
        (Math.abs(imbalance) < Math.abs(best.imbalance) ||
          (Math.abs(imbalance) === Math.abs(best.imbalance) && distance < bestDistance)))
    ) {
      best = { price: p, volume, imbalance };
      bestDistance = distance;
    }
  }
  return best;
}
