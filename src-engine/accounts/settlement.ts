/**
 * One trading day's settlement of the accounts (docs/accounts.md, "Settlement"), account by account: the hot part of
 * `Settle`. Written for a single cold pass over many accounts: the instruments' terms are looked up once per Settle,
 * positions are visited with `Map.forEach` (no iterator or entry objects), lots roll in place, and the only objects
 * made per account are the statement itself.
 */
import type {
  AccountSettled,
  AccountSnapshot,
  EngineEvent,
  PositionSideSnapshot,
  PositionSnapshot,
} from '../domain/events.ts';
import type { AccountId, InstrumentId } from '../domain/ids.ts';
import type { Account } from './account.ts';
import { riskRatioPpm } from './money-rules.ts';
import type { Position, PositionSide } from './position.ts';

/** What settlement needs of one instrument, looked up once per `Settle`. */
export interface SettleTerms {
  /** The settlement price; null when the instrument has none (then nobody holds any of it). */
  readonly price: number | null;
  readonly unitValue: number;
  readonly marginLongPpm: number;
  readonly marginShortPpm: number;
  /** The instrument's mark (`mark()`: its settlement price when it has one). */
  readonly mark: number;
}

/** The snapshot of a side that holds nothing (every figure 0), shared by every statement that shows one. */
const EMPTY_SIDE: PositionSideSnapshot = Object.freeze({
  today: 0,
  yesterday: 0,
  frozenToday: 0,
  frozenYesterday: 0,
  openCost: 0,
  positionCost: 0,
  margin: 0,
  positionProfit: 0,
  floatProfit: 0,
});

/**
 * Settles accounts one at a time at fixed per-instrument terms. Holds the running sums of the account being settled
 * (scratch, meaningful only inside `settleAll`).
 */
export class AccountSettlement {
  private accountId = 0;
  private stock = false;
  private positions: PositionSnapshot[] = [];
  private count = 0;
  /** Profit marked to market by the roll (futures: the day's position profit). */
  private marked = 0;
  private margin = 0;
  /** Position profit at the marks after the roll (as Account.profits; 0 where lots were re-priced). */
  private positionProfit = 0;
  private floatProfit = 0;
  private marketValue = 0;
  private cost = 0;

  constructor(
    private readonly terms: ReadonlyMap<InstrumentId, SettleTerms>,
    private readonly tradingDay: number,
    /** Accounts whose risk ratio after settlement is at or above this (ppm) go into `atRisk`. */
    private readonly threshold: number,
    readonly atRisk: AccountId[],
    private readonly out: EngineEvent[],
  ) {}

  /**
   * Settles every account in id order, each statement into `out`: every position is rolled (futures marked to
   * market at the settlement price, margin recomputed at it; stocks keep their prices) and shown in the statement,
   * in instrument-id order; the statement has the day's figures; then tomorrow's pre-balance is the balance and the
   * daily fields restart. One loop in one function, so that a single cold run gets optimized (on-stack) early.
   */
  settleAll(accounts: ReadonlyMap<AccountId, Account>): void {
    const list = AccountSettlement.inIdOrder(accounts);
    this.settleRange(list, 0, list.length);
  }

  /** The accounts in id order: the map's own order when accounts were created with rising ids, else sorted. */
  static inIdOrder(accounts: ReadonlyMap<AccountId, Account>): Account[] {
    // one forEach pass (no iterator spreads: this runs over every account at the start of a settlement)
    const list = new Array<Account>(accounts.size);
    let n = 0;
    let prev = Number.NEGATIVE_INFINITY;
    let rising = true;
    accounts.forEach((a, id) => {
      list[n++] = a;
      if (id < prev) rising = false;
      prev = id;
    });
    if (!rising) list.sort((x, y) => x.id - y.id);
    return list;
  }

  /** Settles list[from .. to) in order (settleAll in slices, for a host that yields between them). */
  settleRange(list: readonly Account[], from: number, to: number): void {
    const out = this.out;
    const day = this.tradingDay;
    for (let i = from; i < to; i++) {
      const a = list[i]!;
      const stock = a.kind === 'stock';
      this.accountId = a.id;
      this.stock = stock;
      this.positions = new Array<PositionSnapshot>(a.positions.size);
      this.count = 0;
      this.marked = 0;
      this.margin = 0;
      this.positionProfit = 0;
      this.floatProfit = 0;
      this.marketValue = 0;
      this.cost = 0;
      a.positions.forEach(this.rollPosition, this);
      a.positionsChanged();
      if (!stock) a.margin = this.margin;
      const marketValue = this.marketValue;
      const marked = this.marked;
      // as Account.snapshot, except that for futures the position profit is what settlement marked to market that day
      const staticBalance = a.preBalance + a.deposit - a.withdraw;
      const balance = stock ? a.cash + marketValue : staticBalance + a.closeProfit + marked - a.commission;
      const account: AccountSnapshot = {
        accountId: a.id,
        userId: a.userId,
        accountKind: a.kind,
        frozen: a.frozen,
        tradingDay: day,
        preBalance: a.preBalance,
        deposit: a.deposit,
        withdraw: a.withdraw,
        staticBalance,
        closeProfit: a.closeProfit,
        positionProfit: stock ? marketValue - this.cost : marked,
        floatProfit: stock ? marketValue - this.cost : this.floatProfit,
        commission: a.commission,
        balance,
        margin: a.margin,
        frozenMargin: a.frozenMargin,
        frozenCommission: a.frozenCommission,
        available: stock ? a.cash - a.frozenCash : balance - a.margin - a.frozenMargin - a.frozenCommission,
        riskRatioPpm: stock ? 0 : riskRatioPpm(a.margin, balance),
        cash: a.cash,
        frozenCash: a.frozenCash,
        marketValue: stock ? marketValue : 0,
      };
      const statement: AccountSettled = {
        kind: 'AccountSettled',
        tradingDay: day,
        account,
        positions: this.positions,
        trades: a.tradesToday,
      };
      out.push(statement);
      a.preBalance = balance;
      a.deposit = 0;
      a.withdraw = 0;
      a.closeProfit = 0;
      a.commission = 0;
      a.tradesToday = [];
      // Account.riskRatio() now: the balance is the statement's plus the position profit left at the marks.
      if ((stock ? 0 : riskRatioPpm(a.margin, balance + this.positionProfit)) >= this.threshold) {
        this.atRisk.push(a.id);
      }
    }
  }

  /** `Map.forEach` callback over the account's positions (`this` is the settlement). */
  private rollPosition(p: Position, id: InstrumentId): void {
    const t = this.terms.get(id)!;
    const uv = t.unitValue;
    const mark = t.mark;
    const stock = this.stock;
    const long = p.long;
    const short = p.short;
    const s = stock ? null : t.price;
    this.marked +=
      long.roll(s, uv, 1, stock ? 0 : t.marginLongPpm) + short.roll(s, uv, -1, stock ? 0 : t.marginShortPpm);
    // After the roll every lot is yesterday's: today's bucket is empty.
    const ly = long.yesterday;
    const sy = short.yesterday;
    this.margin += ly.margin + sy.margin;
    const lv = ly.volume;
    const sv = sy.volume;
    if (lv !== 0 || sv !== 0) {
      // as Account.profits, at the marks
      this.positionProfit += (mark * lv - ly.positionCost) * uv - (mark * sv - sy.positionCost) * uv;
      this.floatProfit += (mark * lv - ly.openCost) * uv - (mark * sv - sy.openCost) * uv;
      this.marketValue += mark * lv * uv;
      this.cost += ly.openCost * uv;
    }
    const snap: PositionSnapshot = {
      accountId: this.accountId,
      instrumentId: id,
      long: sideSnapshot(long, mark, uv, 1),
      short: sideSnapshot(short, mark, uv, -1),
    };
    // insertion by instrument id (the usual case, positions opened in id order, moves nothing)
    const positions = this.positions;
    let j = this.count++;
    while (j > 0 && positions[j - 1]!.instrumentId > id) {
      positions[j] = positions[j - 1]!;
      j--;
    }
    positions[j] = snap;
  }
}

/**
 * `side.snapshot(mark, uv, dir)` right after the roll (today's bucket is empty), from the bucket fields; a side that
 * holds nothing gets the one shared empty snapshot.
 */
function sideSnapshot(side: PositionSide, mark: number, uv: number, dir: 1 | -1): PositionSideSnapshot {
  const y = side.yesterday;
  const v = y.volume;
  const frozenToday = side.today.frozen;
  if (v === 0 && y.frozen === 0 && frozenToday === 0 && y.margin === 0 && y.openCost === 0 && y.positionCost === 0) {
    return EMPTY_SIDE;
  }
  return {
    today: 0,
    yesterday: v,
    frozenToday,
    frozenYesterday: y.frozen,
    openCost: y.openCost,
    positionCost: y.positionCost,
    margin: y.margin,
    // + 0 turns the −0 of an empty short side into 0
    positionProfit: (mark * v - y.positionCost) * uv * dir + 0,
    floatProfit: (mark * v - y.openCost) * uv * dir + 0,
  };
}
