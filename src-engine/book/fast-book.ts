import { StateHasher } from '../domain/hash.ts';
import type { AccountId, OrderId } from '../domain/ids.ts';
import type { Side, StpMode } from '../domain/order.ts';
import { IntMap } from './int-map.ts';
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

const NIL = -1;
const BUY = 0;
const SELL = 1;

/** One price level: an intrusive FIFO list of order slots plus running totals. */
class Level {
  head = NIL;
  tail = NIL;
  volume = 0;
  count = 0;
  constructor(readonly price: number) {}
}

/** Price -> level, as an integer map into a table of levels (prices are positive integers). */
class LevelMap {
  private readonly index = new IntMap(256);
  private readonly table: (Level | undefined)[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.index.size;
  }

  get(price: number): Level | undefined {
    const i = this.index.get(price);
    return i === -1 ? undefined : this.table[i];
  }

  set(level: Level): void {
    const i = this.free.length > 0 ? this.free.pop()! : this.table.length;
    this.table[i] = level;
    this.index.set(level.price, i);
  }

  delete(price: number): void {
    const i = this.index.get(price);
    if (i === -1) return;
    this.index.delete(price);
    this.table[i] = undefined;
    this.free.push(i);
  }
}

/**
 * One side of the book: levels sorted so that the best is last (bids ascending, asks descending),
 * which makes taking and emptying the best level a pop, plus a price -> level map.
 * A level that empties away from the end stays in place, empty, until it is reused or reaches the end, so prices
 * that come and go (modifies moving around the touch) do not shift the array each time; compaction bounds them.
 * The last level, when there is one, is never empty.
 */
class BookSide {
  levels: Level[] = [];
  readonly byPrice = new LevelMap();
  /** Empty levels kept in `levels` and `byPrice`. */
  empty = 0;
  constructor(readonly isBid: boolean) {}

  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** The level at `price`, reusing an empty one or created in sorted position. */
  levelFor(price: number): Level {
    let level = this.byPrice.get(price);
    if (level !== undefined) {
      if (level.count === 0) this.empty--;
      return level;
    }
    level = new Level(price);
    this.byPrice.set(level);
    const levels = this.levels;
    // Binary search for the insertion point; "better" prices sort towards the end.
    let lo = 0;
    let hi = levels.length;
    if (this.isBid) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (levels[mid]!.price < price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (levels[mid]!.price > price) lo = mid + 1;
        else hi = mid;
      }
    }
    if (lo === levels.length) levels.push(level);
    else levels.splice(lo, 0, level);
    return level;
  }

  /** Called when `level` has just become empty. */
  emptied(level: Level): void {
    const levels = this.levels;
    if (levels[levels.length - 1] !== level) {
      if (++this.empty > 64 && this.empty > levels.length - this.empty) this.compact();
      return;
    }
    levels.pop();
    this.byPrice.delete(level.price);
    // Keep the invariant: the last level is not empty.
    let last = levels[levels.length - 1];
    while (last !== undefined && last.count === 0) {
      levels.pop();
      this.byPrice.delete(last.price);
      this.empty--;
      last = levels[levels.length - 1];
    }
  }

  private compact(): void {
    const kept: Level[] = [];
    for (const l of this.levels) {
      if (l.count > 0) kept.push(l);
      else this.byPrice.delete(l.price);
    }
    this.levels = kept;
    this.empty = 0;
  }
}

/**
 * The fast book. Orders live in a pool of typed arrays (struct of arrays, slots reused through a free list), linked
 * into per-level FIFO lists; an id -> slot map gives O(1) cancel. Matching walks the best level from its head.
 */
export class FastBook implements OrderBook {
  private cap: number;
  private oid: Float64Array;
  private acct: Float64Array;
  private rem: Float64Array;
  private fil: Float64Array;
  private flg: Int32Array;
  private nxt: Int32Array;
  private prv: Int32Array;
  private sid: Uint8Array;
  private lvl: (Level | undefined)[];
  private freeHead = NIL;
  private used = 0;
  private readonly slots = new IntMap(1024);
  /** The last id looked up and its slot: a modify reads an order, then moves it, with one map lookup. */
  private lastId = 0;
  private lastSlot = NIL;
  private readonly bids = new BookSide(true);
  private readonly asks = new BookSide(false);

  constructor(initialCapacity = 1024) {
    this.cap = Math.max(16, initialCapacity);
    this.oid = new Float64Array(this.cap);
    this.acct = new Float64Array(this.cap);
    this.rem = new Float64Array(this.cap);
    this.fil = new Float64Array(this.cap);
    this.flg = new Int32Array(this.cap);
    this.nxt = new Int32Array(this.cap);
    this.prv = new Int32Array(this.cap);
    this.sid = new Uint8Array(this.cap);
    this.lvl = new Array<Level | undefined>(this.cap).fill(undefined);
  }

  get size(): number {
    return this.slots.size;
  }

  has(orderId: OrderId): boolean {
    return this.slots.has(orderId);
  }

  get(orderId: OrderId, into?: RestingOrderRecord): RestingOrder | undefined {
    const s = this.slotOf(orderId);
    if (s === -1) return undefined;
    if (into === undefined) return this.view(s);
    into.orderId = this.oid[s]!;
    into.accountId = this.acct[s]!;
    into.side = this.sid[s] === BUY ? 'buy' : 'sell';
    into.price = this.lvl[s]!.price;
    into.remaining = this.rem[s]!;
    into.filled = this.fil[s]!;
    into.flags = this.flg[s]!;
    return into;
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
    const s = this.alloc();
    const isBuy = side === 'buy';
    this.oid[s] = orderId;
    this.acct[s] = accountId;
    this.rem[s] = volume;
    this.fil[s] = filled;
    this.flg[s] = flags;
    this.sid[s] = isBuy ? BUY : SELL;
    this.attach(s, (isBuy ? this.bids : this.asks).levelFor(price), volume);
    this.slots.set(orderId, s);
  }

  requeue(orderId: OrderId, price: number, volume: number): void {
    const s = this.slotOf(orderId);
    if (s === -1) throw new Error(`bad requeue of ${orderId}`);
    this.detach(s);
    this.rem[s] = volume;
    this.attach(s, (this.sid[s] === BUY ? this.bids : this.asks).levelFor(price), volume);
  }

  /** Links slot s at the tail of `level` with `volume` open. */
  private attach(s: number, level: Level, volume: number): void {
    this.lvl[s] = level;
    this.nxt[s] = NIL;
    this.prv[s] = level.tail;
    if (level.tail === NIL) level.head = s;
    else this.nxt[level.tail] = s;
    level.tail = s;
    level.volume += volume;
    level.count++;
  }

  /** Takes slot s out of its level's list, dropping the level if it empties; the slot stays allocated. */
  private detach(s: number): void {
    const level = this.lvl[s]!;
    const p = this.prv[s]!;
    const n = this.nxt[s]!;
    if (p === NIL) level.head = n;
    else this.nxt[p] = n;
    if (n === NIL) level.tail = p;
    else this.prv[n] = p;
    level.volume -= this.rem[s]!;
    level.count--;
    if (level.count === 0) (this.sid[s] === BUY ? this.bids : this.asks).emptied(level);
  }

  remove(orderId: OrderId): number {
    const s = this.slotOf(orderId);
    if (s === -1) return 0;
    const left = this.rem[s]!;
    this.unlink(s);
    return left;
  }

  reduce(orderId: OrderId, volume: number): void {
    const s = this.slotOf(orderId);
    if (s === -1 || volume <= 0 || volume >= this.rem[s]!) throw new Error(`bad reduce of ${orderId}`);
    this.lvl[s]!.volume -= this.rem[s]! - volume;
    this.rem[s] = volume;
  }

  bestBid(): number {
    const l = this.bids.best();
    return l === undefined ? Number.NaN : l.price;
  }

  bestAsk(): number {
    const l = this.asks.best();
    return l === undefined ? Number.NaN : l.price;
  }

  match(side: Side, limit: number, volume: number, accountId: AccountId, stp: StpMode, sink: MatchSink): number {
    const isBuy = side === 'buy';
    const book = isBuy ? this.asks : this.bids;
    const rem = this.rem;
    const fil = this.fil;
    const acct = this.acct;
    const stpOn = stp !== 'none';
    let left = volume;
    while (left > 0) {
      const level = book.best();
      if (level === undefined) break;
      const price = level.price;
      if (isBuy ? price > limit : price < limit) break;
      let s = level.head;
      while (s !== NIL && left > 0) {
        const next = this.nxt[s]!;
        const makerAcct = acct[s]!;
        if (stpOn && makerAcct === accountId) {
          if (stp === 'cancelTaker') return left;
          const makerId = this.oid[s]!;
          const canceled = rem[s]!;
          this.unlink(s);
          sink.makerCanceled(makerId, makerAcct, canceled);
          if (stp === 'cancelBoth') return left;
          s = next;
          continue;
        }
        const makerLeft = rem[s]!;
        const qty = Math.min(makerLeft, left);
        const after = makerLeft - qty;
        left -= qty;
        const makerId = this.oid[s]!;
        if (after === 0) {
          this.unlink(s);
        } else {
          rem[s] = after;
          fil[s] = fil[s]! + qty;
          level.volume -= qty;
        }
        sink.fill(makerId, makerAcct, price, qty, after);
        s = next;
      }
    }
    return left;
  }

  fillable(side: Side, limit: number, volume: number, accountId: AccountId, stp: StpMode): number {
    const isBuy = side === 'buy';
    const levels = (isBuy ? this.asks : this.bids).levels;
    const stpOn = stp !== 'none';
    let total = 0;
    for (let i = levels.length - 1; i >= 0 && total < volume; i--) {
      const level = levels[i]!;
      if (isBuy ? level.price > limit : level.price < limit) break;
      if (level.count === 0) continue;
      if (!stpOn) {
        total += level.volume;
        continue;
      }
      for (let s = level.head; s !== NIL && total < volume; s = this.nxt[s]!) {
        if (this.acct[s] === accountId) {
          if (stp === 'cancelMaker') continue;
          return Math.min(total, volume);
        }
        total += this.rem[s]!;
      }
    }
    return Math.min(total, volume);
  }

  depth(levels: number): Depth {
    return { bids: this.sideDepth(this.bids, levels), asks: this.sideDepth(this.asks, levels) };
  }

  cross(volume: number, sink: CrossSink): void {
    let left = volume;
    while (left > 0) {
      const bl = this.bids.best();
      const al = this.asks.best();
      if (bl === undefined || al === undefined) throw new Error('cross without enough volume');
      const b = bl.head;
      const a = al.head;
      const qty = Math.min(left, this.rem[b]!, this.rem[a]!);
      left -= qty;
      const buyId = this.oid[b]!;
      const sellId = this.oid[a]!;
      const buyAcct = this.acct[b]!;
      const sellAcct = this.acct[a]!;
      const buyLeft = this.take(b, qty);
      const sellLeft = this.take(a, qty);
      sink.cross(buyId, buyAcct, sellId, sellAcct, qty, buyLeft, sellLeft);
    }
  }

  orders(): RestingOrder[] {
    const out: RestingOrder[] = [];
    for (const side of [this.bids, this.asks]) {
      for (let i = side.levels.length - 1; i >= 0; i--) {
        // Empty levels have head NIL and add nothing.
        for (let s = side.levels[i]!.head; s !== NIL; s = this.nxt[s]!) out.push(this.view(s));
      }
    }
    return out;
  }

  orderCount(side: Side): number {
    let n = 0;
    for (const level of (side === 'buy' ? this.bids : this.asks).levels) n += level.count;
    return n;
  }

  forEachOrder(side: Side, visit: OrderVisitor): void {
    const levels = (side === 'buy' ? this.bids : this.asks).levels;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]!;
      for (let s = level.head; s !== NIL; s = this.nxt[s]!) {
        visit(this.oid[s]!, this.acct[s]!, level.price, this.rem[s]!, this.fil[s]!, this.flg[s]!);
      }
    }
  }

  orderIds(): OrderId[] {
    const out: OrderId[] = [];
    for (const side of [this.bids, this.asks]) {
      for (let i = side.levels.length - 1; i >= 0; i--) {
        for (let s = side.levels[i]!.head; s !== NIL; s = this.nxt[s]!) out.push(this.oid[s]!);
      }
    }
    return out;
  }

  validateInternalState(): void {
    let seen = 0;
    for (const side of [this.bids, this.asks]) {
      const levels = side.levels;
      let emptyLevels = 0;
      if (levels.length !== side.byPrice.size) throw new Error('level list and level map differ in size');
      for (let i = 0; i < levels.length; i++) {
        const level = levels[i]!;
        if (side.byPrice.get(level.price) !== level) throw new Error(`level ${level.price} missing from map`);
        if (i > 0) {
          const prev = levels[i - 1]!.price;
          if (side.isBid ? !(prev < level.price) : !(prev > level.price)) throw new Error('levels out of order');
        }
        if (level.count === 0) {
          if (level.head !== NIL || level.tail !== NIL || level.volume !== 0) throw new Error('empty level not clear');
          if (i === levels.length - 1) throw new Error(`empty level ${level.price} at the end`);
          emptyLevels++;
          continue;
        }
        let count = 0;
        let volume = 0;
        let prevSlot = NIL;
        for (let s = level.head; s !== NIL; s = this.nxt[s]!) {
          if (this.prv[s] !== prevSlot) throw new Error(`broken back link at slot ${s}`);
          if (this.lvl[s] !== level) throw new Error(`slot ${s} points at another level`);
          if (this.sid[s] !== (side.isBid ? BUY : SELL)) throw new Error(`slot ${s} on the wrong side`);
          if (!(this.rem[s]! > 0)) throw new Error(`slot ${s} has no open volume`);
          if (this.slots.get(this.oid[s]!) !== s) throw new Error(`id map does not point at slot ${s}`);
          count++;
          volume += this.rem[s]!;
          prevSlot = s;
        }
        if (prevSlot !== level.tail) throw new Error(`level ${level.price} tail is wrong`);
        if (count !== level.count || volume !== level.volume) throw new Error(`level ${level.price} totals are wrong`);
        seen += count;
      }
      if (emptyLevels !== side.empty) throw new Error(`side counts ${side.empty} empty levels, found ${emptyLevels}`);
    }
    if (seen !== this.slots.size) throw new Error(`id map has ${this.slots.size} orders, levels ${seen}`);
    if (seen !== this.used) throw new Error(`pool counts ${this.used} used slots, levels ${seen}`);
  }

  stateHash(): number {
    // what hashing `orders()` would give, read from the slots without building the orders
    const h = new StateHasher();
    for (const side of [this.bids, this.asks]) {
      for (let i = side.levels.length - 1; i >= 0; i--) {
        for (let s = side.levels[i]!.head; s !== NIL; s = this.nxt[s]!) {
          h.num(this.oid[s]!)
            .num(this.acct[s]!)
            .str(this.sid[s] === BUY ? 'buy' : 'sell')
            .num(this.lvl[s]!.price);
          h.num(this.rem[s]!).num(this.fil[s]!).num(this.flg[s]!);
        }
      }
    }
    return h.digest();
  }

  /** Fills `qty` of the order in slot s (head of its level) and returns its open volume after. */
  private take(s: number, qty: number): number {
    const after = this.rem[s]! - qty;
    if (after === 0) {
      this.unlink(s);
    } else {
      this.rem[s] = after;
      this.fil[s] = this.fil[s]! + qty;
      this.lvl[s]!.volume -= qty;
    }
    return after;
  }

  private sideDepth(side: BookSide, n: number): DepthLevel[] {
    const out: DepthLevel[] = [];
    const levels = side.levels;
    for (let i = levels.length - 1; i >= 0 && out.length < n; i--) {
      const l = levels[i]!;
      if (l.count === 0) continue;
      out.push({ price: l.price, volume: l.volume, orders: l.count });
    }
    return out;
  }

  private view(s: number): RestingOrder {
    return {
      orderId: this.oid[s]!,
      accountId: this.acct[s]!,
      side: this.sid[s] === BUY ? 'buy' : 'sell',
      price: this.lvl[s]!.price,
      remaining: this.rem[s]!,
      filled: this.fil[s]!,
      flags: this.flg[s]!,
    };
  }

  /** Takes slot s out of its level (dropping the level if it empties), the id map and the pool. */
  private unlink(s: number): void {
    this.detach(s);
    if (this.oid[s] === this.lastId) this.lastId = 0;
    this.slots.delete(this.oid[s]!);
    this.lvl[s] = undefined;
    this.nxt[s] = this.freeHead;
    this.freeHead = s;
    this.used--;
  }

  /** The slot of an order id, or -1. */
  private slotOf(orderId: OrderId): number {
    if (orderId === this.lastId) return this.lastSlot;
    const s = this.slots.get(orderId);
    if (s !== -1) {
      this.lastId = orderId;
      this.lastSlot = s;
    }
    return s;
  }

  private alloc(): number {
    if (this.freeHead !== NIL) {
      const s = this.freeHead;
      this.freeHead = this.nxt[s]!;
      this.used++;
      return s;
    }
    if (this.used === this.cap) this.grow();
    return this.used++;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.oid = f64(this.oid);
    this.acct = f64(this.acct);
    this.rem = f64(this.rem);
    this.fil = f64(this.fil);
    this.flg = i32(this.flg);
    this.nxt = i32(this.nxt);
    this.prv = i32(this.prv);
    const sid = new Uint8Array(cap);
    sid.set(this.sid);
    this.sid = sid;
    for (let i = this.cap; i < cap; i++) this.lvl.push(undefined);
    this.cap = cap;
  }
}
