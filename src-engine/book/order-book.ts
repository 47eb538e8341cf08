import type { Price, Volume } from '../domain/fixed-point.ts';
import type { AccountId, OrderId } from '../domain/ids.ts';
import type { Side, StpMode } from '../domain/order.ts';

/** What the matching layer hears from a book while an incoming order trades. Calls come in execution order. */
export interface MatchSink {
  /** The incoming order traded `volume` at `price` with the resting order `makerId`. */
  fill(makerId: OrderId, makerAccountId: AccountId, price: Price, volume: Volume, makerRemaining: Volume): void;
  /** Self-trade prevention removed the resting order `makerId` with `canceled` open volume. */
  makerCanceled(makerId: OrderId, makerAccountId: AccountId, canceled: Volume): void;
}

/** What the matching layer hears while an auction uncross pairs resting buy and sell orders at one price. */
export interface CrossSink {
  cross(
    buyId: OrderId,
    buyAccountId: AccountId,
    sellId: OrderId,
    sellAccountId: AccountId,
    volume: Volume,
    buyRemaining: Volume,
    sellRemaining: Volume,
  ): void;
}

export interface DepthLevel {
  readonly price: Price;
  readonly volume: Volume;
  readonly orders: number;
}

export interface Depth {
  readonly bids: readonly DepthLevel[];
  readonly asks: readonly DepthLevel[];
}

export interface RestingOrder {
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly side: Side;
  readonly price: Price;
  readonly remaining: Volume;
  readonly filled: Volume;
  /** Opaque flags owned by the matching layer (time in force, post-only). */
  readonly flags: number;
}

/** A mutable record that `get` fills instead of allocating, for hot paths that own one. */
export type RestingOrderRecord = { -readonly [K in keyof RestingOrder]: RestingOrder[K] };

export function emptyRestingOrder(): RestingOrderRecord {
  return { orderId: 0, accountId: 0, side: 'buy', price: 0, remaining: 0, filled: 0, flags: 0 };
}

/** How a taker treats a maker of its own account while matching. */
export type StpDecision = StpMode;

/** Receives one resting order's fields (`OrderBook.forEachOrder`), so that nothing is built per order. */
export type OrderVisitor = (
  orderId: OrderId,
  accountId: AccountId,
  price: Price,
  remaining: Volume,
  filled: Volume,
  flags: number,
) => void;

/**
 * A price-time priority book of resting limit orders for one instrument. It never decides order types or phases;
 * it only keeps orders in priority and trades an incoming volume against the opposite side.
 * Prices are integers; bids and asks may overlap only while the instrument is not matching (pre-open).
 */
export interface OrderBook {
  readonly size: number;
  has(orderId: OrderId): boolean;
  /** A copy of a resting order (written into `into` when given, else a new object), or undefined. */
  get(orderId: OrderId, into?: RestingOrderRecord): RestingOrder | undefined;
  /**
   * Adds an order at the back of its price level with `volume` open and `filled` already filled (an order that
   * re-enters after losing priority keeps its filled volume). The caller guarantees the id is not on the book.
   */
  add(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    price: Price,
    volume: Volume,
    flags: number,
    filled?: Volume,
  ): void;
  /** Removes an order; returns its open volume, or 0 if it was not there. */
  remove(orderId: OrderId): Volume;
  /**
   * Moves an order to the back of the level at `price` with `volume` open, keeping its filled volume
   * (a modify that loses priority and does not trade).
   */
  requeue(orderId: OrderId, price: Price, volume: Volume): void;
  /** Lowers an order's open volume in place, keeping its priority (0 < volume < remaining). */
  reduce(orderId: OrderId, volume: Volume): void;
  /** Best bid / ask price, or NaN when that side is empty. */
  bestBid(): Price;
  bestAsk(): Price;
  /**
   * Trades an incoming order of `side` against the opposite side at prices no worse than `limit`
   * (+Infinity / -Infinity for no limit), for at most `volume`. Fills print at the resting price.
   * Returns the unfilled volume; a self-trade with cancelTaker or cancelBoth stops matching and returns the rest.
   */
  match(side: Side, limit: Price, volume: Volume, accountId: AccountId, stp: StpMode, sink: MatchSink): Volume;
  /** The volume `match` would fill with the same arguments, capped at `volume`, without changing anything. */
  fillable(side: Side, limit: Price, volume: Volume, accountId: AccountId, stp: StpMode): Volume;
  /** Up to `levels` aggregated levels per side, best first (all levels when levels is Infinity). */
  depth(levels: number): Depth;
  /**
   * Pairs buy and sell orders in priority order (best price, then time) for `volume`, all at one price;
   * used by the auction uncross. The caller guarantees enough crossing volume on both sides.
   */
  cross(volume: Volume, sink: CrossSink): void;
  /** Every resting order, bids best-first then asks best-first, each level in time priority. */
  orders(): RestingOrder[];
  /** The ids of `orders()`, in the same order, without building the orders. */
  orderIds(): OrderId[];
  /** How many orders rest on one side. */
  orderCount(side: Side): number;
  /** Visits the orders of one side as `orders()` lists them (best price first, each level in time priority). */
  forEachOrder(side: Side, visit: OrderVisitor): void;
  /** Throws if an internal invariant is broken (used by tests and after recovery). */
  validateInternalState(): void;
  /** A hash of the book's observable state: every order's id, account, side, price, open volume and queue place. */
  stateHash(): number;
}
