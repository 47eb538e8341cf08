import type { AccountKind } from '../domain/commands.ts';
import type { AccountSnapshot, AccountTrade, PositionSnapshot } from '../domain/events.ts';
import type { AccountId, InstrumentId } from '../domain/ids.ts';
import { riskRatioPpm } from './money-rules.ts';
import { Position, type Valued } from './position.ts';

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

  get staticBalance(): number {
    return this.preBalance + this.deposit - this.withdraw;
  }

  /** Position profit (against position prices) and float profit (against open prices) at the marks. */
  profits(): { position: number; float: number; marketValue: number; cost: number } {
    let position = 0;
    let float = 0;
    let marketValue = 0;
    let cost = 0;
    for (const p of this.positions.values()) {
      const mark = p.instrument.mark();
      const uv = p.instrument.unitValue;
      const lv = p.long.volume;
      const sv = p.short.volume;
      if (lv === 0 && sv === 0) continue;
      position += (mark * lv - p.long.positionCost) * uv - (mark * sv - p.short.positionCost) * uv;
      float += (mark * lv - p.long.openCost) * uv - (mark * sv - p.short.openCost) * uv;
      marketValue += mark * lv * uv;
      cost += p.long.openCost * uv;
    }
    return { position, float, marketValue, cost };
  }

  /** Futures: position profit at the marks; stocks: market value. One pass, no allocation (the hot path). */
  private markedValue(): number {
    let sum = 0;
    const stock = this.kind === 'stock';
    for (const p of this.positions.values()) {
      const lv = p.long.volume;
      const sv = p.short.volume;
      if (lv === 0 && sv === 0) continue;
      const mark = p.instrument.mark();
      const uv = p.instrument.unitValue;
      sum += stock ? mark * lv * uv : (mark * (lv - sv) - p.long.positionCost + p.short.positionCost) * uv;
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
}
