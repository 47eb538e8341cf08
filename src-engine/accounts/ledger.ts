import type { RestingOrder } from '../book/order-book.ts';
import type {
  CreateAccount,
  Deposit,
  DepositHoldings,
  ModifyOrder,
  PlaceOrder,
  SetAccountFrozen,
  Withdraw,
} from '../domain/commands.ts';
import type { EngineEvent, TradeExecuted } from '../domain/events.ts';
import { isPositiveInt } from '../domain/fixed-point.ts';
import type { StateHasher } from '../domain/hash.ts';
import { type AccountId, type InstrumentId, isEntityId, type OrderId } from '../domain/ids.ts';
import { type InstrumentSpec, termsOf, unitValue } from '../domain/instrument.ts';
import type { Offset, Side } from '../domain/order.ts';
import { type Reject, reject } from '../domain/reject-codes.ts';
import type { Matcher } from '../matching/matcher.ts';
import {
  type ColumnSink,
  HOLD_KEYS,
  type HoldState,
  type LedgerState,
  type ListPacker,
  ROWS,
  stateError,
} from '../state.ts';
import { Account } from './account.ts';
import { allowanceFor, commissionFor, MAX_TOTAL_MONEY, marginFor, notional, riskRatioPpm } from './money-rules.ts';
import type { Bucket, PositionSide } from './position.ts';
import { AccountSettlement, type SettleTerms } from './settlement.ts';

export interface RiskConfig {
  /** Open orders and pending stops per account. */
  readonly maxOpenOrders: number;
  /** At most this many orders per account within `rateWindowMs` of command time. */
  readonly maxOrdersPerWindow: number;
  readonly rateWindowMs: number;
  /** Opens are refused when they would take margin / balance above this (ppm). */
  readonly riskRatioCapPpm: number;
  /** Accounts at or above this risk ratio (ppm) are force-liquidated intraday and listed at settlement. */
  readonly forceLiquidationPpm: number;
}

/** Account ids below this are looked up through a dense array (Ledger.accountSlots); larger ones through the map. */
const ACCOUNT_SLOTS = 1 << 20;

export const DEFAULT_RISK: RiskConfig = {
  maxOpenOrders: 1_000,
  maxOrdersPerWindow: 1_000,
  rateWindowMs: 1_000,
  riskRatioCapPpm: 1_000_000,
  forceLiquidationPpm: 1_000_000,
};

/** What an open order holds: funds for opens, position volume and commission for closes. */
export interface Hold {
  readonly orderId: OrderId;
  readonly account: Account;
  readonly instrument: Matcher;
  readonly side: Side;
  /** open or close; for futures closeToday is a close that may take today's bucket only. */
  readonly offset: Offset;
  holdPrice: number;
  remaining: number;
  /** Close orders: open volume reserved in the yesterday and today buckets. */
  reservedYesterday: number;
  reservedToday: number;
  frozenMargin: number;
  frozenCommission: number;
  frozenCash: number;
}

/** The instruments the ledger can see, by id. */
export interface InstrumentLookup {
  get(id: InstrumentId): Matcher | undefined;
}

/**
 * Accounts, holds and fills: stage R1 (pre-trade checks and holds) before matching and R2 (fills and releases, from
 * the events matching produced) after it. It never touches a book.
 */
export class Ledger {
  readonly accounts = new Map<AccountId, Account>();
  readonly holds = new Map<OrderId, Hold>();
  /** Accounts with a position in each instrument (intraday risk looks only at these). */
  readonly holders = new Map<InstrumentId, Set<Account>>();
  tradingDay = 1;
  /** Totals since the start, for the conservation check. */
  depositsTotal = 0;
  withdrawalsTotal = 0;
  commissionTotal = 0;
  /** Accounts touched by the current command, and positions touched by its fills. */
  readonly touched = new Set<Account>();
  readonly touchedPositions = new Map<Account, Set<InstrumentId>>();
  /** Accounts whose negative balance has been reported (checked every time until they recover). */
  readonly negative = new Set<Account>();
  /** The hold computed by the last successful check, applied by `commitPlace`. */
  private pending: Hold | null = null;
  /**
   * Derived, not state (never in a snapshot): `accounts` again, as a dense array by id for ids below ACCOUNT_SLOTS,
   * filled on lookup (so whatever fills `accounts` is seen); accounts are never removed. The pre-trade check's lookup.
   */
  private readonly accountSlots: (Account | undefined)[] = [];
  /** Derived, not state: the last Position.holderSeq handed out (in `holding`, and in `restoreState` in set order). */
  private holderSeq = 0;

  constructor(
    readonly risk: RiskConfig,
    private readonly instruments: InstrumentLookup,
  ) {}

  // Account commands

  createAccount(cmd: CreateAccount, out: EngineEvent[]): Reject | null {
    if (!isEntityId(cmd.accountId) || !isEntityId(cmd.userId)) return reject('VALIDATION_MALFORMED_COMMAND');
    if (cmd.accountKind !== 'futures' && cmd.accountKind !== 'stock') return reject('VALIDATION_MALFORMED_COMMAND');
    if (this.accounts.has(cmd.accountId)) return reject('ACCOUNT_DUPLICATE');
    const a = new Account(cmd.accountId, cmd.userId, cmd.accountKind);
    this.accounts.set(a.id, a);
    out.push({ kind: 'AccountCreated', accountId: a.id, userId: a.userId, accountKind: a.kind });
    this.touched.add(a);
    return null;
  }

  moveFunds(cmd: Deposit | Withdraw, out: EngineEvent[]): Reject | null {
    if (!isEntityId(cmd.accountId)) return reject('VALIDATION_MALFORMED_COMMAND');
    const a = this.accounts.get(cmd.accountId);
    if (a === undefined) return reject('ACCOUNT_UNKNOWN');
    if (!isPositiveInt(cmd.amount)) return reject('ACCOUNT_AMOUNT_NOT_POSITIVE');
    if (cmd.kind === 'Withdraw') {
      if (a.frozen) return reject('ACCOUNT_FROZEN');
      if (cmd.amount > a.available()) return reject('ACCOUNT_INSUFFICIENT_AVAILABLE');
      a.withdraw += cmd.amount;
      if (a.kind === 'stock') a.cash -= cmd.amount;
      this.withdrawalsTotal += cmd.amount;
    } else {
      if (cmd.amount > MAX_TOTAL_MONEY - (this.depositsTotal - this.withdrawalsTotal)) {
        return reject('ACCOUNT_AMOUNT_TOO_LARGE');
      }
      a.deposit += cmd.amount;
      if (a.kind === 'stock') a.cash += cmd.amount;
      this.depositsTotal += cmd.amount;
    }
    out.push({
      kind: 'FundsMoved',
      accountId: a.id,
      direction: cmd.kind === 'Withdraw' ? 'withdraw' : 'deposit',
      amount: cmd.amount,
    });
    this.touched.add(a);
    return null;
  }

  depositHoldings(cmd: DepositHoldings, out: EngineEvent[]): Reject | null {
    if (!isEntityId(cmd.accountId) || typeof cmd.instrumentId !== 'string')
      return reject('VALIDATION_MALFORMED_COMMAND');
    const a = this.accounts.get(cmd.accountId);
    if (a === undefined) return reject('ACCOUNT_UNKNOWN');
    const m = this.instruments.get(cmd.instrumentId);
    if (m === undefined) return reject('VALIDATION_UNKNOWN_INSTRUMENT');
    if (a.kind !== 'stock' || m.spec.kind !== 'stock') return reject('ACCOUNT_KIND_MISMATCH');
    const vr = m.checkVolume(cmd.volume);
    if (vr !== null && vr.code !== 'VALIDATION_VOLUME_ABOVE_MAXIMUM') return vr;
    if (!isPositiveInt(cmd.price) || cmd.price % m.spec.priceTick !== 0) return reject('VALIDATION_PRICE_NOT_ON_TICK');
    a.position(m).long.today.add(cmd.price, cmd.volume, 0);
    this.holding(a, m.id);
    out.push({
      kind: 'HoldingsDeposited',
      accountId: a.id,
      instrumentId: m.id,
      volume: cmd.volume,
      price: cmd.price,
    });
    this.touchPosition(a, m.id);
    return null;
  }

  setFrozen(cmd: SetAccountFrozen, out: EngineEvent[]): Reject | null {
    if (!isEntityId(cmd.accountId) || typeof cmd.frozen !== 'boolean') return reject('VALIDATION_MALFORMED_COMMAND');
    const a = this.accounts.get(cmd.accountId);
    if (a === undefined) return reject('ACCOUNT_UNKNOWN');
    a.frozen = cmd.frozen;
    out.push({ kind: 'AccountFrozenChanged', accountId: a.id, frozen: a.frozen });
    this.touched.add(a);
    return null;
  }

  /** `accounts.get(id)`, through the dense `accountSlots` for small ids. */
  private accountById(id: AccountId): Account | undefined {
    const slots = this.accountSlots;
    if (id < slots.length) {
      const a = slots[id];
      if (a !== undefined) return a;
    }
    const a = this.accounts.get(id);
    if (a !== undefined && id < ACCOUNT_SLOTS) {
      while (slots.length <= id) slots.push(undefined);
      slots[id] = a;
    }
    return a;
  }

  // R1: pre-trade

  /**
   * Account checks 8–12 and 14 of docs/accounts.md for a new order (the caller runs 13, self-trade, between
   * `checkPlace` and `checkRatio`). On success the hold to apply waits in `pending`.
   */
  checkPlace(cmd: PlaceOrder, m: Matcher, forced: boolean): Reject | null {
    this.pending = null;
    const a = this.accountById(cmd.accountId);
    if (a === undefined) return reject('ACCOUNT_UNKNOWN');
    if (a.frozen && !forced) return reject('ACCOUNT_FROZEN');
    const spec = m.spec;
    if ((a.kind === 'stock') !== (spec.kind === 'stock')) return reject('ACCOUNT_KIND_MISMATCH');
    const offset: Offset = spec.kind === 'stock' ? (cmd.side === 'buy' ? 'open' : 'close') : (cmd.offset ?? 'open');
    const holdPrice = this.holdPrice(cmd, m);
    if (holdPrice === null) return reject('RISK_MARKET_ORDER_NEEDS_BAND');
    const h: Hold = {
      orderId: cmd.orderId,
      account: a,
      instrument: m,
      side: cmd.side,
      offset,
      holdPrice,
      remaining: cmd.volume,
      reservedYesterday: 0,
      reservedToday: 0,
      frozenMargin: 0,
      frozenCommission: 0,
      frozenCash: 0,
    };
    if (offset !== 'open') {
      const { freeY, freeT } = this.closable(a, m.id, cmd.side);
      const rule = termsOf(spec).closeRule;
      if (offset === 'closeToday' && spec.kind === 'future') {
        if (cmd.volume > freeT) return reject('RISK_NO_POSITION_TO_CLOSE');
        h.reservedToday = cmd.volume;
      } else {
        const useToday = spec.kind === 'stock' || rule === 'yesterdayFirst';
        const fromY = Math.min(cmd.volume, freeY);
        const fromT = cmd.volume - fromY;
        if (fromT > 0 && (!useToday || fromT > freeT)) return reject('RISK_NO_POSITION_TO_CLOSE');
        h.reservedYesterday = fromY;
        h.reservedToday = fromT;
      }
    }
    this.computeHold(h);
    if (!forced) {
      if (offset === 'open') {
        const need = h.frozenMargin + h.frozenCommission + h.frozenCash;
        if (need > a.available()) return reject('RISK_INSUFFICIENT_FUNDS');
      }
      if (a.openOrders >= this.risk.maxOpenOrders) return reject('RISK_TOO_MANY_OPEN_ORDERS');
      const recent = a.recentOrders;
      if (recent.length >= this.risk.maxOrdersPerWindow && cmd.ts - recent[0]! < this.risk.rateWindowMs) {
        return reject('RISK_ORDER_RATE_EXCEEDED');
      }
    }
    this.pending = h;
    return null;
  }

  /** Check 14: an open may not take the risk ratio above the cap. */
  checkRatio(forced: boolean): Reject | null {
    const h = this.pending!;
    if (forced || h.offset !== 'open' || h.account.kind === 'stock') return null;
    const a = h.account;
    const after = riskRatioPpm(a.margin + a.frozenMargin + h.frozenMargin, a.balance());
    return after > this.risk.riskRatioCapPpm ? reject('RISK_RATIO_CAP') : null;
  }

  /** Applies the pending hold of an accepted order. */
  commitPlace(ts: number, forced: boolean): void {
    const h = this.pending!;
    this.pending = null;
    const a = h.account;
    this.holds.set(h.orderId, h);
    a.openOrders++;
    this.freeze(h, 1);
    this.reserve(h, 1);
    if (!forced) {
      const recent = a.recentOrders;
      recent.push(ts);
      if (recent.length > this.risk.maxOrdersPerWindow) recent.shift();
    }
    this.touched.add(a);
  }

  /** Checks a modify's new hold; on success `commitModify` applies it. */
  checkModify(cmd: ModifyOrder, o: RestingOrder): Reject | null {
    this.pending = null;
    const h = this.holds.get(cmd.orderId);
    if (h === undefined) return null;
    const m = h.instrument;
    const next: Hold = { ...h, remaining: cmd.volume, holdPrice: h.holdPrice };
    // A volume-only change keeps the hold price (the hold is a function of the open volume); a new price is held
    // like a new order of the same side in the current phase.
    if (cmd.price !== o.price && h.side === 'sell') {
      next.holdPrice =
        m.phase !== 'continuous' && m.band !== null ? m.band.upper : Math.max(cmd.price, this.bestBidOr(m, cmd.price));
    } else if (cmd.price !== o.price) next.holdPrice = cmd.price;
    if (h.offset !== 'open') {
      const extra = cmd.volume - o.remaining;
      if (extra > 0) {
        const { freeY, freeT } = this.closable(h.account, m.id, h.side);
        const rule = termsOf(m.spec).closeRule;
        const fromY = h.offset === 'closeToday' && m.spec.kind === 'future' ? 0 : Math.min(extra, freeY);
        const fromT = extra - fromY;
        const todayAllowed = h.offset === 'closeToday' || m.spec.kind === 'stock' || rule === 'yesterdayFirst';
        if (fromT > 0 && (!todayAllowed || fromT > freeT)) return reject('RISK_NO_POSITION_TO_CLOSE');
        next.reservedYesterday += fromY;
        next.reservedToday += fromT;
      } else {
        // Give back today's reservation first, then yesterday's.
        let back = -extra;
        const t = Math.min(back, next.reservedToday);
        next.reservedToday -= t;
        back -= t;
        next.reservedYesterday -= back;
      }
    }
    this.computeHold(next);
    if (h.offset === 'open') {
      const more = next.frozenMargin + next.frozenCommission + next.frozenCash;
      const now = h.frozenMargin + h.frozenCommission + h.frozenCash;
      if (more > now && more - now > h.account.available()) return reject('RISK_INSUFFICIENT_FUNDS');
    }
    this.pending = next;
    return null;
  }

  commitModify(): void {
    const next = this.pending;
    this.pending = null;
    if (next === null) return;
    const h = this.holds.get(next.orderId)!;
    this.freeze(h, -1);
    this.reserve(h, -1);
    this.holds.set(next.orderId, next);
    this.freeze(next, 1);
    this.reserve(next, 1);
    this.touched.add(next.account);
  }

  // R2: fills and releases

  /** Applies the fills and cancels among `events` from index `from` on. Returns the instruments that traded. */
  settleEvents(events: readonly EngineEvent[], from: number, traded: Set<Matcher>): void {
    for (let i = from; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind === 'TradeExecuted') {
        this.fill(e, e.buyOrderId, e.buyRemaining);
        this.fill(e, e.sellOrderId, e.sellRemaining);
        const h = this.instruments.get(e.instrumentId);
        if (h !== undefined) traded.add(h);
      } else if (e.kind === 'OrderCanceled') {
        const h = this.holds.get(e.orderId);
        if (h !== undefined) this.release(h);
      }
    }
  }

  private fill(e: TradeExecuted, orderId: OrderId, remainingAfter: number): void {
    const h = this.holds.get(orderId);
    if (h === undefined) return;
    const a = h.account;
    const m = h.instrument;
    const spec = m.spec;
    const terms = termsOf(spec);
    const uv = unitValue(spec);
    const p = e.price;
    const v = e.volume;
    const pos = a.position(m);
    // Release the hold for the filled volume: hold(before) − hold(after).
    this.freeze(h, -1);
    this.reserve(h, -1);
    let takeY = 0;
    let takeT = 0;
    if (h.offset !== 'open') {
      takeY = Math.min(v, h.reservedYesterday);
      takeT = v - takeY;
      h.reservedYesterday -= takeY;
      h.reservedToday -= takeT;
    }
    h.remaining = remainingAfter;
    this.computeHold(h);
    this.freeze(h, 1);
    this.reserve(h, 1);
    let commission: number;
    let closeProfit = 0;
    if (h.offset === 'open') {
      commission = commissionFor(terms.commission, 'open', p, v, uv, spec.lotSize);
      const long = h.side === 'buy';
      const side = long ? pos.long : pos.short;
      if (a.kind === 'stock') {
        side.today.add(p, v, 0);
        a.cash -= notional(p, v, uv) + commission;
      } else {
        const margin = marginFor(p, v, uv, long ? terms.marginLongPpm : terms.marginShortPpm);
        side.today.add(p, v, margin);
        a.margin += margin;
      }
      this.holding(a, m.id);
    } else {
      const closesLong = h.side === 'sell';
      const side = closesLong ? pos.long : pos.short;
      const dir = closesLong ? 1 : -1;
      const rate = a.kind === 'stock' ? 0 : closesLong ? terms.marginLongPpm : terms.marginShortPpm;
      commission =
        commissionFor(terms.commission, 'close', p, takeY, uv, spec.lotSize) +
        commissionFor(terms.commission, a.kind === 'stock' ? 'close' : 'closeToday', p, takeT, uv, spec.lotSize);
      for (const [bucket, take] of [
        [side.yesterday, takeY],
        [side.today, takeT],
      ] as const) {
        if (take === 0) continue;
        const r = bucket.close(take, p, uv, dir, rate);
        closeProfit += r.profit;
        a.margin -= r.marginReleased;
      }
      a.closeProfit += closeProfit;
      if (a.kind === 'stock') a.cash += notional(p, v, uv) - commission;
    }
    a.commission += commission;
    this.commissionTotal += commission;
    a.tradesToday.push({
      tradeId: e.tradeId,
      orderId: h.orderId,
      instrumentId: m.id,
      side: h.side,
      offset: h.offset,
      price: p,
      volume: v,
      commission,
      closeProfit,
    });
    this.touchPosition(a, m.id);
    if (pos.long.volume === 0 && pos.short.volume === 0) this.holders.get(m.id)?.delete(a);
    if (remainingAfter === 0) this.drop(h);
  }

  /** Releases the whole rest of a hold (cancel, expiry). */
  release(h: Hold): void {
    this.freeze(h, -1);
    this.reserve(h, -1);
    this.drop(h);
    this.touched.add(h.account);
  }

  private drop(h: Hold): void {
    this.holds.delete(h.orderId);
    h.account.openOrders--;
  }

  // Holds

  /** The hold price: the limit (band limit for market orders); for sells at least the best bid. */
  private holdPrice(cmd: PlaceOrder, m: Matcher): number | null {
    const band = m.band;
    if (cmd.type === 'market' || cmd.type === 'stop') {
      if (band === null) return null;
      return cmd.side === 'buy'
        ? band.upper
        : cmd.type === 'stop'
          ? band.upper
          : Math.max(band.lower, this.bestBidOr(m, band.lower));
    }
    if (cmd.side === 'buy') return cmd.price;
    // A sell fills at the bids, at or above its limit: a stop-limit sell triggers into whatever bids stand then, and a
    // sell collected before an auction fills at the uncross price; both are bounded only by the band.
    if (cmd.type === 'stopLimit') return band === null ? null : band.upper;
    if (m.phase !== 'continuous' && band !== null) return band.upper;
    return Math.max(cmd.price, this.bestBidOr(m, cmd.price));
  }

  private bestBidOr(m: Matcher, fallback: number): number {
    const b = m.book.bestBid();
    return Number.isNaN(b) ? fallback : b;
  }

  /** Sets a hold's frozen amounts from its open volume and reservations. */
  private computeHold(h: Hold): void {
    const spec = h.instrument.spec;
    const terms = termsOf(spec);
    const uv = h.instrument.unitValue; // unitValue(spec), kept by the matcher
    const r = h.remaining;
    const H = h.holdPrice;
    const lot = spec.lotSize;
    h.frozenMargin = 0;
    h.frozenCommission = 0;
    h.frozenCash = 0;
    if (r === 0) return;
    if (h.offset === 'open') {
      const commission = commissionFor(terms.commission, 'open', H, r, uv, lot) + allowanceFor(r, lot, 1);
      if (h.account.kind === 'stock') {
        h.frozenCash = notional(H, r, uv) + commission + allowanceFor(r, lot, 1);
      } else {
        const ppm = h.side === 'buy' ? terms.marginLongPpm : terms.marginShortPpm;
        h.frozenMargin = marginFor(H, r, uv, ppm) + allowanceFor(r, lot, 1);
        h.frozenCommission = commission;
      }
    } else if (h.account.kind === 'stock') {
      h.frozenCash = commissionFor(terms.commission, 'close', H, r, uv, lot) + allowanceFor(r, lot, 1);
    } else {
      h.frozenCommission =
        commissionFor(terms.commission, 'close', H, h.reservedYesterday, uv, lot) +
        commissionFor(terms.commission, 'closeToday', H, h.reservedToday, uv, lot) +
        allowanceFor(r, lot, 1);
    }
  }

  private freeze(h: Hold, sign: 1 | -1): void {
    const a = h.account;
    a.frozenMargin += sign * h.frozenMargin;
    a.frozenCommission += sign * h.frozenCommission;
    a.frozenCash += sign * h.frozenCash;
  }

  private reserve(h: Hold, sign: 1 | -1): void {
    if (h.offset === 'open') return;
    const side = this.closedSide(h.account, h.instrument, h.side);
    side.yesterday.frozen += sign * h.reservedYesterday;
    side.today.frozen += sign * h.reservedToday;
  }

  /** Free (not yet reserved) volume an order of `side` could close, without creating a position record. */
  private closable(a: Account, instrumentId: InstrumentId, side: Side): { freeY: number; freeT: number } {
    const p = a.positions.get(instrumentId);
    if (p === undefined) return { freeY: 0, freeT: 0 };
    const s = side === 'sell' ? p.long : p.short;
    return { freeY: s.yesterday.volume - s.yesterday.frozen, freeT: s.today.volume - s.today.frozen };
  }

  /** The position side an order of `side` closes: a sell closes longs, a buy closes shorts. */
  private closedSide(a: Account, instrument: Matcher, side: Side): PositionSide {
    const p = a.position(instrument);
    return side === 'sell' ? p.long : p.short;
  }

  private holding(a: Account, instrumentId: InstrumentId): void {
    let set = this.holders.get(instrumentId);
    if (set === undefined) {
      set = new Set();
      this.holders.set(instrumentId, set);
    }
    if (set.has(a)) return;
    set.add(a);
    // the holders' order, as a number on the position (Position.holderSeq)
    a.positions.get(instrumentId)!.holderSeq = ++this.holderSeq;
  }

  /** A fill or deposit changed this position's lots: it gets a PositionChanged, and the account's valuation is redone. */
  private touchPosition(a: Account, instrumentId: InstrumentId): void {
    a.positionsChanged();
    this.touched.add(a);
    let set = this.touchedPositions.get(a);
    if (set === undefined) {
      set = new Set();
      this.touchedPositions.set(a, set);
    }
    set.add(instrumentId);
  }

  /** AccountChanged and PositionChanged for everything the command touched; clears the marks. */
  flushChanges(out: EngineEvent[]): void {
    // Every PositionChanged first, then every AccountChanged (an account's numbers include its positions).
    for (const [a, ids] of this.touchedPositions) {
      for (const id of ids) out.push({ kind: 'PositionChanged', position: a.positionSnapshot(id) });
    }
    for (const a of this.touched) out.push({ kind: 'AccountChanged', account: a.snapshot(this.tradingDay) });
    this.touched.clear();
    this.touchedPositions.clear();
  }

  // Settlement

  /**
   * Settles every account at `prices` (per instrument id): the statements into `out`, the at-risk list returned. A
   * generator: it yields the number of accounts settled after each `chunk` of them (none when chunk is infinite).
   */
  *settle(
    prices: ReadonlyMap<InstrumentId, number>,
    specs: ReadonlyMap<InstrumentId, InstrumentSpec>,
    out: EngineEvent[],
    chunk = Number.POSITIVE_INFINITY,
  ): Generator<number, AccountId[], number | undefined> {
    const day = this.tradingDay;
    const atRisk: AccountId[] = [];
    // Close reservations of today's volume become yesterday's (the lots move). The roll never reads frozen volumes,
    // so the reservations are moved here, before it, in one pass over the holds.
    for (const h of this.holds.values()) {
      if (h.offset === 'open') continue;
      this.reserve(h, -1);
      h.reservedYesterday += h.reservedToday;
      h.reservedToday = 0;
      this.reserve(h, 1);
    }
    yield 0; // (a step of its own: it visits every hold)
    // What settlement needs of each instrument, looked up once (the caller set the marks to the settlement prices).
    const terms = new Map<InstrumentId, SettleTerms>();
    for (const [id, spec] of specs) {
      const t = termsOf(spec);
      const m = this.instruments.get(id);
      terms.set(id, {
        price: prices.get(id) ?? null,
        unitValue: unitValue(spec),
        marginLongPpm: t.marginLongPpm,
        marginShortPpm: t.marginShortPpm,
        mark: m === undefined ? 0 : m.mark(),
      });
    }
    // Per account in id order, one pass: roll, statement, then tomorrow's pre-balance and the daily fields restart;
    // in slices of `chunk` accounts, yielding the count settled after each slice (the caller may pass the size of the
    // next slice to `next`; the slices never change the result).
    const run = new AccountSettlement(terms, day, this.risk.forceLiquidationPpm, atRisk, out);
    const list = AccountSettlement.inIdOrder(this.accounts);
    let size = chunk;
    // another step with no account settled yet: the list visits every account
    const first = yield 0;
    if (typeof first === 'number' && first >= 1) size = first;
    for (let i = 0; i < list.length; ) {
      const to = Math.min(list.length, i + size);
      run.settleRange(list, i, to);
      i = to;
      if (to < list.length) {
        const next = yield to;
        if (typeof next === 'number' && next >= 1) size = next;
      }
    }
    this.tradingDay++;
    return atRisk;
  }

  // Invariants and hash

  validateInternalState(): void {
    let sum = 0;
    const frozen = new Map<Account, { m: number; c: number; cash: number; n: number }>();
    for (const h of this.holds.values()) {
      const f = frozen.get(h.account) ?? { m: 0, c: 0, cash: 0, n: 0 };
      f.m += h.frozenMargin;
      f.c += h.frozenCommission;
      f.cash += h.frozenCash;
      f.n++;
      frozen.set(h.account, f);
    }
    for (const a of this.accounts.values()) {
      const f = frozen.get(a) ?? { m: 0, c: 0, cash: 0, n: 0 };
      if (f.m !== a.frozenMargin || f.c !== a.frozenCommission || f.cash !== a.frozenCash) {
        throw new Error(`account ${a.id}: frozen funds differ from its orders' holds`);
      }
      if (f.n !== a.openOrders) throw new Error(`account ${a.id}: ${a.openOrders} open orders counted, ${f.n} held`);
      let margin = 0;
      for (const [id, p] of a.positions) {
        for (const side of [p.long, p.short]) {
          for (const b of [side.today, side.yesterday] as Bucket[]) {
            let v = 0;
            let mg = 0;
            for (const lot of b.lots) {
              v += lot.volume;
              mg += lot.margin;
            }
            if (v !== b.volume || mg !== b.margin) throw new Error(`account ${a.id} ${id}: bucket totals wrong`);
            if (b.frozen < 0 || b.frozen > b.volume)
              throw new Error(`account ${a.id} ${id}: frozen volume out of range`);
          }
          margin += side.margin;
        }
      }
      if (margin !== a.margin) throw new Error(`account ${a.id}: margin ${a.margin} but positions hold ${margin}`);
      a.validateValuation();
      sum += a.kind === 'stock' ? a.cash : a.balance();
    }
    if (sum + this.commissionTotal !== this.depositsTotal - this.withdrawalsTotal) {
      throw new Error(
        `money not conserved: balances ${sum} + commission ${this.commissionTotal} != deposits ${this.depositsTotal} - withdrawals ${this.withdrawalsTotal}`,
      );
    }
  }

  stateHash(h: StateHasher): void {
    h.num(this.tradingDay).num(this.depositsTotal).num(this.withdrawalsTotal).num(this.commissionTotal);
    const ids = [...this.accounts.keys()].sort((x, y) => x - y);
    for (const id of ids) {
      const a = this.accounts.get(id)!;
      h.num(a.id).num(a.userId).str(a.kind).bool(a.frozen).num(a.preBalance).num(a.deposit).num(a.withdraw);
      h.num(a.closeProfit).num(a.commission).num(a.margin).num(a.frozenMargin).num(a.frozenCommission);
      h.num(a.cash).num(a.frozenCash).num(a.openOrders).num(a.recentOrders.length);
      for (const t of a.recentOrders) h.num(t);
      for (const pid of [...a.positions.keys()].sort()) {
        const p = a.positions.get(pid)!;
        h.str(pid);
        for (const side of [p.long, p.short]) {
          for (const b of [side.today, side.yesterday]) {
            h.num(b.frozen).num(b.lots.length);
            for (const lot of b.lots) h.num(lot.openPrice).num(lot.positionPrice).num(lot.volume).num(lot.margin);
          }
        }
      }
      h.num(a.tradesToday.length);
    }
    // Holds by ascending order id. The map keeps them in the order they were placed, which is ascending but for
    // force-liquidation orders (ids above every client's); only then is a sorted copy needed.
    let last = Number.NEGATIVE_INFINITY;
    let sorted = true;
    for (const id of this.holds.keys()) {
      if (id < last) {
        sorted = false;
        break;
      }
      last = id;
    }
    const hold = (x: Hold) => {
      h.num(x.orderId).num(x.account.id).str(x.offset).num(x.holdPrice).num(x.remaining);
      h.num(x.reservedYesterday).num(x.reservedToday).num(x.frozenMargin).num(x.frozenCommission).num(x.frozenCash);
    };
    if (sorted) for (const x of this.holds.values()) hold(x);
    else for (const id of [...this.holds.keys()].sort((x, y) => x - y)) hold(this.holds.get(id)!);
  }

  // Snapshots (src-engine/state.ts)

  /**
   * The ledger in a snapshot: totals, accounts, holds, holders and the negative list, each in its own order. The holds
   * go to the packer column by column (`ListPacker`; `ROWS`, the default, makes them rows).
   */
  exportState(packer: ListPacker = ROWS): LedgerState {
    return {
      tradingDay: this.tradingDay,
      depositsTotal: this.depositsTotal,
      withdrawalsTotal: this.withdrawalsTotal,
      commissionTotal: this.commissionTotal,
      accounts: [...this.accounts.values()].map((a) => a.exportState()),
      holds: packer.list(HOLD_KEYS, this.holds.size, (c) => this.packHolds(c)) as HoldState[],
      holders: [...this.holders].map(([instrumentId, set]) => ({
        instrumentId,
        accountIds: [...set].map((a) => a.id),
      })),
      negative: [...this.negative].map((a) => a.id),
    };
  }

  /** The holds into a packer's columns, in HOLD_KEYS order. */
  private packHolds(c: readonly ColumnSink[]): void {
    const [orderId, accountId, instrumentId, side, offset, holdPrice, remaining, resY, resT, fm, fc, fcash] =
      c as ColumnSink[];
    for (const h of this.holds.values()) {
      orderId!.push(h.orderId);
      accountId!.push(h.account.id);
      instrumentId!.push(h.instrument.id);
      side!.push(h.side);
      offset!.push(h.offset);
      holdPrice!.push(h.holdPrice);
      remaining!.push(h.remaining);
      resY!.push(h.reservedYesterday);
      resT!.push(h.reservedToday);
      fm!.push(h.frozenMargin);
      fc!.push(h.frozenCommission);
      fcash!.push(h.frozenCash);
    }
  }

  /**
   * Loads a snapshot into this new, empty ledger (the engine has restored the instruments). Checks that every id it
   * names exists and that the close reservations in the position buckets are exactly those of the holds.
   */
  restoreState(s: LedgerState): void {
    if (this.accounts.size > 0) throw stateError('the ledger to restore into is not empty');
    this.tradingDay = s.tradingDay;
    this.depositsTotal = s.depositsTotal;
    this.withdrawalsTotal = s.withdrawalsTotal;
    this.commissionTotal = s.commissionTotal;
    for (const as of s.accounts) {
      if (this.accounts.has(as.id)) throw stateError(`account ${as.id} appears twice`);
      this.accounts.set(
        as.id,
        Account.fromState(as, (id) => this.instruments.get(id)),
      );
    }
    const account = (id: AccountId, where: string): Account => {
      const a = this.accounts.get(id);
      if (a === undefined) throw stateError(`${where} names unknown account ${id}`);
      return a;
    };
    const instrument = (id: InstrumentId, where: string): Matcher => {
      const m = this.instruments.get(id);
      if (m === undefined) throw stateError(`${where} names unknown instrument ${id}`);
      return m;
    };
    for (const h of s.holds) {
      // the message is built only for a hold that fails (a book of a million orders has a million holds)
      const a = this.accounts.get(h.accountId);
      const m = this.instruments.get(h.instrumentId);
      if (
        a === undefined ||
        m === undefined ||
        (h.offset === 'open' ? h.reservedYesterday !== 0 || h.reservedToday !== 0 : !a.positions.has(m.id))
      ) {
        const where = `hold of order ${h.orderId}`;
        if (this.holds.has(h.orderId)) throw stateError(`${where} appears twice`);
        account(h.accountId, where);
        instrument(h.instrumentId, where);
        if (h.offset === 'open') throw stateError(`${where} opens but reserves position volume`);
        throw stateError(`${where} closes a position account ${h.accountId} does not have`);
      }
      // a repeated order id shows as a map that did not grow (one lookup per hold, not two)
      const before = this.holds.size;
      this.holds.set(h.orderId, {
        orderId: h.orderId,
        account: a,
        instrument: m,
        side: h.side,
        offset: h.offset,
        holdPrice: h.holdPrice,
        remaining: h.remaining,
        reservedYesterday: h.reservedYesterday,
        reservedToday: h.reservedToday,
        frozenMargin: h.frozenMargin,
        frozenCommission: h.frozenCommission,
        frozenCash: h.frozenCash,
      });
      if (this.holds.size === before) throw stateError(`hold of order ${h.orderId} appears twice`);
    }
    for (const x of s.holders) {
      const m = instrument(x.instrumentId, 'holders');
      if (this.holders.has(m.id)) throw stateError(`holders of ${m.id} appear twice`);
      const set = new Set<Account>();
      for (const id of x.accountIds) {
        const a = account(id, `holders of ${m.id}`);
        if (set.has(a)) throw stateError(`holders of ${m.id} list account ${id} twice`);
        const p = a.positions.get(m.id);
        if (p === undefined) throw stateError(`holders of ${m.id} list account ${id}, which has no position there`);
        set.add(a);
        p.holderSeq = ++this.holderSeq;
      }
      this.holders.set(m.id, set);
    }
    for (const id of s.negative) {
      const a = account(id, 'negative');
      if (this.negative.has(a)) throw stateError(`negative lists account ${id} twice`);
      a.negativeReported = true;
      this.negative.add(a);
    }
    // Close reservations: every bucket's frozen volume is what the holds of pending closes reserve in it.
    const reserved = new Map<Bucket, number>();
    for (const h of this.holds.values()) {
      if (h.offset === 'open') continue;
      const p = h.account.positions.get(h.instrument.id)!;
      const side = h.side === 'sell' ? p.long : p.short;
      reserved.set(side.yesterday, (reserved.get(side.yesterday) ?? 0) + h.reservedYesterday);
      reserved.set(side.today, (reserved.get(side.today) ?? 0) + h.reservedToday);
    }
    for (const a of this.accounts.values()) {
      for (const [id, p] of a.positions) {
        for (const [name, b] of [
          ['long today', p.long.today],
          ['long yesterday', p.long.yesterday],
          ['short today', p.short.today],
          ['short yesterday', p.short.yesterday],
        ] as const) {
          if (b.frozen !== (reserved.get(b) ?? 0)) {
            throw stateError(
              `account ${a.id} ${id} ${name}: frozen ${b.frozen}, its close orders reserve ${reserved.get(b) ?? 0}`,
            );
          }
        }
      }
    }
  }
}
