/**
 * The random command streams of the matching property tests (test/property/engine-equivalence.test.ts), shared with
 * other property tests (test/property/snapshot.test.ts): instruments, command templates and their fast-check
 * arbitraries, the event-sourced model (Tracker) that checks the matching rules, and the Driver that resolves
 * templates into commands against the model while a stream runs.
 */

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { Depth, DepthLevel } from '../../src-engine/book/order-book.ts';
import type { AccountKind, Command } from '../../src-engine/domain/commands.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { InstrumentSpec, InstrumentStatus } from '../../src-engine/domain/instrument.ts';
import type { Offset, OrderType, Phase, Side, StpMode, TimeInForce } from '../../src-engine/domain/order.ts';
import type { RejectCode } from '../../src-engine/domain/reject-codes.ts';
import type { Engine } from '../../src-engine/engine.ts';

export type ApplyResult = ReturnType<Engine['apply']>;

// ---------------------------------------------------------------------------------------------------------------
// Instruments

const SPECS: readonly InstrumentSpec[] = [
  // band [95, 105]
  {
    id: 'PCT',
    kind: 'future',
    priceTick: 1,
    priceDecimals: 2,
    lotSize: 1,
    multiplier: 10,
    maxOrderVolume: 30,
    band: { kind: 'percent', bps: 500 },
    referencePrice: 100,
    status: 'active',
  },
  // band [985, 1015]
  {
    id: 'TCK',
    kind: 'future',
    priceTick: 5,
    priceDecimals: 0,
    lotSize: 10,
    multiplier: 1,
    maxOrderVolume: 100,
    band: { kind: 'ticks', ticks: 3 },
    referencePrice: 1000,
    status: 'active',
  },
  // no band
  {
    id: 'FREE',
    kind: 'stock',
    priceTick: 2,
    priceDecimals: 2,
    lotSize: 100,
    multiplier: 1,
    maxOrderVolume: 800,
    band: { kind: 'none' },
    referencePrice: null,
    status: 'active',
  },
  // percent band, but no reference price until SetReferencePrice
  {
    id: 'NOREF',
    kind: 'future',
    priceTick: 1,
    priceDecimals: 1,
    lotSize: 1,
    multiplier: 5,
    maxOrderVolume: 20,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: null,
    status: 'active',
  },
];

/** Added by the stream itself (AddInstrument), so it is unknown before. */
const LATE_SPEC: InstrumentSpec = {
  id: 'LATE',
  kind: 'future',
  priceTick: 1,
  priceDecimals: 0,
  lotSize: 1,
  multiplier: 1,
  maxOrderVolume: 10,
  band: { kind: 'ticks', ticks: 5 },
  referencePrice: 20,
  status: 'active',
};

interface Market {
  readonly id: string;
  readonly center: number;
  readonly tick: number;
  readonly lot: number;
  readonly max: number;
}

const MARKETS: readonly Market[] = [
  { id: 'PCT', center: 100, tick: 1, lot: 1, max: 30 },
  { id: 'TCK', center: 1000, tick: 5, lot: 10, max: 100 },
  { id: 'FREE', center: 200, tick: 2, lot: 100, max: 800 },
  { id: 'NOREF', center: 50, tick: 1, lot: 1, max: 20 },
  { id: 'LATE', center: 20, tick: 1, lot: 1, max: 10 },
  { id: 'NOPE', center: 100, tick: 1, lot: 1, max: 10 },
];
export const ALL_IDS = MARKETS.map((m) => m.id);

const SIDES: readonly Side[] = ['buy', 'sell'];
const ORDER_TYPES: readonly OrderType[] = ['limit', 'market', 'stop', 'stopLimit'];
const TIFS: readonly TimeInForce[] = ['GTC', 'GFD', 'IOC', 'FOK'];
const STPS: readonly StpMode[] = ['none', 'cancelTaker', 'cancelMaker', 'cancelBoth', 'reject'];
const OFFSETS: readonly Offset[] = ['open', 'close', 'closeToday'];
const PHASES: readonly Phase[] = ['closed', 'preOpen', 'auction', 'continuous', 'halted'];
const STATUSES: readonly InstrumentStatus[] = ['active', 'suspended', 'delisted'];
const VALID_TIFS: Record<OrderType, readonly TimeInForce[]> = {
  limit: TIFS,
  market: ['IOC', 'FOK'],
  stop: ['IOC'],
  stopLimit: TIFS,
};
const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  closed: ['preOpen', 'continuous'],
  preOpen: ['auction', 'continuous', 'halted', 'closed'],
  auction: ['continuous', 'halted', 'closed'],
  continuous: ['halted', 'preOpen', 'closed'],
  halted: ['continuous', 'preOpen', 'closed'],
};

function isEntity(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Command templates

type PriceMod = 'ok' | 'offTick' | 'zero' | 'negative' | 'far' | 'fraction';
type VolMod = 'ok' | 'zero' | 'negative' | 'offLot' | 'aboveMax' | 'fraction';
type Malformed = 'side' | 'tif' | 'type' | 'stp' | 'orderId' | 'accountId' | 'postOnly' | 'noStopPrice' | 'offset';
type AcctSel = 'none' | 'owner' | 'other' | 'zero';

export type Tpl =
  | {
      readonly t: 'place';
      readonly seqStep: number;
      readonly m: number;
      /** fresh: the smallest id no open order or pending stop uses (so ids of finished orders come back) */
      readonly fresh: boolean;
      readonly orderId: number;
      readonly account: number;
      readonly side: Side;
      readonly type: OrderType;
      readonly tifValid: boolean;
      readonly tifPick: number;
      readonly priceK: number;
      readonly priceMod: PriceMod;
      readonly stopK: number;
      readonly stopMod: PriceMod;
      readonly lots: number;
      readonly volMod: VolMod;
      readonly postOnly: boolean | undefined;
      readonly stp: StpMode | undefined;
      /** matching-only mode ignores the offset, but OrderAccepted reports it */
      readonly offset: Offset | undefined;
      readonly malformed: Malformed | null;
    }
  | {
      readonly t: 'cancel';
      readonly seqStep: number;
      /** live: the pick-th open order or pending stop, if any; else orderId */
      readonly live: boolean;
      readonly pick: number;
      readonly orderId: number;
      readonly acct: AcctSel;
    }
  | {
      readonly t: 'modify';
      readonly seqStep: number;
      readonly live: boolean;
      readonly pick: number;
      readonly orderId: number;
      readonly acct: AcctSel;
      readonly price: 'same' | number;
      readonly priceMod: PriceMod;
      readonly vol: 'same' | 'less' | 'more' | number;
      readonly volMod: VolMod;
    }
  | { readonly t: 'phase'; readonly seqStep: number; readonly m: number; readonly phase: Phase | 'lunch' }
  | { readonly t: 'status'; readonly seqStep: number; readonly m: number; readonly status: InstrumentStatus | 'gone' }
  | { readonly t: 'ref'; readonly seqStep: number; readonly m: number; readonly k: number; readonly priceMod: PriceMod }
  | {
      readonly t: 'addInstrument';
      readonly seqStep: number;
      readonly variant: 'late' | 'duplicate' | 'badTick' | 'badLot' | 'badBand';
    }
  | {
      /** account commands, which a matching-only engine refuses */
      readonly t: 'account';
      readonly seqStep: number;
      readonly variant: 'create' | 'deposit' | 'withdraw' | 'holdings' | 'freeze';
    };

const seqStepArb = fc.oneof(
  { weight: 60, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 2) },
);
const priceModArb = fc.oneof(
  { weight: 40, arbitrary: fc.constant<PriceMod>('ok') },
  { weight: 1, arbitrary: fc.constantFrom<PriceMod>('offTick', 'zero', 'negative', 'far', 'fraction') },
);
const volModArb = fc.oneof(
  { weight: 40, arbitrary: fc.constant<VolMod>('ok') },
  { weight: 1, arbitrary: fc.constantFrom<VolMod>('zero', 'negative', 'offLot', 'aboveMax', 'fraction') },
);
const marketArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.constant(1) },
  { weight: 6, arbitrary: fc.constant(2) },
  { weight: 5, arbitrary: fc.constant(3) },
  { weight: 2, arbitrary: fc.constant(4) },
  { weight: 1, arbitrary: fc.constant(5) },
);
const liveArb = fc.integer({ min: 0, max: 4 }).map((x) => x > 0);
const orderIdArb = fc.integer({ min: 1, max: 24 });
const kArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: -9, max: 9 }) },
);
const acctSelArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<AcctSel>('none', 'owner') },
  { weight: 2, arbitrary: fc.constant<AcctSel>('other') },
  { weight: 1, arbitrary: fc.constant<AcctSel>('zero') },
);

const placeArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('place' as const),
  seqStep: seqStepArb,
  m: marketArb,
  fresh: fc.integer({ min: 0, max: 3 }).map((x) => x > 0),
  orderId: orderIdArb,
  account: fc.integer({ min: 1, max: 4 }),
  side: fc.constantFrom<Side>('buy', 'sell'),
  type: fc.oneof(
    { weight: 12, arbitrary: fc.constant<OrderType>('limit') },
    { weight: 3, arbitrary: fc.constant<OrderType>('market') },
    { weight: 2, arbitrary: fc.constant<OrderType>('stop') },
    { weight: 2, arbitrary: fc.constant<OrderType>('stopLimit') },
  ),
  tifValid: fc.integer({ min: 0, max: 9 }).map((x) => x > 0),
  // GTC, GFD, IOC, FOK for limits: mostly orders that rest, so books fill up
  tifPick: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constant(2) },
    { weight: 1, arbitrary: fc.constant(3) },
  ),
  priceK: kArb,
  priceMod: priceModArb,
  stopK: kArb,
  stopMod: priceModArb,
  lots: fc.integer({ min: 1, max: 6 }),
  volMod: volModArb,
  postOnly: fc.oneof(
    { weight: 16, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constant(true) },
    { weight: 2, arbitrary: fc.constant(false) },
  ),
  stp: fc.constantFrom<StpMode | undefined>(undefined, 'none', 'cancelTaker', 'cancelMaker', 'cancelBoth', 'reject'),
  offset: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<Offset>('open', 'close', 'closeToday') },
  ),
  malformed: fc.oneof(
    { weight: 60, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Malformed>(
        'side',
        'tif',
        'type',
        'stp',
        'orderId',
        'accountId',
        'postOnly',
        'noStopPrice',
        'offset',
      ),
    },
  ),
});

const cancelArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('cancel' as const),
  seqStep: seqStepArb,
  live: liveArb,
  pick: fc.nat(),
  orderId: fc.oneof({ weight: 10, arbitrary: orderIdArb }, { weight: 1, arbitrary: fc.constantFrom(0, 99) }),
  acct: acctSelArb,
});

const modifyArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('modify' as const),
  seqStep: seqStepArb,
  live: liveArb,
  pick: fc.nat(),
  orderId: fc.oneof({ weight: 10, arbitrary: orderIdArb }, { weight: 1, arbitrary: fc.constantFrom(0, 99) }),
  acct: acctSelArb,
  price: fc.oneof({ weight: 3, arbitrary: fc.constant('same' as const) }, { weight: 4, arbitrary: kArb }),
  priceMod: priceModArb,
  vol: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('same' as const, 'less' as const, 'more' as const) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) },
  ),
  volMod: volModArb,
});

const phaseArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('phase' as const),
  seqStep: seqStepArb,
  m: marketArb,
  phase: fc.oneof(
    { weight: 8, arbitrary: fc.constant<Phase>('continuous') },
    { weight: 12, arbitrary: fc.constantFrom<Phase>(...PHASES) },
    { weight: 1, arbitrary: fc.constant('lunch' as const) },
  ),
});

const statusArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('status' as const),
  seqStep: seqStepArb,
  m: marketArb,
  status: fc.oneof(
    { weight: 12, arbitrary: fc.constant<InstrumentStatus>('active') },
    { weight: 5, arbitrary: fc.constant<InstrumentStatus>('suspended') },
    { weight: 1, arbitrary: fc.constant<InstrumentStatus>('delisted') },
    { weight: 1, arbitrary: fc.constant('gone' as const) },
  ),
});

const refArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('ref' as const),
  seqStep: seqStepArb,
  m: marketArb,
  k: fc.integer({ min: -3, max: 3 }),
  priceMod: priceModArb,
});

const addArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('addInstrument' as const),
  seqStep: seqStepArb,
  variant: fc.constantFrom(
    'late' as const,
    'late' as const,
    'duplicate' as const,
    'badTick' as const,
    'badLot' as const,
    'badBand' as const,
  ),
});

const accountArb: fc.Arbitrary<Tpl> = fc.record({
  t: fc.constant('account' as const),
  seqStep: seqStepArb,
  variant: fc.constantFrom(
    'create' as const,
    'deposit' as const,
    'withdraw' as const,
    'holdings' as const,
    'freeze' as const,
  ),
});

const tplArb: fc.Arbitrary<Tpl> = fc.oneof(
  { weight: 60, arbitrary: placeArb },
  { weight: 10, arbitrary: cancelArb },
  { weight: 14, arbitrary: modifyArb },
  { weight: 6, arbitrary: phaseArb },
  { weight: 3, arbitrary: refArb },
  { weight: 1, arbitrary: statusArb },
  { weight: 1, arbitrary: addArb },
  { weight: 1, arbitrary: accountArb },
);

/** A plain valid limit order template for PCT, for hand-written examples. */
export function place(over: Partial<Extract<Tpl, { t: 'place' }>>): Tpl {
  return {
    t: 'place',
    seqStep: 1,
    m: 0,
    fresh: true,
    orderId: 1,
    account: 1,
    side: 'buy',
    type: 'limit',
    tifValid: true,
    tifPick: 0,
    priceK: 0,
    priceMod: 'ok',
    stopK: 0,
    stopMod: 'ok',
    lots: 1,
    volMod: 'ok',
    postOnly: undefined,
    stp: undefined,
    offset: undefined,
    malformed: null,
    ...over,
  };
}

export const streamArb = fc.array(tplArb, { minLength: 1, maxLength: 300, size: 'max' });

/** The fixed start of every stream: four instruments, two trading and two collecting orders in pre-open. */
export const PRELUDE: readonly ((seq: number) => Command)[] = [
  ...SPECS.map(
    (spec) =>
      (seq: number): Command => ({ kind: 'AddInstrument', seq, ts: seq * 1000, spec }),
  ),
  (seq) => ({ kind: 'SetPhase', seq, ts: seq * 1000, instrumentId: 'PCT', phase: 'continuous' }),
  (seq) => ({ kind: 'SetPhase', seq, ts: seq * 1000, instrumentId: 'TCK', phase: 'preOpen' }),
  (seq) => ({ kind: 'SetPhase', seq, ts: seq * 1000, instrumentId: 'FREE', phase: 'continuous' }),
  (seq) => ({ kind: 'SetPhase', seq, ts: seq * 1000, instrumentId: 'NOREF', phase: 'preOpen' }),
];

function modPrice(base: number, mod: PriceMod, tick: number): number {
  switch (mod) {
    case 'ok':
      return base;
    case 'offTick':
      return tick > 1 ? base + 1 : base;
    case 'zero':
      return 0;
    case 'negative':
      return -tick;
    case 'far':
      return base + 40 * tick;
    case 'fraction':
      return base + 0.5;
  }
}

function modVolume(base: number, mod: VolMod, lot: number, max: number): number {
  switch (mod) {
    case 'ok':
      return base;
    case 'zero':
      return 0;
    case 'negative':
      return -lot;
    case 'offLot':
      return lot > 1 ? base + 1 : base;
    case 'aboveMax':
      return max + lot;
    case 'fraction':
      return base + 0.5;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The event-sourced model and its checks

interface Ord {
  readonly id: number;
  readonly account: number;
  readonly inst: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  price: number;
  readonly stopPrice: number;
  readonly postOnly: boolean;
  readonly stp: StpMode;
  /** open (unfilled) volume */
  open: number;
  filled: number;
  where: 'pending' | 'incoming' | 'resting';
  /** acceptance order, for reports */
  readonly accepted: number;
}

interface Inst {
  readonly spec: InstrumentSpec;
  ref: number | null;
  status: InstrumentStatus;
  phase: Phase;
  last: number | null;
  readonly bids: Map<number, number[]>;
  readonly asks: Map<number, number[]>;
}

interface Taker {
  readonly o: Ord;
  readonly limit: number;
  readonly expectFill: number;
  filled: number;
}

export type Outcome = RejectCode | 'ok';

export class Violation extends Error {}

/**
 * Follows one engine through the events it returns. `apply` checks every event against the rules (throwing a
 * Violation), `expected` says which outcomes the validation rules allow for a command before it is applied.
 */
export class Tracker {
  readonly insts = new Map<string, Inst>();
  readonly orders = new Map<number, Ord>();
  lastSeq = 0;
  private lastTradeId = 0;
  private accepted = 0;
  private cmd: Command | undefined;
  private taker: Taker | undefined;
  private uncross: { inst: string; price: number; left: number } | undefined;
  private readonly takerTradeIn = new Set<string>();
  private readonly triggeredIn = new Set<string>();
  /** instrument:price for every last price seen during the current command */
  private readonly lastPrices = new Set<string>();

  // --- book helpers

  private levels(inst: Inst, side: Side): Map<number, number[]> {
    return side === 'buy' ? inst.bids : inst.asks;
  }

  bestPrice(inst: Inst, side: Side): number | undefined {
    let best: number | undefined;
    for (const p of this.levels(inst, side).keys()) {
      if (best === undefined || (side === 'buy' ? p > best : p < best)) best = p;
    }
    return best;
  }

  private head(inst: Inst, side: Side): Ord | undefined {
    const p = this.bestPrice(inst, side);
    if (p === undefined) return undefined;
    return this.orders.get(this.levels(inst, side).get(p)![0]!);
  }

  /** Resting orders of one side in priority order. */
  sorted(inst: Inst, side: Side): Ord[] {
    const prices = [...this.levels(inst, side).keys()].sort((a, b) => (side === 'buy' ? b - a : a - b));
    const out: Ord[] = [];
    for (const p of prices) for (const id of this.levels(inst, side).get(p)!) out.push(this.orders.get(id)!);
    return out;
  }

  depth(inst: Inst): Depth {
    const side = (s: Side): DepthLevel[] => {
      const prices = [...this.levels(inst, s).keys()].sort((a, b) => (s === 'buy' ? b - a : a - b));
      return prices.map((price) => {
        const q = this.levels(inst, s).get(price)!;
        let volume = 0;
        for (const id of q) volume += this.orders.get(id)!.open;
        return { price, volume, orders: q.length };
      });
    };
    return { bids: side('buy'), asks: side('sell') };
  }

  private pushBack(inst: Inst, o: Ord): void {
    const lv = this.levels(inst, o.side);
    const q = lv.get(o.price);
    if (q === undefined) lv.set(o.price, [o.id]);
    else q.push(o.id);
    o.where = 'resting';
  }

  private unlink(inst: Inst, o: Ord): void {
    if (o.where !== 'resting') return;
    const lv = this.levels(inst, o.side);
    const q = lv.get(o.price);
    const i = q === undefined ? -1 : q.indexOf(o.id);
    if (q === undefined || i < 0) throw new Violation(`model: order ${o.id} not found at ${o.price}`);
    q.splice(i, 1);
    if (q.length === 0) lv.delete(o.price);
  }

  band(inst: Inst): { lower: number; upper: number } | null {
    const rule = inst.spec.band;
    const ref = inst.ref;
    const tick = inst.spec.priceTick;
    if (ref === null || rule.kind === 'none') return null;
    let lower: number;
    let upper: number;
    if (rule.kind === 'ticks') {
      lower = ref - rule.ticks * tick;
      upper = ref + rule.ticks * tick;
    } else {
      const up = Math.floor((ref * (10_000 + rule.bps)) / 10_000);
      upper = up - (up % tick);
      const down = Math.ceil((ref * Math.max(0, 10_000 - rule.bps)) / 10_000);
      lower = down % tick === 0 ? down : down + (tick - (down % tick));
    }
    if (lower < tick) lower = tick;
    return { lower, upper };
  }

  private marketLimit(inst: Inst, side: Side): number {
    const b = this.band(inst);
    if (b === null) return side === 'buy' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    return side === 'buy' ? b.upper : b.lower;
  }

  /** What an incoming order may fill now (self-trade prevention counted), capped at volume. */
  fillable(inst: Inst, side: Side, limit: number, volume: number, account: number, stp: StpMode): number {
    let left = volume;
    for (const maker of this.sorted(inst, side === 'buy' ? 'sell' : 'buy')) {
      if (left === 0) break;
      if (side === 'buy' ? maker.price > limit : maker.price < limit) break;
      if (maker.account === account && stp !== 'none') {
        if (stp === 'cancelMaker') continue;
        break;
      }
      left -= Math.min(left, maker.open);
    }
    return volume - left;
  }

  /** Whether an incoming order at `limit` would meet any resting order at all (ignoring accounts). */
  private crossesAny(inst: Inst, side: Side, limit: number): boolean {
    const p = this.bestPrice(inst, side === 'buy' ? 'sell' : 'buy');
    return p !== undefined && (side === 'buy' ? p <= limit : p >= limit);
  }

  /** Whether a resting order of `account` lies within `limit` on the opposite side. */
  private crossesOwn(inst: Inst, side: Side, limit: number, account: number): boolean {
    for (const maker of this.sorted(inst, side === 'buy' ? 'sell' : 'buy')) {
      if (side === 'buy' ? maker.price > limit : maker.price < limit) break;
      if (maker.account === account) return true;
    }
    return false;
  }

  /** Whether an incoming order walking the opposite side in priority meets its own account before it is filled. */
  private meetsOwn(inst: Inst, side: Side, limit: number, volume: number, account: number): boolean {
    let left = volume;
    for (const maker of this.sorted(inst, side === 'buy' ? 'sell' : 'buy')) {
      if (left <= 0) break;
      if (side === 'buy' ? maker.price > limit : maker.price < limit) break;
      if (maker.account === account) return true;
      left -= maker.open;
    }
    return false;
  }

  crossed(inst: Inst): boolean {
    const b = this.bestPrice(inst, 'buy');
    const a = this.bestPrice(inst, 'sell');
    return b !== undefined && a !== undefined && b >= a;
  }

  /** The uncross the rules in docs/matching.md choose for the current book, or null when nothing can trade. */
  expectedUncross(inst: Inst): { price: number; volume: number; imbalance: number } | null {
    const bids = this.sorted(inst, 'buy');
    const asks = this.sorted(inst, 'sell');
    const prices = [...new Set([...bids, ...asks].map((o) => o.price))].sort((a, b) => a - b);
    const ref = inst.ref ?? inst.last;
    let best: { price: number; volume: number; imbalance: number } | null = null;
    for (const p of prices) {
      let b = 0;
      let a = 0;
      for (const o of bids) if (o.price >= p) b += o.open;
      for (const o of asks) if (o.price <= p) a += o.open;
      const cand = { price: p, volume: Math.min(a, b), imbalance: b - a };
      if (cand.volume === 0) continue;
      if (best === null) {
        best = cand;
        continue;
      }
      if (cand.volume !== best.volume) {
        if (cand.volume > best.volume) best = cand;
        continue;
      }
      const ci = Math.abs(cand.imbalance);
      const bi = Math.abs(best.imbalance);
      if (ci !== bi) {
        if (ci < bi) best = cand;
        continue;
      }
      if (ref !== null) {
        const cd = Math.abs(cand.price - ref);
        const bd = Math.abs(best.price - ref);
        if (cd !== bd) {
          if (cd < bd) best = cand;
        }
      }
      // otherwise the lower price, which `best` already is (prices ascend)
    }
    return best;
  }

  // --- the validation oracle

  /** The outcomes docs/matching.md allows for `cmd` in the current state; 'any' where the docs are silent. */
  expected(cmd: Command): Set<Outcome> | 'any' {
    if (!(cmd.seq > this.lastSeq)) return new Set(['VALIDATION_SEQUENCE_NOT_INCREASING']);
    switch (cmd.kind) {
      case 'PlaceOrder':
        return this.expectedPlace(cmd);
      case 'CancelOrder':
      case 'ModifyOrder':
        return this.expectedCancelOrModify(cmd);
      case 'SetPhase': {
        if (!PHASES.includes(cmd.phase))
          return new Set(['VALIDATION_MALFORMED_COMMAND', 'ADMIN_INVALID_PHASE_TRANSITION']);
        const inst = this.insts.get(cmd.instrumentId);
        if (inst === undefined) return new Set(['VALIDATION_UNKNOWN_INSTRUMENT']);
        const valid = TRANSITIONS[inst.phase].includes(cmd.phase);
        const out = new Set<Outcome>([valid ? 'ok' : 'ADMIN_INVALID_PHASE_TRANSITION']);
        if (inst.status !== 'active') {
          // the docs do not say whether a suspended or delisted instrument changes phase
          out.add('VALIDATION_INSTRUMENT_NOT_TRADABLE');
          out.add('ADMIN_INSTRUMENT_DELISTED');
          out.add('ADMIN_INVALID_PHASE_TRANSITION');
        }
        return out;
      }
      case 'SetInstrumentStatus': {
        if (!STATUSES.includes(cmd.status)) return new Set(['VALIDATION_MALFORMED_COMMAND']);
        const inst = this.insts.get(cmd.instrumentId);
        if (inst === undefined) return new Set(['VALIDATION_UNKNOWN_INSTRUMENT']);
        if (inst.status === 'delisted') return new Set(['ADMIN_INSTRUMENT_DELISTED']);
        if (inst.status === cmd.status) return 'any';
        return new Set(['ok']);
      }
      case 'SetReferencePrice': {
        const soft: Outcome[] = Number.isInteger(cmd.price) ? [] : ['VALIDATION_MALFORMED_COMMAND'];
        const inst = this.insts.get(cmd.instrumentId);
        if (inst === undefined) return new Set([...soft, 'VALIDATION_UNKNOWN_INSTRUMENT']);
        let out: Outcome = 'ok';
        if (!(Number.isInteger(cmd.price) && cmd.price > 0)) out = 'VALIDATION_PRICE_NOT_POSITIVE';
        else if (cmd.price % inst.spec.priceTick !== 0) out = 'VALIDATION_PRICE_NOT_ON_TICK';
        const set = new Set<Outcome>([...soft, out]);
        if (out !== 'ok') {
          set.add('VALIDATION_MALFORMED_COMMAND');
          set.add('ADMIN_INVALID_INSTRUMENT_SPEC');
        }
        if (inst.status === 'delisted') {
          set.add('VALIDATION_INSTRUMENT_NOT_TRADABLE');
          set.add('ADMIN_INSTRUMENT_DELISTED');
        }
        return set;
      }
      case 'CreateAccount':
      case 'Deposit':
      case 'Withdraw':
      case 'DepositHoldings':
      case 'SetAccountFrozen':
        // a matching-only engine keeps no accounts (docs/accounts.md, "Using it")
        return new Set(['ADMIN_ACCOUNTS_DISABLED']);
      case 'SetSettlementPrice':
      case 'Settle':
      case 'LiquidateAccount':
        return 'any';
      case 'AddInstrument': {
        const dup = this.insts.has(cmd.spec.id);
        const bad = cmd.spec.priceTick <= 0 || cmd.spec.maxOrderVolume % cmd.spec.lotSize !== 0 || badBand(cmd.spec);
        const out = new Set<Outcome>();
        if (bad) {
          out.add('ADMIN_INVALID_INSTRUMENT_SPEC');
          out.add('VALIDATION_MALFORMED_COMMAND');
        }
        if (dup) out.add('ADMIN_DUPLICATE_INSTRUMENT');
        if (out.size === 0) out.add('ok');
        return out;
      }
    }
  }

  private expectedPlace(c: Extract<Command, { kind: 'PlaceOrder' }>): Set<Outcome> {
    if (
      !isEntity(c.orderId) ||
      !isEntity(c.accountId) ||
      !SIDES.includes(c.side) ||
      !ORDER_TYPES.includes(c.type) ||
      !TIFS.includes(c.tif) ||
      (c.postOnly !== undefined && typeof c.postOnly !== 'boolean') ||
      (c.stp !== undefined && !STPS.includes(c.stp)) ||
      (c.offset !== undefined && !OFFSETS.includes(c.offset))
    ) {
      return new Set(['VALIDATION_MALFORMED_COMMAND']);
    }
    const isLimit = c.type === 'limit' || c.type === 'stopLimit';
    const isStop = c.type === 'stop' || c.type === 'stopLimit';
    const out = new Set<Outcome>();
    // a non-integer number or a missing stop price may count as malformed (rule 1) or fail its own rule later
    if (
      !Number.isInteger(c.volume) ||
      !Number.isInteger(c.price) ||
      (c.stopPrice !== undefined && !Number.isInteger(c.stopPrice)) ||
      (isStop && c.stopPrice === undefined)
    ) {
      out.add('VALIDATION_MALFORMED_COMMAND');
    }
    const rule = ((): Outcome | Outcome[] => {
      if (this.orders.has(c.orderId)) return 'VALIDATION_DUPLICATE_ORDER_ID';
      const inst = this.insts.get(c.instrumentId);
      if (inst === undefined) return 'VALIDATION_UNKNOWN_INSTRUMENT';
      if (inst.status !== 'active') return 'VALIDATION_INSTRUMENT_NOT_TRADABLE';
      if (!VALID_TIFS[c.type].includes(c.tif)) return 'VALIDATION_INVALID_ORDER_COMBINATION';
      if (c.postOnly === true && !(c.type === 'limit' && (c.tif === 'GTC' || c.tif === 'GFD')))
        return 'VALIDATION_INVALID_ORDER_COMBINATION';
      const spec = inst.spec;
      if (!(Number.isInteger(c.volume) && c.volume > 0)) return 'VALIDATION_VOLUME_NOT_POSITIVE';
      if (c.volume % spec.lotSize !== 0) return 'VALIDATION_VOLUME_NOT_LOT_MULTIPLE';
      if (c.volume > spec.maxOrderVolume) return 'VALIDATION_VOLUME_ABOVE_MAXIMUM';
      if (isLimit) {
        if (!(Number.isInteger(c.price) && c.price > 0)) return 'VALIDATION_PRICE_NOT_POSITIVE';
        if (c.price % spec.priceTick !== 0) return 'VALIDATION_PRICE_NOT_ON_TICK';
        const b = this.band(inst);
        if (b !== null && (c.price < b.lower || c.price > b.upper)) return 'VALIDATION_PRICE_OUT_OF_BAND';
      }
      if (isStop) {
        const sp = c.stopPrice;
        if (sp === undefined || !(Number.isInteger(sp) && sp > 0) || sp % spec.priceTick !== 0)
          return 'VALIDATION_STOP_PRICE_INVALID';
      }
      if (inst.phase === 'closed' || inst.phase === 'auction' || inst.phase === 'halted')
        return 'MATCHING_PHASE_REJECTS_ORDERS';
      if (inst.phase === 'preOpen') {
        const plainLimit = c.type === 'limit' && (c.tif === 'GTC' || c.tif === 'GFD') && c.postOnly !== true;
        if (!plainLimit && !isStop) return 'MATCHING_ORDER_TYPE_NOT_IN_PHASE';
      }
      // docs/accounts.md pre-trade check 13 (the only risk check of a matching-only engine): stp 'reject' refuses an
      // order that would trade with a resting order of its own account. A pending stop trades nothing on arrival,
      // and in pre-open nothing trades at all (the uncross applies no self-trade prevention): whether an order that
      // merely crosses its own order there "would trade" is left open, as is an order that crosses its own order
      // but would fill its whole volume against others first.
      let selfTrade: 'yes' | 'maybe' | 'no' = 'no';
      if (c.stp === 'reject' && !isStop) {
        const limit = c.type === 'market' ? this.marketLimit(inst, c.side) : c.price;
        if (this.crossesOwn(inst, c.side, limit, c.accountId)) {
          selfTrade =
            inst.phase === 'continuous' && this.meetsOwn(inst, c.side, limit, c.volume, c.accountId) ? 'yes' : 'maybe';
        }
      }
      if (selfTrade === 'yes') return 'RISK_SELF_TRADE';
      const later = this.laterPlaceChecks(c, inst, isStop);
      return selfTrade === 'maybe' ? [...later, 'RISK_SELF_TRADE'] : later;
    })();
    for (const r of Array.isArray(rule) ? rule : [rule]) out.add(r);
    return out;
  }

  /** Checks after the self-trade check: post-only crossing and stops that would trigger now. */
  private laterPlaceChecks(c: Extract<Command, { kind: 'PlaceOrder' }>, inst: Inst, isStop: boolean): Outcome[] {
    if (c.postOnly === true && inst.phase === 'continuous' && this.crossesAny(inst, c.side, c.price)) {
      const stp = c.stp ?? 'cancelTaker';
      const wouldFill = this.fillable(inst, c.side, c.price, c.volume, c.accountId, stp) > 0;
      // crossing only orders of its own account: the docs do not say whether that "would trade"
      return wouldFill ? ['MATCHING_POST_ONLY_WOULD_CROSS'] : ['MATCHING_POST_ONLY_WOULD_CROSS', 'ok'];
    }
    if (isStop && inst.last !== null && c.stopPrice !== undefined) {
      if (c.side === 'buy' ? inst.last >= c.stopPrice : inst.last <= c.stopPrice)
        return ['MATCHING_STOP_WOULD_TRIGGER_NOW'];
    }
    return ['ok'];
  }

  private expectedCancelOrModify(
    c: Extract<Command, { kind: 'CancelOrder' }> | Extract<Command, { kind: 'ModifyOrder' }>,
  ): Set<Outcome> {
    if (!isEntity(c.orderId) || (c.accountId !== undefined && !isEntity(c.accountId)))
      return new Set(['VALIDATION_MALFORMED_COMMAND']);
    const out = new Set<Outcome>();
    if (c.kind === 'ModifyOrder' && (!Number.isInteger(c.price) || !Number.isInteger(c.volume)))
      out.add('VALIDATION_MALFORMED_COMMAND');
    const o = this.orders.get(c.orderId);
    if (o === undefined) {
      out.add('MATCHING_UNKNOWN_ORDER');
      return out;
    }
    const inst = this.insts.get(o.inst)!;
    // the docs give no order among these checks: any that applies may be the one reported
    if (c.accountId !== undefined && c.accountId !== o.account) out.add('MATCHING_NOT_ORDER_OWNER');
    if (inst.phase === 'auction') out.add('MATCHING_PHASE_REJECTS_CANCELS');
    if (c.kind === 'ModifyOrder') {
      if (o.where === 'pending') out.add('MATCHING_ORDER_NOT_MODIFIABLE');
      const spec = inst.spec;
      if (!(Number.isInteger(c.price) && c.price > 0)) out.add('VALIDATION_PRICE_NOT_POSITIVE');
      else if (c.price % spec.priceTick !== 0) out.add('VALIDATION_PRICE_NOT_ON_TICK');
      else if (c.price !== o.price) {
        // a new price must lie in the band; an order left outside by a reference price change may keep its price
        // (the docs do not say whether it may then change only its volume, so either outcome passes below)
        const b = this.band(inst);
        if (b !== null && (c.price < b.lower || c.price > b.upper)) out.add('VALIDATION_PRICE_OUT_OF_BAND');
      }
      if (!(Number.isInteger(c.volume) && c.volume > 0)) out.add('VALIDATION_VOLUME_NOT_POSITIVE');
      else if (c.volume % spec.lotSize !== 0) out.add('VALIDATION_VOLUME_NOT_LOT_MULTIPLE');
      else if (c.volume > spec.maxOrderVolume) out.add('VALIDATION_VOLUME_ABOVE_MAXIMUM');
      if (o.where === 'resting' && c.price === o.price && c.volume === o.open)
        out.add('MATCHING_MODIFY_CHANGES_NOTHING');
      if (out.size === 0 && o.postOnly && o.where === 'resting' && this.crossesAny(inst, o.side, c.price)) {
        out.add('MATCHING_POST_ONLY_WOULD_CROSS');
        // outside continuous a modify never trades, but the order would trade at the next uncross: the docs do not
        // say which way that goes; in continuous, crossing only its own orders is the same open question as above
        if (inst.phase !== 'continuous' || this.fillable(inst, o.side, c.price, c.volume, o.account, o.stp) === 0)
          out.add('ok');
      }
    }
    if (out.size === 0) out.add('ok');
    if (c.kind === 'ModifyOrder' && c.price === o.price && out.size === 1 && out.has('ok')) {
      const b = this.band(inst);
      if (b !== null && (c.price < b.lower || c.price > b.upper)) out.add('VALIDATION_PRICE_OUT_OF_BAND');
    }
    return out;
  }

  // --- following the events

  /** Applies one command's result to the model, checking every rule; throws a Violation on the first broken one. */
  apply(cmd: Command, res: ApplyResult): void {
    this.cmd = cmd;
    if (res.seq !== cmd.seq) throw new Violation(`result seq ${res.seq} for command seq ${cmd.seq}`);
    // Every sequenced command uses up its seq, accepted or rejected; only an out-of-order seq does not.
    if (cmd.seq > this.lastSeq) this.lastSeq = cmd.seq;
    if (!res.ok) return;
    this.taker = undefined;
    this.uncross = undefined;
    this.takerTradeIn.clear();
    this.triggeredIn.clear();
    this.lastPrices.clear();
    for (const inst of this.insts.values()) if (inst.last !== null) this.lastPrices.add(`${inst.spec.id}:${inst.last}`);
    const phaseInst = cmd.kind === 'SetPhase' ? this.insts.get(cmd.instrumentId) : undefined;
    const crossedAtStart = phaseInst !== undefined && this.crossed(phaseInst);
    let uncrossed = false;
    for (const e of res.events) {
      if (e.kind === 'AuctionUncrossed') uncrossed = true;
      this.event(e);
    }
    this.finishTaker();
    this.checkCommandShape(cmd, res.events);

    // the end of the command: nothing half done
    for (const o of this.orders.values()) {
      if (o.where === 'incoming') throw new Violation(`order ${o.id} neither rested nor finished`);
    }
    const u = this.currentUncross();
    if (u !== undefined && u.left !== 0) throw new Violation(`the uncross left ${u.left} of its volume untraded`);
    for (const id of [...this.takerTradeIn, ...this.triggeredIn]) {
      if (this.insts.get(id)!.phase !== 'continuous') throw new Violation(`${id}: matching outside continuous`);
    }
    if (cmd.kind === 'SetPhase' && phaseInst !== undefined && (cmd.phase === 'auction' || cmd.phase === 'continuous')) {
      if (crossedAtStart && !uncrossed)
        throw new Violation(`${cmd.instrumentId}: entered ${cmd.phase} crossed, no uncross`);
    }
    if (!crossedAtStart && uncrossed) throw new Violation('an uncross without a crossed book');
    if (cmd.kind === 'SetPhase' && cmd.phase === 'closed') {
      for (const o of this.orders.values()) {
        if (o.inst === cmd.instrumentId && o.tif === 'GFD') throw new Violation(`GFD order ${o.id} survived the close`);
      }
    }
    if (cmd.kind === 'SetInstrumentStatus' && cmd.status !== 'active') {
      for (const o of this.orders.values()) {
        if (o.inst === cmd.instrumentId) throw new Violation(`order ${o.id} survived ${cmd.status}`);
      }
    }
    for (const inst of this.insts.values()) {
      if ((inst.phase === 'continuous' || inst.phase === 'auction') && this.crossed(inst)) {
        throw new Violation(
          `${inst.spec.id} crossed in ${inst.phase}: bid ${this.bestPrice(inst, 'buy')} ask ${this.bestPrice(inst, 'sell')}`,
        );
      }
      if (inst.phase === 'continuous' && inst.last !== null) {
        for (const o of this.orders.values()) {
          if (o.inst !== inst.spec.id || o.where !== 'pending') continue;
          if (o.side === 'buy' ? inst.last >= o.stopPrice : inst.last <= o.stopPrice)
            throw new Violation(`stop ${o.id} (${o.side} at ${o.stopPrice}) not triggered, last ${inst.last}`);
        }
      }
    }
  }

  /** (a method, so that the compiler does not narrow the field to its reset value across the event loop) */
  private currentUncross(): { inst: string; price: number; left: number } | undefined {
    return this.uncross;
  }

  private checkCommandShape(cmd: Command, events: readonly EngineEvent[]): void {
    const first = events[0];
    switch (cmd.kind) {
      case 'PlaceOrder': {
        const want = {
          kind: 'OrderAccepted',
          orderId: cmd.orderId,
          accountId: cmd.accountId,
          instrumentId: cmd.instrumentId,
          side: cmd.side,
          type: cmd.type,
          tif: cmd.tif,
          volume: cmd.volume,
          postOnly: cmd.postOnly ?? false,
          stp: cmd.stp ?? 'cancelTaker',
          forced: false,
        };
        const got = first?.kind === 'OrderAccepted' ? first : undefined;
        if (got === undefined) throw new Violation('PlaceOrder did not start with OrderAccepted');
        for (const [k, v] of Object.entries(want)) {
          if ((got as unknown as Record<string, unknown>)[k] !== v)
            throw new Violation(
              `OrderAccepted.${k} is ${String((got as unknown as Record<string, unknown>)[k])}, want ${String(v)}`,
            );
        }
        // the offset as sent (open by default); a stock's offset follows its side (docs/accounts.md), so a stock
        // order may report that instead
        const offsets: Offset[] = [cmd.offset ?? 'open'];
        if (this.insts.get(cmd.instrumentId)?.spec.kind === 'stock')
          offsets.push(cmd.side === 'buy' ? 'open' : 'close');
        if (!offsets.includes(got.offset))
          throw new Violation(`OrderAccepted.offset is ${got.offset}, want ${offsets}`);
        if ((cmd.type === 'limit' || cmd.type === 'stopLimit') && got.price !== cmd.price)
          throw new Violation('OrderAccepted.price differs from the limit price');
        if ((cmd.type === 'stop' || cmd.type === 'stopLimit') && got.stopPrice !== cmd.stopPrice)
          throw new Violation('OrderAccepted.stopPrice differs');
        break;
      }
      case 'CancelOrder':
        if (
          events.length !== 1 ||
          first?.kind !== 'OrderCanceled' ||
          first.orderId !== cmd.orderId ||
          first.reason !== 'canceled'
        )
          throw new Violation(`CancelOrder events: ${JSON.stringify(events)}`);
        break;
      case 'ModifyOrder':
        if (
          first?.kind !== 'OrderModified' ||
          first.orderId !== cmd.orderId ||
          first.price !== cmd.price ||
          first.remaining !== cmd.volume
        )
          throw new Violation(`ModifyOrder did not start with a matching OrderModified: ${JSON.stringify(first)}`);
        break;
      case 'SetPhase':
        if (events.filter((e) => e.kind === 'PhaseChanged').length !== 1)
          throw new Violation('SetPhase without exactly one PhaseChanged');
        break;
      case 'SetReferencePrice':
        if (
          !isDeepStrictEqual(events, [
            { kind: 'ReferencePriceChanged', instrumentId: cmd.instrumentId, price: cmd.price },
          ])
        )
          throw new Violation(`SetReferencePrice events: ${JSON.stringify(events)}`);
        break;
      case 'SetInstrumentStatus':
        if (
          events.filter((e) => e.kind === 'InstrumentStatusChanged').length !== 1 ||
          events.some(
            (e) => e.kind !== 'InstrumentStatusChanged' && !(e.kind === 'OrderCanceled' && e.reason === 'suspended'),
          )
        )
          throw new Violation(`SetInstrumentStatus events: ${JSON.stringify(events)}`);
        break;
      case 'AddInstrument':
        if (!isDeepStrictEqual(events, [{ kind: 'InstrumentAdded', spec: cmd.spec }]))
          throw new Violation(`AddInstrument events: ${JSON.stringify(events)}`);
        break;
    }
  }

  private live(id: number, what: string): Ord {
    const o = this.orders.get(id);
    if (o === undefined) throw new Violation(`${what} for order ${id}, which is not open (finished or unknown)`);
    return o;
  }

  private inst(id: string): Inst {
    const i = this.insts.get(id);
    if (i === undefined) throw new Violation(`event for unknown instrument ${id}`);
    return i;
  }

  private startTaker(o: Ord): void {
    this.finishTaker();
    const inst = this.inst(o.inst);
    if (inst.phase !== 'continuous' && !(this.cmd?.kind === 'SetPhase' && this.cmd.phase === 'continuous')) return;
    const limit = o.type === 'market' || o.type === 'stop' ? this.marketLimit(inst, o.side) : o.price;
    let expectFill = this.fillable(inst, o.side, limit, o.open, o.account, o.stp);
    if (o.tif === 'FOK' && expectFill < o.open) expectFill = 0;
    if (o.postOnly) expectFill = 0;
    this.taker = { o, limit, expectFill, filled: 0 };
  }

  private finishTaker(): void {
    const t = this.taker;
    if (t === undefined) return;
    this.taker = undefined;
    if (t.filled !== t.expectFill)
      throw new Violation(
        `taker ${t.o.id} (${t.o.side} ${t.o.type} ${t.o.tif} limit ${t.limit} stp ${t.o.stp}) filled ${t.filled}, the book offered ${t.expectFill}`,
      );
  }

  private finish(o: Ord): void {
    this.unlink(this.inst(o.inst), o);
    this.orders.delete(o.id);
  }

  private event(e: EngineEvent): void {
    switch (e.kind) {
      case 'InstrumentAdded':
        this.insts.set(e.spec.id, {
          spec: e.spec,
          ref: e.spec.referencePrice,
          status: e.spec.status,
          phase: 'closed',
          last: null,
          bids: new Map(),
          asks: new Map(),
        });
        return;
      case 'InstrumentStatusChanged':
        this.inst(e.instrumentId).status = e.status;
        return;
      case 'ReferencePriceChanged':
        this.inst(e.instrumentId).ref = e.price;
        return;
      case 'PhaseChanged': {
        const inst = this.inst(e.instrumentId);
        if (e.from !== inst.phase) throw new Violation(`PhaseChanged from ${e.from}, model says ${inst.phase}`);
        if (!TRANSITIONS[e.from].includes(e.to)) throw new Violation(`phase move ${e.from} -> ${e.to} is not allowed`);
        if (this.cmd?.kind !== 'SetPhase' || this.cmd.phase !== e.to) throw new Violation('PhaseChanged not asked for');
        inst.phase = e.to;
        return;
      }
      case 'OrderAccepted': {
        if (this.orders.has(e.orderId)) throw new Violation(`OrderAccepted for open order id ${e.orderId}`);
        const inst = this.inst(e.instrumentId);
        if (inst.status !== 'active') throw new Violation('order accepted on an instrument that is not active');
        if (inst.phase !== 'continuous' && inst.phase !== 'preOpen')
          throw new Violation(`order accepted in phase ${inst.phase}`);
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
          postOnly: e.postOnly,
          stp: e.stp,
          open: e.volume,
          filled: 0,
          where: stop ? 'pending' : 'incoming',
          accepted: ++this.accepted,
        };
        this.orders.set(o.id, o);
        if (!stop) this.startTaker(o);
        return;
      }
      case 'StopTriggered': {
        const o = this.live(e.orderId, 'StopTriggered');
        if (o.inst !== e.instrumentId) throw new Violation(`StopTriggered for ${o.id} names ${e.instrumentId}`);
        if (o.where !== 'pending') throw new Violation(`StopTriggered for order ${o.id}, which is not a pending stop`);
        // lastPrice is the price that triggered the stop: a last price of this command (the stop may run later,
        // after earlier triggered stops moved the price on)
        if (!this.lastPrices.has(`${o.inst}:${e.lastPrice}`))
          throw new Violation(`StopTriggered.lastPrice ${e.lastPrice} was not a last price in this command`);
        if (!(o.side === 'buy' ? e.lastPrice >= o.stopPrice : e.lastPrice <= o.stopPrice))
          throw new Violation(`stop ${o.id} (${o.side} at ${o.stopPrice}) triggered at last ${e.lastPrice}`);
        this.triggeredIn.add(o.inst);
        o.where = 'incoming';
        this.startTaker(o);
        return;
      }
      case 'OrderRested': {
        const o = this.live(e.orderId, 'OrderRested');
        if (o.tif !== 'GTC' && o.tif !== 'GFD') throw new Violation(`order ${o.id} with ${o.tif} rested`);
        if (e.price !== o.price || e.remaining !== o.open)
          throw new Violation(`OrderRested ${e.price}/${e.remaining}, model ${o.price}/${o.open}`);
        if (o.where === 'pending') throw new Violation(`pending stop ${o.id} rested without a trigger`);
        if (this.taker?.o === o) this.finishTaker();
        if (o.where === 'incoming') this.pushBack(this.inst(o.inst), o);
        return;
      }
      case 'OrderModified': {
        const o = this.live(e.orderId, 'OrderModified');
        if (o.where !== 'resting') throw new Violation(`OrderModified for order ${o.id}, which is ${o.where}`);
        const kept = e.price === o.price && e.remaining < o.open;
        if (e.keptPriority !== kept)
          throw new Violation(
            `modify ${o.price}/${o.open} -> ${e.price}/${e.remaining}: keptPriority ${e.keptPriority}`,
          );
        const inst = this.inst(o.inst);
        if (kept) {
          o.open = e.remaining;
        } else {
          this.unlink(inst, o);
          o.price = e.price;
          o.open = e.remaining;
          this.pushBack(inst, o);
          if (inst.phase === 'continuous') this.startTaker(o);
        }
        return;
      }
      case 'OrderCanceled': {
        const o = this.live(e.orderId, 'OrderCanceled');
        if (e.accountId !== o.account || e.instrumentId !== o.inst)
          throw new Violation('OrderCanceled with wrong owner');
        if (e.canceled !== o.open) throw new Violation(`order ${o.id} canceled ${e.canceled}, open ${o.open}`);
        this.checkCancelReason(o, e.reason);
        if (this.taker?.o === o) this.finishTaker();
        this.finish(o);
        return;
      }
      case 'TradeExecuted':
        this.trade(e);
        return;
      case 'AuctionUncrossed': {
        const inst = this.inst(e.instrumentId);
        const want = this.expectedUncross(inst);
        if (want === null || want.price !== e.price || want.volume !== e.volume || want.imbalance !== e.imbalance)
          throw new Violation(`AuctionUncrossed ${JSON.stringify(e)}, the rules give ${JSON.stringify(want)}`);
        this.uncross = { inst: e.instrumentId, price: e.price, left: e.volume };
        return;
      }
    }
  }

  private checkCancelReason(o: Ord, reason: string): void {
    const cmd = this.cmd!;
    const bad = (why: string) => new Violation(`order ${o.id} canceled with reason ${reason}: ${why}`);
    if (o.tif === 'FOK' && reason !== 'fok' && reason !== 'canceled' && reason !== 'suspended')
      throw bad('a FOK order fills completely or not at all');
    switch (reason) {
      case 'canceled':
        if (cmd.kind !== 'CancelOrder' || cmd.orderId !== o.id) throw bad('not canceled by its owner');
        return;
      case 'expired':
        if (o.tif !== 'GFD' || cmd.kind !== 'SetPhase' || cmd.phase !== 'closed') throw bad('only GFD at the close');
        return;
      case 'suspended':
        if (cmd.kind !== 'SetInstrumentStatus') throw bad('no status change');
        return;
      case 'ioc':
        if (o.tif !== 'IOC' || o.type === 'market' || o.type === 'stop' || this.taker?.o !== o)
          throw bad('not an IOC taker');
        return;
      case 'market':
        if ((o.type !== 'market' && o.type !== 'stop') || this.taker?.o !== o) throw bad('not a market taker');
        return;
      case 'fok':
        if (o.tif !== 'FOK' || this.taker?.o !== o || o.filled !== 0 || this.taker.expectFill !== 0)
          throw bad(`not an unfillable FOK taker (filled ${o.filled}, fillable ${this.taker?.expectFill})`);
        return;
      case 'stp': {
        const t = this.taker;
        if (t === undefined) throw bad('no incoming order');
        if (t.o === o) {
          // an accepted stp 'reject' order that meets its own account later (a modify, a triggered stop) stops like
          // cancelTaker
          if (o.stp !== 'cancelTaker' && o.stp !== 'cancelBoth' && o.stp !== 'reject')
            throw bad(`taker stp is ${o.stp}`);
          if (o.stp === 'cancelTaker' || o.stp === 'reject') {
            const h = this.head(this.inst(o.inst), o.side === 'buy' ? 'sell' : 'buy');
            if (h === undefined || h.account !== o.account) throw bad('the next maker is not of the same account');
          }
        } else {
          if (t.o.stp !== 'cancelMaker' && t.o.stp !== 'cancelBoth') throw bad(`taker ${t.o.id} stp is ${t.o.stp}`);
          if (t.o.account !== o.account) throw bad('maker of another account');
          if (o.where !== 'resting' || this.head(this.inst(o.inst), o.side) !== o)
            throw bad('maker not first in priority');
        }
        return;
      }
      case 'liquidation':
        throw bad('a matching-only engine liquidates nothing');
      default:
        throw bad('unknown reason');
    }
  }

  private trade(e: Extract<EngineEvent, { kind: 'TradeExecuted' }>): void {
    if (!(e.tradeId > this.lastTradeId)) throw new Violation(`trade id ${e.tradeId} after ${this.lastTradeId}`);
    this.lastTradeId = e.tradeId;
    if (!(Number.isInteger(e.volume) && e.volume > 0)) throw new Violation(`trade volume ${e.volume}`);
    const buy = this.live(e.buyOrderId, 'TradeExecuted');
    const sell = this.live(e.sellOrderId, 'TradeExecuted');
    const inst = this.inst(e.instrumentId);
    if (buy.side !== 'buy' || sell.side !== 'sell') throw new Violation('trade sides wrong');
    if (buy.inst !== e.instrumentId || sell.inst !== e.instrumentId) throw new Violation('trade across instruments');
    if (buy.account !== e.buyAccountId || sell.account !== e.sellAccountId) throw new Violation('trade accounts wrong');
    // conservation: the trade takes exactly its volume off both orders
    if (e.volume > buy.open || e.volume > sell.open)
      throw new Violation(`trade of ${e.volume} exceeds open volume (buy ${buy.open}, sell ${sell.open})`);
    if (e.buyRemaining !== buy.open - e.volume || e.sellRemaining !== sell.open - e.volume)
      throw new Violation(
        `trade of ${e.volume}: remaining ${e.buyRemaining}/${e.sellRemaining}, want ${buy.open - e.volume}/${sell.open - e.volume}`,
      );
    if (e.takerSide === null) {
      const u = this.uncross;
      if (u === undefined || u.inst !== e.instrumentId) throw new Violation('an auction trade without an uncross');
      if (e.price !== u.price) throw new Violation(`auction trade at ${e.price}, uncross price ${u.price}`);
      if (this.head(inst, 'buy') !== buy || this.head(inst, 'sell') !== sell)
        throw new Violation(
          `auction paired ${buy.id}/${sell.id}, priority says ${this.head(inst, 'buy')?.id}/${this.head(inst, 'sell')?.id}`,
        );
      u.left -= e.volume;
    } else {
      const taker = e.takerSide === 'buy' ? buy : sell;
      const maker = e.takerSide === 'buy' ? sell : buy;
      const t = this.taker;
      if (t === undefined || t.o !== taker) throw new Violation(`trade with taker ${taker.id}, incoming is ${t?.o.id}`);
      if (maker.where !== 'resting') throw new Violation(`maker ${maker.id} is not resting`);
      // price-time priority: the maker is the first order of the best level on its side
      const h = this.head(inst, maker.side);
      if (h !== maker)
        throw new Violation(
          `taker ${taker.id} hit ${maker.id} at ${maker.price}, but ${h?.id} at ${h?.price} comes first`,
        );
      if (e.price !== maker.price) throw new Violation(`fill at ${e.price}, resting price ${maker.price}`);
      if (taker.side === 'buy' ? e.price > t.limit : e.price < t.limit)
        throw new Violation(`fill at ${e.price} beyond the taker's limit ${t.limit}`);
      if (taker.account === maker.account && taker.stp !== 'none')
        throw new Violation(`self-trade of account ${taker.account} with stp ${taker.stp}`);
      t.filled += e.volume;
      this.takerTradeIn.add(e.instrumentId);
    }
    buy.open -= e.volume;
    buy.filled += e.volume;
    sell.open -= e.volume;
    sell.filled += e.volume;
    inst.last = e.price;
    this.lastPrices.add(`${inst.spec.id}:${e.price}`);
    for (const o of [buy, sell]) {
      if (o.open === 0) {
        if (this.taker?.o === o) this.finishTaker();
        this.finish(o);
      }
    }
  }

  /** The engine's queries agree with the model. */
  checkEngine(engine: Engine): void {
    for (const id of ALL_IDS) {
      const inst = this.insts.get(id);
      const d = engine.depth(id, Number.POSITIVE_INFINITY);
      if (inst === undefined) {
        if (d !== undefined) throw new Violation(`depth of unknown instrument ${id} is defined`);
        continue;
      }
      const want = this.depth(inst);
      if (!isDeepStrictEqual(d, want))
        throw new Violation(`${id}: engine depth ${JSON.stringify(d)}, events give ${JSON.stringify(want)}`);
      if (engine.phase(id) !== inst.phase)
        throw new Violation(`${id}: phase ${engine.phase(id)}, events ${inst.phase}`);
      if (engine.lastPrice(id) !== inst.last)
        throw new Violation(`${id}: last ${engine.lastPrice(id)}, events ${inst.last}`);
    }
  }
}

function badBand(spec: InstrumentSpec): boolean {
  return spec.band.kind === 'ticks' && !(spec.band.ticks > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Resolving templates into commands

export class Driver {
  readonly tracker = new Tracker();
  readonly cmds: Command[] = [];
  private seq = 0;

  /** The prelude followed by the resolved templates, one at a time (resolution looks at the current model). */
  *commands(tpls: readonly Tpl[]): Generator<Command> {
    for (const make of PRELUDE) {
      const cmd = make(++this.seq);
      this.cmds.push(cmd);
      yield cmd;
    }
    for (const tpl of tpls) {
      this.seq += tpl.seqStep;
      const cmd = this.resolve(tpl, this.seq);
      this.cmds.push(cmd);
      yield cmd;
    }
  }

  private resolve(tpl: Tpl, seq: number): Command {
    const ts = seq * 1000;
    switch (tpl.t) {
      case 'place': {
        const mk = MARKETS[tpl.m]!;
        const tifs = tpl.tifValid ? VALID_TIFS[tpl.type] : TIFS;
        const cmd: Record<string, unknown> = {
          kind: 'PlaceOrder',
          seq,
          ts,
          orderId: tpl.fresh ? this.freshId() : tpl.orderId,
          accountId: tpl.account,
          instrumentId: mk.id,
          side: tpl.side,
          type: tpl.type,
          tif: tifs[tpl.tifPick % tifs.length]!,
          price: modPrice(mk.center + tpl.priceK * mk.tick, tpl.priceMod, mk.tick),
          volume: modVolume(tpl.lots * mk.lot, tpl.volMod, mk.lot, mk.max),
        };
        if (tpl.type === 'stop' || tpl.type === 'stopLimit')
          cmd.stopPrice = modPrice(mk.center + tpl.stopK * mk.tick, tpl.stopMod, mk.tick);
        if (tpl.postOnly !== undefined) cmd.postOnly = tpl.postOnly;
        if (tpl.stp !== undefined) cmd.stp = tpl.stp;
        if (tpl.offset !== undefined) cmd.offset = tpl.offset;
        switch (tpl.malformed) {
          case null:
            break;
          case 'side':
            cmd.side = 'hold';
            break;
          case 'tif':
            cmd.tif = 'GTX';
            break;
          case 'type':
            cmd.type = 'iceberg';
            break;
          case 'stp':
            cmd.stp = 'bogus';
            break;
          case 'orderId':
            cmd.orderId = 0;
            break;
          case 'accountId':
            cmd.accountId = -2;
            break;
          case 'postOnly':
            cmd.postOnly = 'yes';
            break;
          case 'noStopPrice':
            delete cmd.stopPrice;
            break;
          case 'offset':
            cmd.offset = 'both';
            break;
        }
        return cmd as unknown as Command;
      }
      case 'cancel': {
        const orderId = this.target(tpl.live, tpl.pick, tpl.orderId);
        const cmd: Record<string, unknown> = { kind: 'CancelOrder', seq, ts, orderId };
        const acct = this.account(tpl.acct, orderId);
        if (acct !== undefined) cmd.accountId = acct;
        return cmd as unknown as Command;
      }
      case 'modify': {
        const orderId = this.target(tpl.live, tpl.pick, tpl.orderId);
        const o = this.tracker.orders.get(orderId);
        const mk = MARKETS.find((m) => m.id === o?.inst) ?? MARKETS[0]!;
        const basePrice = tpl.price === 'same' ? (o?.price ?? mk.center) : mk.center + tpl.price * mk.tick;
        const open = o?.open ?? mk.lot;
        const baseVol =
          tpl.vol === 'same'
            ? open
            : tpl.vol === 'less'
              ? Math.max(mk.lot, open - mk.lot)
              : tpl.vol === 'more'
                ? open + mk.lot
                : tpl.vol * mk.lot;
        const cmd: Record<string, unknown> = {
          kind: 'ModifyOrder',
          seq,
          ts,
          orderId,
          price: modPrice(basePrice, tpl.priceMod, mk.tick),
          volume: modVolume(baseVol, tpl.volMod, mk.lot, mk.max),
        };
        const acct = this.account(tpl.acct, orderId);
        if (acct !== undefined) cmd.accountId = acct;
        return cmd as unknown as Command;
      }
      case 'phase':
        return {
          kind: 'SetPhase',
          seq,
          ts,
          instrumentId: MARKETS[tpl.m]!.id,
          phase: tpl.phase as Phase,
        };
      case 'status':
        return {
          kind: 'SetInstrumentStatus',
          seq,
          ts,
          instrumentId: MARKETS[tpl.m]!.id,
          status: tpl.status as InstrumentStatus,
        };
      case 'ref': {
        const mk = MARKETS[tpl.m]!;
        return {
          kind: 'SetReferencePrice',
          seq,
          ts,
          instrumentId: mk.id,
          price: modPrice(mk.center + tpl.k * mk.tick, tpl.priceMod, mk.tick),
        };
      }
      case 'addInstrument': {
        const spec: InstrumentSpec =
          tpl.variant === 'late'
            ? LATE_SPEC
            : tpl.variant === 'duplicate'
              ? { ...SPECS[1]!, multiplier: 3 }
              : tpl.variant === 'badTick'
                ? { ...LATE_SPEC, id: 'BAD1', priceTick: 0 }
                : tpl.variant === 'badLot'
                  ? { ...LATE_SPEC, id: 'BAD2', lotSize: 3 }
                  : { ...LATE_SPEC, id: 'BAD3', band: { kind: 'ticks', ticks: 0 } };
        return { kind: 'AddInstrument', seq, ts, spec };
      }
      case 'account':
        return this.accountCommand(tpl.variant, seq, ts);
    }
  }

  private accountCommand(variant: Extract<Tpl, { t: 'account' }>['variant'], seq: number, ts: number): Command {
    const accountId = 1;
    switch (variant) {
      case 'create': {
        const accountKind: AccountKind = seq % 2 === 0 ? 'futures' : 'stock';
        return { kind: 'CreateAccount', seq, ts, accountId, userId: 1, accountKind };
      }
      case 'deposit':
        return { kind: 'Deposit', seq, ts, accountId, amount: 100_000 };
      case 'withdraw':
        return { kind: 'Withdraw', seq, ts, accountId, amount: 1 };
      case 'holdings':
        return { kind: 'DepositHoldings', seq, ts, accountId, instrumentId: 'FREE', volume: 100, price: 200 };
      case 'freeze':
        return { kind: 'SetAccountFrozen', seq, ts, accountId, frozen: true };
    }
  }

  private freshId(): number {
    let id = 1;
    while (this.tracker.orders.has(id)) id++;
    return id;
  }

  private target(live: boolean, pick: number, orderId: number): number {
    if (!live || this.tracker.orders.size === 0) return orderId;
    const ids = [...this.tracker.orders.keys()].sort((a, b) => a - b);
    return ids[pick % ids.length]!;
  }

  private account(sel: AcctSel, orderId: number): number | undefined {
    const owner = this.tracker.orders.get(orderId)?.account ?? 1;
    switch (sel) {
      case 'none':
        return undefined;
      case 'owner':
        return owner;
      case 'other':
        return (owner % 4) + 1;
      case 'zero':
        return 0;
    }
  }
}

/** The resolved stream, for a failure message that doubles as a reproduction. */
function repro(cmds: readonly Command[], note: string): string {
  return `${note}\nresolved commands (${cmds.length}):\n${cmds.map((c) => JSON.stringify(c)).join('\n')}`;
}

export function failWith(driver: Driver, err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  throw new Error(repro(driver.cmds, msg), { cause: err });
}

/** Follows the engine with the model but reports nothing: only for resolving templates. */
export function follow(tracker: Tracker, cmd: Command, res: ApplyResult, state: { broken: boolean }): void {
  if (state.broken) return;
  try {
    tracker.apply(cmd, res);
  } catch {
    state.broken = true;
  }
}
