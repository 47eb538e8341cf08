/**
 * Seeded, deterministic order stream for the engine benchmark, in the style of exchange-core's test generator:
 * about 9% GTC limit orders, 3% IOC limit orders, 6% cancels and 82% modifies (price moves and volume changes of
 * a live order), on several instruments whose books hold about `restingPerInstrument` orders around a stable mid.
 *
 * The generator keeps its own price-time model of every book (a "shadow book": limit orders, fills at the maker's
 * price, self-trade prevention off) so that cancels and modifies target orders that are still open when the engine
 * sees them. If the engine follows docs/matching.md, every command in the stream is accepted; the bench measures the
 * real acceptance and reports it. Nothing here reads a clock or Math.random.
 */
import type { AddInstrument, Command, SetPhase } from '../../src-engine/domain/commands.ts';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import type { Side } from '../../src-engine/domain/order.ts';

/** mulberry32: a small, fast 32-bit PRNG; good enough for workload generation. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** What the generator chose for each stream command (parallel to `ops`, in `OrderStream.actions`). */
export const Action = {
  GTC: 0,
  /** A GTC limit priced through the opposite best (trades on arrival, the rest rests). */
  GTC_CROSSING: 1,
  IOC: 2,
  CANCEL: 3,
  MODIFY_PRICE: 4,
  MODIFY_VOLUME_DOWN: 5,
  MODIFY_VOLUME_UP: 6,
} as const;
export type ActionCode = (typeof Action)[keyof typeof Action];
export const ACTION_NAMES = [
  'gtc',
  'gtc_crossing',
  'ioc',
  'cancel',
  'modify_price',
  'modify_volume_down',
  'modify_volume_up',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export function actionName(code: number): ActionName {
  const name = ACTION_NAMES[code];
  if (name === undefined) throw new Error(`unknown action code ${code}`);
  return name;
}

export interface StreamMix {
  readonly gtc: number;
  readonly ioc: number;
  readonly cancel: number;
  readonly modify: number;
}

export interface StreamConfig {
  readonly seed: number;
  readonly instruments: number;
  readonly restingPerInstrument: number;
  /** Commands in the timed stream (setup not counted). */
  readonly ops: number;
  readonly accounts: number;
  readonly mix: StreamMix;
  /** Share of GTC orders priced through the opposite best. */
  readonly gtcCrossingShare: number;
  /** Resting prices are mid ± (1 + floor(spreadTicks × u²)) ticks, u uniform: dense near the top, thin far out. */
  readonly spreadTicks: number;
  /** No price ever leaves mid ± maxOffsetTicks (modifies bounce back inside). */
  readonly maxOffsetTicks: number;
  /** Volumes are 1..maxLots lots. */
  readonly maxLots: number;
}

export const DEFAULT_MIX: StreamMix = { gtc: 0.09, ioc: 0.03, cancel: 0.06, modify: 0.82 };

export const DEFAULT_CONFIG: StreamConfig = {
  seed: 0x5eed,
  instruments: 4,
  restingPerInstrument: 1000,
  ops: 2_000_000,
  accounts: 2000,
  mix: DEFAULT_MIX,
  gtcCrossingShare: 0.15,
  spreadTicks: 200,
  maxOffsetTicks: 400,
  maxLots: 200,
};

export interface BenchInstrument {
  readonly spec: InstrumentSpec;
  readonly tick: number;
  readonly lot: number;
  /** The stable mid, in ticks (the price is midTicks × tick). */
  readonly midTicks: number;
}

const TEMPLATES = [
  { id: 'ALPHA', tick: 1, lot: 1, midTicks: 10_000, decimals: 2 },
  { id: 'BRAVO', tick: 5, lot: 10, midTicks: 5_000, decimals: 2 },
  { id: 'CHARLIE', tick: 1, lot: 100, midTicks: 4_000, decimals: 1 },
  { id: 'DELTA', tick: 25, lot: 1, midTicks: 20_000, decimals: 0 },
] as const;

/** Instrument i of a bench run: a stock with a ±20% percent band around a reference price at the mid. */
export function benchInstrument(i: number): BenchInstrument {
  const t = TEMPLATES[i % TEMPLATES.length]!;
  const id = i < TEMPLATES.length ? t.id : `${t.id}${Math.floor(i / TEMPLATES.length)}`;
  const spec: InstrumentSpec = {
    id,
    kind: 'stock',
    priceTick: t.tick,
    priceDecimals: t.decimals,
    lotSize: t.lot,
    multiplier: 1,
    maxOrderVolume: t.lot * 1_000_000,
    band: { kind: 'percent', bps: 2000 },
    referencePrice: t.midTicks * t.tick,
    status: 'active',
  };
  return { spec, tick: t.tick, lot: t.lot, midTicks: t.midTicks };
}

/** Seq and ts of generated commands: ts is a synthetic nanosecond clock from the run's start, 1 µs per command. */
export class Sequencer {
  seq = 0;
  next(): { seq: number; ts: number } {
    this.seq++;
    return { seq: this.seq, ts: this.seq * 1000 };
  }
}

export function setupInstrumentCommands(inst: BenchInstrument, sq: Sequencer): [AddInstrument, SetPhase] {
  const a = sq.next();
  const b = sq.next();
  return [
    { kind: 'AddInstrument', seq: a.seq, ts: a.ts, spec: inst.spec },
    { kind: 'SetPhase', seq: b.seq, ts: b.ts, instrumentId: inst.spec.id, phase: 'continuous' },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Shadow book: price-time priority over tick-indexed levels, limit orders only, stp none.

interface ShadowOrder {
  readonly id: number;
  readonly account: number;
  readonly buy: boolean;
  /** Level index (ticks - base). */
  level: number;
  remaining: number;
  /** Position in ShadowBook.live, -1 once closed. */
  liveIdx: number;
}

class ShadowBook {
  readonly base: number;
  readonly size: number;
  readonly bids: ShadowOrder[][] = [];
  readonly asks: ShadowOrder[][] = [];
  bestBid = -1;
  bestAsk: number;
  readonly live: ShadowOrder[] = [];
  fills = 0;
  /** Price levels that came into being / emptied: the level churn a book implementation has to absorb. */
  levelsCreated = 0;
  levelsEmptied = 0;

  constructor(
    readonly inst: BenchInstrument,
    readonly maxOffset: number,
  ) {
    // 8 ticks of slack around mid ± maxOffset for aggressive prices derived from the opposite best.
    this.base = inst.midTicks - maxOffset - 8;
    this.size = 2 * maxOffset + 17;
    for (let i = 0; i < this.size; i++) {
      this.bids.push([]);
      this.asks.push([]);
    }
    this.bestAsk = this.size;
  }

  clampLevel(level: number): number {
    return Math.max(0, Math.min(this.size - 1, level));
  }

  /** Trades an incoming order against the opposite side up to `limit` (a level); returns the unfilled volume. */
  match(buy: boolean, limit: number, volume: number): number {
    if (buy) {
      while (volume > 0 && this.bestAsk <= limit) {
        const q = this.asks[this.bestAsk]!;
        volume = this.takeFrom(q, volume);
        if (q.length === 0) {
          this.levelsEmptied++;
          this.bestAsk = this.nextAsk(this.bestAsk);
        }
      }
    } else {
      while (volume > 0 && this.bestBid >= limit) {
        const q = this.bids[this.bestBid]!;
        volume = this.takeFrom(q, volume);
        if (q.length === 0) {
          this.levelsEmptied++;
          this.bestBid = this.nextBid(this.bestBid);
        }
      }
    }
    return volume;
  }

  private takeFrom(q: ShadowOrder[], volume: number): number {
    while (volume > 0 && q.length > 0) {
      const maker = q[0]!;
      const fill = Math.min(volume, maker.remaining);
      volume -= fill;
      maker.remaining -= fill;
      this.fills++;
      if (maker.remaining === 0) {
        q.shift();
        this.dropLive(maker);
      }
    }
    return volume;
  }

  private nextAsk(from: number): number {
    let i = from;
    while (i < this.size && this.asks[i]!.length === 0) i++;
    return i;
  }

  private nextBid(from: number): number {
    let i = from;
    while (i >= 0 && this.bids[i]!.length === 0) i--;
    return i;
  }

  rest(o: ShadowOrder): void {
    if ((o.buy ? this.bids : this.asks)[o.level]!.length === 0) this.levelsCreated++;
    if (o.buy) {
      this.bids[o.level]!.push(o);
      if (o.level > this.bestBid) this.bestBid = o.level;
    } else {
      this.asks[o.level]!.push(o);
      if (o.level < this.bestAsk) this.bestAsk = o.level;
    }
    o.liveIdx = this.live.length;
    this.live.push(o);
  }

  /** Takes an open order out of its level (not out of the live set). */
  unlink(o: ShadowOrder): void {
    const q = (o.buy ? this.bids : this.asks)[o.level]!;
    const i = q.indexOf(o);
    if (i < 0) throw new Error(`shadow book: order ${o.id} not in its level`);
    q.splice(i, 1);
    if (q.length === 0) {
      this.levelsEmptied++;
      if (o.buy && o.level === this.bestBid) this.bestBid = this.nextBid(o.level);
      if (!o.buy && o.level === this.bestAsk) this.bestAsk = this.nextAsk(o.level);
    }
  }

  dropLive(o: ShadowOrder): void {
    const last = this.live.pop()!;
    if (last !== o) {
      this.live[o.liveIdx] = last;
      last.liveIdx = o.liveIdx;
    }
    o.liveIdx = -1;
  }

  /** Places a limit order; returns the unfilled volume (which rests when `rests`). */
  place(o: ShadowOrder, rests: boolean): number {
    const left = this.match(o.buy, o.level, o.remaining);
    o.remaining = left;
    if (left > 0 && rests) this.rest(o);
    return left;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface OrderStream {
  readonly config: StreamConfig;
  readonly instruments: readonly BenchInstrument[];
  /** AddInstrument, SetPhase continuous and the initial resting orders: applied untimed before the stream. */
  readonly setup: readonly Command[];
  /** The timed stream. */
  readonly ops: readonly Command[];
  /** The generator's choice per stream command (an Action code). */
  readonly actions: Uint8Array;
  /** Commands per action. */
  readonly counts: Record<ActionName, number>;
  /** What the shadow model expects the engine to do. */
  readonly model: {
    readonly setupFills: number;
    readonly streamFills: number;
    /** Open orders per instrument after setup and after the stream. */
    readonly restingAfterSetup: Record<string, number>;
    readonly restingAtEnd: Record<string, number>;
    /** Mix feedback that turned a cancel into a GTC (book too thin) or a GTC into a cancel (book too thick). */
    readonly rebalanced: number;
    /** Price levels created and emptied during the stream (all books). */
    readonly levelsCreated: number;
    readonly levelsEmptied: number;
    /** Distinct price levels per instrument at the end (bids + asks). */
    readonly levelsAtEnd: Record<string, number>;
  };
}

export function generateOrderStream(partial: Partial<StreamConfig> = {}): OrderStream {
  const config: StreamConfig = { ...DEFAULT_CONFIG, ...partial };
  const rng = new Rng(config.seed);
  const sq = new Sequencer();
  const instruments: BenchInstrument[] = [];
  const books: ShadowBook[] = [];
  const setup: Command[] = [];
  for (let i = 0; i < config.instruments; i++) {
    const inst = benchInstrument(i);
    instruments.push(inst);
    books.push(new ShadowBook(inst, config.maxOffsetTicks));
    setup.push(...setupInstrumentCommands(inst, sq));
  }
  let nextOrderId = 1;

  const randLots = (): number => 1 + Math.floor(config.maxLots * (rng.next() * rng.next()));
  const restingLevel = (book: ShadowBook, buy: boolean): number => {
    const u = rng.next();
    const off = 1 + Math.floor(Math.min(config.spreadTicks, config.maxOffsetTicks - 1) * u * u);
    return book.clampLevel(book.inst.midTicks - book.base + (buy ? -off : off));
  };

  const placeCommand = (
    book: ShadowBook,
    buy: boolean,
    level: number,
    lots: number,
    tif: 'GTC' | 'IOC',
  ): { cmd: Command; order: ShadowOrder } => {
    const { seq, ts } = sq.next();
    const inst = book.inst;
    const account = 1 + rng.int(config.accounts);
    const order: ShadowOrder = {
      id: nextOrderId++,
      account,
      buy,
      level,
      remaining: lots * inst.lot,
      liveIdx: -1,
    };
    const side: Side = buy ? 'buy' : 'sell';
    const cmd: Command = {
      kind: 'PlaceOrder',
      seq,
      ts,
      orderId: order.id,
      accountId: account,
      instrumentId: inst.spec.id,
      side,
      type: 'limit',
      tif,
      price: (level + book.base) * inst.tick,
      volume: order.remaining,
      stp: 'none',
    };
    return { cmd, order };
  };

  // Setup: fill each book to its target with non-crossing resting orders.
  for (const book of books) {
    const mid = book.inst.midTicks - book.base;
    for (let k = 0; k < config.restingPerInstrument; k++) {
      const buy = (k & 1) === 0;
      let level = restingLevel(book, buy);
      // Keep the initial book uncrossed and one tick off the mid on each side.
      if (buy && level >= mid) level = mid - 1;
      if (!buy && level <= mid) level = mid + 1;
      const { cmd, order } = placeCommand(book, buy, level, randLots(), 'GTC');
      setup.push(cmd);
      book.place(order, true);
    }
  }
  const setupFills = books.reduce((s, b) => s + b.fills, 0);
  const setupLevelsCreated = books.reduce((s, b) => s + b.levelsCreated, 0);
  const setupLevelsEmptied = books.reduce((s, b) => s + b.levelsEmptied, 0);
  const restingAfterSetup: Record<string, number> = {};
  for (const b of books) restingAfterSetup[b.inst.spec.id] = b.live.length;

  const ops: Command[] = new Array(config.ops);
  const actions = new Uint8Array(config.ops);
  const counts = {
    gtc: 0,
    gtc_crossing: 0,
    ioc: 0,
    cancel: 0,
    modify_price: 0,
    modify_volume_down: 0,
    modify_volume_up: 0,
  };
  let rebalanced = 0;
  const { gtc: pGtc, ioc: pIoc, cancel: pCancel } = config.mix;
  const target = config.restingPerInstrument;

  for (let i = 0; i < config.ops; i++) {
    const book = books[rng.int(books.length)]!;
    const inst = book.inst;
    const r = rng.next();
    let kind: 'gtc' | 'ioc' | 'cancel' | 'modify' =
      r < pGtc ? 'gtc' : r < pGtc + pIoc ? 'ioc' : r < pGtc + pIoc + pCancel ? 'cancel' : 'modify';
    const n = book.live.length;
    if (kind === 'cancel' && n < target) {
      kind = 'gtc';
      rebalanced++;
    } else if (kind === 'gtc' && n > target * 1.1) {
      kind = 'cancel';
      rebalanced++;
    }
    if ((kind === 'cancel' || kind === 'modify') && n === 0) kind = 'gtc';

    let action: ActionCode;
    if (kind === 'gtc' || kind === 'ioc') {
      const buy = rng.next() < 0.5;
      const opposite = buy ? book.bestAsk : book.bestBid;
      const oppositeExists = buy ? opposite < book.size : opposite >= 0;
      let level: number;
      let lots: number;
      if (kind === 'ioc') {
        action = Action.IOC;
        // Sweep at most a few ticks through the opposite best, about one average order's volume.
        const through = rng.int(3);
        level = oppositeExists
          ? book.clampLevel(buy ? opposite + through : opposite - through)
          : restingLevel(book, !buy);
        lots = 1 + rng.int(config.maxLots >> 1);
      } else if (oppositeExists && rng.next() < config.gtcCrossingShare) {
        action = Action.GTC_CROSSING;
        const through = rng.int(3);
        level = book.clampLevel(buy ? opposite + through : opposite - through);
        lots = randLots();
      } else {
        action = Action.GTC;
        level = restingLevel(book, buy);
        lots = randLots();
      }
      const { cmd, order } = placeCommand(book, buy, level, lots, kind === 'ioc' ? 'IOC' : 'GTC');
      ops[i] = cmd;
      book.place(order, kind === 'gtc');
    } else if (kind === 'cancel') {
      action = Action.CANCEL;
      const o = book.live[rng.int(n)]!;
      const { seq, ts } = sq.next();
      ops[i] = { kind: 'CancelOrder', seq, ts, orderId: o.id, accountId: o.account };
      book.unlink(o);
      book.dropLive(o);
      o.remaining = 0;
    } else {
      const o = book.live[rng.int(n)]!;
      const rm = rng.next();
      const lot = inst.lot;
      const lots = o.remaining / lot;
      let newLevel = o.level;
      let newVolume = o.remaining;
      if (rm < 0.5) {
        action = Action.MODIFY_PRICE;
        const step = 1 + Math.floor(5 * rng.next() * rng.next());
        const mid = inst.midTicks - book.base;
        let dir = rng.next() < 0.5 ? -1 : 1;
        // Bounce back toward the mid at the edge of the allowed range.
        if (Math.abs(o.level + dir * step - mid) > config.maxOffsetTicks) dir = -dir;
        newLevel = book.clampLevel(o.level + dir * step);
        if (newLevel === o.level) newLevel = book.clampLevel(o.level - dir * step);
      } else if ((rm < 0.75 && lots > 1) || lots >= config.maxLots * 4) {
        action = Action.MODIFY_VOLUME_DOWN;
        newVolume = (1 + rng.int(lots - 1)) * lot;
      } else {
        action = Action.MODIFY_VOLUME_UP;
        newVolume = o.remaining + (1 + rng.int(20)) * lot;
      }
      const { seq, ts } = sq.next();
      ops[i] = {
        kind: 'ModifyOrder',
        seq,
        ts,
        orderId: o.id,
        accountId: o.account,
        price: (newLevel + book.base) * inst.tick,
        volume: newVolume,
      };
      if (action === Action.MODIFY_VOLUME_DOWN) {
        o.remaining = newVolume; // keeps its place
      } else {
        book.unlink(o);
        book.dropLive(o);
        o.level = newLevel;
        o.remaining = newVolume;
        book.place(o, true);
      }
    }
    actions[i] = action;
    counts[actionName(action)]++;
  }

  const restingAtEnd: Record<string, number> = {};
  const levelsAtEnd: Record<string, number> = {};
  for (const b of books) {
    restingAtEnd[b.inst.spec.id] = b.live.length;
    let levels = 0;
    for (let i = 0; i < b.size; i++) levels += (b.bids[i]!.length > 0 ? 1 : 0) + (b.asks[i]!.length > 0 ? 1 : 0);
    levelsAtEnd[b.inst.spec.id] = levels;
  }
  return {
    config,
    instruments,
    setup,
    ops,
    actions,
    counts,
    model: {
      setupFills,
      streamFills: books.reduce((s, b) => s + b.fills, 0) - setupFills,
      restingAfterSetup,
      restingAtEnd,
      rebalanced,
      levelsCreated: books.reduce((s, b) => s + b.levelsCreated, 0) - setupLevelsCreated,
      levelsEmptied: books.reduce((s, b) => s + b.levelsEmptied, 0) - setupLevelsEmptied,
      levelsAtEnd,
    },
  };
}
