import { StateHasher } from '../domain/hash.ts';
import type { AccountId, OrderId } from '../domain/ids.ts';
import type { Side, StpMode } from '../domain/order.ts';
import type {
  CrossSink,
  Depth,
  DepthLevel,
  MatchSink,
  OrderBook,
  OrderVisitor,
  RestingOrder,
  RestingOrderRecord,
} from './order-book.ts';

interface NaiveOrder {
  orderId: OrderId;
  accountId: AccountId;
  side: Side;
  price: number;
  remaining: number;
  filled: number;
  flags: number;
  /** Time priority: a counter that grows with every add and every loss of priority. */
  priority: number;
}

/**
 * The reference book: one array of orders, searched and sorted on every query. Slow and obviously correct;
 * tests compare the fast book against it.
 */
export class NaiveBook implements OrderBook {
  private list: NaiveOrder[] = [];
  private counter = 0;

  get size(): number {
    return this.list.length;
  }

  has(orderId: OrderId): boolean {
    return this.find(orderId) !== undefined;
  }

  get(orderId: OrderId, into?: RestingOrderRecord): RestingOrder | undefined {
    const o = this.find(orderId);
    if (o === undefined) return undefined;
    return into === undefined ? view(o) : Object.assign(into, view(o));
  }

  add(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    price: number,
    volume: number,
    flags: number,
    filled = 0,
  ): void {
    this.list.push({ orderId, accountId, side, price, remaining: volume, filled, flags, priority: ++this.counter });
  }

  remove(orderId: OrderId): number {
    const i = this.list.findIndex((o) => o.orderId === orderId);
    if (i < 0) return 0;
    const [o] = this.list.splice(i, 1);
    return o!.remaining;
  }

  requeue(orderId: OrderId, price: number, volume: number): void {
    const o = this.find(orderId);
    if (o === undefined) throw new Error(`bad requeue of ${orderId}`);
    o.price = price;
    o.remaining = volume;
    o.priority = ++this.counter;
  }

  reduce(orderId: OrderId, volume: number): void {
    const o = this.find(orderId);
    if (o === undefined || volume <= 0 || volume >= o.remaining) throw new Error(`bad reduce of ${orderId}`);
    o.remaining = volume;
  }

  bestBid(): number {
    const bids = this.sorted('buy');
    return bids.length === 0 ? Number.NaN : bids[0]!.price;
  }

  bestAsk(): number {
    const asks = this.sorted('sell');
    return asks.length === 0 ? Number.NaN : asks[0]!.price;
  }

  match(side: Side, limit: number, volume: number, accountId: AccountId, stp: StpMode, sink: MatchSink): number {
    let left = volume;
    while (left > 0) {
      const maker = this.sorted(side === 'buy' ? 'sell' : 'buy')[0];
      if (maker === undefined || !crosses(side, limit, maker.price)) break;
      if (maker.accountId === accountId && stp !== 'none') {
        if (stp === 'cancelTaker') break;
        this.remove(maker.orderId);
        sink.makerCanceled(maker.orderId, maker.accountId, maker.remaining);
        if (stp === 'cancelBoth') break;
        continue;
      }
      const qty = Math.min(left, maker.remaining);
      maker.remaining -= qty;
      maker.filled += qty;
      left -= qty;
      if (maker.remaining === 0) this.remove(maker.orderId);
      sink.fill(maker.orderId, maker.accountId, maker.price, qty, maker.remaining);
    }
    return left;
  }

  fillable(side: Side, limit: number, volume: number, accountId: AccountId, stp: StpMode): number {
    let total = 0;
    for (const maker of this.sorted(side === 'buy' ? 'sell' : 'buy')) {
      if (total >= volume || !crosses(side, limit, maker.price)) break;
      if (maker.accountId === accountId && stp !== 'none') {
        if (stp === 'cancelMaker') continue;
        break;
      }
      total += maker.remaining;
    }
    return Math.min(total, volume);
  }

  depth(levels: number): Depth {
    return { bids: aggregate(this.sorted('buy'), levels), asks: aggregate(this.sorted('sell'), levels) };
  }

  cross(volume: number, sink: CrossSink): void {
    let left = volume;
    while (left > 0) {
      const buy = this.sorted('buy')[0];
      const sell = this.sorted('sell')[0];
      if (buy === undefined || sell === undefined) throw new Error('cross without enough volume');
      const qty = Math.min(left, buy.remaining, sell.remaining);
      buy.remaining -= qty;
      buy.filled += qty;
      sell.remaining -= qty;
      sell.filled += qty;
      left -= qty;
      if (buy.remaining === 0) this.remove(buy.orderId);
      if (sell.remaining === 0) this.remove(sell.orderId);
      sink.cross(buy.orderId, buy.accountId, sell.orderId, sell.accountId, qty, buy.remaining, sell.remaining);
    }
  }

  orders(): RestingOrder[] {
    return [...this.sorted('buy'), ...this.sorted('sell')].map(view);
  }

  orderCount(side: Side): number {
    return this.list.filter((o) => o.side === side).length;
  }

  forEachOrder(side: Side, visit: OrderVisitor): void {
    for (const o of this.sorted(side)) visit(o.orderId, o.accountId, o.price, o.remaining, o.filled, o.flags);
  }

  orderIds(): OrderId[] {
    return this.orders().map((o) => o.orderId);
  }

  validateInternalState(): void {
    const ids = new Set<number>();
    for (const o of this.list) {
      if (ids.has(o.orderId)) throw new Error(`duplicate order ${o.orderId}`);
      ids.add(o.orderId);
      if (!(o.remaining > 0) || o.filled < 0) throw new Error(`order ${o.orderId} has bad volumes`);
    }
  }

  stateHash(): number {
    const h = new StateHasher();
    for (const o of this.orders()) {
      h.num(o.orderId).num(o.accountId).str(o.side).num(o.price).num(o.remaining).num(o.filled).num(o.flags);
    }
    return h.digest();
  }

  private find(orderId: OrderId): NaiveOrder | undefined {
    return this.list.find((o) => o.orderId === orderId);
  }

  /** One side in priority order: best price first, then earliest priority. */
  private sorted(side: Side): NaiveOrder[] {
    return this.list
      .filter((o) => o.side === side)
      .sort((a, b) =>
        a.price !== b.price ? (side === 'buy' ? b.price - a.price : a.price - b.price) : a.priority - b.priority,
      );
  }
}

function crosses(takerSide: Side, limit: number, makerPrice: number): boolean {
  return takerSide === 'buy' ? makerPrice <= limit : makerPrice >= limit;
}

function view(o: NaiveOrder): RestingOrder {
  return {
    orderId: o.orderId,
    accountId: o.accountId,
    side: o.side,
    price: o.price,
    remaining: o.remaining,
    filled: o.filled,
    flags: o.flags,
  };
}

function aggregate(sorted: NaiveOrder[], levels: number): DepthLevel[] {
  const out: { price: number; volume: number; orders: number }[] = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.price === o.price) {
      last.volume += o.remaining;
      last.orders += 1;
    } else {
      if (out.length >= levels) break;
      out.push({ price: o.price, volume: o.remaining, orders: 1 });
    }
  }
  return out;
}
