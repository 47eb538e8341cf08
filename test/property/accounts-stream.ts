/**
 * The random command streams of the accounts property tests (test/property/accounts.test.ts), shared with other
 * property tests (test/property/snapshot.test.ts): instruments, accounts and risk limits, command templates and their
 * fast-check arbitraries, the independent model of docs/accounts.md, and the Runner that resolves templates into
 * commands against the model and checks fast and naive engines after every command.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AccountKind, Command, PlaceOrder } from '../../src-engine/domain/commands.ts';
import type {
  AccountSnapshot,
  AccountTrade,
  EngineEvent,
  PositionSideSnapshot,
  PositionSnapshot,
} from '../../src-engine/domain/events.ts';
import type { InstrumentSpec, TradingTerms } from '../../src-engine/domain/instrument.ts';
import type { Offset, OrderType, Phase, Side, StpMode, TimeInForce } from '../../src-engine/domain/order.ts';
import type { RejectCode } from '../../src-engine/domain/reject-codes.ts';
import { Engine } from '../../src-engine/engine.ts';

type ApplyResult = ReturnType<Engine['apply']>;
type Outcome = RejectCode | 'ok';

class Violation extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Instruments and accounts

export const RISK = {
  maxOpenOrders: 6,
  maxOrdersPerWindow: 4,
  rateWindowMs: 2_000,
  riskRatioCapPpm: 900_000,
  forceLiquidationPpm: 1_000_000,
};

const F1_TERMS: TradingTerms = {
  marginLongPpm: 100_000,
  marginShortPpm: 120_000,
  commission: { kind: 'rate', openPpm: 50, closePpm: 50, closeTodayPpm: 150 },
  closeRule: 'yesterdayFirst',
  settlement: { kind: 'last' },
};
const F2_TERMS: TradingTerms = {
  marginLongPpm: 150_000,
  marginShortPpm: 150_000,
  commission: { kind: 'perLot', open: 120, close: 100, closeToday: 0 },
  closeRule: 'separate',
  settlement: { kind: 'vwap', minutes: 1 },
};
const F3_TERMS: TradingTerms = {
  marginLongPpm: 500_000,
  marginShortPpm: 400_000,
  commission: { kind: 'rate', openPpm: 1000, closePpm: 2000, closeTodayPpm: 0 },
  closeRule: 'yesterdayFirst',
  settlement: { kind: 'admin' },
};
const S1_TERMS: TradingTerms = {
  marginLongPpm: 0,
  marginShortPpm: 0,
  commission: { kind: 'rate', openPpm: 300, closePpm: 300, closeTodayPpm: 300 },
  closeRule: 'yesterdayFirst',
  settlement: { kind: 'last' },
};

const SPECS: readonly InstrumentSpec[] = [
  // unit value 10 × 100 / 10 = 100; band ±10% of the reference
  {
    id: 'F1',
    kind: 'future',
    priceTick: 1,
    priceDecimals: 1,
    lotSize: 1,
    multiplier: 10,
    maxOrderVolume: 20,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 1000,
    status: 'active',
    terms: F1_TERMS,
  },
  // unit value 300; band ±10 ticks of 5
  {
    id: 'F2',
    kind: 'future',
    priceTick: 5,
    priceDecimals: 0,
    lotSize: 2,
    multiplier: 3,
    maxOrderVolume: 20,
    band: { kind: 'ticks', ticks: 10 },
    referencePrice: 500,
    status: 'active',
    terms: F2_TERMS,
  },
  // unit value 100; no band (market orders need one)
  {
    id: 'F3',
    kind: 'future',
    priceTick: 2,
    priceDecimals: 2,
    lotSize: 1,
    multiplier: 100,
    maxOrderVolume: 10,
    band: { kind: 'none' },
    referencePrice: 200,
    status: 'active',
    terms: F3_TERMS,
  },
  // stock, unit value 1, lot 100
  {
    id: 'S1',
    kind: 'stock',
    priceTick: 1,
    priceDecimals: 2,
    lotSize: 100,
    multiplier: 1,
    maxOrderVolume: 1000,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 1000,
    status: 'active',
    terms: S1_TERMS,
  },
  // stock with the default terms, unit value 100
  {
    id: 'S2',
    kind: 'stock',
    priceTick: 1,
    priceDecimals: 0,
    lotSize: 10,
    multiplier: 1,
    maxOrderVolume: 100,
    band: { kind: 'ticks', ticks: 20 },
    referencePrice: 50,
    status: 'active',
  },
];
const INST_IDS = SPECS.map((s) => s.id);

const FUTURES_ACCOUNTS = [1, 2, 3, 4];
const STOCK_ACCOUNTS = [11, 12, 13];
/** 5 and 14 may be created by the stream; 99 never exists. */
const ALL_ACCOUNTS = [1, 2, 3, 4, 5, 11, 12, 13, 14, 99];

const DEFAULT_TERMS_LOCAL: TradingTerms = {
  marginLongPpm: 1_000_000,
  marginShortPpm: 1_000_000,
  commission: { kind: 'rate', openPpm: 0, closePpm: 0, closeTodayPpm: 0 },
  closeRule: 'yesterdayFirst',
  settlement: { kind: 'last' },
};

function termsOf(spec: InstrumentSpec): TradingTerms {
  return spec.terms ?? DEFAULT_TERMS_LOCAL;
}

/** Minor units per price unit per volume unit (docs/accounts.md "Unit value"). */
function uvOf(spec: InstrumentSpec): number {
  return (spec.multiplier * 100) / 10 ** spec.priceDecimals;
}

// ---------------------------------------------------------------------------------------------------------------
// Money rules, written from the docs' rounding table (independent of src-engine/accounts/money-rules.ts)

const big = BigInt;

function notional(spec: InstrumentSpec, price: number, volume: number): number {
  return price * uvOf(spec) * volume;
}

function ceilPpm(amount: number, ppm: number): number {
  const a = big(amount) * big(ppm);
  return Number((a + 999_999n) / 1_000_000n);
}

function floorPpm(amount: number, ppm: number): number {
  return Number((big(amount) * big(ppm)) / 1_000_000n);
}

function marginOf(spec: InstrumentSpec, side: Side, price: number, volume: number): number {
  const t = termsOf(spec);
  return ceilPpm(notional(spec, price, volume), side === 'buy' ? t.marginLongPpm : t.marginShortPpm);
}

type CommKind = 'open' | 'close' | 'closeToday';

function commissionOf(spec: InstrumentSpec, kind: CommKind, price: number, volume: number): number {
  if (volume === 0) return 0;
  const c = termsOf(spec).commission;
  if (c.kind === 'rate') {
    const ppm = kind === 'open' ? c.openPpm : kind === 'close' ? c.closePpm : c.closeTodayPpm;
    return floorPpm(notional(spec, price, volume), ppm);
  }
  const per = kind === 'open' ? c.open : kind === 'close' ? c.close : c.closeToday;
  return (per * volume) / spec.lotSize;
}

/** The band of a spec with reference `ref` (docs/matching.md). */
function bandOf(spec: InstrumentSpec, ref: number | null): { lower: number; upper: number } | null {
  if (ref === null || spec.band.kind === 'none') return null;
  const tick = spec.priceTick;
  let lower: number;
  let upper: number;
  if (spec.band.kind === 'ticks') {
    lower = ref - spec.band.ticks * tick;
    upper = ref + spec.band.ticks * tick;
  } else {
    const up = Math.floor((ref * (10_000 + spec.band.bps)) / 10_000);
    upper = up - (up % tick);
    const down = Math.ceil((ref * Math.max(0, 10_000 - spec.band.bps)) / 10_000);
    lower = down % tick === 0 ? down : down + (tick - (down % tick));
  }
  if (lower < tick) lower = tick;
  return { lower, upper };
}

// ---------------------------------------------------------------------------------------------------------------
// Command templates

export type Tpl =
  | {
      readonly t: 'place';
      readonly dt: number;
      readonly acct: number;
      readonly kindMatch: boolean;
      readonly m: number;
      readonly side: Side;
      readonly type: OrderType;
      readonly tifPick: number;
      readonly k: number;
      /** priced a few ticks through the mark, so that it likely trades */
      readonly aggressive: boolean;
      /** auto: a close (or closeToday) when the account has something to close on that side, else an open */
      readonly offset: Offset | 'auto';
      readonly vol: number | 'closable' | 'aboveMax';
      readonly stp: StpMode | undefined;
      readonly postOnly: boolean;
      readonly dupId: boolean;
    }
  | { readonly t: 'cancel'; readonly dt: number; readonly pick: number; readonly otherAccount: boolean }
  | {
      readonly t: 'modify';
      readonly dt: number;
      readonly pick: number;
      readonly price: 'same' | number;
      readonly vol: 'same' | 'less' | 'more' | number;
    }
  | { readonly t: 'deposit'; readonly dt: number; readonly acct: number; readonly amount: number }
  | { readonly t: 'withdraw'; readonly dt: number; readonly acct: number; readonly mode: 'some' | 'all' | 'over' }
  | { readonly t: 'holdings'; readonly dt: number; readonly acct: number; readonly m: number; readonly lots: number }
  | { readonly t: 'freeze'; readonly dt: number; readonly acct: number; readonly frozen: boolean }
  | { readonly t: 'create'; readonly dt: number; readonly acct: number; readonly kind: AccountKind }
  | { readonly t: 'phase'; readonly dt: number; readonly m: number; readonly phase: Phase }
  | { readonly t: 'ref'; readonly dt: number; readonly m: number; readonly k: number }
  | { readonly t: 'settlePrice'; readonly dt: number; readonly m: number; readonly k: number }
  | { readonly t: 'settle'; readonly dt: number }
  | {
      readonly t: 'day';
      readonly dt: number;
      readonly setPrices: readonly number[];
      readonly preOpen: readonly boolean[];
    };

const dtArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constant(200) },
  { weight: 4, arbitrary: fc.constant(1_000) },
  { weight: 1, arbitrary: fc.constant(20_000) },
);
const acctArb = fc.nat({ max: 1000 });
const instArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 2, arbitrary: fc.constant(2) },
  { weight: 3, arbitrary: fc.constant(3) },
  { weight: 2, arbitrary: fc.constant(4) },
);

const placeArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('place' as const),
  dt: dtArb,
  acct: acctArb,
  kindMatch: fc.integer({ min: 0, max: 20 }).map((x) => x > 0),
  m: instArb,
  side: fc.constantFrom<Side>('buy', 'sell'),
  type: fc.oneof(
    { weight: 16, arbitrary: fc.constant<OrderType>('limit') },
    { weight: 3, arbitrary: fc.constant<OrderType>('market') },
    { weight: 1, arbitrary: fc.constant<OrderType>('stop') },
    { weight: 1, arbitrary: fc.constant<OrderType>('stopLimit') },
  ),
  tifPick: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constant(2) },
    { weight: 1, arbitrary: fc.constant(3) },
  ),
  k: fc.integer({ min: -5, max: 5 }),
  aggressive: fc.integer({ min: 0, max: 4 }).map((x) => x < 2),
  offset: fc.oneof(
    { weight: 6, arbitrary: fc.constant<Offset | 'auto'>('auto') },
    { weight: 5, arbitrary: fc.constant<Offset | 'auto'>('open') },
    { weight: 1, arbitrary: fc.constant<Offset | 'auto'>('close') },
    { weight: 1, arbitrary: fc.constant<Offset | 'auto'>('closeToday') },
  ),
  vol: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 1, max: 5 }) },
    { weight: 4, arbitrary: fc.constant('closable' as const) },
    { weight: 1, arbitrary: fc.constant('aboveMax' as const) },
  ),
  stp: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constant<StpMode>('none') },
    { weight: 1, arbitrary: fc.constantFrom<StpMode>('cancelMaker', 'cancelBoth', 'cancelTaker') },
    { weight: 2, arbitrary: fc.constant<StpMode>('reject') },
  ),
  postOnly: fc.integer({ min: 0, max: 15 }).map((x) => x === 0),
  dupId: fc.integer({ min: 0, max: 40 }).map((x) => x === 0),
});

const tplArb: fc.Arbitrary<Tpl> = fc.oneof(
  { weight: 120, arbitrary: placeArb },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('cancel' as const),
      dt: dtArb,
      pick: fc.nat(),
      otherAccount: fc.integer({ min: 0, max: 10 }).map((x) => x === 0),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('modify' as const),
      dt: dtArb,
      pick: fc.nat(),
      price: fc.oneof(
        { weight: 2, arbitrary: fc.constant('same' as const) },
        { weight: 2, arbitrary: fc.integer({ min: -5, max: 5 }) },
      ),
      vol: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('same' as const, 'less' as const, 'more' as const) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) },
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('deposit' as const),
      dt: dtArb,
      acct: acctArb,
      amount: fc.constantFrom(0, -100, 30_000, 100_000, 300_000, 1_000_000, 3_000_000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('withdraw' as const),
      dt: dtArb,
      acct: acctArb,
      mode: fc.constantFrom('some' as const, 'all' as const, 'over' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('holdings' as const),
      dt: dtArb,
      acct: acctArb,
      m: fc.constantFrom(3, 4, 3, 4, 0),
      lots: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('freeze' as const), dt: dtArb, acct: acctArb, frozen: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('create' as const),
      dt: dtArb,
      acct: acctArb,
      kind: fc.constantFrom<AccountKind>('futures', 'stock'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('phase' as const),
      dt: dtArb,
      m: instArb,
      phase: fc.oneof(
        { weight: 8, arbitrary: fc.constant<Phase>('continuous') },
        { weight: 3, arbitrary: fc.constantFrom<Phase>('closed', 'preOpen', 'auction', 'halted') },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('ref' as const), dt: dtArb, m: instArb, k: fc.integer({ min: -8, max: 8 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('settlePrice' as const),
      dt: dtArb,
      m: fc.constantFrom(2, 2, 0, 1, 3, 4),
      k: fc.integer({ min: -5, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('settle' as const), dt: dtArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('day' as const),
      dt: dtArb,
      setPrices: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 0, maxLength: 2 }),
      preOpen: fc.array(
        fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
        { minLength: 5, maxLength: 5 },
      ),
    }),
  },
);

export const streamArb = fc.array(tplArb, { minLength: 1, maxLength: 250, size: 'max' });

// ---------------------------------------------------------------------------------------------------------------
// The model

interface Lot {
  readonly open: number;
  pos: number;
  vol: number;
}

interface Bucket {
  lots: Lot[];
  frozen: number;
}

interface PosSide {
  today: Bucket;
  yesterday: Bucket;
}

interface Pos {
  readonly inst: string;
  long: PosSide;
  short: PosSide;
}

interface Ord {
  readonly id: number;
  readonly account: number;
  readonly inst: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  price: number;
  readonly stopPrice: number;
  readonly stp: StpMode;
  readonly postOnly: boolean;
  /** open, close or closeToday; stocks: open for buys, close for sells */
  readonly offset: Offset;
  readonly forced: boolean;
  open: number;
  where: 'pending' | 'incoming' | 'resting';
  /** time priority among resting orders */
  prio: number;
  /** hold price (docs/accounts.md "Orders and freezing"); null when the docs leave it open (price modified) */
  /**
   * The hold prices the docs leave room for (null: none known). A stop sell triggers later, when the bids may be
   * higher than at placement, so holding at the band's upper limit follows the docs' own reasoning ("a sell fills
   * at the bids"); a modify may take the hold price anew, as of the modify (the docs do not say).
   */
  holds: number[] | null;
  /** the instrument's reference price when the hold prices were taken: the band they were taken at */
  holdRef: number | null;
  /** closes: the volume this order froze in the yesterday and today buckets */
  fy: number;
  ft: number;
  /** a close order whose today part became yesterday's at a settlement: its commission hold is left open */
  holdSplitOpen: boolean;
}

interface Acct {
  readonly id: number;
  readonly kind: AccountKind;
  frozen: boolean;
  /** accepted account-placed orders, by command timestamp, for the rate limit */
  readonly orderTimes: number[];
  /** the fills of the current trading day (for the statement) */
  dayTrades: { tradeId: number; orderId: number; commission: number; closeProfit: number }[];
  /** positions by instrument */
  readonly pos: Map<string, Pos>;
}

interface Inst {
  readonly spec: InstrumentSpec;
  ref: number | null;
  phase: Phase;
  /** the engine's last trade price (for stops), kept across days */
  last: number | null;
  /** last trade price since the last settlement (the mark) */
  lastToday: number | null;
  settlementPrice: number | null;
  adminPrice: number | null;
  /** today's trades: command ts, price, volume (VWAP settlement) */
  trades: { ts: number; price: number; volume: number }[];
}

function emptyBucket(): Bucket {
  return { lots: [], frozen: 0 };
}

function emptyPos(inst: string): Pos {
  return {
    inst,
    long: { today: emptyBucket(), yesterday: emptyBucket() },
    short: { today: emptyBucket(), yesterday: emptyBucket() },
  };
}

function vol(b: Bucket): number {
  let v = 0;
  for (const l of b.lots) v += l.vol;
  return v;
}

const FORCED_ID_BASE = 2 ** 52;

/**
 * Follows the engine through its events and checks them against docs/accounts.md. `expected` gives the outcomes the
 * rules allow for a command before it is applied; `apply` follows the result; `check` compares the engine with the
 * model after the command.
 */
class Model {
  readonly insts = new Map<string, Inst>();
  readonly accts = new Map<number, Acct>();
  readonly orders = new Map<number, Ord>();
  deposits = 0;
  withdrawals = 0;
  /** commission charged on earlier trading days (the engine resets the daily figure at settlement) */
  commissionPastDays = 0;
  tradingDay = 1;
  lastSeq = 0;
  private prio = 0;

  // --- helpers

  inst(id: string): Inst {
    const i = this.insts.get(id);
    if (i === undefined) throw new Violation(`event for unknown instrument ${id}`);
    return i;
  }

  acct(id: number): Acct {
    const a = this.accts.get(id);
    if (a === undefined) throw new Violation(`event for unknown account ${id}`);
    return a;
  }

  position(a: Acct, inst: string): Pos {
    let p = a.pos.get(inst);
    if (p === undefined) {
      p = emptyPos(inst);
      a.pos.set(inst, p);
    }
    return p;
  }

  mark(inst: Inst): number | null {
    return inst.lastToday ?? inst.settlementPrice ?? inst.ref;
  }

  band(inst: Inst): { lower: number; upper: number } | null {
    return bandOf(inst.spec, inst.ref);
  }

  /** Resting orders of one side in priority order. */
  sorted(inst: string, side: Side): Ord[] {
    const out: Ord[] = [];
    for (const o of this.orders.values()) if (o.inst === inst && o.side === side && o.where === 'resting') out.push(o);
    out.sort((a, b) =>
      a.price !== b.price ? (side === 'buy' ? b.price - a.price : a.price - b.price) : a.prio - b.prio,
    );
    return out;
  }

  bestBid(inst: string): number | null {
    return this.sorted(inst, 'buy')[0]?.price ?? null;
  }

  isStock(inst: Inst): boolean {
    return inst.spec.kind === 'stock';
  }

  /** The effective offset of an order: stocks ignore the field (buy opens, sell closes). */
  effectiveOffset(inst: Inst, side: Side, offset: Offset | undefined): Offset {
    if (this.isStock(inst)) return side === 'buy' ? 'open' : 'close';
    return offset ?? 'open';
  }

  /** The position side an order of this side and offset works on. */
  workSide(pos: Pos, side: Side, offset: Offset): PosSide {
    if (offset === 'open') return side === 'buy' ? pos.long : pos.short;
    return side === 'buy' ? pos.short : pos.long;
  }

  /** Closable volume for a close / closeToday (or stock sell) and how it would freeze: [fromYesterday, fromToday]. */
  closable(a: Acct, inst: Inst, side: Side, offset: Offset): { y: number; t: number } {
    const pos = a.pos.get(inst.spec.id) ?? emptyPos(inst.spec.id);
    const ps = this.workSide(pos, side, offset);
    const y = vol(ps.yesterday) - ps.yesterday.frozen;
    const t = vol(ps.today) - ps.today.frozen;
    if (this.isStock(inst)) return { y, t };
    if (offset === 'closeToday') return { y: 0, t };
    if (termsOf(inst.spec).closeRule === 'separate') return { y, t: 0 };
    return { y, t };
  }

  /** The hold price of a new order (docs/accounts.md): null when a market order has no band. */
  /**
   * The hold prices docs/accounts.md allows for a new order in the current phase and book; null when the order is
   * refused for want of a band (market orders, stops, stop-limit sells). Buys: the limit (band upper for market and
   * stop buys). Sells fill at the bids, at or above their limit: max(limit, best bid) in continuous trading (market
   * sell: max(band lower, best bid)); a stop-limit sell and a sell placed outside continuous trading (it may fill at
   * the auction price) hold at the band upper, band-less instruments excepted. A stop (market) sell is a market sell
   * that triggers later: the docs do not say whether it holds like a market sell or at the band upper; both pass.
   */
  holdPrice(inst: Inst, side: Side, type: OrderType, price: number): number[] | null {
    const b = this.band(inst);
    if (side === 'buy') {
      if (type === 'market' || type === 'stop') return b === null ? null : [b.upper];
      return [price];
    }
    const bid = this.bestBid(inst.spec.id);
    const atBids = (limit: number) => (bid === null ? limit : Math.max(limit, bid));
    switch (type) {
      case 'market':
        return b === null ? null : [atBids(b.lower)];
      case 'stop':
        return b === null ? null : [atBids(b.lower), b.upper];
      case 'stopLimit':
        return b === null ? null : [b.upper];
      case 'limit':
        return inst.phase !== 'continuous' && b !== null ? [b.upper] : [atBids(price)];
    }
  }

  /** The hold of an order for open volume r: [low, high] (a close's two commission parts may round together). */
  holdOf(o: Ord, r: number): [number, number] | null {
    if (o.holds === null || o.holdSplitOpen) return null;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const H of o.holds) {
      const [a, b] = this.holdAt(o, r, H);
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
    return [lo, hi];
  }

  private holdAt(o: Ord, r: number, H: number): [number, number] {
    const inst = this.inst(o.inst);
    const spec = inst.spec;
    const lots = r / spec.lotSize;
    if (o.offset === 'open') {
      const base = this.isStock(inst) ? notional(spec, H, r) : marginOf(spec, o.side, H, r);
      const x = base + commissionOf(spec, 'open', H, r) + 2 * lots;
      return [x, x];
    }
    // a close: the remaining volume's split between yesterday's and today's reservations, yesterday's first
    const ry = Math.min(r, o.fy);
    const rt = r - ry;
    const sep = commissionOf(spec, 'close', H, ry) + commissionOf(spec, 'closeToday', H, rt) + lots;
    return [sep, ry > 0 && rt > 0 && termsOf(spec).commission.kind === 'rate' ? sep + 1 : sep];
  }

  // --- the pre-trade oracle

  expected(cmd: Command): Set<Outcome> | 'any' {
    if (!(cmd.seq > this.lastSeq)) return new Set(['VALIDATION_SEQUENCE_NOT_INCREASING']);
    switch (cmd.kind) {
      case 'PlaceOrder':
        return this.expectedPlace(cmd);
      case 'CancelOrder': {
        const o = this.orders.get(cmd.orderId);
        if (o === undefined) return new Set(['MATCHING_UNKNOWN_ORDER']);
        const out = new Set<Outcome>();
        if (cmd.accountId !== undefined && cmd.accountId !== o.account) out.add('MATCHING_NOT_ORDER_OWNER');
        if (this.inst(o.inst).phase === 'auction') out.add('MATCHING_PHASE_REJECTS_CANCELS');
        if (out.size === 0) out.add('ok');
        return out;
      }
      case 'ModifyOrder':
        // the matching rules of a modify are covered by engine-equivalence.test.ts; here only "a reject changes
        // nothing" and the accounts after it
        return 'any';
      case 'CreateAccount':
        return new Set([this.accts.has(cmd.accountId) ? 'ACCOUNT_DUPLICATE' : 'ok']);
      case 'Deposit': {
        const out = new Set<Outcome>();
        if (!this.accts.has(cmd.accountId)) out.add('ACCOUNT_UNKNOWN');
        if (!(cmd.amount > 0)) out.add('ACCOUNT_AMOUNT_NOT_POSITIVE');
        if (out.size === 0) out.add('ok');
        return out;
      }
      case 'Withdraw': {
        const a = this.accts.get(cmd.accountId);
        const out = new Set<Outcome>();
        if (a === undefined) out.add('ACCOUNT_UNKNOWN');
        if (!(cmd.amount > 0)) out.add('ACCOUNT_AMOUNT_NOT_POSITIVE');
        if (a?.frozen) out.add('ACCOUNT_FROZEN');
        if (a !== undefined && cmd.amount > this.availableBefore(a.id)) out.add('ACCOUNT_INSUFFICIENT_AVAILABLE');
        if (out.size === 0) out.add('ok');
        return out;
      }
      case 'DepositHoldings': {
        const a = this.accts.get(cmd.accountId);
        const inst = this.insts.get(cmd.instrumentId);
        if (a === undefined) return new Set(['ACCOUNT_UNKNOWN', 'VALIDATION_UNKNOWN_INSTRUMENT']);
        if (inst === undefined) return new Set(['VALIDATION_UNKNOWN_INSTRUMENT']);
        // the docs name no code for holdings into a futures account or of a future
        if (a.kind !== 'stock' || inst.spec.kind !== 'stock') return 'any';
        return new Set(['ok']);
      }
      case 'SetAccountFrozen': {
        const a = this.accts.get(cmd.accountId);
        if (a === undefined) return new Set(['ACCOUNT_UNKNOWN']);
        return a.frozen === cmd.frozen ? 'any' : new Set(['ok']);
      }
      case 'SetPhase': {
        const inst = this.insts.get(cmd.instrumentId);
        if (inst === undefined) return new Set(['VALIDATION_UNKNOWN_INSTRUMENT']);
        return new Set([TRANSITIONS[inst.phase].includes(cmd.phase) ? 'ok' : 'ADMIN_INVALID_PHASE_TRANSITION']);
      }
      case 'SetReferencePrice':
      case 'SetSettlementPrice': {
        const inst = this.insts.get(cmd.instrumentId);
        if (inst === undefined) return new Set(['VALIDATION_UNKNOWN_INSTRUMENT']);
        return new Set(['ok']);
      }
      case 'Settle': {
        for (const inst of this.insts.values())
          if (inst.phase !== 'closed') return new Set(['ADMIN_SETTLEMENT_NOT_CLOSED']);
        return new Set(['ok']);
      }
      default:
        return 'any';
    }
  }

  /** The engine's snapshot before the command (set by the runner). */
  before = new Map<number, AccountSnapshot>();

  private availableBefore(id: number): number {
    return this.before.get(id)?.available ?? 0;
  }

  private expectedPlace(c: PlaceOrder): Set<Outcome> {
    const out = new Set<Outcome>();
    const first = (): Outcome | Outcome[] => {
      if (this.orders.has(c.orderId)) return 'VALIDATION_DUPLICATE_ORDER_ID';
      const inst = this.insts.get(c.instrumentId);
      if (inst === undefined) return 'VALIDATION_UNKNOWN_INSTRUMENT';
      const spec = inst.spec;
      if (c.volume > spec.maxOrderVolume) return 'VALIDATION_VOLUME_ABOVE_MAXIMUM';
      const isStop = c.type === 'stop' || c.type === 'stopLimit';
      const isLimit = c.type === 'limit' || c.type === 'stopLimit';
      const b = this.band(inst);
      if (isLimit && b !== null && (c.price < b.lower || c.price > b.upper)) return 'VALIDATION_PRICE_OUT_OF_BAND';
      if (inst.phase === 'closed' || inst.phase === 'auction' || inst.phase === 'halted')
        return 'MATCHING_PHASE_REJECTS_ORDERS';
      if (inst.phase === 'preOpen') {
        const plainLimit = c.type === 'limit' && (c.tif === 'GTC' || c.tif === 'GFD') && c.postOnly !== true;
        if (!plainLimit && !isStop) return 'MATCHING_ORDER_TYPE_NOT_IN_PHASE';
      }
      // 8. the account
      const a = this.accts.get(c.accountId);
      if (a === undefined) return 'ACCOUNT_UNKNOWN';
      if (a.frozen) return 'ACCOUNT_FROZEN';
      if ((a.kind === 'stock') !== (spec.kind === 'stock')) return 'ACCOUNT_KIND_MISMATCH';
      // without a band, market orders, stops and stop-limit sells have no hold price: refused, at some step of 9-10
      // (the docs give it no number)
      const Hs = this.holdPrice(inst, c.side, c.type, c.price);
      const noBand: Outcome[] = Hs === null ? ['RISK_MARKET_ORDER_NEEDS_BAND'] : [];
      const offset = this.effectiveOffset(inst, c.side, c.offset);
      // 9. closes
      if (offset !== 'open') {
        const cl = this.closable(a, inst, c.side, offset);
        if (cl.y + cl.t < c.volume) return ['RISK_NO_POSITION_TO_CLOSE', ...noBand];
      }
      if (Hs === null) return noBand;
      // 10. opens: funds
      if (offset === 'open') {
        const avail = this.availableBefore(a.id);
        const over = Hs.map((h) => this.openHold(inst, c.side, h, c.volume) > avail);
        if (over.every((x) => x)) return 'RISK_INSUFFICIENT_FUNDS';
        if (over.some((x) => x)) return ['RISK_INSUFFICIENT_FUNDS', ...this.afterFunds(c, inst, a, offset, Hs)];
      }
      return this.afterFunds(c, inst, a, offset, Hs);
    };
    const r = first();
    for (const x of Array.isArray(r) ? r : [r]) out.add(x);
    return out;
  }

  private openHold(inst: Inst, side: Side, H: number, volume: number): number {
    const spec = inst.spec;
    const base = this.isStock(inst) ? notional(spec, H, volume) : marginOf(spec, side, H, volume);
    return base + commissionOf(spec, 'open', H, volume) + (2 * volume) / spec.lotSize;
  }

  /** Checks 11-15. */
  private afterFunds(c: PlaceOrder, inst: Inst, a: Acct, offset: Offset, Hs: readonly number[]): Outcome[] {
    const out: Outcome[] = [];
    // 11. open orders (resting orders and pending stops: whether stops count is left open)
    let resting = 0;
    let stops = 0;
    for (const o of this.orders.values()) {
      if (o.account !== a.id || o.forced) continue;
      if (o.where === 'pending') stops++;
      else resting++;
    }
    if (resting >= RISK.maxOpenOrders) return ['RISK_TOO_MANY_OPEN_ORDERS'];
    if (resting + stops >= RISK.maxOpenOrders) out.push('RISK_TOO_MANY_OPEN_ORDERS');
    // 12. rate: accepted orders with ts in the window (open or closed at its far end)
    const inOpen = a.orderTimes.filter((t) => t > c.ts - RISK.rateWindowMs).length;
    const inClosed = a.orderTimes.filter((t) => t >= c.ts - RISK.rateWindowMs).length;
    if (inOpen >= RISK.maxOrdersPerWindow) return [...out, 'RISK_ORDER_RATE_EXCEEDED'];
    if (inClosed >= RISK.maxOrdersPerWindow) out.push('RISK_ORDER_RATE_EXCEEDED');
    // 13. self-trade
    const isStop = c.type === 'stop' || c.type === 'stopLimit';
    if (c.stp === 'reject' && !isStop) {
      const b = this.band(inst);
      const limit =
        c.type === 'market'
          ? b === null
            ? c.side === 'buy'
              ? Number.POSITIVE_INFINITY
              : 0
            : c.side === 'buy'
              ? b.upper
              : b.lower
          : c.price;
      const { crosses, meets } = this.ownCross(inst.spec.id, c.side, limit, c.volume, a.id);
      if (crosses) {
        if (inst.phase === 'continuous' && meets) return [...out, 'RISK_SELF_TRADE'];
        out.push('RISK_SELF_TRADE');
      }
    }
    // 14. risk ratio cap (futures opens)
    if (offset === 'open' && !this.isStock(inst) && Hs.length > 0) {
      const snap = this.before.get(a.id)!;
      const low = snap.margin + Math.min(...Hs.map((h) => marginOf(inst.spec, c.side, h, c.volume)));
      const high =
        snap.margin + snap.frozenMargin + Math.max(...Hs.map((h) => this.openHold(inst, c.side, h, c.volume)));
      const cap = RISK.riskRatioCapPpm;
      const over = (x: number) => (snap.balance <= 0 ? x > 0 : x * 1_000_000 > cap * snap.balance);
      // the docs say "risk ratio after the order's margin": whether the frozen margin of other orders counts, and
      // the allowance, is left open, so only the bounds are sure
      if (over(low)) return [...out, 'RISK_RATIO_CAP'];
      if (over(high) || over(low + 1)) out.push('RISK_RATIO_CAP');
    }
    // 15. post-only and stops
    if (c.postOnly === true && inst.phase === 'continuous') {
      const opp = this.sorted(inst.spec.id, c.side === 'buy' ? 'sell' : 'buy')[0];
      if (opp !== undefined && (c.side === 'buy' ? opp.price <= c.price : opp.price >= c.price)) {
        out.push('MATCHING_POST_ONLY_WOULD_CROSS');
        // crossing only its own orders: open (see engine-equivalence.test.ts)
        if (opp.account === a.id) out.push('ok');
        return out;
      }
    }
    if (isStop && inst.last !== null && c.stopPrice !== undefined) {
      if (c.side === 'buy' ? inst.last >= c.stopPrice : inst.last <= c.stopPrice)
        return [...out, 'MATCHING_STOP_WOULD_TRIGGER_NOW'];
    }
    out.push('ok');
    return out;
  }

  private ownCross(inst: string, side: Side, limit: number, volume: number, account: number) {
    let left = volume;
    let crosses = false;
    let meets = false;
    for (const maker of this.sorted(inst, side === 'buy' ? 'sell' : 'buy')) {
      if (side === 'buy' ? maker.price > limit : maker.price < limit) break;
      if (maker.account === account) {
        crosses = true;
        if (left > 0) meets = true;
      }
      left -= maker.open;
    }
    return { crosses, meets };
  }

  // --- following the events

  /** Per command: what the events did to each account, for the checks after it. */
  private touched = new Set<number>();
  private commissionDue = new Map<number, [number, number]>();
  private closeProfitDue = new Map<number, number>();
  private liquidating: number | undefined;
  private liquidated = new Set<number>();
  private settledStatements: Extract<EngineEvent, { kind: 'AccountSettled' }>[] = [];
  private completed: Extract<EngineEvent, { kind: 'SettlementCompleted' }> | undefined;
  negatives = new Set<number>();
  accountChanged = new Map<number, AccountSnapshot>();
  /** the last PositionChanged per account:instrument in the command */
  positionChanged = new Map<string, PositionSnapshot>();
  /** marks before the command, to tell price moves */
  private marksBefore = new Map<string, number | null>();
  /** per account, the instruments it held a position in before the command */
  private heldBefore = new Map<number, Set<string>>();
  /** per account, instrument → price of its first fill as a maker, or in an auction uncross, in the command */
  private makerFills = new Map<number, Map<string, number>>();
  /** accounts with a fill in an auction uncross in the command */
  private auctionFilled = new Set<number>();
  /** accounts whose stop, held at an earlier band, filled beyond its hold prices in the command */
  private stopGapped = new Set<number>();
  private lastBefore = new Map<string, number | null>();

  apply(cmd: Command, res: ApplyResult): void {
    if (res.seq !== cmd.seq) throw new Violation(`result seq ${res.seq} for command seq ${cmd.seq}`);
    if (cmd.seq > this.lastSeq) this.lastSeq = cmd.seq;
    this.touched.clear();
    this.commissionDue.clear();
    this.closeProfitDue.clear();
    this.liquidating = undefined;
    this.liquidated.clear();
    this.settledStatements = [];
    this.completed = undefined;
    this.negatives.clear();
    this.accountChanged.clear();
    this.positionChanged.clear();
    this.modifiedOffset = undefined;
    this.marksBefore.clear();
    this.lastBefore.clear();
    for (const inst of this.insts.values()) {
      this.marksBefore.set(inst.spec.id, this.mark(inst));
      this.lastBefore.set(inst.spec.id, inst.last);
    }
    this.heldBefore.clear();
    this.makerFills.clear();
    this.auctionFilled.clear();
    this.stopGapped.clear();
    for (const a of this.accts.values()) {
      const held = new Set<string>();
      for (const p of a.pos.values()) {
        if (vol(p.long.today) + vol(p.long.yesterday) + vol(p.short.today) + vol(p.short.yesterday) > 0)
          held.add(p.inst);
      }
      this.heldBefore.set(a.id, held);
    }
    if (!res.ok) return;
    // PositionChanged and AccountChanged come at the end of the command, all positions first (docs/accounts.md)
    let tail: 'none' | 'positions' | 'accounts' = 'none';
    const filled = new Set<string>();
    for (const e of res.events) {
      if (e.kind === 'PositionChanged') {
        if (tail === 'accounts') throw new Violation('PositionChanged after the AccountChanged events');
        tail = 'positions';
        const key = `${e.position.accountId}:${e.position.instrumentId}`;
        if (this.positionChanged.has(key)) throw new Violation(`two PositionChanged for ${key} in one command`);
      } else if (e.kind === 'AccountChanged') {
        tail = 'accounts';
      } else if (tail !== 'none' && e.kind !== 'AccountNegative') {
        throw new Violation(`${e.kind} after the PositionChanged / AccountChanged events that end a command`);
      }
      this.event(e, cmd);
      if (e.kind === 'TradeExecuted') {
        filled.add(`${e.buyAccountId}:${e.instrumentId}`);
        filled.add(`${e.sellAccountId}:${e.instrumentId}`);
      }
    }
    for (const key of filled) {
      if (!this.positionChanged.has(key)) throw new Violation(`a fill touched ${key}, no PositionChanged`);
    }
    if (this.liquidating !== undefined) throw new Violation(`force liquidation of ${this.liquidating} never ended`);
    for (const o of this.orders.values()) {
      if (o.where === 'incoming') throw new Violation(`order ${o.id} neither rested nor finished`);
    }
    if (cmd.kind === 'PlaceOrder' && res.events[0]?.kind !== 'OrderAccepted')
      throw new Violation('PlaceOrder did not start with OrderAccepted');
    if (cmd.kind === 'Settle') this.afterSettle(cmd);
  }

  private event(e: EngineEvent, cmd: Command): void {
    switch (e.kind) {
      case 'InstrumentAdded':
        this.insts.set(e.spec.id, {
          spec: e.spec,
          ref: e.spec.referencePrice,
          phase: 'closed',
          last: null,
          lastToday: null,
          settlementPrice: null,
          adminPrice: null,
          trades: [],
        });
        return;
      case 'PhaseChanged':
        this.inst(e.instrumentId).phase = e.to;
        return;
      case 'ReferencePriceChanged':
        this.inst(e.instrumentId).ref = e.price;
        return;
      case 'InstrumentStatusChanged':
        return;
      case 'AccountCreated':
        if (this.accts.has(e.accountId)) throw new Violation(`account ${e.accountId} created twice`);
        this.accts.set(e.accountId, {
          id: e.accountId,
          kind: e.accountKind,
          frozen: false,
          orderTimes: [],
          dayTrades: [],
          pos: new Map(),
        });
        this.touched.add(e.accountId);
        return;
      case 'FundsMoved':
        if (e.direction === 'deposit') this.deposits += e.amount;
        else this.withdrawals += e.amount;
        if (cmd.kind !== 'Deposit' && cmd.kind !== 'Withdraw') throw new Violation('FundsMoved without a command');
        if (e.accountId !== cmd.accountId || e.amount !== cmd.amount) throw new Violation('FundsMoved differs');
        this.touched.add(e.accountId);
        return;
      case 'HoldingsDeposited': {
        const a = this.acct(e.accountId);
        // today's or yesterday's bucket: the docs do not say; the runner tells from the engine's positions
        this.pendingHoldings = { a, inst: e.instrumentId, volume: e.volume, price: e.price };
        this.touched.add(e.accountId);
        return;
      }
      case 'AccountFrozenChanged':
        this.acct(e.accountId).frozen = e.frozen;
        this.touched.add(e.accountId);
        return;
      case 'OrderAccepted':
        this.accepted(e, cmd);
        return;
      case 'StopTriggered': {
        const o = this.live(e.orderId);
        if (o.where !== 'pending') throw new Violation(`StopTriggered for ${o.id}, which is ${o.where}`);
        o.where = 'incoming';
        return;
      }
      case 'OrderRested': {
        const o = this.live(e.orderId);
        if (o.open !== e.remaining) throw new Violation(`OrderRested ${e.remaining}, model ${o.open}`);
        if (o.where === 'incoming') {
          o.where = 'resting';
          o.prio = ++this.prio;
        }
        return;
      }
      case 'OrderModified': {
        const o = this.live(e.orderId);
        this.touched.add(o.account);
        {
          // The docs do not say how a modify moves the hold price. A new price: the rule for a limit order placed
          // now (a stop-limit sell keeps the band upper as well). The same price: the order's hold price, or that
          // rule again. Outside continuous trading on a banded instrument, a sell then holds at the band upper.
          const inst = this.inst(o.inst);
          const now = this.holdPrice(inst, o.side, 'limit', e.price) ?? [];
          const upper = this.band(inst)?.upper;
          if (o.type === 'stopLimit' && o.side === 'sell' && upper !== undefined) now.push(upper);
          o.holds = e.price !== o.price || o.holds === null ? now : [...o.holds, ...now];
          if (e.price !== o.price) o.holdRef = inst.ref;
          o.price = e.price;
        }
        if (!e.keptPriority) o.prio = ++this.prio;
        this.modifiedOffset = o.offset;
        const delta = e.remaining - o.open;
        if (o.offset !== 'open' && delta !== 0) this.reserveClose(o, delta);
        o.open = e.remaining;
        return;
      }
      case 'OrderCanceled': {
        const o = this.live(e.orderId);
        if (e.canceled !== o.open) throw new Violation(`order ${o.id} canceled ${e.canceled}, open ${o.open}`);
        if (e.reason === 'liquidation') {
          if (this.liquidating !== o.account) throw new Violation(`order ${o.id} canceled for liquidation out of turn`);
        }
        this.touched.add(o.account);
        this.finish(o);
        return;
      }
      case 'TradeExecuted':
        this.trade(e, cmd);
        return;
      case 'AuctionUncrossed':
        return;
      case 'PositionChanged':
        this.touched.add(e.position.accountId);
        this.positionChanged.set(`${e.position.accountId}:${e.position.instrumentId}`, e.position);
        return;
      case 'AccountChanged': {
        const id = e.account.accountId;
        if (this.accountChanged.has(id)) throw new Violation(`two AccountChanged for account ${id} in one command`);
        this.accountChanged.set(id, e.account);
        checkSnapshot(e.account, 'AccountChanged');
        return;
      }
      case 'SettlementPriceSet': {
        if (cmd.kind !== 'SetSettlementPrice') throw new Violation('SettlementPriceSet without the command');
        this.inst(e.instrumentId).adminPrice = e.price;
        return;
      }
      case 'AccountSettled':
        if (cmd.kind !== 'Settle') throw new Violation('AccountSettled outside Settle');
        this.settledStatements.push(e);
        checkSnapshot(e.account, 'AccountSettled');
        return;
      case 'SettlementCompleted':
        if (cmd.kind !== 'Settle') throw new Violation('SettlementCompleted outside Settle');
        this.completed = e;
        return;
      case 'ForceLiquidationStarted': {
        if (this.liquidating !== undefined) throw new Violation('nested force liquidation');
        if (this.acct(e.accountId).kind !== 'futures') throw new Violation('force liquidation of a stock account');
        if (e.riskRatioPpm < RISK.forceLiquidationPpm)
          throw new Violation(`liquidation of ${e.accountId} at ratio ${e.riskRatioPpm}, below the threshold`);
        this.liquidating = e.accountId;
        this.liquidated.add(e.accountId);
        return;
      }
      case 'ForceLiquidationEnded': {
        if (this.liquidating !== e.accountId) throw new Violation('ForceLiquidationEnded without a start');
        this.liquidating = undefined;
        if (e.reason === 'belowThreshold' && e.riskRatioPpm >= RISK.forceLiquidationPpm)
          throw new Violation(`liquidation ended belowThreshold at ${e.riskRatioPpm}`);
        if (e.reason === 'flat') {
          for (const p of this.acct(e.accountId).pos.values()) {
            const v = vol(p.long.today) + vol(p.long.yesterday) + vol(p.short.today) + vol(p.short.yesterday);
            if (v !== 0) throw new Violation(`liquidation of ${e.accountId} ended flat with ${v} in ${p.inst}`);
          }
        }
        return;
      }
      case 'AccountNegative':
        this.negatives.add(e.accountId);
        return;
    }
  }

  pendingHoldings: { a: Acct; inst: string; volume: number; price: number } | undefined;
  /** the offset of the order the command modified (closes need no free funds, so only opens are checked) */
  modifiedOffset: Offset | undefined;

  /** DepositHoldings: put the lots where the engine says they went (today's or yesterday's bucket). */
  placeHoldings(yesterday: boolean): void {
    const h = this.pendingHoldings;
    if (h === undefined) return;
    this.pendingHoldings = undefined;
    const b = this.position(h.a, h.inst).long[yesterday ? 'yesterday' : 'today'];
    b.lots.push({ open: h.price, pos: h.price, vol: h.volume });
  }

  private live(id: number): Ord {
    const o = this.orders.get(id);
    if (o === undefined) throw new Violation(`event for order ${id}, which is not open`);
    return o;
  }

  private accepted(e: Extract<EngineEvent, { kind: 'OrderAccepted' }>, cmd: Command): void {
    if (this.orders.has(e.orderId)) throw new Violation(`OrderAccepted for open order ${e.orderId}`);
    const inst = this.inst(e.instrumentId);
    const a = this.acct(e.accountId);
    if (e.forced) {
      if (this.liquidating !== e.accountId) throw new Violation(`forced order ${e.orderId} outside its liquidation`);
      if (!(e.orderId >= FORCED_ID_BASE)) throw new Violation(`forced order id ${e.orderId} below 2^52`);
      if (e.offset === 'open') throw new Violation('a forced order opens a position');
      if (e.tif !== 'IOC') throw new Violation(`forced order with ${e.tif}`);
    } else {
      if (cmd.kind !== 'PlaceOrder' || cmd.orderId !== e.orderId) throw new Violation('OrderAccepted not asked for');
      const want = this.effectiveOffset(inst, e.side, cmd.offset);
      if (e.offset !== want && !(this.isStock(inst) && e.offset === (cmd.offset ?? 'open')))
        throw new Violation(`OrderAccepted.offset ${e.offset}, want ${want}`);
      a.orderTimes.push(cmd.ts);
    }
    const offset = this.effectiveOffset(inst, e.side, e.offset);
    const stop = e.type === 'stop' || e.type === 'stopLimit';
    const o: Ord = {
      id: e.orderId,
      account: e.accountId,
      inst: e.instrumentId,
      side: e.side,
      type: e.type,
      tif: e.tif,
      price: e.price,
      stopPrice: e.stopPrice,
      stp: e.stp,
      postOnly: e.postOnly,
      offset,
      forced: e.forced,
      open: e.volume,
      where: stop ? 'pending' : 'incoming',
      prio: 0,
      holds: this.holdPrice(inst, e.side, e.type, e.price),
      holdRef: inst.ref,
      fy: 0,
      ft: 0,
      holdSplitOpen: false,
    };
    this.orders.set(o.id, o);
    this.touched.add(o.account);
    if (offset !== 'open') this.reserveClose(o, e.volume);
  }

  /** A close order freezes (delta > 0) or gives back (delta < 0) position volume, yesterday's first. */
  private reserveClose(o: Ord, delta: number): void {
    const inst = this.inst(o.inst);
    const a = this.acct(o.account);
    const ps = this.workSide(this.position(a, o.inst), o.side, o.offset);
    if (delta > 0) {
      const cl = this.closable(a, inst, o.side, o.offset);
      if (cl.y + cl.t < delta)
        throw new Violation(`order ${o.id} froze ${delta} to close, only ${cl.y + cl.t} closable`);
      const y = Math.min(delta, cl.y);
      o.fy += y;
      o.ft += delta - y;
      ps.yesterday.frozen += y;
      ps.today.frozen += delta - y;
    } else {
      // a lower volume gives back today's reservation first (what it would take last)
      let back = -delta;
      const t = Math.min(back, o.ft);
      o.ft -= t;
      ps.today.frozen -= t;
      back -= t;
      o.fy -= back;
      ps.yesterday.frozen -= back;
    }
  }

  private finish(o: Ord): void {
    if (o.offset !== 'open' && o.open > 0) this.reserveClose(o, -o.open);
    this.orders.delete(o.id);
  }

  private trade(e: Extract<EngineEvent, { kind: 'TradeExecuted' }>, cmd: Command): void {
    const buy = this.live(e.buyOrderId);
    const sell = this.live(e.sellOrderId);
    const inst = this.inst(e.instrumentId);
    if (buy.account !== e.buyAccountId || sell.account !== e.sellAccountId) throw new Violation('trade accounts wrong');
    if (e.volume > buy.open || e.volume > sell.open) throw new Violation('trade beyond open volume');
    for (const o of [buy, sell]) {
      this.fill(o, inst, e.price, e.volume, e.tradeId);
      o.open -= e.volume;
      if (o.open === 0) this.orders.delete(o.id);
    }
    if (e.takerSide === null) {
      // an auction uncross fills a sell at the uncross price: above its hold price only when the docs let it hold
      // lower (an instrument without a band; a sell placed in continuous trading that rested into an auction), and
      // then it is "a gap like a price move"
      if (sell.holds === null || e.price > Math.min(...sell.holds)) this.auctionFilled.add(sell.account);
      // both sides trade at the uncross price; stops it triggers may trade on in the same command and move the mark
      // under the positions just taken
      this.noteFill(buy.account, e.instrumentId, e.price);
      this.noteFill(sell.account, e.instrumentId, e.price);
    } else {
      this.noteFill(e.takerSide === 'buy' ? sell.account : buy.account, e.instrumentId, e.price);
      // a stop holds at the band of its acceptance; a settlement or a reference price change that moved the band
      // before it triggered lets it fill beyond that hold: "a gap like a price move" (docs/accounts.md)
      const taker = e.takerSide === 'buy' ? buy : sell;
      if (
        (taker.type === 'stop' || taker.type === 'stopLimit') &&
        taker.holdRef !== inst.ref &&
        (taker.holds === null || e.price > Math.max(...taker.holds))
      )
        this.stopGapped.add(taker.account);
    }
    inst.last = e.price;
    inst.lastToday = e.price;
    inst.trades.push({ ts: cmd.ts, price: e.price, volume: e.volume });
  }

  /** One side of a fill on the account: lots, frozen volume, commission, close profit. */
  private fill(o: Ord, inst: Inst, price: number, v: number, tradeId: number): void {
    const a = this.acct(o.account);
    const spec = inst.spec;
    const uv = uvOf(spec);
    const pos = this.position(a, inst.spec.id);
    this.touched.add(a.id);
    let lo: number;
    let hi: number;
    let closeProfit = 0;
    if (o.offset === 'open') {
      const ps = this.workSide(pos, o.side, 'open');
      ps.today.lots.push({ open: price, pos: price, vol: v });
      lo = hi = commissionOf(spec, 'open', price, v);
    } else {
      const ps = this.workSide(pos, o.side, o.offset);
      const dy = Math.min(v, o.fy);
      const dt = v - dy;
      o.fy -= dy;
      o.ft -= dt;
      ps.yesterday.frozen -= dy;
      ps.today.frozen -= dt;
      const dir = o.side === 'sell' ? 1 : -1; // closing a long sells
      for (const [bucket, n] of [
        [ps.yesterday, dy],
        [ps.today, dt],
      ] as const) {
        let left = n;
        while (left > 0) {
          const lot = bucket.lots[0];
          if (lot === undefined) throw new Violation(`account ${a.id} closes ${n} in ${inst.spec.id}: no lots left`);
          const take = Math.min(left, lot.vol);
          closeProfit += (price - lot.pos) * uv * take * dir;
          lot.vol -= take;
          left -= take;
          if (lot.vol === 0) bucket.lots.shift();
        }
      }
      lo = commissionOf(spec, 'close', price, dy) + commissionOf(spec, 'closeToday', price, dt);
      hi = dy > 0 && dt > 0 && termsOf(spec).commission.kind === 'rate' ? lo + 1 : lo;
    }
    const due = this.commissionDue.get(a.id) ?? [0, 0];
    this.commissionDue.set(a.id, [due[0] + lo, due[1] + hi]);
    this.closeProfitDue.set(a.id, (this.closeProfitDue.get(a.id) ?? 0) + closeProfit);
    a.dayTrades.push({ tradeId, orderId: o.id, commission: lo, closeProfit });
  }

  // --- settlement

  /** The settlement prices the rules allow for an instrument today. */
  settlementCandidates(inst: Inst): number[] {
    // "fallback last price, then reference price"; the engine may also fall back on the previous settlement price
    // first (the mark without a trade today): only different after a SetReferencePrice on a day without trades
    const fallback = [inst.last, inst.settlementPrice, inst.ref].filter((p): p is number => p !== null);
    const fallbacks =
      inst.lastToday !== null ? [inst.lastToday] : fallback.length > 0 ? [fallback[0]!, ...fallback] : [];
    if (inst.adminPrice !== null) return [inst.adminPrice];
    const rule = termsOf(inst.spec).settlement;
    if (rule.kind === 'last' || rule.kind === 'admin') return fallbacks;
    if (inst.trades.length === 0) return fallbacks;
    const lastTs = inst.trades[inst.trades.length - 1]!.ts;
    const from = lastTs - rule.minutes * 60_000;
    const out: number[] = [];
    // the window's far end is open or closed: the docs say "within the last N minutes"
    for (const closed of [true, false]) {
      let pv = 0;
      let v = 0;
      for (const t of inst.trades) {
        if (closed ? t.ts >= from : t.ts > from) {
          pv += t.price * t.volume;
          v += t.volume;
        }
      }
      const tick = inst.spec.priceTick;
      // Σpv/Σv to the nearest tick, halves up: floor((2·pv + tick·v) / (2·tick·v)) × tick
      out.push(Math.floor((2 * pv + tick * v) / (2 * tick * v)) * tick);
    }
    return out;
  }

  /** Before a Settle is applied: the candidates and the accounts as they stand. */
  settleExpect: Map<string, number[]> | undefined;

  private afterSettle(cmd: Command): void {
    const done = this.completed;
    if (done === undefined) throw new Violation('Settle without SettlementCompleted');
    if (done.tradingDay !== this.tradingDay)
      throw new Violation(`settled day ${done.tradingDay}, model ${this.tradingDay}`);
    const ids = [...this.accts.keys()].sort((x, y) => x - y);
    const got = this.settledStatements.map((s) => s.account.accountId);
    if (!isDeepStrictEqual(got, ids)) throw new Violation(`AccountSettled for ${got}, accounts ${ids}`);
    const prices = new Map<string, number>();
    for (const p of done.prices) {
      const inst = this.inst(p.instrumentId);
      const want = this.settleExpect?.get(p.instrumentId) ?? [];
      if (want.length > 0 && !want.includes(p.price))
        throw new Violation(`${p.instrumentId} settled at ${p.price}, the rule gives ${want.join(' or ')}`);
      prices.set(p.instrumentId, p.price);
      inst.settlementPrice = p.price;
      inst.ref = p.price;
    }
    // every instrument with positions got a price
    for (const a of this.accts.values()) {
      for (const p of a.pos.values()) {
        const v = vol(p.long.today) + vol(p.long.yesterday) + vol(p.short.today) + vol(p.short.yesterday);
        if (v > 0 && !prices.has(p.inst)) throw new Violation(`${p.inst} held but not in SettlementCompleted.prices`);
      }
    }
    // statements: the day's trades
    for (const s of this.settledStatements) {
      const a = this.acct(s.account.accountId);
      if (s.tradingDay !== this.tradingDay) throw new Violation('AccountSettled.tradingDay');
      checkStatementTrades(a, s.trades);
    }
    // today → yesterday; futures lots move to the settlement price and merge by open price
    for (const a of this.accts.values()) {
      a.dayTrades = [];
      for (const p of a.pos.values()) {
        const sp = prices.get(p.inst);
        for (const ps of [p.long, p.short]) {
          const lots = [...ps.yesterday.lots, ...ps.today.lots];
          const merged: Lot[] = [];
          for (const lot of lots) {
            if (a.kind === 'futures') {
              if (sp === undefined) throw new Violation(`no settlement price for ${p.inst}`);
              lot.pos = sp;
              // neighbours only: merging lots further apart would change which lot a FIFO close takes first
              // (docs: "lots with equal open prices merge"; after settlement they all have one position price)
              const same = merged[merged.length - 1];
              if (same !== undefined && same.open === lot.open) {
                same.vol += lot.vol;
                continue;
              }
            }
            merged.push({ ...lot });
          }
          ps.yesterday = { lots: merged, frozen: ps.yesterday.frozen + ps.today.frozen };
          ps.today = emptyBucket();
        }
      }
    }
    for (const o of this.orders.values()) {
      if (o.offset !== 'open' && o.ft > 0) {
        o.fy += o.ft;
        o.ft = 0;
        o.holdSplitOpen = true;
      }
    }
    for (const inst of this.insts.values()) {
      inst.lastToday = null;
      inst.adminPrice = null;
      inst.trades = [];
    }
    this.tradingDay++;
    if (cmd.kind !== 'Settle') throw new Violation('impossible');
  }

  completedEvent(): Extract<EngineEvent, { kind: 'SettlementCompleted' }> | undefined {
    return this.completed;
  }

  statements(): readonly Extract<EngineEvent, { kind: 'AccountSettled' }>[] {
    return this.settledStatements;
  }

  // --- per-command facts for the runner's checks

  commissionRange(id: number): [number, number] {
    return this.commissionDue.get(id) ?? [0, 0];
  }

  closeProfit(id: number): number {
    return this.closeProfitDue.get(id) ?? 0;
  }

  wasTouched(id: number): boolean {
    return this.touched.has(id);
  }

  wasLiquidated(id: number): boolean {
    return this.liquidated.has(id);
  }

  /**
   * Did the mark of an instrument the account held before the command move? (Its own new positions cannot lose:
   * a buy sweeping up the asks is marked at its last, highest fill, a sell sweeping down at its lowest.)
   */
  /** An account's first fill price in an instrument as a maker or in an uncross (`makerFills`). */
  private noteFill(account: number, instrumentId: string, price: number): void {
    const m = this.makerFills.get(account) ?? new Map<string, number>();
    this.makerFills.set(account, m);
    if (!m.has(instrumentId)) m.set(instrumentId, price);
  }

  markMovedFor(a: Acct): boolean {
    for (const id of this.heldBefore.get(a.id) ?? []) {
      if (this.marksBefore.get(id) !== this.mark(this.inst(id))) return true;
    }
    if (this.auctionFilled.has(a.id) || this.stopGapped.has(a.id)) return true;
    // a resting order of the account filled (or an uncross filled it), and trading went on to other prices
    for (const [id, price] of this.makerFills.get(a.id) ?? []) {
      if (this.mark(this.inst(id)) !== price) return true;
    }
    return false;
  }

  lastMoved(inst: string): boolean {
    return this.lastBefore.get(inst) !== this.inst(inst).last;
  }
}

const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  closed: ['preOpen', 'continuous'],
  preOpen: ['auction', 'continuous', 'halted', 'closed'],
  auction: ['continuous', 'halted', 'closed'],
  continuous: ['halted', 'preOpen', 'closed'],
  halted: ['continuous', 'preOpen', 'closed'],
};

function checkStatementTrades(a: Acct, trades: readonly AccountTrade[]): void {
  const want = a.dayTrades.map((t) => `${t.tradeId}/${t.orderId}`).sort();
  const got = trades.map((t) => `${t.tradeId}/${t.orderId}`).sort();
  if (!isDeepStrictEqual(got, want))
    throw new Violation(`statement of ${a.id} lists trades ${got.join(',')}, the day had ${want.join(',')}`);
  for (const t of trades) {
    const mine = a.dayTrades.find((d) => d.tradeId === t.tradeId && d.orderId === t.orderId)!;
    if (t.closeProfit !== mine.closeProfit)
      throw new Violation(`trade ${t.tradeId} of ${a.id}: closeProfit ${t.closeProfit}, lots give ${mine.closeProfit}`);
    if (t.commission < mine.commission || t.commission > mine.commission + 1)
      throw new Violation(`trade ${t.tradeId} of ${a.id}: commission ${t.commission}, terms give ${mine.commission}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshot checks

/** The QIFI identities of docs/accounts.md. */
function checkSnapshot(s: AccountSnapshot, where: string): void {
  const bad = (what: string) =>
    new Violation(`${where}: account ${s.accountId} (${s.accountKind}) breaks ${what}: ${JSON.stringify(s)}`);
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw bad(`integer ${k}`);
  }
  if (s.staticBalance !== s.preBalance + s.deposit - s.withdraw)
    throw bad('staticBalance = preBalance + deposit − withdraw');
  if (s.margin < 0 || s.frozenMargin < 0 || s.frozenCommission < 0 || s.commission < 0 || s.frozenCash < 0)
    throw bad('non-negative margins, holds and commission');
  if (s.accountKind === 'futures') {
    if (s.balance !== s.staticBalance + s.closeProfit + s.positionProfit - s.commission)
      throw bad('balance = staticBalance + closeProfit + positionProfit − commission');
    if (s.available !== s.balance - s.margin - s.frozenMargin - s.frozenCommission)
      throw bad('available = balance − margin − frozenMargin − frozenCommission');
    const rr = s.riskRatioPpm;
    if (s.margin === 0) {
      if (rr !== 0) throw bad('riskRatio 0 without margin');
    } else if (s.balance <= 0) {
      if (rr !== Number.MAX_SAFE_INTEGER) throw bad('riskRatio MAX_SAFE_INTEGER when balance ≤ 0');
    } else {
      const want = Number((BigInt(s.margin) * 1_000_000n + BigInt(s.balance) - 1n) / BigInt(s.balance));
      if (rr !== want) throw bad(`riskRatio = margin / balance in ppm rounded up (${want})`);
    }
  } else {
    if (s.available !== s.cash - s.frozenCash) throw bad('available = cash − frozenCash');
    if (s.balance !== s.cash + s.marketValue) throw bad('balance = cash + marketValue');
    if (s.margin !== 0 || s.frozenMargin !== 0) throw bad('no margin on a stock account');
  }
}

function sideVolume(s: PositionSideSnapshot): number {
  return s.today + s.yesterday;
}

// ---------------------------------------------------------------------------------------------------------------
// The runner: resolves templates, applies to both engines, checks after every command

interface EngineLike {
  apply(cmd: Command): ApplyResult;
  account(id: number): AccountSnapshot | undefined;
  positions(id: number): PositionSnapshot[];
  stateHash(): number;
  validateInternalState(): void;
  instrument(id: string): InstrumentSpec | undefined;
  readonly tradingDay: number;
}

function newEngine(book: 'fast' | 'naive'): EngineLike {
  return new Engine({ book, accounts: true, risk: RISK });
}

export class Runner {
  readonly model = new Model();
  readonly cmds: Command[] = [];
  readonly results: ApplyResult[] = [];
  readonly hashes: number[] = [];
  readonly fast = newEngine('fast');
  readonly naive = newEngine('naive');
  private seq = 0;
  private ts = 1_700_000_000_000;
  private nextOrderId = 1;
  /** counts, for the "the stream really does something" test */
  readonly stats = {
    accepted: 0,
    rejected: new Map<string, number>(),
    trades: 0,
    settlements: 0,
    liquidations: 0,
    closes: 0,
    negatives: 0,
  };

  run(tpls: readonly Tpl[]): void {
    for (const cmd of this.prelude()) this.step(cmd);
    for (const tpl of tpls) for (const cmd of this.resolve(tpl)) this.step(cmd);
  }

  /** The prelude, then commands written by hand (seq and ts stamped here, 1 s apart). */
  runCommands(inputs: readonly Record<string, unknown>[]): void {
    for (const cmd of this.prelude()) this.step(cmd);
    for (const input of inputs) this.step({ ...input, ...this.stamp(1000) } as unknown as Command);
  }

  private stamp(dt: number): { seq: number; ts: number } {
    this.ts += dt;
    return { seq: ++this.seq, ts: this.ts };
  }

  private *prelude(): Generator<Command> {
    for (const spec of SPECS) yield { kind: 'AddInstrument', ...this.stamp(0), spec };
    for (const id of FUTURES_ACCOUNTS)
      yield { kind: 'CreateAccount', ...this.stamp(0), accountId: id, userId: id, accountKind: 'futures' };
    for (const id of STOCK_ACCOUNTS)
      yield { kind: 'CreateAccount', ...this.stamp(0), accountId: id, userId: id, accountKind: 'stock' };
    const cash = [500_000, 2_000_000, 5_000_000, 150_000, 1_000_000, 300_000, 50_000];
    [...FUTURES_ACCOUNTS, ...STOCK_ACCOUNTS].forEach((id, i) => {
      this.pending.push({ kind: 'Deposit', ...this.stamp(0), accountId: id, amount: cash[i]! });
    });
    yield* this.drain();
    yield { kind: 'DepositHoldings', ...this.stamp(0), accountId: 11, instrumentId: 'S1', volume: 500, price: 990 };
    yield { kind: 'DepositHoldings', ...this.stamp(0), accountId: 12, instrumentId: 'S1', volume: 300, price: 1010 };
    yield { kind: 'DepositHoldings', ...this.stamp(0), accountId: 13, instrumentId: 'S2', volume: 100, price: 45 };
    for (const id of INST_IDS) yield { kind: 'SetPhase', ...this.stamp(1000), instrumentId: id, phase: 'continuous' };
  }

  private pending: Command[] = [];
  private *drain(): Generator<Command> {
    const p = this.pending;
    this.pending = [];
    yield* p;
  }

  private accountFor(pick: number, inst: InstrumentSpec | undefined, kindMatch: boolean): number {
    if (!kindMatch || inst === undefined) return ALL_ACCOUNTS[pick % ALL_ACCOUNTS.length]!;
    const list = inst.kind === 'stock' ? STOCK_ACCOUNTS : FUTURES_ACCOUNTS;
    return list[pick % list.length]!;
  }

  private liveOrders(): Ord[] {
    return [...this.model.orders.values()].sort((a, b) => a.id - b.id);
  }

  private *resolve(tpl: Tpl): Generator<Command> {
    const m = this.model;
    switch (tpl.t) {
      case 'place': {
        const spec = SPECS[tpl.m]!;
        const inst = m.insts.get(spec.id)!;
        const accountId = this.accountFor(tpl.acct, spec, tpl.kindMatch);
        const tick = spec.priceTick;
        const b = m.band(inst);
        const center = m.mark(inst) ?? 100 * tick;
        let price = center + (tpl.aggressive ? (tpl.side === 'buy' ? 3 : -3) : tpl.k) * tick;
        if (b !== null) price = Math.min(b.upper, Math.max(b.lower, price));
        price = Math.max(tick, price - (price % tick));
        const type = tpl.type;
        const tifs: readonly TimeInForce[] =
          type === 'market' ? ['IOC', 'FOK'] : type === 'stop' ? ['IOC'] : ['GTC', 'GFD', 'IOC', 'FOK'];
        const tif = tifs[tpl.tifPick % tifs.length]!;
        let volume: number;
        const a = m.accts.get(accountId);
        let chosen: Offset = tpl.offset === 'auto' ? 'open' : tpl.offset;
        if (tpl.offset === 'auto' && a !== undefined) {
          for (const o of ['close', 'closeToday'] as const) {
            const cl = m.closable(a, inst, tpl.side, o);
            if (cl.y + cl.t > 0) {
              chosen = o;
              break;
            }
          }
        }
        const offset = m.effectiveOffset(inst, tpl.side, chosen);
        if (tpl.vol === 'aboveMax') volume = spec.maxOrderVolume + spec.lotSize;
        else if (tpl.vol === 'closable' && a !== undefined && offset !== 'open') {
          const cl = m.closable(a, inst, tpl.side, offset);
          volume = Math.min(spec.maxOrderVolume, Math.max(spec.lotSize, cl.y + cl.t));
        } else volume = (typeof tpl.vol === 'number' ? tpl.vol : 1) * spec.lotSize;
        let orderId = this.nextOrderId++;
        if (tpl.dupId) orderId = this.liveOrders()[0]?.id ?? orderId;
        const cmd: Record<string, unknown> = {
          kind: 'PlaceOrder',
          ...this.stamp(tpl.dt),
          orderId,
          accountId,
          instrumentId: spec.id,
          side: tpl.side,
          type,
          tif,
          price: type === 'limit' || type === 'stopLimit' ? price : 0,
          volume,
        };
        if (spec.kind === 'future' || chosen !== 'open') cmd.offset = chosen;
        if (type === 'stop' || type === 'stopLimit') {
          // a trigger on the far side of the last price, so that it waits
          const last = inst.last ?? center;
          cmd.stopPrice = Math.max(tick, last + (tpl.side === 'buy' ? 2 : -2) * tick);
        }
        if (tpl.stp !== undefined) cmd.stp = tpl.stp;
        if (tpl.postOnly && type === 'limit' && (tif === 'GTC' || tif === 'GFD')) cmd.postOnly = true;
        yield cmd as unknown as Command;
        return;
      }
      case 'cancel': {
        const live = this.liveOrders();
        const o = live[tpl.pick % Math.max(1, live.length)];
        const orderId = o?.id ?? 424_242;
        const accountId = o === undefined ? 1 : tpl.otherAccount ? (o.account % 4) + 1 : o.account;
        yield { kind: 'CancelOrder', ...this.stamp(tpl.dt), orderId, accountId };
        return;
      }
      case 'modify': {
        const live = this.liveOrders().filter((o) => o.where === 'resting');
        const o = live[tpl.pick % Math.max(1, live.length)];
        if (o === undefined) return;
        const spec = m.inst(o.inst).spec;
        const b = m.band(m.inst(o.inst));
        let price = tpl.price === 'same' ? o.price : o.price + tpl.price * spec.priceTick;
        if (b !== null && tpl.price !== 'same') price = Math.min(b.upper, Math.max(b.lower, price));
        price = Math.max(spec.priceTick, price);
        const lot = spec.lotSize;
        const volume =
          tpl.vol === 'same'
            ? o.open
            : tpl.vol === 'less'
              ? Math.max(lot, o.open - lot)
              : tpl.vol === 'more'
                ? Math.min(spec.maxOrderVolume, o.open + lot)
                : tpl.vol * lot;
        yield { kind: 'ModifyOrder', ...this.stamp(tpl.dt), orderId: o.id, accountId: o.account, price, volume };
        return;
      }
      case 'deposit':
        yield {
          kind: 'Deposit',
          ...this.stamp(tpl.dt),
          accountId: ALL_ACCOUNTS[tpl.acct % ALL_ACCOUNTS.length]!,
          amount: tpl.amount,
        };
        return;
      case 'withdraw': {
        const accountId = ALL_ACCOUNTS[tpl.acct % ALL_ACCOUNTS.length]!;
        const avail = this.fast.account(accountId)?.available ?? 0;
        const amount = tpl.mode === 'some' ? 10_000 : tpl.mode === 'all' ? Math.max(1, avail) : Math.max(1, avail + 1);
        yield { kind: 'Withdraw', ...this.stamp(tpl.dt), accountId, amount };
        return;
      }
      case 'holdings': {
        const spec = SPECS[tpl.m]!;
        const list = [...STOCK_ACCOUNTS, 1, 99];
        const accountId = list[tpl.acct % list.length]!;
        const price = (m.mark(m.inst(spec.id)) ?? 100) - spec.priceTick * (tpl.lots - 2);
        yield {
          kind: 'DepositHoldings',
          ...this.stamp(tpl.dt),
          accountId,
          instrumentId: spec.id,
          volume: tpl.lots * spec.lotSize,
          price: Math.max(spec.priceTick, price),
        };
        return;
      }
      case 'freeze':
        yield {
          kind: 'SetAccountFrozen',
          ...this.stamp(tpl.dt),
          accountId: ALL_ACCOUNTS[tpl.acct % ALL_ACCOUNTS.length]!,
          frozen: tpl.frozen,
        };
        return;
      case 'create':
        yield {
          kind: 'CreateAccount',
          ...this.stamp(tpl.dt),
          accountId: [5, 14, 1, 11][tpl.acct % 4]!,
          userId: 7,
          accountKind: tpl.kind,
        };
        return;
      case 'phase':
        yield { kind: 'SetPhase', ...this.stamp(tpl.dt), instrumentId: INST_IDS[tpl.m]!, phase: tpl.phase };
        return;
      case 'ref': {
        const spec = SPECS[tpl.m]!;
        const inst = m.inst(spec.id);
        const price = Math.max(spec.priceTick, (inst.ref ?? 100) + tpl.k * spec.priceTick);
        yield { kind: 'SetReferencePrice', ...this.stamp(tpl.dt), instrumentId: spec.id, price };
        return;
      }
      case 'settlePrice': {
        const spec = SPECS[tpl.m]!;
        const inst = m.inst(spec.id);
        const price = Math.max(spec.priceTick, (m.mark(inst) ?? 100) + tpl.k * spec.priceTick);
        yield { kind: 'SetSettlementPrice', ...this.stamp(tpl.dt), instrumentId: spec.id, price };
        return;
      }
      case 'settle':
        yield { kind: 'Settle', ...this.stamp(tpl.dt) };
        return;
      case 'day': {
        // close every instrument, maybe set settlement prices, settle, reopen
        for (const id of INST_IDS) {
          if (m.inst(id).phase !== 'closed')
            yield { kind: 'SetPhase', ...this.stamp(tpl.dt), instrumentId: id, phase: 'closed' };
        }
        tpl.setPrices.forEach((k, i) => {
          const spec = SPECS[i === 0 ? 2 : Math.abs(k) % SPECS.length]!;
          const inst = m.inst(spec.id);
          const price = Math.max(spec.priceTick, (m.mark(inst) ?? 100) + k * spec.priceTick);
          this.pending.push({ kind: 'SetSettlementPrice', ...this.stamp(0), instrumentId: spec.id, price });
        });
        yield* this.drain();
        yield { kind: 'Settle', ...this.stamp(1000) };
        for (let i = 0; i < INST_IDS.length; i++) {
          const id = INST_IDS[i]!;
          if (m.inst(id).phase !== 'closed') continue;
          yield {
            kind: 'SetPhase',
            ...this.stamp(1000),
            instrumentId: id,
            phase: tpl.preOpen[i] ? 'preOpen' : 'continuous',
          };
        }
        return;
      }
    }
  }

  private snapshots(e: EngineLike): Map<number, { acct: AccountSnapshot; pos: PositionSnapshot[] }> {
    const out = new Map<number, { acct: AccountSnapshot; pos: PositionSnapshot[] }>();
    for (const id of ALL_ACCOUNTS) {
      const acct = e.account(id);
      if (acct !== undefined) out.set(id, { acct, pos: e.positions(id) });
    }
    return out;
  }

  private step(cmd: Command): void {
    const m = this.model;
    this.cmds.push(cmd);
    const before = this.snapshots(this.fast);
    m.before = new Map([...before].map(([id, s]) => [id, s.acct]));
    const hashBefore = this.fast.stateHash();
    const dayBefore = this.fast.tradingDay;
    if (cmd.kind === 'Settle') {
      m.settleExpect = new Map([...m.insts.values()].map((i) => [i.spec.id, m.settlementCandidates(i)]));
    }
    const allowed = m.expected(cmd);
    const rf = this.fast.apply(cmd);
    const rn = this.naive.apply(cmd);
    if (!isDeepStrictEqual(rf, rn)) expect(rn).toEqual(rf);
    this.results.push(rf);
    if (allowed !== 'any') {
      const got: Outcome = rf.ok ? 'ok' : rf.reject.code;
      if (!allowed.has(got))
        throw new Violation(
          `${cmd.kind} gave ${got}${rf.ok ? '' : ` (${rf.reject.details ?? ''})`}, the rules allow ${[...allowed].join(' | ')}`,
        );
    }
    const after = this.snapshots(this.fast);
    const afterNaive = this.snapshots(this.naive);
    if (!isDeepStrictEqual(after, afterNaive)) expect([...afterNaive]).toEqual([...after]);
    this.fast.validateInternalState();
    this.naive.validateInternalState();
    const hash = this.fast.stateHash();
    if (hash !== this.naive.stateHash()) expect(this.naive.stateHash()).toBe(hash);
    this.hashes.push(hash);

    if (!rf.ok) {
      const n = this.stats.rejected.get(rf.reject.code) ?? 0;
      this.stats.rejected.set(rf.reject.code, n + 1);
      if (hash !== hashBefore) throw new Violation(`rejected ${cmd.kind} (${rf.reject.code}) changed the state hash`);
      if (!isDeepStrictEqual(before, after))
        throw new Violation(`rejected ${cmd.kind} (${rf.reject.code}) changed an account or position`);
      if (this.fast.tradingDay !== dayBefore) throw new Violation('a rejected command moved the trading day');
      m.apply(cmd, rf);
      this.checkAll(after);
      return;
    }
    this.stats.accepted++;
    m.apply(cmd, rf);
    if (m.pendingHoldings !== undefined) {
      const h = m.pendingHoldings;
      const side = (s: Map<number, { pos: PositionSnapshot[] }>) =>
        s.get(h.a.id)?.pos.find((p) => p.instrumentId === h.inst)?.long;
      const y0 = side(before)?.yesterday ?? 0;
      const y1 = side(after)?.yesterday ?? 0;
      m.placeHoldings(y1 - y0 === h.volume);
    }
    for (const e of rf.events) {
      if (e.kind === 'TradeExecuted') this.stats.trades++;
      if (e.kind === 'ForceLiquidationStarted') this.stats.liquidations++;
      if (e.kind === 'AccountNegative') this.stats.negatives++;
      if (e.kind === 'OrderAccepted' && e.offset !== 'open') this.stats.closes++;
    }
    if (cmd.kind === 'Settle') {
      for (const { acct } of before.values()) m.commissionPastDays += acct.commission;
      this.stats.settlements++;
      if (this.fast.tradingDay !== dayBefore + 1) throw new Violation(`Settle: trading day ${this.fast.tradingDay}`);
    } else if (this.fast.tradingDay !== dayBefore) throw new Violation('trading day moved without Settle');
    if (this.fast.tradingDay !== m.tradingDay)
      throw new Violation(`trading day ${this.fast.tradingDay}, model ${m.tradingDay}`);
    this.checkCommand(cmd, rf.events, before, after);
    this.checkAll(after);
  }

  /** Checks that need the command and the before / after snapshots. */
  private checkCommand(
    cmd: Command,
    events: readonly EngineEvent[],
    before: Map<number, { acct: AccountSnapshot; pos: PositionSnapshot[] }>,
    after: Map<number, { acct: AccountSnapshot; pos: PositionSnapshot[] }>,
  ): void {
    const m = this.model;
    const settle = cmd.kind === 'Settle';
    for (const [id, { acct: s1 }] of after) {
      const s0 = before.get(id)?.acct;
      const changed = m.accountChanged.get(id);
      if (changed !== undefined && !isDeepStrictEqual(changed, s1))
        throw new Violation(`AccountChanged of ${id} differs from engine.account() after the command`);
      if (s0 === undefined) continue;
      // money the command moved
      if (!settle) {
        const [lo, hi] = m.commissionRange(id);
        const dc = s1.commission - s0.commission;
        if (dc < lo || dc > hi)
          throw new Violation(`account ${id} charged ${dc} commission, the fills give ${lo}..${hi}`);
        const dcp = s1.closeProfit - s0.closeProfit;
        if (dcp !== m.closeProfit(id))
          throw new Violation(`account ${id} realized ${dcp}, its lots give ${m.closeProfit(id)}`);
        if (m.wasTouched(id) && changed === undefined)
          throw new Violation(`account ${id} was touched by ${cmd.kind} but got no AccountChanged`);
        if (!m.wasTouched(id)) {
          if (changed !== undefined) throw new Violation(`AccountChanged for untouched account ${id}`);
          for (const k of [
            'preBalance',
            'deposit',
            'withdraw',
            'closeProfit',
            'commission',
            'margin',
            'frozenMargin',
            'frozenCommission',
            'cash',
            'frozenCash',
            'frozen',
          ] as const) {
            if (s0[k] !== s1[k]) throw new Violation(`${cmd.kind} changed ${k} of untouched account ${id}`);
          }
        }
      }
      // a balance that went below zero is reported
      if (s0.balance >= 0 && s1.balance < 0 && !m.negatives.has(id))
        throw new Violation(`account ${id} balance ${s1.balance} < 0 without AccountNegative`);
      // available does not go negative through the account's own opening order
      if (
        cmd.kind === 'PlaceOrder' &&
        cmd.accountId === id &&
        s0.available >= 0 &&
        s1.available < 0 &&
        !m.negatives.has(id) &&
        !m.markMovedFor(m.accts.get(id)!)
      ) {
        const inst = m.insts.get(cmd.instrumentId);
        const offset = inst === undefined ? 'open' : m.effectiveOffset(inst, cmd.side, cmd.offset);
        if (offset === 'open')
          throw new Violation(
            `account ${id}: its own opening order took available from ${s0.available} to ${s1.available}`,
          );
      }
      if (
        cmd.kind === 'ModifyOrder' &&
        cmd.accountId === id &&
        m.modifiedOffset === 'open' &&
        s0.available >= 0 &&
        s1.available < 0 &&
        !m.negatives.has(id) &&
        !m.markMovedFor(m.accts.get(id)!)
      )
        throw new Violation(
          `account ${id}: modifying its order took available from ${s0.available} to ${s1.available}`,
        );
      // in general: available goes below zero only through a price move under a position it held, a reported
      // negative balance, or the commission hold of its own close order (closes need no free funds)
      const ownClose =
        (cmd.kind === 'PlaceOrder' &&
          cmd.accountId === id &&
          m.insts.has(cmd.instrumentId) &&
          m.effectiveOffset(m.inst(cmd.instrumentId), cmd.side, cmd.offset) !== 'open') ||
        (cmd.kind === 'ModifyOrder' && cmd.accountId === id && m.modifiedOffset !== 'open');
      if (
        !settle &&
        s0.available >= 0 &&
        s1.available < 0 &&
        !m.negatives.has(id) &&
        !ownClose &&
        !m.markMovedFor(m.accts.get(id)!)
      )
        throw new Violation(
          `account ${id}: available went from ${s0.available} to ${s1.available} in ${cmd.kind} without a price move under its positions`,
        );
    }
    // a PositionChanged shows the position as the command left it
    for (const [key, p] of m.positionChanged) {
      const now = after.get(p.accountId)?.pos.find((x) => x.instrumentId === p.instrumentId);
      if (!settle && !isDeepStrictEqual(p, now))
        throw new Violation(`PositionChanged ${key}: ${JSON.stringify(p)}, engine.positions() ${JSON.stringify(now)}`);
      const vols = (x: PositionSnapshot | undefined) =>
        x === undefined
          ? undefined
          : [x.long, x.short].map((q) => [
              q.today,
              q.yesterday,
              q.frozenToday,
              q.frozenYesterday,
              q.openCost,
              q.positionCost,
            ]);
      if (!isDeepStrictEqual(vols(p), vols(now)) && !settle)
        throw new Violation(`PositionChanged ${key}: ${JSON.stringify(p)}, engine.positions() ${JSON.stringify(now)}`);
    }
    // intraday risk: after a price move, an account at or above the threshold is liquidated
    if (!settle) {
      for (const [id, { acct: s1, pos }] of after) {
        if (s1.accountKind !== 'futures' || s1.riskRatioPpm < RISK.forceLiquidationPpm) continue;
        const holds = (p: PositionSnapshot) => sideVolume(p.long) + sideVolume(p.short) > 0;
        const moved = pos.some((p) => holds(p) && m.lastMoved(p.instrumentId));
        if (moved && !m.wasLiquidated(id))
          throw new Violation(`account ${id} at risk ratio ${s1.riskRatioPpm} after a price move, not liquidated`);
      }
    } else {
      const done = m.completedEvent()!;
      const atRisk = [...after.values()]
        .filter((s) => s.acct.riskRatioPpm >= RISK.forceLiquidationPpm)
        .map((s) => s.acct.accountId)
        .sort((x, y) => x - y);
      if (
        !isDeepStrictEqual(
          [...done.atRisk].sort((x, y) => x - y),
          atRisk,
        )
      )
        throw new Violation(`SettlementCompleted.atRisk ${done.atRisk}, ratios say ${atRisk}`);
      for (const s of m.statements()) {
        const now = after.get(s.account.accountId)!.acct;
        const t = s.account;
        const was = before.get(t.accountId)!.acct;
        const bad = (what: string) =>
          new Violation(
            `statement of ${t.accountId} ${what}: ${JSON.stringify(t)}; before ${JSON.stringify(was)}; after ${JSON.stringify(now)}`,
          );
        if (now.preBalance !== t.balance) throw bad('preBalance after ≠ settled balance');
        // the statement shows the day's figures (docs/accounts.md, Settlement)
        for (const k of ['preBalance', 'deposit', 'withdraw', 'closeProfit', 'commission'] as const) {
          if (t[k] !== was[k]) throw bad(`${k} is not the day's`);
        }
        if (t.tradingDay !== s.tradingDay) throw bad('tradingDay');
        if (t.margin !== now.margin || t.cash !== now.cash || t.marketValue !== now.marketValue)
          throw bad('margin / cash / market value differ from the account after settlement');
        if (!isDeepStrictEqual(s.positions, after.get(t.accountId)!.pos))
          throw bad('positions differ from engine.positions()');
        const tradeCommission = s.trades.reduce((x, tr) => x + tr.commission, 0);
        const tradeProfit = s.trades.reduce((x, tr) => x + tr.closeProfit, 0);
        if (tradeCommission !== was.commission || tradeProfit !== was.closeProfit)
          throw new Violation(
            `statement of ${t.accountId}: trades charge ${tradeCommission} and realize ${tradeProfit}, the day had ${was.commission} and ${was.closeProfit}`,
          );
        for (const k of ['deposit', 'withdraw', 'closeProfit', 'commission'] as const) {
          if (now[k] !== 0) throw new Violation(`account ${t.accountId}: ${k} not reset at settlement`);
        }
        if (t.accountKind === 'futures' && now.positionProfit !== 0)
          throw new Violation(`account ${t.accountId}: position profit left after mark to market`);
        if (now.balance !== t.balance) throw new Violation(`account ${t.accountId}: balance moved after settlement`);
      }
      for (const p of done.prices) {
        const ref = this.fast.instrument(p.instrumentId)?.referencePrice;
        if (ref !== p.price) throw new Violation(`${p.instrumentId}: reference ${ref} after settling at ${p.price}`);
      }
    }
    if (cmd.kind === 'PlaceOrder' && events[0]?.kind === 'OrderAccepted' && events[0].forced)
      throw new Violation('the account order came out forced');
  }

  /** Checks that hold after every command, accepted or not. */
  private checkAll(after: Map<number, { acct: AccountSnapshot; pos: PositionSnapshot[] }>): void {
    const m = this.model;
    let futuresBalance = 0;
    let stockCash = 0;
    let commissionToday = 0;
    for (const id of ALL_ACCOUNTS) {
      const a = m.accts.get(id);
      const snap = after.get(id);
      if ((a === undefined) !== (snap === undefined)) throw new Violation(`account ${id} exists on one side only`);
      if (a === undefined || snap === undefined) continue;
      const s = snap.acct;
      checkSnapshot(s, 'engine.account()');
      if (s.accountKind !== a.kind) throw new Violation(`account ${id} kind`);
      if (s.frozen !== a.frozen) throw new Violation(`account ${id} frozen ${s.frozen}, model ${a.frozen}`);
      if (s.tradingDay !== m.tradingDay) throw new Violation(`account ${id} tradingDay ${s.tradingDay}`);
      commissionToday += s.commission;
      if (s.accountKind === 'futures') futuresBalance += s.balance;
      else stockCash += s.cash;
      this.checkPositions(a, s, snap.pos);
      this.checkHolds(a, s);
    }
    const lhs = futuresBalance + stockCash + commissionToday + m.commissionPastDays;
    const rhs = m.deposits - m.withdrawals;
    if (lhs !== rhs)
      throw new Violation(
        `money not conserved: Σ futures balance ${futuresBalance} + Σ stock cash ${stockCash} + commission ${commissionToday + m.commissionPastDays} = ${lhs}, deposits − withdrawals = ${rhs}`,
      );
  }

  private checkPositions(a: Acct, s: AccountSnapshot, positions: PositionSnapshot[]): void {
    const m = this.model;
    let margin = 0;
    let positionProfit = 0;
    let floatProfit = 0;
    let marketValue = 0;
    let cost = 0;
    const seen = new Set<string>();
    for (const p of positions) {
      if (p.accountId !== a.id) throw new Violation(`positions(${a.id}) lists account ${p.accountId}`);
      if (seen.has(p.instrumentId)) throw new Violation(`positions(${a.id}) lists ${p.instrumentId} twice`);
      seen.add(p.instrumentId);
      const inst = m.inst(p.instrumentId);
      const spec = inst.spec;
      const uv = uvOf(spec);
      const mark = m.mark(inst);
      const mine = a.pos.get(p.instrumentId) ?? emptyPos(p.instrumentId);
      for (const [name, ps, model, dir] of [
        ['long', p.long, mine.long, 1],
        ['short', p.short, mine.short, -1],
      ] as const) {
        const where = `account ${a.id} ${p.instrumentId} ${name}`;
        if (
          !(
            ps.today >= ps.frozenToday &&
            ps.frozenToday >= 0 &&
            ps.yesterday >= ps.frozenYesterday &&
            ps.frozenYesterday >= 0
          )
        )
          throw new Violation(`${where}: volumes ≥ frozen ≥ 0 broken: ${JSON.stringify(ps)}`);
        const mt = vol(model.today);
        const my = vol(model.yesterday);
        if (a.kind === 'futures') {
          if (
            ps.today !== mt ||
            ps.yesterday !== my ||
            ps.frozenToday !== model.today.frozen ||
            ps.frozenYesterday !== model.yesterday.frozen
          )
            throw new Violation(
              `${where}: engine ${ps.today}/${ps.yesterday} frozen ${ps.frozenToday}/${ps.frozenYesterday}, model ${mt}/${my} frozen ${model.today.frozen}/${model.yesterday.frozen}`,
            );
        } else if (
          ps.today + ps.yesterday !== mt + my ||
          ps.frozenToday + ps.frozenYesterday !== model.today.frozen + model.yesterday.frozen
        )
          throw new Violation(`${where}: holdings ${ps.today}+${ps.yesterday}, model ${mt}+${my}`);
        const lots = [...model.yesterday.lots, ...model.today.lots];
        const openCost = lots.reduce((x, l) => x + l.open * l.vol, 0);
        const posCost = lots.reduce((x, l) => x + l.pos * l.vol, 0);
        if (ps.openCost !== openCost || ps.positionCost !== posCost)
          throw new Violation(`${where}: costs ${ps.openCost}/${ps.positionCost}, lots give ${openCost}/${posCost}`);
        const v = sideVolume(ps);
        if (v > 0 && mark === null) throw new Violation(`${where}: a position without a mark`);
        const mv = v === 0 ? 0 : mark! * v;
        if (ps.positionProfit !== (mv - posCost) * uv * dir)
          throw new Violation(
            `${where}: positionProfit ${ps.positionProfit}, mark ${mark} gives ${(mv - posCost) * uv * dir}`,
          );
        if (ps.floatProfit !== (mv - openCost) * uv * dir)
          throw new Violation(
            `${where}: floatProfit ${ps.floatProfit}, mark ${mark} gives ${(mv - openCost) * uv * dir}`,
          );
        if (a.kind === 'futures') {
          const rate = name === 'long' ? termsOf(spec).marginLongPpm : termsOf(spec).marginShortPpm;
          const low = ceilPpm(posCost * uv, rate);
          // each lot's margin is rounded up on its own (and a partly closed lot keeps what the docs leave open)
          if (ps.margin < low || ps.margin > low + lots.length)
            throw new Violation(`${where}: margin ${ps.margin}, lots need ${low}..${low + lots.length}`);
        } else if (ps.margin !== 0) throw new Violation(`${where}: margin on holdings`);
        margin += ps.margin;
        positionProfit += ps.positionProfit;
        floatProfit += ps.floatProfit;
        marketValue += mv * uv;
        cost += posCost * uv;
      }
    }
    for (const [id, p] of a.pos) {
      const v = vol(p.long.today) + vol(p.long.yesterday) + vol(p.short.today) + vol(p.short.yesterday);
      if (v > 0 && !seen.has(id)) throw new Violation(`positions(${a.id}) misses ${id}`);
    }
    if (a.kind === 'futures') {
      if (s.margin !== margin) throw new Violation(`account ${a.id}: margin ${s.margin}, positions ${margin}`);
      if (s.positionProfit !== positionProfit)
        throw new Violation(`account ${a.id}: positionProfit ${s.positionProfit}, positions ${positionProfit}`);
      if (s.floatProfit !== floatProfit)
        throw new Violation(`account ${a.id}: floatProfit ${s.floatProfit}, positions ${floatProfit}`);
    } else {
      if (s.marketValue !== marketValue)
        throw new Violation(`account ${a.id}: marketValue ${s.marketValue}, holdings × mark ${marketValue}`);
      if (s.positionProfit !== marketValue - cost)
        throw new Violation(
          `account ${a.id}: positionProfit ${s.positionProfit}, marketValue − cost ${marketValue - cost}`,
        );
    }
  }

  /** The frozen funds of an account are the holds of its open orders. */
  private checkHolds(a: Acct, s: AccountSnapshot): void {
    let lo = 0;
    let hi = 0;
    for (const o of this.model.orders.values()) {
      if (o.account !== a.id) continue;
      const h = this.model.holdOf(o, o.open);
      if (h === null) return; // the docs leave this order's hold open
      lo += h[0];
      hi += h[1];
    }
    const frozen = a.kind === 'futures' ? s.frozenMargin + s.frozenCommission : s.frozenCash;
    if (frozen < lo || frozen > hi)
      throw new Violation(
        `account ${a.id}: frozen ${frozen} (${JSON.stringify(s)}), its open orders hold ${lo}..${hi}`,
      );
  }
}

function repro(cmds: readonly Command[], note: string): string {
  return `${note}\nresolved commands (${cmds.length}):\n${cmds.map((c) => JSON.stringify(c)).join('\n')}`;
}

export function runStream(tpls: readonly Tpl[], replay: boolean): Runner {
  const r = new Runner();
  try {
    r.run(tpls);
    if (replay) {
      const again = newEngine('fast');
      r.cmds.forEach((cmd, i) => {
        const res = again.apply(cmd);
        if (!isDeepStrictEqual(res, r.results[i])) expect(res).toEqual(r.results[i]);
        if (again.stateHash() !== r.hashes[i]) expect(again.stateHash()).toBe(r.hashes[i]);
      });
      for (const id of ALL_ACCOUNTS) {
        if (!isDeepStrictEqual(again.account(id), r.fast.account(id)))
          expect(again.account(id)).toEqual(r.fast.account(id));
        if (!isDeepStrictEqual(again.positions(id), r.fast.positions(id)))
          expect(again.positions(id)).toEqual(r.fast.positions(id));
      }
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(repro(r.cmds, msg), { cause: err });
  }
  return r;
}

export function runCommands(inputs: readonly Record<string, unknown>[]): Runner {
  const r = new Runner();
  try {
    r.runCommands(inputs);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(repro(r.cmds, msg), { cause: err });
  }
  return r;
}

export const limit = (
  orderId: number,
  accountId: number,
  instrumentId: string,
  side: Side,
  price: number,
  volume: number,
) => ({
  kind: 'PlaceOrder',
  orderId,
  accountId,
  instrumentId,
  side,
  type: 'limit',
  tif: 'GTC',
  price,
  volume,
});
