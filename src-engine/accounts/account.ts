import type { AccountKind } from '../domain/commands.ts';
import type { AccountSnapshot, AccountTrade, PositionSnapshot } from '../domain/events.ts';
import type { AccountId, InstrumentId } from '../domain/ids.ts';
import { type AccountState, stateError } from '../state.ts';
import { riskRatioPpm } from './money-rules.ts';
import { Position, type Valued } from './position.ts';

/** Entries per position in `Account.valued()`: instrument, net volume, position cost, open cost. */
export const VALUED_STRIDE = 4;

/**
 * A futures (QIFI) or stock (cash) account. Stored fields are the ones that change by events; balance, available,
 * position profit and risk ratio are derived from them and the instruments' marks whenever asked.
 */
export class Account {
  frozen = false;
  preBalance = 0;
  deposit = 0;
  withdraw = 0;
  closeProfit = 0;
  commission = 0;
  margin = 0;
  frozenMargin = 0;
  frozenCommission = 0;
  /** Stock accounts: cash, and cash held by open buys. */
  cash = 0;
  frozenCash = 0;
  openOrders = 0;
  /** Timestamps of the latest orders, oldest first (at most the rate limit's count). */
  readonly recentOrders: number[] = [];
  readonly positions = new Map<InstrumentId, Position>();
  tradesToday: AccountTrade[] = [];
  negativeReported = false;
  /**
   * Derived, not state (never in a snapshot): what balance() and snapshot() need of the positions with volume, in the
   * map's order, built on first use, VALUED_STRIDE (4) entries per position in one array (one object to read, not the
   * lots): the instrument, the net volume (stocks: the holding), the position cost it is carried at (long minus short;
   * stocks: 0) and its open cost (long minus short; stocks: the holding's). Null when stale: whatever changes a
   * position's lots calls `positionsChanged()` afterwards (the ledger on fills and holdings deposits, settlement after
   * the roll).
   */
  private valuation: (Valued | number)[] | null = null;

  constructor(
    readonly id: AccountId,
    readonly userId: number,
    readonly kind: AccountKind,
  ) {}

  position(instrument: Valued): Position {
    let p = this.positions.get(instrument.id);
    if (p === undefined) {
      p = new Position(instrument);
      this.positions.set(instrument.id, p);
    }
    return p;
  }

  /** A position's lots changed: the cached valuation inputs are stale. */
  positionsChanged(): void {
    this.valuation = null;
  }

  /** The valuation inputs from the positions (see `valuation`). */
  private valuationFromPositions(): (Valued | number)[] {
    const v: (Valued | number)[] = [];
    const stock = this.kind === 'stock';
    for (const p of this.positions.values()) {
      const lv = p.long.volume;
      const sv = p.short.volume;
      if (lv === 0 && sv === 0) continue;
      v.push(
        p.instrument,
        stock ? lv : lv - sv,
        stock ? 0 : p.long.positionCost - p.short.positionCost,
        stock ? p.long.openCost : p.long.openCost - p.short.openCost,
      );
    }
    return v;
  }

  /**
   * The valuation inputs (see `valuation`: instrument, net volume, position cost, open cost, for each position with
   * volume), built if stale. Read-only; a new array after every change of the positions, so an unchanged array means
   * unchanged net volumes (the intraday risk filter keys on that).
   */
  valued(): readonly (Valued | number)[] {
    let v = this.valuation;
    if (v === null) {
      v = this.valuationFromPositions();
      this.valuation = v;
    }
    return v;
  }

  /** Throws when the cached valuation inputs differ from the positions (a change that did not call positionsChanged). */
  validateValuation(): void {
    const cached = this.valuation;
    if (cached === null) return;
    const fresh = this.valuationFromPositions();
    if (cached.length !== fresh.length || cached.some((x, i) => x !== fresh[i])) {
      throw new Error(`account ${this.id}: cached valuation differs from its positions`);
    }
  }

  get staticBalance(): number {
    return this.preBalance + this.deposit - this.withdraw;
  }

  /**
   * Position profit (against position prices) and float profit (against open prices) at the marks, from the cached
   * inputs (not the lots): futures' position profit Σ (mark × net − position cost) × unit value and float profit
   * Σ (mark × net − open cost) × unit value; stocks' market value Σ mark × holding × unit value and cost Σ open cost ×
   * unit value.
   */
  profits(): { position: number; float: number; marketValue: number; cost: number } {
    const v = this.valued();
    let position = 0;
    let float = 0;
    let marketValue = 0;
    let cost = 0;
    for (let i = 0; i < v.length; i += VALUED_STRIDE) {
      const m = v[i] as Valued;
      const mark = m.mark();
      const uv = m.unitValue;
      const net = v[i + 1] as number;
      const openCost = v[i + 3] as number;
      position += (mark * net - (v[i + 2] as number)) * uv;
      float += (mark * net - openCost) * uv;
      marketValue += mark * net * uv;
      cost += openCost * uv;
    }
    return { position, float, marketValue, cost };
  }

  /**
   * Futures: position profit at the marks, Σ (mark × (long − short) − long cost + short cost) × unit value; stocks:
   * market value, Σ mark × holding × unit value. One pass over the cached inputs, not the lots (the hot path).
   */
  private markedValue(): number {
    const v = this.valued();
    let sum = 0;
    for (let i = 0; i < v.length; i += VALUED_STRIDE) {
      const m = v[i] as Valued;
      sum += (m.mark() * (v[i + 1] as number) - (v[i + 2] as number)) * m.unitValue;
    }
    return sum;
  }

  balance(): number {
    if (this.kind === 'stock') return this.cash + this.markedValue();
    return this.staticBalance + this.closeProfit + this.markedValue() - this.commission;
  }

  available(): number {
    if (this.kind === 'stock') return this.cash - this.frozenCash;
    return this.balance() - this.margin - this.frozenMargin - this.frozenCommission;
  }

  riskRatio(): number {
    return this.kind === 'stock' ? 0 : riskRatioPpm(this.margin, this.balance());
  }

  snapshot(tradingDay: number): AccountSnapshot {
    const pr = this.profits();
    const stock = this.kind === 'stock';
    const balance = stock
      ? this.cash + pr.marketValue
      : this.staticBalance + this.closeProfit + pr.position - this.commission;
    return {
      accountId: this.id,
      userId: this.userId,
      accountKind: this.kind,
      frozen: this.frozen,
      tradingDay,
      preBalance: this.preBalance,
      deposit: this.deposit,
      withdraw: this.withdraw,
      staticBalance: this.staticBalance,
      closeProfit: this.closeProfit,
      positionProfit: stock ? pr.marketValue - pr.cost : pr.position,
      floatProfit: stock ? pr.marketValue - pr.cost : pr.float,
      commission: this.commission,
      balance,
      margin: this.margin,
      frozenMargin: this.frozenMargin,
      frozenCommission: this.frozenCommission,
      available: stock
        ? this.cash - this.frozenCash
        : balance - this.margin - this.frozenMargin - this.frozenCommission,
      riskRatioPpm: stock ? 0 : riskRatioPpm(this.margin, balance),
      cash: this.cash,
      frozenCash: this.frozenCash,
      marketValue: stock ? pr.marketValue : 0,
    };
  }

  positionSnapshot(instrumentId: InstrumentId): PositionSnapshot {
    const p = this.positions.get(instrumentId)!;
    const mark = p.instrument.mark();
    const uv = p.instrument.unitValue;
    return {
      accountId: this.id,
      instrumentId,
      long: p.long.snapshot(mark, uv, 1),
      short: p.short.snapshot(mark, uv, -1),
    };
  }

  /** This account in a snapshot (src-engine/state.ts); `negativeReported` lives in the ledger's `negative` list. */
  exportState(): AccountState {
    return {
      id: this.id,
      userId: this.userId,
      kind: this.kind,
      frozen: this.frozen,
      preBalance: this.preBalance,
      deposit: this.deposit,
      withdraw: this.withdraw,
      closeProfit: this.closeProfit,
      commission: this.commission,
      margin: this.margin,
      frozenMargin: this.frozenMargin,
      frozenCommission: this.frozenCommission,
      cash: this.cash,
      frozenCash: this.frozenCash,
      openOrders: this.openOrders,
      recentOrders: [...this.recentOrders],
      positions: [...this.positions].map(([instrumentId, p]) => ({
        instrumentId,
        long: { today: p.long.today.exportState(), yesterday: p.long.yesterday.exportState() },
        short: { today: p.short.today.exportState(), yesterday: p.short.yesterday.exportState() },
      })),
      tradesToday: this.tradesToday.map((t) => ({
        tradeId: t.tradeId,
        orderId: t.orderId,
        instrumentId: t.instrumentId,
        side: t.side,
        offset: t.offset,
        price: t.price,
        volume: t.volume,
        commission: t.commission,
        closeProfit: t.closeProfit,
      })),
    };
  }

  /** An account from a snapshot; `instrument` finds the instruments its positions are in. */
  static fromState(s: AccountState, instrument: (id: InstrumentId) => Valued | undefined): Account {
    const a = new Account(s.id, s.userId, s.kind);
    a.frozen = s.frozen;
    a.preBalance = s.preBalance;
    a.deposit = s.deposit;
    a.withdraw = s.withdraw;
    a.closeProfit = s.closeProfit;
    a.commission = s.commission;
    a.margin = s.margin;
    a.frozenMargin = s.frozenMargin;
    a.frozenCommission = s.frozenCommission;
    a.cash = s.cash;
    a.frozenCash = s.frozenCash;
    a.openOrders = s.openOrders;
    for (const t of s.recentOrders) a.recentOrders.push(t);
    for (const ps of s.positions) {
      const m = instrument(ps.instrumentId);
      if (m === undefined) throw stateError(`account ${s.id} has a position in unknown instrument ${ps.instrumentId}`);
      if (a.positions.has(m.id)) throw stateError(`account ${s.id} lists its position in ${m.id} twice`);
      const p = a.position(m);
      p.long.today.restoreState(ps.long.today);
      p.long.yesterday.restoreState(ps.long.yesterday);
      p.short.today.restoreState(ps.short.today);
      p.short.yesterday.restoreState(ps.short.yesterday);
    }
    a.tradesToday = s.tradesToday.map((t) => ({
      tradeId: t.tradeId,
      orderId: t.orderId,
      instrumentId: t.instrumentId,
      side: t.side,
      offset: t.offset,
      price: t.price,
      volume: t.volume,
      commission: t.commission,
      closeProfit: t.closeProfit,
    }));
    return a;
  }
}
