/**
 * The one contract every OrderBook implementation passes (src-engine/book/order-book.ts).
 * `bookContract(name, make)` registers the suite for one implementation; test/contract/book.test.ts runs it
 * against FastBook and NaiveBook. Every test ends with the book's invariants checked and the book drained
 * (see `bookTest` and `checkAndDrain`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CrossSink,
  type Depth,
  emptyRestingOrder,
  type MatchSink,
  type OrderBook,
  type RestingOrder,
} from '../../src-engine/book/order-book.ts';
import type { AccountId, OrderId } from '../../src-engine/domain/ids.ts';
import type { Side, StpMode } from '../../src-engine/domain/order.ts';

export type BookFactory = () => OrderBook;

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

export type SinkCall =
  | {
      readonly kind: 'fill';
      readonly makerId: OrderId;
      readonly makerAccountId: AccountId;
      readonly price: number;
      readonly volume: number;
      readonly makerRemaining: number;
    }
  | {
      readonly kind: 'makerCanceled';
      readonly makerId: OrderId;
      readonly makerAccountId: AccountId;
      readonly canceled: number;
    };

export interface CrossCall {
  readonly buyId: OrderId;
  readonly buyAccountId: AccountId;
  readonly sellId: OrderId;
  readonly sellAccountId: AccountId;
  readonly volume: number;
  readonly buyRemaining: number;
  readonly sellRemaining: number;
}

/** Records every MatchSink / CrossSink call in the order the book makes them. */
export class RecordingSink implements MatchSink, CrossSink {
  readonly calls: SinkCall[] = [];
  readonly crosses: CrossCall[] = [];

  fill(makerId: OrderId, makerAccountId: AccountId, price: number, volume: number, makerRemaining: number): void {
    this.calls.push({ kind: 'fill', makerId, makerAccountId, price, volume, makerRemaining });
  }

  makerCanceled(makerId: OrderId, makerAccountId: AccountId, canceled: number): void {
    this.calls.push({ kind: 'makerCanceled', makerId, makerAccountId, canceled });
  }

  cross(
    buyId: OrderId,
    buyAccountId: AccountId,
    sellId: OrderId,
    sellAccountId: AccountId,
    volume: number,
    buyRemaining: number,
    sellRemaining: number,
  ): void {
    this.crosses.push({ buyId, buyAccountId, sellId, sellAccountId, volume, buyRemaining, sellRemaining });
  }

  filledVolume(): number {
    let v = 0;
    for (const c of this.calls) if (c.kind === 'fill') v += c.volume;
    return v;
  }
}

export function fill(
  makerId: OrderId,
  makerAccountId: AccountId,
  price: number,
  volume: number,
  makerRemaining: number,
): SinkCall {
  return { kind: 'fill', makerId, makerAccountId, price, volume, makerRemaining };
}

export function makerCanceled(makerId: OrderId, makerAccountId: AccountId, canceled: number): SinkCall {
  return { kind: 'makerCanceled', makerId, makerAccountId, canceled };
}

const EMPTY_DEPTH: Depth = { bids: [], asks: [] };

/**
 * Checks the book's invariants, then removes every remaining order (checking what remove returns) and asserts the
 * book is empty and still valid. Every contract test ends here.
 */
export function checkAndDrain(book: OrderBook): void {
  book.validateInternalState();
  const resting = book.orders();
  expect(resting.length).toBe(book.size);
  expect(new Set(resting.map((o) => o.orderId)).size).toBe(resting.length);
  let n = book.size;
  for (const o of resting) {
    expect(book.has(o.orderId)).toBe(true);
    expect(book.get(o.orderId)).toEqual(o);
    expect(book.remove(o.orderId)).toBe(o.remaining);
    expect(book.has(o.orderId)).toBe(false);
    expect(book.get(o.orderId)).toBeUndefined();
    n -= 1;
    expect(book.size).toBe(n);
    if (n % 64 === 0) book.validateInternalState();
  }
  expect(book.size).toBe(0);
  expect(book.bestBid()).toBeNaN();
  expect(book.bestAsk()).toBeNaN();
  expect(book.orders()).toEqual([]);
  expect(book.depth(Number.POSITIVE_INFINITY)).toEqual(EMPTY_DEPTH);
  book.validateInternalState();
}

/**
 * A contract test: `body` gets a factory for books; every book it makes is checked and drained when it returns.
 * The first book is created up front and passed as well, for the common one-book case.
 */
function bookTest(make: BookFactory, title: string, body: (book: OrderBook, more: BookFactory) => void): void {
  it(title, () => {
    const made: OrderBook[] = [];
    const tracked = (): OrderBook => {
      const b = make();
      made.push(b);
      return b;
    };
    body(tracked(), tracked);
    for (const b of made) checkAndDrain(b);
  });
}

/** add with flags 0 */
function add(book: OrderBook, id: OrderId, account: AccountId, side: Side, price: number, volume: number): void {
  book.add(id, account, side, price, volume, 0);
}

function ids(book: OrderBook): OrderId[] {
  return book.orders().map((o) => o.orderId);
}

function match(
  book: OrderBook,
  side: Side,
  limit: number,
  volume: number,
  account: AccountId = 999,
  stp: StpMode = 'none',
): { left: number; calls: SinkCall[] } {
  const sink = new RecordingSink();
  const left = book.match(side, limit, volume, account, stp, sink);
  expect(sink.crosses).toEqual([]);
  return { left, calls: sink.calls };
}

/** fillable must not change anything, and must agree with what match then fills. */
function fillableThenMatch(
  book: OrderBook,
  side: Side,
  limit: number,
  volume: number,
  account: AccountId,
  stp: StpMode,
): { fillable: number; left: number; calls: SinkCall[] } {
  const hashBefore = book.stateHash();
  const ordersBefore = book.orders();
  const depthBefore = book.depth(Number.POSITIVE_INFINITY);
  const fillable = book.fillable(side, limit, volume, account, stp);
  expect(book.stateHash()).toBe(hashBefore);
  expect(book.orders()).toEqual(ordersBefore);
  expect(book.depth(Number.POSITIVE_INFINITY)).toEqual(depthBefore);
  book.validateInternalState();
  const r = match(book, side, limit, volume, account, stp);
  const filled = r.calls.reduce((s, c) => s + (c.kind === 'fill' ? c.volume : 0), 0);
  expect(fillable).toBe(filled);
  expect(fillable).toBeLessThanOrEqual(volume);
  return { fillable, left: r.left, calls: r.calls };
}

const INF = Number.POSITIVE_INFINITY;
const NEG_INF = Number.NEGATIVE_INFINITY;
const STP_MODES: readonly StpMode[] = ['none', 'cancelTaker', 'cancelMaker', 'cancelBoth'];

// ---------------------------------------------------------------------------------------------------------------
// A reference model for the randomized test: a list in arrival order, sorted on demand.

interface ModelOrder {
  orderId: OrderId;
  accountId: AccountId;
  side: Side;
  price: number;
  remaining: number;
  filled: number;
  flags: number;
  time: number;
}

class ModelBook {
  list: ModelOrder[] = [];
  private clock = 0;

  add(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    price: number,
    volume: number,
    flags: number,
    filled = 0,
  ): void {
    this.list.push({ orderId, accountId, side, price, remaining: volume, filled, flags, time: ++this.clock });
  }

  requeue(orderId: OrderId, price: number, volume: number): void {
    const o = this.find(orderId)!;
    o.price = price;
    o.remaining = volume;
    o.time = ++this.clock;
  }

  find(orderId: OrderId): ModelOrder | undefined {
    return this.list.find((o) => o.orderId === orderId);
  }

  remove(orderId: OrderId): number {
    const i = this.list.findIndex((o) => o.orderId === orderId);
    if (i < 0) return 0;
    const [o] = this.list.splice(i, 1);
    return o!.remaining;
  }

  side(side: Side): ModelOrder[] {
    const s = this.list.filter((o) => o.side === side);
    s.sort((a, b) => (a.price === b.price ? a.time - b.time : side === 'buy' ? b.price - a.price : a.price - b.price));
    return s;
  }

  orders(): RestingOrder[] {
    return [...this.side('buy'), ...this.side('sell')].map(view);
  }

  depth(levels: number): Depth {
    const agg = (side: Side) => {
      const out: { price: number; volume: number; orders: number }[] = [];
      for (const o of this.side(side)) {
        const last = out[out.length - 1];
        if (last !== undefined && last.price === o.price) {
          last.volume += o.remaining;
          last.orders += 1;
        } else out.push({ price: o.price, volume: o.remaining, orders: 1 });
      }
      return out.slice(0, levels);
    };
    return { bids: agg('buy'), asks: agg('sell') };
  }

  match(side: Side, limit: number, volume: number, accountId: AccountId, stp: StpMode, dryRun: boolean) {
    const calls: SinkCall[] = [];
    let left = volume;
    for (const maker of this.side(side === 'buy' ? 'sell' : 'buy')) {
      if (left === 0) break;
      if (side === 'buy' ? maker.price > limit : maker.price < limit) break;
      if (maker.accountId === accountId && stp !== 'none') {
        if (stp === 'cancelTaker') break;
        calls.push(makerCanceled(maker.orderId, maker.accountId, maker.remaining));
        if (!dryRun) this.remove(maker.orderId);
        if (stp === 'cancelBoth') break;
        continue;
      }
      const v = Math.min(left, maker.remaining);
      left -= v;
      calls.push(fill(maker.orderId, maker.accountId, maker.price, v, maker.remaining - v));
      if (!dryRun) {
        maker.remaining -= v;
        maker.filled += v;
        if (maker.remaining === 0) this.remove(maker.orderId);
      }
    }
    return { left, calls };
  }

  /** The largest volume cross() may be given: pairs in priority while the pair's prices still cross. */
  crossable(): number {
    const bids = this.side('buy').map((o) => ({ price: o.price, v: o.remaining }));
    const asks = this.side('sell').map((o) => ({ price: o.price, v: o.remaining }));
    let i = 0;
    let j = 0;
    let total = 0;
    while (i < bids.length && j < asks.length && bids[i]!.price >= asks[j]!.price) {
      const v = Math.min(bids[i]!.v, asks[j]!.v);
      total += v;
      bids[i]!.v -= v;
      asks[j]!.v -= v;
      if (bids[i]!.v === 0) i++;
      if (asks[j]!.v === 0) j++;
    }
    return total;
  }

  cross(volume: number): CrossCall[] {
    const out: CrossCall[] = [];
    let left = volume;
    while (left > 0) {
      const b = this.side('buy')[0]!;
      const s = this.side('sell')[0]!;
      const v = Math.min(left, b.remaining, s.remaining);
      b.remaining -= v;
      b.filled += v;
      s.remaining -= v;
      s.filled += v;
      left -= v;
      out.push({
        buyId: b.orderId,
        buyAccountId: b.accountId,
        sellId: s.orderId,
        sellAccountId: s.accountId,
        volume: v,
        buyRemaining: b.remaining,
        sellRemaining: s.remaining,
      });
      if (b.remaining === 0) this.remove(b.orderId);
      if (s.remaining === 0) this.remove(s.orderId);
    }
    return out;
  }
}

function view(o: ModelOrder): RestingOrder {
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

export type Op =
  | { op: 'add'; id: number; account: number; side: Side; price: number; volume: number; flags: number; filled: number }
  | { op: 'requeue'; pick: number; price: number; volume: number }
  | { op: 'remove'; id: number }
  | { op: 'reduce'; pick: number; frac: number }
  | { op: 'match'; side: Side; limit: number; volume: number; account: number; stp: StpMode }
  | { op: 'cross'; frac: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      id: fc.integer({ min: 1, max: 40 }),
      account: fc.integer({ min: 1, max: 3 }),
      side: fc.constantFrom<Side>('buy', 'sell'),
      price: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 95, max: 105 }) },
        { weight: 1, arbitrary: fc.constantFrom(1, 1_000_000, 10_000_000) },
      ),
      volume: fc.integer({ min: 1, max: 20 }),
      flags: fc.integer({ min: 0, max: 7 }),
      filled: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 9 }) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('requeue' as const),
      pick: fc.nat(),
      price: fc.integer({ min: 95, max: 105 }),
      volume: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 1, max: 42 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('reduce' as const),
      pick: fc.nat(),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('match' as const),
      side: fc.constantFrom<Side>('buy', 'sell'),
      limit: fc.oneof(fc.integer({ min: 93, max: 107 }), fc.constantFrom(1, 10_000_000, INF, NEG_INF)),
      volume: fc.integer({ min: 1, max: 60 }),
      account: fc.integer({ min: 1, max: 3 }),
      stp: fc.constantFrom(...STP_MODES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('cross' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
);

/**
 * Applies random operations to a book and to the reference model, asserting after each that they agree.
 * Returns the book's state hash after every operation. The book is left with whatever rests on it.
 */
export function runAgainstModel(book: OrderBook, ops: readonly Op[]): number[] {
  const model = new ModelBook();
  const hashes: number[] = [];
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        if (model.find(op.id) !== undefined) break; // the caller guarantees new ids
        if (op.filled === 0) book.add(op.id, op.account, op.side, op.price, op.volume, op.flags);
        else book.add(op.id, op.account, op.side, op.price, op.volume, op.flags, op.filled);
        model.add(op.id, op.account, op.side, op.price, op.volume, op.flags, op.filled);
        break;
      case 'requeue': {
        if (model.list.length === 0) break;
        const o = model.list[op.pick % model.list.length]!;
        book.requeue(o.orderId, op.price, op.volume);
        model.requeue(o.orderId, op.price, op.volume);
        break;
      }
      case 'remove':
        expect(book.remove(op.id)).toBe(model.remove(op.id));
        break;
      case 'reduce': {
        const candidates = model.list.filter((o) => o.remaining > 1);
        if (candidates.length === 0) break;
        const o = candidates[op.pick % candidates.length]!;
        const v = 1 + Math.min(o.remaining - 2, Math.floor(op.frac * (o.remaining - 1)));
        book.reduce(o.orderId, v);
        o.remaining = v;
        break;
      }
      case 'match': {
        const expected = model.match(op.side, op.limit, op.volume, op.account, op.stp, true);
        const expectedFill = expected.calls.reduce((s, c) => s + (c.kind === 'fill' ? c.volume : 0), 0);
        const hash = book.stateHash();
        expect(book.fillable(op.side, op.limit, op.volume, op.account, op.stp)).toBe(expectedFill);
        expect(book.stateHash()).toBe(hash);
        const got = match(book, op.side, op.limit, op.volume, op.account, op.stp);
        expect(got).toEqual(model.match(op.side, op.limit, op.volume, op.account, op.stp, false));
        break;
      }
      case 'cross': {
        const max = model.crossable();
        if (max === 0) break;
        const v = Math.max(1, Math.ceil(op.frac * max));
        const sink = new RecordingSink();
        book.cross(v, sink);
        expect(sink.crosses).toEqual(model.cross(v));
        break;
      }
    }
    expect(book.size).toBe(model.list.length);
    const d = model.depth(INF);
    expect(book.bestBid()).toBe(d.bids[0]?.price ?? Number.NaN);
    expect(book.bestAsk()).toBe(d.asks[0]?.price ?? Number.NaN);
    hashes.push(book.stateHash());
  }
  expect(book.orders()).toEqual(model.orders());
  expect(book.orderIds()).toEqual(model.orders().map((o) => o.orderId));
  for (const side of ['buy', 'sell'] as const) {
    const visited: RestingOrder[] = [];
    book.forEachOrder(side, (orderId, accountId, price, remaining, filled, flags) => {
      visited.push({ orderId, accountId, side, price, remaining, filled, flags });
    });
    expect(visited).toEqual(model.orders().filter((o) => o.side === side));
    expect(book.orderCount(side)).toBe(visited.length);
  }
  expect(book.depth(INF)).toEqual(model.depth(INF));
  expect(book.depth(3)).toEqual(model.depth(3));
  return hashes;
}

/** Up to 120 random book operations. */
export const bookOpsArb = fc.array(opArb, { maxLength: 120, size: 'max' });

// ---------------------------------------------------------------------------------------------------------------
// The contract

export function bookContract(name: string, make: BookFactory): void {
  describe(`OrderBook contract: ${name}`, () => {
    describe('empty book', () => {
      bookTest(make, 'is empty, has no best prices and fills nothing', (book) => {
        expect(book.size).toBe(0);
        expect(book.has(1)).toBe(false);
        expect(book.get(1)).toBeUndefined();
        expect(book.bestBid()).toBeNaN();
        expect(book.bestAsk()).toBeNaN();
        expect(book.orders()).toEqual([]);
        expect(book.depth(5)).toEqual(EMPTY_DEPTH);
        expect(book.remove(1)).toBe(0);
        expect(book.fillable('buy', INF, 10, 1, 'none')).toBe(0);
        expect(book.fillable('sell', NEG_INF, 10, 1, 'none')).toBe(0);
        expect(match(book, 'buy', INF, 10)).toEqual({ left: 10, calls: [] });
        expect(match(book, 'sell', NEG_INF, 7)).toEqual({ left: 7, calls: [] });
        expect(book.size).toBe(0);
      });
    });

    describe('add, has, get, size', () => {
      bookTest(make, 'keeps what was added, as a copy', (book) => {
        book.add(1, 10, 'buy', 100, 5, 3);
        book.add(2, 11, 'sell', 101, 7, 0);
        book.add(3, 10, 'buy', 99, 1, 6);
        expect(book.size).toBe(3);
        expect(book.has(1)).toBe(true);
        expect(book.has(2)).toBe(true);
        expect(book.has(3)).toBe(true);
        expect(book.has(4)).toBe(false);
        expect(book.get(1)).toEqual({
          orderId: 1,
          accountId: 10,
          side: 'buy',
          price: 100,
          remaining: 5,
          filled: 0,
          flags: 3,
        });
        expect(book.get(2)).toEqual({
          orderId: 2,
          accountId: 11,
          side: 'sell',
          price: 101,
          remaining: 7,
          filled: 0,
          flags: 0,
        });
        expect(book.get(3)?.flags).toBe(6);
        const copy = book.get(1) as { remaining: number; price: number };
        copy.remaining = 999;
        copy.price = 1;
        expect(book.get(1)?.remaining).toBe(5);
        expect(book.get(1)?.price).toBe(100);
        expect(book.bestBid()).toBe(100);
      });

      bookTest(make, 'get writes into a given record and returns it', (book) => {
        book.add(4, 2, 'sell', 120, 9, 5);
        const rec = emptyRestingOrder();
        expect(book.get(4, rec)).toBe(rec);
        expect(rec).toEqual({ orderId: 4, accountId: 2, side: 'sell', price: 120, remaining: 9, filled: 0, flags: 5 });
        book.add(5, 3, 'buy', 110, 2, 1);
        expect(book.get(5, rec)).toBe(rec);
        expect(rec).toEqual({ orderId: 5, accountId: 3, side: 'buy', price: 110, remaining: 2, filled: 0, flags: 1 });
        expect(book.get(6, rec)).toBeUndefined();
        rec.remaining = 1000;
        expect(book.get(5)?.remaining).toBe(2);
      });

      bookTest(make, 'add may carry an already filled volume', (book) => {
        book.add(1, 1, 'buy', 100, 4, 0, 6);
        expect(book.get(1)).toMatchObject({ remaining: 4, filled: 6 });
        expect(book.depth(INF).bids).toEqual([{ price: 100, volume: 4, orders: 1 }]);
        match(book, 'sell', NEG_INF, 1);
        expect(book.get(1)).toMatchObject({ remaining: 3, filled: 7 });
      });

      bookTest(make, 'size follows adds, fills and removes', (book) => {
        for (let i = 1; i <= 10; i++) add(book, i, 1, i % 2 === 0 ? 'buy' : 'sell', i % 2 === 0 ? 100 - i : 100 + i, 2);
        expect(book.size).toBe(10);
        expect(book.remove(2)).toBe(2);
        expect(book.size).toBe(9);
        // asks 101 (id 1), 103 (id 3): a buy for 3 fills id 1 fully and id 3 partly
        match(book, 'buy', INF, 3);
        expect(book.size).toBe(8);
        expect(book.has(1)).toBe(false);
        expect(book.has(3)).toBe(true);
      });
    });

    describe('best bid and ask', () => {
      bookTest(make, 'best bid is the highest buy, best ask the lowest sell, NaN when a side empties', (book) => {
        add(book, 1, 1, 'buy', 98, 1);
        expect(book.bestBid()).toBe(98);
        expect(book.bestAsk()).toBeNaN();
        add(book, 2, 1, 'buy', 99, 1);
        add(book, 3, 1, 'buy', 97, 1);
        add(book, 4, 1, 'sell', 103, 1);
        add(book, 5, 1, 'sell', 102, 1);
        add(book, 6, 1, 'sell', 104, 1);
        expect(book.bestBid()).toBe(99);
        expect(book.bestAsk()).toBe(102);
        book.remove(2);
        expect(book.bestBid()).toBe(98);
        book.remove(5);
        expect(book.bestAsk()).toBe(103);
        book.remove(1);
        book.remove(3);
        expect(book.bestBid()).toBeNaN();
        expect(book.bestAsk()).toBe(103);
        match(book, 'buy', INF, 2);
        expect(book.bestAsk()).toBeNaN();
        expect(book.size).toBe(0);
      });

      bookTest(make, 'a partly filled best level stays best; an emptied one moves best on', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 1, 'sell', 101, 5);
        match(book, 'buy', INF, 4);
        expect(book.bestAsk()).toBe(100);
        match(book, 'buy', INF, 1);
        expect(book.bestAsk()).toBe(101);
        add(book, 3, 1, 'buy', 90, 5);
        add(book, 4, 1, 'buy', 89, 5);
        match(book, 'sell', NEG_INF, 5);
        expect(book.bestBid()).toBe(89);
      });

      bookTest(make, 'may hold a crossed book (adds never match)', (book) => {
        add(book, 1, 1, 'buy', 105, 5);
        add(book, 2, 2, 'sell', 100, 5);
        expect(book.bestBid()).toBe(105);
        expect(book.bestAsk()).toBe(100);
        expect(book.size).toBe(2);
        expect(book.get(1)?.remaining).toBe(5);
        expect(book.get(2)?.remaining).toBe(5);
      });
    });

    describe('price-time priority and fills', () => {
      bookTest(make, 'fills a level first in, first out', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 2, 'sell', 100, 5);
        add(book, 3, 3, 'sell', 100, 5);
        const r = match(book, 'buy', 100, 12);
        expect(r.left).toBe(0);
        expect(r.calls).toEqual([fill(1, 1, 100, 5, 0), fill(2, 2, 100, 5, 0), fill(3, 3, 100, 2, 3)]);
        expect(book.get(3)).toMatchObject({ remaining: 3, filled: 2 });
        expect(ids(book)).toEqual([3]);
      });

      bookTest(make, 'fills a bid level first in, first out', (book) => {
        add(book, 7, 1, 'buy', 50, 1);
        add(book, 5, 2, 'buy', 50, 2);
        add(book, 6, 3, 'buy', 50, 3);
        const r = match(book, 'sell', 50, 6);
        expect(r.calls).toEqual([fill(7, 1, 50, 1, 0), fill(5, 2, 50, 2, 0), fill(6, 3, 50, 3, 0)]);
        expect(r.left).toBe(0);
      });

      bookTest(make, 'price before time: a better later price fills first', (book) => {
        add(book, 1, 1, 'sell', 101, 5);
        add(book, 2, 1, 'sell', 100, 5);
        add(book, 3, 1, 'buy', 98, 5);
        add(book, 4, 1, 'buy', 99, 5);
        expect(match(book, 'buy', INF, 6).calls).toEqual([fill(2, 1, 100, 5, 0), fill(1, 1, 101, 1, 4)]);
        expect(match(book, 'sell', NEG_INF, 6).calls).toEqual([fill(4, 1, 99, 5, 0), fill(3, 1, 98, 1, 4)]);
      });

      bookTest(make, 'fills print at the resting price, not the limit', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 1, 'buy', 90, 5);
        expect(match(book, 'buy', 105, 2).calls).toEqual([fill(1, 1, 100, 2, 3)]);
        expect(match(book, 'sell', 80, 2).calls).toEqual([fill(2, 1, 90, 2, 3)]);
      });

      bookTest(make, 'a partly filled maker keeps the front of its queue', (book) => {
        add(book, 1, 1, 'sell', 100, 10);
        add(book, 2, 2, 'sell', 100, 10);
        expect(match(book, 'buy', 100, 4)).toEqual({ left: 0, calls: [fill(1, 1, 100, 4, 6)] });
        expect(book.get(1)).toMatchObject({ remaining: 6, filled: 4 });
        expect(ids(book)).toEqual([1, 2]);
        expect(match(book, 'buy', 100, 8)).toEqual({ left: 0, calls: [fill(1, 1, 100, 6, 0), fill(2, 2, 100, 2, 8)] });
        expect(book.get(2)).toMatchObject({ remaining: 8, filled: 2 });
      });

      bookTest(make, 'filled accumulates over several partial fills', (book) => {
        add(book, 1, 1, 'buy', 100, 10);
        match(book, 'sell', 100, 3);
        match(book, 'sell', 100, 2);
        expect(book.get(1)).toMatchObject({ remaining: 5, filled: 5 });
        expect(book.remove(1)).toBe(5);
      });

      bookTest(make, 'an incoming order never trades with its own side', (book) => {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 1, 'sell', 110, 5);
        expect(match(book, 'buy', 105, 5)).toEqual({ left: 5, calls: [] });
        expect(match(book, 'sell', 105, 5)).toEqual({ left: 5, calls: [] });
        expect(book.get(1)?.remaining).toBe(5);
        expect(book.get(2)?.remaining).toBe(5);
      });
    });

    describe('match limits', () => {
      bookTest(make, 'a buy stops at its limit (inclusive) and returns the rest', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 1, 'sell', 101, 5);
        add(book, 3, 1, 'sell', 102, 5);
        const r = match(book, 'buy', 101, 20);
        expect(r.left).toBe(10);
        expect(r.calls).toEqual([fill(1, 1, 100, 5, 0), fill(2, 1, 101, 5, 0)]);
        expect(book.bestAsk()).toBe(102);
        expect(book.get(3)?.remaining).toBe(5);
      });

      bookTest(make, 'a sell stops at its limit (inclusive) and returns the rest', (book) => {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 1, 'buy', 99, 5);
        add(book, 3, 1, 'buy', 98, 5);
        const r = match(book, 'sell', 99, 12);
        expect(r.left).toBe(2);
        expect(r.calls).toEqual([fill(1, 1, 100, 5, 0), fill(2, 1, 99, 5, 0)]);
        expect(book.bestBid()).toBe(98);
      });

      bookTest(make, 'a limit worse than the best price fills nothing', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 1, 'buy', 90, 5);
        expect(match(book, 'buy', 99, 5)).toEqual({ left: 5, calls: [] });
        expect(match(book, 'sell', 91, 5)).toEqual({ left: 5, calls: [] });
        expect(book.size).toBe(2);
      });

      bookTest(make, '+Infinity and -Infinity limits sweep the whole side', (book) => {
        add(book, 1, 1, 'sell', 100, 1);
        add(book, 2, 1, 'sell', 5_000, 2);
        add(book, 3, 1, 'sell', 9_000_000, 3);
        add(book, 4, 1, 'buy', 99, 1);
        add(book, 5, 1, 'buy', 10, 2);
        add(book, 6, 1, 'buy', 1, 3);
        const up = match(book, 'buy', INF, 100);
        expect(up.left).toBe(94);
        expect(up.calls).toEqual([fill(1, 1, 100, 1, 0), fill(2, 1, 5_000, 2, 0), fill(3, 1, 9_000_000, 3, 0)]);
        expect(book.bestAsk()).toBeNaN();
        const down = match(book, 'sell', NEG_INF, 4);
        expect(down.left).toBe(0);
        expect(down.calls).toEqual([fill(4, 1, 99, 1, 0), fill(5, 1, 10, 2, 0), fill(6, 1, 1, 1, 2)]);
        expect(book.bestBid()).toBe(1);
      });

      bookTest(make, 'match stops when the volume is used up, exactly at a level boundary', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 1, 'sell', 101, 5);
        expect(match(book, 'buy', INF, 5)).toEqual({ left: 0, calls: [fill(1, 1, 100, 5, 0)] });
        expect(ids(book)).toEqual([2]);
        expect(book.get(2)?.filled).toBe(0);
      });
    });

    describe('remove and reduce', () => {
      bookTest(make, 'remove returns the open volume, 0 for unknown or already removed ids', (book) => {
        add(book, 1, 1, 'buy', 100, 8);
        add(book, 2, 1, 'buy', 100, 4);
        add(book, 3, 1, 'buy', 100, 6);
        match(book, 'sell', 100, 3);
        expect(book.remove(1)).toBe(5);
        expect(book.remove(1)).toBe(0);
        expect(book.remove(42)).toBe(0);
        expect(book.size).toBe(2);
        expect(ids(book)).toEqual([2, 3]);
        expect(book.depth(INF)).toEqual({ bids: [{ price: 100, volume: 10, orders: 2 }], asks: [] });
      });

      bookTest(make, 'removing from the middle of a queue keeps the others in order', (book) => {
        for (let i = 1; i <= 5; i++) add(book, i, i, 'sell', 100, 1);
        expect(book.remove(3)).toBe(1);
        expect(book.remove(1)).toBe(1);
        expect(book.remove(5)).toBe(1);
        expect(ids(book)).toEqual([2, 4]);
        expect(match(book, 'buy', 100, 2).calls).toEqual([fill(2, 2, 100, 1, 0), fill(4, 4, 100, 1, 0)]);
      });

      bookTest(make, 'removing the only order of a level removes the level', (book) => {
        add(book, 1, 1, 'sell', 100, 1);
        add(book, 2, 1, 'sell', 101, 1);
        add(book, 3, 1, 'sell', 102, 1);
        book.remove(2);
        expect(book.depth(INF).asks).toEqual([
          { price: 100, volume: 1, orders: 1 },
          { price: 102, volume: 1, orders: 1 },
        ]);
        book.remove(1);
        expect(book.bestAsk()).toBe(102);
      });

      bookTest(make, 'reduce sets a lower open volume and keeps the queue place', (book) => {
        add(book, 1, 1, 'sell', 100, 10);
        add(book, 2, 2, 'sell', 100, 10);
        book.reduce(1, 4);
        expect(book.get(1)).toMatchObject({ remaining: 4, filled: 0 });
        expect(ids(book)).toEqual([1, 2]);
        expect(book.depth(INF).asks).toEqual([{ price: 100, volume: 14, orders: 2 }]);
        expect(match(book, 'buy', 100, 6).calls).toEqual([fill(1, 1, 100, 4, 0), fill(2, 2, 100, 2, 8)]);
      });

      bookTest(make, 'reduce after a partial fill keeps filled and priority', (book) => {
        add(book, 1, 1, 'buy', 100, 10);
        add(book, 2, 2, 'buy', 100, 10);
        match(book, 'sell', 100, 3);
        book.reduce(1, 2);
        expect(book.get(1)).toMatchObject({ remaining: 2, filled: 3 });
        expect(book.remove(1)).toBe(2);
        expect(ids(book)).toEqual([2]);
      });
    });

    describe('requeue', () => {
      bookTest(make, 'moves an order to the back of its new level, keeping filled', (book) => {
        add(book, 1, 1, 'sell', 101, 10);
        add(book, 2, 2, 'sell', 100, 5);
        add(book, 3, 3, 'sell', 100, 5);
        match(book, 'buy', 101, 5); // fills id 2
        match(book, 'buy', 101, 5); // fills id 3
        match(book, 'buy', 101, 4); // id 1: 6 open, 4 filled
        add(book, 4, 4, 'sell', 99, 3);
        book.requeue(1, 99, 8);
        expect(book.get(1)).toEqual({
          orderId: 1,
          accountId: 1,
          side: 'sell',
          price: 99,
          remaining: 8,
          filled: 4,
          flags: 0,
        });
        expect(book.depth(INF).asks).toEqual([{ price: 99, volume: 11, orders: 2 }]);
        expect(book.bestAsk()).toBe(99);
        expect(ids(book)).toEqual([4, 1]);
        expect(match(book, 'buy', 99, 5).calls).toEqual([fill(4, 4, 99, 3, 0), fill(1, 1, 99, 2, 6)]);
        expect(book.get(1)?.filled).toBe(6);
      });

      bookTest(make, 'at the same price sends the order to the back of its level', (book) => {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 2, 'buy', 100, 5);
        add(book, 3, 3, 'buy', 100, 5);
        book.requeue(1, 100, 7);
        expect(ids(book)).toEqual([2, 3, 1]);
        expect(book.depth(INF).bids).toEqual([{ price: 100, volume: 17, orders: 3 }]);
        book.requeue(3, 100, 1);
        expect(ids(book)).toEqual([2, 1, 3]);
        expect(match(book, 'sell', 100, 20).calls).toEqual([
          fill(2, 2, 100, 5, 0),
          fill(1, 1, 100, 7, 0),
          fill(3, 3, 100, 1, 0),
        ]);
      });

      bookTest(make, 'empties the old level and can make a new best price', (book) => {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 1, 'buy', 98, 5);
        book.requeue(2, 102, 5);
        expect(book.bestBid()).toBe(102);
        book.requeue(2, 97, 5);
        expect(book.bestBid()).toBe(100);
        expect(book.depth(INF).bids).toEqual([
          { price: 100, volume: 5, orders: 1 },
          { price: 97, volume: 5, orders: 1 },
        ]);
        book.requeue(1, 97, 2);
        expect(book.depth(INF).bids).toEqual([{ price: 97, volume: 7, orders: 2 }]);
        expect(ids(book)).toEqual([2, 1]);
      });
    });

    describe('fillable', () => {
      bookTest(make, 'equals what match then fills, without changing anything', (book) => {
        add(book, 1, 1, 'sell', 100, 5);
        add(book, 2, 2, 'sell', 101, 5);
        add(book, 3, 3, 'sell', 103, 5);
        add(book, 4, 1, 'buy', 95, 5);
        add(book, 5, 2, 'buy', 94, 5);
        expect(book.fillable('buy', 99, 10, 9, 'none')).toBe(0);
        expect(book.fillable('buy', 100, 10, 9, 'none')).toBe(5);
        expect(book.fillable('buy', 101, 7, 9, 'none')).toBe(7);
        expect(book.fillable('buy', INF, 100, 9, 'none')).toBe(15);
        expect(book.fillable('sell', NEG_INF, 100, 9, 'none')).toBe(10);
        expect(book.fillable('sell', 95, 100, 9, 'none')).toBe(5);
        const r = fillableThenMatch(book, 'buy', 102, 12, 9, 'none');
        expect(r.fillable).toBe(10);
        expect(r.left).toBe(2);
        const s = fillableThenMatch(book, 'sell', NEG_INF, 7, 9, 'none');
        expect(s.fillable).toBe(7);
        expect(s.left).toBe(0);
      });

      bookTest(make, 'is capped at the volume', (book) => {
        add(book, 1, 1, 'sell', 100, 50);
        expect(book.fillable('buy', INF, 1, 2, 'cancelTaker')).toBe(1);
        expect(fillableThenMatch(book, 'buy', 100, 30, 2, 'cancelTaker').fillable).toBe(30);
        expect(book.get(1)?.remaining).toBe(20);
      });
    });

    describe('self-trade prevention', () => {
      /** asks at 100: id 1 (account 2, 3 lots), id 2 (account 1, 5 lots), id 3 (account 2, 5 lots) */
      function selfBook(book: OrderBook): void {
        add(book, 1, 2, 'sell', 100, 3);
        add(book, 2, 1, 'sell', 100, 5);
        add(book, 3, 2, 'sell', 100, 5);
      }

      bookTest(make, 'none: trades with its own resting order', (book) => {
        selfBook(book);
        const r = fillableThenMatch(book, 'buy', 100, 10, 1, 'none');
        expect(r.fillable).toBe(10);
        expect(r.left).toBe(0);
        expect(r.calls).toEqual([fill(1, 2, 100, 3, 0), fill(2, 1, 100, 5, 0), fill(3, 2, 100, 2, 3)]);
      });

      bookTest(make, 'cancelTaker: stops at its own order, which stays, and returns the rest', (book) => {
        selfBook(book);
        const r = fillableThenMatch(book, 'buy', 100, 10, 1, 'cancelTaker');
        expect(r.fillable).toBe(3);
        expect(r.left).toBe(7);
        expect(r.calls).toEqual([fill(1, 2, 100, 3, 0)]);
        expect(book.get(2)).toMatchObject({ remaining: 5, filled: 0 });
        expect(ids(book)).toEqual([2, 3]);
      });

      bookTest(make, 'cancelTaker: its own order at the front means no fill at all', (book) => {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 2, 'buy', 100, 5);
        const r = fillableThenMatch(book, 'sell', NEG_INF, 4, 1, 'cancelTaker');
        expect(r).toEqual({ fillable: 0, left: 4, calls: [] });
        expect(book.size).toBe(2);
      });

      bookTest(make, 'cancelMaker: cancels its own resting order and goes on', (book) => {
        selfBook(book);
        const r = fillableThenMatch(book, 'buy', 100, 10, 1, 'cancelMaker');
        expect(r.fillable).toBe(8);
        expect(r.left).toBe(2);
        expect(r.calls).toEqual([fill(1, 2, 100, 3, 0), makerCanceled(2, 1, 5), fill(3, 2, 100, 5, 0)]);
        expect(book.has(2)).toBe(false);
        expect(book.size).toBe(0);
      });

      bookTest(make, 'cancelMaker: cancels several own orders across levels, reporting open volume', (book) => {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 2, 'buy', 100, 2);
        add(book, 3, 1, 'buy', 99, 4);
        add(book, 4, 3, 'buy', 98, 6);
        match(book, 'sell', 100, 1, 2, 'none'); // id 1 partly filled: 4 open
        const r = fillableThenMatch(book, 'sell', NEG_INF, 5, 1, 'cancelMaker');
        expect(r.fillable).toBe(5);
        expect(r.left).toBe(0);
        expect(r.calls).toEqual([
          makerCanceled(1, 1, 4),
          fill(2, 2, 100, 2, 0),
          makerCanceled(3, 1, 4),
          fill(4, 3, 98, 3, 3),
        ]);
        expect(ids(book)).toEqual([4]);
      });

      bookTest(make, 'cancelBoth: cancels its own resting order and stops', (book) => {
        selfBook(book);
        const r = fillableThenMatch(book, 'buy', 100, 10, 1, 'cancelBoth');
        expect(r.fillable).toBe(3);
        expect(r.left).toBe(7);
        expect(r.calls).toEqual([fill(1, 2, 100, 3, 0), makerCanceled(2, 1, 5)]);
        expect(ids(book)).toEqual([3]);
        expect(book.get(3)).toMatchObject({ remaining: 5, filled: 0 });
      });

      bookTest(make, 'an own order beyond the limit is not met by any mode', (book, more) => {
        for (const stp of STP_MODES) {
          const b = stp === 'none' ? book : more();
          add(b, 1, 2, 'sell', 100, 3);
          add(b, 2, 1, 'sell', 101, 5);
          const r = fillableThenMatch(b, 'buy', 100, 10, 1, stp);
          expect(r).toEqual({ fillable: 3, left: 7, calls: [fill(1, 2, 100, 3, 0)] });
          expect(b.get(2)).toMatchObject({ remaining: 5 });
        }
      });

      bookTest(make, 'an own order after the volume is used up is not met by any mode', (book, more) => {
        for (const stp of STP_MODES) {
          const b = stp === 'none' ? book : more();
          add(b, 1, 2, 'sell', 100, 5);
          add(b, 2, 1, 'sell', 100, 5);
          const r = fillableThenMatch(b, 'buy', 100, 5, 1, stp);
          expect(r).toEqual({ fillable: 5, left: 0, calls: [fill(1, 2, 100, 5, 0)] });
          expect(b.get(2)).toMatchObject({ remaining: 5 });
        }
      });

      bookTest(make, 'other accounts are never affected', (book, more) => {
        for (const stp of STP_MODES) {
          const b = stp === 'none' ? book : more();
          add(b, 1, 2, 'buy', 100, 3);
          add(b, 2, 3, 'buy', 99, 3);
          const r = fillableThenMatch(b, 'sell', NEG_INF, 10, 1, stp);
          expect(r).toEqual({ fillable: 6, left: 4, calls: [fill(1, 2, 100, 3, 0), fill(2, 3, 99, 3, 0)] });
        }
      });
    });

    describe('depth', () => {
      bookTest(make, 'aggregates levels best first, with volume and order counts', (book) => {
        add(book, 1, 1, 'buy', 99, 2);
        add(book, 2, 2, 'buy', 100, 3);
        add(book, 3, 3, 'buy', 99, 4);
        add(book, 4, 1, 'buy', 97, 1);
        add(book, 5, 1, 'sell', 103, 6);
        add(book, 6, 2, 'sell', 101, 1);
        add(book, 7, 2, 'sell', 103, 2);
        add(book, 8, 2, 'sell', 103, 3);
        const full: Depth = {
          bids: [
            { price: 100, volume: 3, orders: 1 },
            { price: 99, volume: 6, orders: 2 },
            { price: 97, volume: 1, orders: 1 },
          ],
          asks: [
            { price: 101, volume: 1, orders: 1 },
            { price: 103, volume: 11, orders: 3 },
          ],
        };
        expect(book.depth(INF)).toEqual(full);
        expect(book.depth(10)).toEqual(full);
        expect(book.depth(3)).toEqual(full);
        expect(book.depth(2)).toEqual({ bids: full.bids.slice(0, 2), asks: full.asks });
        expect(book.depth(1)).toEqual({ bids: full.bids.slice(0, 1), asks: full.asks.slice(0, 1) });
        expect(book.depth(0)).toEqual(EMPTY_DEPTH);
      });

      bookTest(make, 'follows partial fills, reduces and emptied levels', (book) => {
        add(book, 1, 1, 'sell', 101, 5);
        add(book, 2, 1, 'sell', 101, 5);
        add(book, 3, 1, 'sell', 102, 5);
        match(book, 'buy', INF, 7);
        expect(book.depth(INF).asks).toEqual([
          { price: 101, volume: 3, orders: 1 },
          { price: 102, volume: 5, orders: 1 },
        ]);
        book.reduce(3, 1);
        match(book, 'buy', INF, 3);
        expect(book.depth(INF)).toEqual({ bids: [], asks: [{ price: 102, volume: 1, orders: 1 }] });
      });
    });

    describe('cross', () => {
      bookTest(make, 'pairs buys and sells in price then time priority', (book) => {
        add(book, 1, 1, 'buy', 105, 5);
        add(book, 2, 2, 'buy', 104, 3);
        add(book, 3, 3, 'buy', 105, 2);
        add(book, 4, 4, 'sell', 102, 6);
        add(book, 5, 5, 'sell', 100, 4);
        add(book, 6, 6, 'sell', 102, 6);
        const sink = new RecordingSink();
        book.cross(10, sink);
        expect(sink.calls).toEqual([]);
        expect(sink.crosses).toEqual([
          { buyId: 1, buyAccountId: 1, sellId: 5, sellAccountId: 5, volume: 4, buyRemaining: 1, sellRemaining: 0 },
          { buyId: 1, buyAccountId: 1, sellId: 4, sellAccountId: 4, volume: 1, buyRemaining: 0, sellRemaining: 5 },
          { buyId: 3, buyAccountId: 3, sellId: 4, sellAccountId: 4, volume: 2, buyRemaining: 0, sellRemaining: 3 },
          { buyId: 2, buyAccountId: 2, sellId: 4, sellAccountId: 4, volume: 3, buyRemaining: 0, sellRemaining: 0 },
        ]);
        expect(ids(book)).toEqual([6]);
        expect(book.bestBid()).toBeNaN();
        expect(book.get(6)).toMatchObject({ remaining: 6, filled: 0 });
      });

      bookTest(make, 'stops after the given volume, leaving partly crossed orders in place', (book) => {
        add(book, 1, 1, 'buy', 101, 5);
        add(book, 2, 1, 'buy', 101, 5);
        add(book, 3, 2, 'sell', 100, 3);
        add(book, 4, 2, 'sell', 101, 3);
        const sink = new RecordingSink();
        book.cross(4, sink);
        expect(sink.crosses).toEqual([
          { buyId: 1, buyAccountId: 1, sellId: 3, sellAccountId: 2, volume: 3, buyRemaining: 2, sellRemaining: 0 },
          { buyId: 1, buyAccountId: 1, sellId: 4, sellAccountId: 2, volume: 1, buyRemaining: 1, sellRemaining: 2 },
        ]);
        expect(book.get(1)).toMatchObject({ remaining: 1, filled: 4 });
        expect(book.get(4)).toMatchObject({ remaining: 2, filled: 1 });
        expect(ids(book)).toEqual([1, 2, 4]);
        expect(book.bestBid()).toBe(101);
        expect(book.bestAsk()).toBe(101);
      });

      bookTest(make, 'pairs orders of the same account (no self-trade prevention)', (book) => {
        add(book, 1, 7, 'buy', 100, 2);
        add(book, 2, 7, 'sell', 100, 2);
        const sink = new RecordingSink();
        book.cross(2, sink);
        expect(sink.crosses).toEqual([
          { buyId: 1, buyAccountId: 7, sellId: 2, sellAccountId: 7, volume: 2, buyRemaining: 0, sellRemaining: 0 },
        ]);
        expect(book.size).toBe(0);
      });
    });

    describe('orders()', () => {
      bookTest(make, 'lists bids best first then asks best first, each level in time priority', (book) => {
        add(book, 1, 1, 'sell', 102, 1);
        add(book, 2, 1, 'buy', 98, 1);
        add(book, 3, 1, 'sell', 101, 1);
        add(book, 4, 1, 'buy', 99, 1);
        add(book, 5, 1, 'sell', 101, 1);
        add(book, 6, 1, 'buy', 98, 1);
        add(book, 7, 1, 'buy', 99, 1);
        add(book, 8, 1, 'sell', 102, 1);
        expect(ids(book)).toEqual([4, 7, 2, 6, 3, 5, 1, 8]);
        expect(book.orderIds()).toEqual([4, 7, 2, 6, 3, 5, 1, 8]);
        const all = book.orders();
        expect(all.map((o) => o.side)).toEqual(['buy', 'buy', 'buy', 'buy', 'sell', 'sell', 'sell', 'sell']);
        for (const o of all) expect(book.get(o.orderId)).toEqual(o);
      });
    });

    describe('wide price ranges and many levels', () => {
      bookTest(make, 'handles prices 1 and 10,000,000 in one book', (book) => {
        add(book, 1, 1, 'buy', 1, 5);
        add(book, 2, 1, 'sell', 10_000_000, 5);
        add(book, 3, 1, 'buy', 5_000_000, 1);
        add(book, 4, 1, 'sell', 5_000_001, 1);
        add(book, 5, 1, 'buy', 2, 1);
        add(book, 6, 1, 'sell', 9_999_999, 1);
        expect(book.bestBid()).toBe(5_000_000);
        expect(book.bestAsk()).toBe(5_000_001);
        expect(book.depth(INF)).toEqual({
          bids: [
            { price: 5_000_000, volume: 1, orders: 1 },
            { price: 2, volume: 1, orders: 1 },
            { price: 1, volume: 5, orders: 1 },
          ],
          asks: [
            { price: 5_000_001, volume: 1, orders: 1 },
            { price: 9_999_999, volume: 1, orders: 1 },
            { price: 10_000_000, volume: 5, orders: 1 },
          ],
        });
        expect(match(book, 'sell', NEG_INF, 3).calls).toEqual([
          fill(3, 1, 5_000_000, 1, 0),
          fill(5, 1, 2, 1, 0),
          fill(1, 1, 1, 1, 4),
        ]);
        expect(book.bestBid()).toBe(1);
        expect(match(book, 'buy', 9_999_999, 5).calls).toEqual([
          fill(4, 1, 5_000_001, 1, 0),
          fill(6, 1, 9_999_999, 1, 0),
        ]);
        expect(book.bestAsk()).toBe(10_000_000);
        add(book, 7, 1, 'buy', 9_999_999, 1); // far above the old best bid, after the range grew and shrank
        expect(book.bestBid()).toBe(9_999_999);
      });

      bookTest(make, 'handles prices up to 10^15 next to price 1', (book) => {
        const high = 1_000_000_000_000_000;
        add(book, 1, 1, 'sell', high, 2);
        add(book, 2, 1, 'sell', 1, 2);
        add(book, 3, 1, 'buy', high - 1, 2);
        expect(book.bestAsk()).toBe(1);
        expect(book.bestBid()).toBe(high - 1);
        expect(book.depth(INF).asks).toEqual([
          { price: 1, volume: 2, orders: 1 },
          { price: high, volume: 2, orders: 1 },
        ]);
        expect(match(book, 'buy', INF, 3).calls).toEqual([fill(2, 1, 1, 2, 0), fill(1, 1, high, 1, 1)]);
      });

      bookTest(make, 'keeps thousands of levels in order', (book) => {
        const model = new ModelBook();
        // a deterministic permutation of 1500 bid and 1500 ask levels, two orders on every fifth level
        let id = 1;
        for (let i = 0; i < 1500; i++) {
          const k = (i * 7919) % 1500;
          const bidPrice = 10_000 - k * 3;
          const askPrice = 10_001 + k * 3;
          const reps = k % 5 === 0 ? 2 : 1;
          for (let r = 0; r < reps; r++) {
            for (const [side, price] of [
              ['buy', bidPrice],
              ['sell', askPrice],
            ] as const) {
              const vol = 1 + ((id * 31) % 9);
              add(book, id, 1 + (id % 4), side, price, vol);
              model.add(id, 1 + (id % 4), side, price, vol, 0);
              id++;
            }
          }
        }
        expect(book.size).toBe(model.list.length);
        expect(book.bestBid()).toBe(10_000);
        expect(book.bestAsk()).toBe(10_001);
        expect(book.depth(INF)).toEqual(model.depth(INF));
        expect(book.depth(25)).toEqual(model.depth(25));
        expect(book.orders()).toEqual(model.orders());
        book.validateInternalState();
        // sweep part of each side, and remove every third order
        const a = match(book, 'buy', 12_000, 2_000, 9, 'none');
        expect(a).toEqual(model.match('buy', 12_000, 2_000, 9, 'none', false));
        const b = match(book, 'sell', NEG_INF, 1_500, 9, 'none');
        expect(b).toEqual(model.match('sell', NEG_INF, 1_500, 9, 'none', false));
        for (let i = 1; i < id; i += 3) expect(book.remove(i)).toBe(model.remove(i));
        expect(book.depth(INF)).toEqual(model.depth(INF));
        expect(book.orders()).toEqual(model.orders());
      });
    });

    describe('id reuse', () => {
      bookTest(make, 'an id can be used again after its order was removed or filled', (book) => {
        book.add(7, 1, 'buy', 100, 5, 1);
        expect(book.remove(7)).toBe(5);
        book.add(7, 2, 'sell', 105, 3, 2);
        expect(book.get(7)).toEqual({
          orderId: 7,
          accountId: 2,
          side: 'sell',
          price: 105,
          remaining: 3,
          filled: 0,
          flags: 2,
        });
        expect(book.bestBid()).toBeNaN();
        expect(book.bestAsk()).toBe(105);
        expect(match(book, 'buy', INF, 3).calls).toEqual([fill(7, 2, 105, 3, 0)]);
        expect(book.has(7)).toBe(false);
        book.add(7, 3, 'buy', 99, 4, 0);
        expect(book.get(7)).toMatchObject({ accountId: 3, side: 'buy', price: 99, remaining: 4, filled: 0 });
        add(book, 8, 1, 'buy', 99, 1);
        expect(ids(book)).toEqual([7, 8]);
        expect(book.size).toBe(2);
      });
    });

    describe('stateHash', () => {
      function history(book: OrderBook): void {
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 2, 'buy', 100, 5);
        add(book, 3, 3, 'sell', 102, 5);
        add(book, 4, 1, 'sell', 103, 2);
        match(book, 'sell', 100, 3);
        book.reduce(2, 4);
        book.remove(4);
      }

      bookTest(make, 'is equal for equal histories and stable across reads', (book, more) => {
        const other = more();
        history(book);
        history(other);
        expect(book.stateHash()).toBe(other.stateHash());
        expect(book.stateHash()).toBe(book.stateHash());
        book.orders();
        book.depth(INF);
        book.fillable('buy', INF, 100, 1, 'cancelMaker');
        expect(book.stateHash()).toBe(other.stateHash());
        expect(more().stateHash()).toBe(more().stateHash());
      });

      bookTest(make, 'changes with every add, remove, reduce, match and cross', (book) => {
        const seen = new Set<number>([book.stateHash()]);
        const step = (f: () => void) => {
          f();
          const h = book.stateHash();
          expect(seen.has(h)).toBe(false);
          seen.add(h);
        };
        step(() => add(book, 1, 1, 'buy', 100, 5));
        step(() => add(book, 2, 1, 'buy', 100, 5));
        step(() => add(book, 3, 2, 'sell', 103, 5));
        step(() => book.reduce(1, 4));
        step(() => match(book, 'sell', 100, 1));
        step(() => book.remove(2));
        step(() => add(book, 4, 3, 'sell', 99, 2));
        step(() => book.cross(1, new RecordingSink()));
        step(() => match(book, 'buy', INF, 1));
      });

      bookTest(make, 'depends on each field of an order and on queue order', (book, more) => {
        const variants: [number, number, Side, number, number][][] = [
          [
            [1, 1, 'buy', 100, 5],
            [2, 2, 'buy', 100, 5],
          ],
          [
            [2, 2, 'buy', 100, 5],
            [1, 1, 'buy', 100, 5],
          ],
          [
            [1, 1, 'buy', 100, 5],
            [3, 2, 'buy', 100, 5],
          ],
          [
            [1, 1, 'buy', 100, 5],
            [2, 3, 'buy', 100, 5],
          ],
          [
            [1, 1, 'buy', 100, 5],
            [2, 2, 'sell', 100, 5],
          ],
          [
            [1, 1, 'buy', 100, 5],
            [2, 2, 'buy', 101, 5],
          ],
          [
            [1, 1, 'buy', 100, 5],
            [2, 2, 'buy', 100, 6],
          ],
        ];
        const hashes = variants.map((orders, i) => {
          const b = i === 0 ? book : more();
          for (const [id, acct, side, price, vol] of orders) add(b, id, acct, side, price, vol);
          return b.stateHash();
        });
        expect(new Set(hashes).size).toBe(hashes.length);
      });

      bookTest(make, 'depends only on the state: an order added and removed leaves no trace', (book, more) => {
        const other = more();
        add(book, 1, 1, 'buy', 100, 5);
        add(book, 2, 1, 'sell', 300, 5);
        add(book, 3, 1, 'buy', 100, 5);
        book.remove(3);
        book.remove(2);
        add(other, 1, 1, 'buy', 100, 5);
        expect(book.stateHash()).toBe(other.stateHash());
        add(book, 4, 2, 'buy', 100, 1);
        add(other, 4, 2, 'buy', 100, 1);
        expect(book.stateHash()).toBe(other.stateHash());
      });
    });

    describe('against a reference model', () => {
      it('random add / remove / requeue / reduce / match / fillable / cross sequences agree with the model', () => {
        fc.assert(
          fc.property(bookOpsArb, (ops) => {
            const book = make();
            runAgainstModel(book, ops);
            checkAndDrain(book);
          }),
          { numRuns: 150 },
        );
      });
    });
  });
}
