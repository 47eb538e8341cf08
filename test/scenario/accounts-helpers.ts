/**
 * Helpers for the accounts scenarios (docs/accounts.md): an engine with accounts and three instruments (IF, RB, STK),
 * auto-incremented seq and ts (milliseconds), and account / position views whose expectations are written out in
 * full by the tests. The expectation builders also check that the hand-computed literals obey the identities of
 * docs/accounts.md (static balance, balance, available, risk ratio), so an arithmetic slip in a test shows up as such
 * and not as an engine bug.
 */
import { expect } from 'vitest';
import type { Command, PlaceOrder } from '../../src-engine/domain/commands.ts';
import type {
  AccountSnapshot,
  EngineEvent,
  PositionSideSnapshot,
  PositionSnapshot,
} from '../../src-engine/domain/events.ts';
import type { Money, Price, Volume } from '../../src-engine/domain/fixed-point.ts';
import type { AccountId, InstrumentId, OrderId } from '../../src-engine/domain/ids.ts';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import type { Offset, Phase, Side } from '../../src-engine/domain/order.ts';
import { REJECTS, type RejectCode } from '../../src-engine/domain/reject-codes.ts';
import { Engine } from '../../src-engine/engine.ts';

export const IF: InstrumentId = 'IF';
export const RB: InstrumentId = 'RB';
export const STK: InstrumentId = 'STK';

/** Futures accounts A and B (counterparties), stock accounts S and T (counterparties). */
export const A: AccountId = 1;
export const B: AccountId = 2;
export const S: AccountId = 3;
export const T: AccountId = 4;

/** userId of an account created through the helper: 100 + account id. */
export const userOf = (id: AccountId): number => 100 + id;

/**
 * Index future: tick 2 at one decimal (0.2 points), multiplier 300 → unitValue 300 × 100 / 10 = 3000 minor units per
 * price unit per lot. Margin 12% both sides, commission 23 ppm open / close, 230 ppm close today.
 * Band ±10% around 4000.0 → [36000, 44000]. Settlement price set by the admin.
 */
export function ifSpec(overrides: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    id: IF,
    kind: 'future',
    priceTick: 2,
    priceDecimals: 1,
    lotSize: 1,
    multiplier: 300,
    maxOrderVolume: 100,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 40000,
    status: 'active',
    terms: {
      marginLongPpm: 120_000,
      marginShortPpm: 120_000,
      commission: { kind: 'rate', openPpm: 23, closePpm: 23, closeTodayPpm: 230 },
      closeRule: 'yesterdayFirst',
      settlement: { kind: 'admin' },
    },
    ...overrides,
  };
}

/**
 * Commodity future: tick 1, no decimals, multiplier 10 → unitValue 1000. Margin 10%, commission 3.00 (300) per lot for
 * open, close and close today; closes are `separate` (today's lots need CLOSE_TODAY). Band ±10% around 3500 →
 * [3150, 3850]. Settlement: VWAP of the last 30 minutes.
 */
export function rbSpec(overrides: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    id: RB,
    kind: 'future',
    priceTick: 1,
    priceDecimals: 0,
    lotSize: 1,
    multiplier: 10,
    maxOrderVolume: 1000,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 3500,
    status: 'active',
    terms: {
      marginLongPpm: 100_000,
      marginShortPpm: 100_000,
      commission: { kind: 'perLot', open: 300, close: 300, closeToday: 300 },
      closeRule: 'separate',
      settlement: { kind: 'vwap', minutes: 30 },
    },
    ...overrides,
  };
}

/**
 * Stock: price in cents (priceDecimals 2, tick 1 = 0.01), multiplier 1 → unitValue 1, lots of 100 shares.
 * Commission 250 ppm on buys, 1250 ppm on sells (today's or not: the same rate, so the rule for same-day sells does
 * not matter). Band ±10% around 10.00 → [900, 1100]. Settlement at the last price.
 */
export function stkSpec(overrides: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    id: STK,
    kind: 'stock',
    priceTick: 1,
    priceDecimals: 2,
    lotSize: 100,
    multiplier: 1,
    maxOrderVolume: 100_000,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 1000,
    status: 'active',
    terms: {
      marginLongPpm: 0,
      marginShortPpm: 0,
      commission: { kind: 'rate', openPpm: 250, closePpm: 1250, closeTodayPpm: 1250 },
      closeRule: 'yesterdayFirst',
      settlement: { kind: 'last' },
    },
    ...overrides,
  };
}

/** The risk limits of docs/accounts.md ("Engine options"). */
export interface RiskSettings {
  readonly maxOpenOrders: number;
  readonly maxOrdersPerWindow: number;
  readonly rateWindowMs: number;
  readonly riskRatioCapPpm: number;
  readonly forceLiquidationPpm: number;
}

/** Limits wide enough to stay out of the way; a test narrows the one it is about. */
export const LOOSE_RISK: RiskSettings = {
  maxOpenOrders: 1000,
  maxOrdersPerWindow: 1000,
  rateWindowMs: 1000,
  riskRatioCapPpm: 1_000_000,
  forceLiquidationPpm: 1_000_000,
};

export interface AccountsScenarioOptions {
  readonly accounts?: boolean;
  readonly risk?: Partial<RiskSettings>;
  /** Instruments added at the start (all stay closed); default IF, RB and STK. */
  readonly instruments?: readonly InstrumentSpec[];
  readonly book?: 'fast' | 'naive';
}

type WithoutSeqTs<T> = T extends Command ? Omit<T, 'seq' | 'ts'> : never;
export type CommandInput = WithoutSeqTs<Command>;
export type ApplyResult = ReturnType<Engine['apply']>;

export interface OrderOpts {
  readonly type?: PlaceOrder['type'];
  readonly tif?: PlaceOrder['tif'];
  readonly stp?: NonNullable<PlaceOrder['stp']>;
  readonly postOnly?: boolean;
  readonly offset?: Offset;
  readonly stopPrice?: Price;
}

export class AccountsScenario {
  readonly engine: Engine;
  readonly log: Command[] = [];
  private seq = 0;
  /** The timestamp (ms) of the last command; each command adds 1 ms, `advance` adds more. */
  ts = 1_700_000_000_000;
  /** Accounts created through the helper, for the "nothing changed" checks of rejects. */
  private readonly known: AccountId[] = [];

  constructor(opts: AccountsScenarioOptions = {}) {
    this.engine = new Engine({
      book: opts.book ?? 'fast',
      accounts: opts.accounts ?? true,
      risk: { ...LOOSE_RISK, ...opts.risk },
    });
    for (const spec of opts.instruments ?? [ifSpec(), rbSpec(), stkSpec()]) {
      this.ok({ kind: 'AddInstrument', spec });
    }
  }

  /** Moves the clock forward (the next command comes `ms` + 1 later). */
  advance(ms: number): this {
    this.ts += ms;
    return this;
  }

  apply(input: CommandInput): ApplyResult {
    this.seq += 1;
    this.ts += 1;
    const cmd = { ...input, seq: this.seq, ts: this.ts } as Command;
    this.log.push(cmd);
    return this.engine.apply(cmd);
  }

  /**
   * Applies a command that must succeed. Checks the AccountChanged contract: at most one per account per command,
   * and it shows the account as the command left it.
   */
  ok(input: CommandInput): readonly EngineEvent[] {
    const r = this.apply(input);
    if (!r.ok) throw new Error(`expected ${input.kind} to succeed, got ${r.reject.code} ${r.reject.details ?? ''}`);
    expect(r.seq).toBe(this.seq);
    const seen = new Set<AccountId>();
    for (const e of r.events) {
      if (e.kind !== 'AccountChanged') continue;
      const id = e.account.accountId;
      expect(seen.has(id), `two AccountChanged for account ${id} in one command`).toBe(false);
      seen.add(id);
      expect(e.account, `AccountChanged of ${id} is the account after the command`).toEqual(this.engine.account(id));
    }
    return r.events;
  }

  /**
   * Applies a command that must be rejected with `code`; checks the reject's catalog entry and that nothing changed:
   * the state hash, every known account and its positions, the trading day.
   */
  rejected(input: CommandInput, code: RejectCode): void {
    const before = this.observe();
    const r = this.apply(input);
    if (r.ok) throw new Error(`expected ${input.kind} to be rejected with ${code}, got ${r.events.map((e) => e.kind)}`);
    expect(r.reject.code).toBe(code);
    expect(r.reject.number).toBe(REJECTS[code].code);
    expect(r.reject.message).toBe(REJECTS[code].message);
    expect(r.seq).toBe(this.seq);
    // soft: a reject that leaves a trace fails the test, the scenario goes on
    expect.soft(this.observe(), `state changed by rejected ${code}`).toEqual(before);
  }

  /** The state a rejected command must leave alone. */
  private observe() {
    return {
      hash: this.engine.stateHash(),
      tradingDay: this.engine.tradingDay,
      accounts: this.known.map((id) => ({ account: this.engine.account(id), positions: this.engine.positions(id) })),
    };
  }

  createAccount(accountId: AccountId, accountKind: 'futures' | 'stock'): readonly EngineEvent[] {
    const ev = this.ok({ kind: 'CreateAccount', accountId, userId: userOf(accountId), accountKind });
    this.known.push(accountId);
    return ev;
  }

  /** Remembers an account created some other way (a raw command), for the reject checks. */
  track(accountId: AccountId): void {
    if (!this.known.includes(accountId)) this.known.push(accountId);
  }

  deposit(accountId: AccountId, amount: Money): readonly EngineEvent[] {
    return this.ok({ kind: 'Deposit', accountId, amount });
  }

  withdraw(accountId: AccountId, amount: Money): readonly EngineEvent[] {
    return this.ok({ kind: 'Withdraw', accountId, amount });
  }

  holdings(accountId: AccountId, instrumentId: InstrumentId, volume: Volume, price: Price): readonly EngineEvent[] {
    return this.ok({ kind: 'DepositHoldings', accountId, instrumentId, volume, price });
  }

  phase(instrumentId: InstrumentId, phase: Phase): readonly EngineEvent[] {
    return this.ok({ kind: 'SetPhase', instrumentId, phase });
  }

  /** closed → preOpen → continuous (the start of a trading day). */
  open(instrumentId: InstrumentId): this {
    this.phase(instrumentId, 'preOpen');
    this.phase(instrumentId, 'continuous');
    return this;
  }

  settlementPrice(instrumentId: InstrumentId, price: Price): readonly EngineEvent[] {
    return this.ok({ kind: 'SetSettlementPrice', instrumentId, price });
  }

  settle(): readonly EngineEvent[] {
    return this.ok({ kind: 'Settle' });
  }

  orderInput(
    orderId: OrderId,
    accountId: AccountId,
    instrumentId: InstrumentId,
    side: Side,
    price: Price,
    volume: Volume,
    opts: OrderOpts = {},
  ): CommandInput {
    const { type = 'limit', tif = 'GTC', ...rest } = opts;
    return { kind: 'PlaceOrder', orderId, accountId, instrumentId, side, type, tif, price, volume, ...rest };
  }

  buy(
    orderId: OrderId,
    accountId: AccountId,
    instrumentId: InstrumentId,
    price: Price,
    volume: Volume,
    opts?: OrderOpts,
  ): readonly EngineEvent[] {
    return this.ok(this.orderInput(orderId, accountId, instrumentId, 'buy', price, volume, opts));
  }

  sell(
    orderId: OrderId,
    accountId: AccountId,
    instrumentId: InstrumentId,
    price: Price,
    volume: Volume,
    opts?: OrderOpts,
  ): readonly EngineEvent[] {
    return this.ok(this.orderInput(orderId, accountId, instrumentId, 'sell', price, volume, opts));
  }

  cancel(orderId: OrderId, accountId?: AccountId): readonly EngineEvent[] {
    return this.ok(
      accountId === undefined ? { kind: 'CancelOrder', orderId } : { kind: 'CancelOrder', orderId, accountId },
    );
  }

  account(id: AccountId): AccountSnapshot {
    const a = this.engine.account(id);
    if (a === undefined) throw new Error(`no account ${id}`);
    return a;
  }

  /** The account's positions that hold or freeze anything, by instrument id (−0 read as 0, see noNegativeZero). */
  positions(id: AccountId): PositionSnapshot[] {
    return this.engine
      .positions(id)
      .map(withoutNegativeZero)
      .filter((p) => !isFlatSide(p.long) || !isFlatSide(p.short))
      .sort((x, y) => (x.instrumentId < y.instrumentId ? -1 : x.instrumentId > y.instrumentId ? 1 : 0));
  }

  /** The engine's invariants (incl. money conservation) must hold. */
  validate(): void {
    expect(() => this.engine.validateInternalState()).not.toThrow();
  }
}

/**
 * The same value with every −0 turned into 0. The engine reports the profit of an empty short side as −0
 * (0 × −1); the snapshots are compared through this so that the one defect does not hide every other check, and
 * `noNegativeZero` asserts it separately.
 */
export function withoutNegativeZero<V>(value: V): V {
  if (typeof value === 'number') return (Object.is(value, -0) ? 0 : value) as V;
  if (Array.isArray(value)) return value.map(withoutNegativeZero) as V;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withoutNegativeZero(v);
    return out as V;
  }
  return value;
}

/** Paths of the −0 values inside a value, e.g. ['[0].short.floatProfit']. */
export function negativeZeros(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Object.is(value, -0) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => negativeZeros(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => negativeZeros(v, `${path}.${k}`));
  }
  return [];
}

// Expectations

/** Every money field of a futures account, written out by the test. */
export interface FuturesFields {
  readonly tradingDay: number;
  readonly preBalance: Money;
  readonly deposit: Money;
  readonly withdraw: Money;
  readonly staticBalance: Money;
  readonly closeProfit: Money;
  readonly positionProfit: Money;
  readonly floatProfit: Money;
  readonly commission: Money;
  readonly balance: Money;
  readonly margin: Money;
  readonly frozenMargin: Money;
  readonly frozenCommission: Money;
  readonly available: Money;
  readonly riskRatioPpm: number;
}

/** Every money field of a stock account (margin, frozen margin / commission and risk ratio are 0 for stocks). */
export interface StockFields {
  readonly tradingDay: number;
  readonly preBalance: Money;
  readonly deposit: Money;
  readonly withdraw: Money;
  readonly staticBalance: Money;
  readonly closeProfit: Money;
  readonly positionProfit: Money;
  readonly floatProfit: Money;
  readonly commission: Money;
  readonly balance: Money;
  readonly available: Money;
  readonly cash: Money;
  readonly frozenCash: Money;
  readonly marketValue: Money;
}

/**
 * risk ratio of docs/accounts.md with the rounding of money-rules.ts (up): ceil(margin × 1e6 / balance);
 * Number.MAX_SAFE_INTEGER when balance ≤ 0 with margin, 0 without margin.
 */
function ratioOf(margin: Money, balance: Money): number {
  if (margin <= 0) return 0;
  if (balance <= 0) return Number.MAX_SAFE_INTEGER;
  const num = BigInt(margin) * 1_000_000n;
  const den = BigInt(balance);
  return Number((num + den - 1n) / den);
}

/** The full snapshot of a futures account; checks the literals against the identities of docs/accounts.md first. */
export function futuresAccount(id: AccountId, f: FuturesFields, frozen = false): AccountSnapshot {
  expect(f.staticBalance, 'test literal: static = pre + deposit − withdraw').toBe(
    f.preBalance + f.deposit - f.withdraw,
  );
  expect(f.balance, 'test literal: balance = static + closeProfit + positionProfit − commission').toBe(
    f.staticBalance + f.closeProfit + f.positionProfit - f.commission,
  );
  expect(f.available, 'test literal: available = balance − margin − frozen').toBe(
    f.balance - f.margin - f.frozenMargin - f.frozenCommission,
  );
  expect(f.riskRatioPpm, 'test literal: risk ratio = ceil(margin × 1e6 / balance)').toBe(ratioOf(f.margin, f.balance));
  return {
    accountId: id,
    userId: userOf(id),
    accountKind: 'futures',
    frozen,
    ...f,
    cash: 0,
    frozenCash: 0,
    marketValue: 0,
  };
}

/** The full snapshot of a stock account; checks the literals against the stock identities first. */
export function stockAccount(id: AccountId, f: StockFields, frozen = false): AccountSnapshot {
  expect(f.staticBalance, 'test literal: static = pre + deposit − withdraw').toBe(
    f.preBalance + f.deposit - f.withdraw,
  );
  expect(f.balance, 'test literal: balance = cash + marketValue').toBe(f.cash + f.marketValue);
  expect(f.available, 'test literal: available = cash − frozenCash').toBe(f.cash - f.frozenCash);
  return {
    accountId: id,
    userId: userOf(id),
    accountKind: 'stock',
    frozen,
    tradingDay: f.tradingDay,
    preBalance: f.preBalance,
    deposit: f.deposit,
    withdraw: f.withdraw,
    staticBalance: f.staticBalance,
    closeProfit: f.closeProfit,
    positionProfit: f.positionProfit,
    floatProfit: f.floatProfit,
    commission: f.commission,
    balance: f.balance,
    margin: 0,
    frozenMargin: 0,
    frozenCommission: 0,
    available: f.available,
    riskRatioPpm: 0,
    cash: f.cash,
    frozenCash: f.frozenCash,
    marketValue: f.marketValue,
  };
}

/** A fresh account of either kind: every field 0. */
export function emptyAccount(id: AccountId, kind: 'futures' | 'stock', tradingDay = 1): AccountSnapshot {
  const zero = {
    tradingDay,
    preBalance: 0,
    deposit: 0,
    withdraw: 0,
    staticBalance: 0,
    closeProfit: 0,
    positionProfit: 0,
    floatProfit: 0,
    commission: 0,
    balance: 0,
    available: 0,
  };
  return kind === 'futures'
    ? futuresAccount(id, { ...zero, margin: 0, frozenMargin: 0, frozenCommission: 0, riskRatioPpm: 0 })
    : stockAccount(id, { ...zero, cash: 0, frozenCash: 0, marketValue: 0 });
}

/** Soft: a mismatch fails the test but the scenario goes on, so one run shows every wrong number. */
export function expectAccount(s: AccountsScenario, expected: AccountSnapshot): void {
  expect.soft(s.account(expected.accountId)).toEqual(expected);
}

/** One side of a position with nothing in it. */
export const FLAT: PositionSideSnapshot = {
  today: 0,
  yesterday: 0,
  frozenToday: 0,
  frozenYesterday: 0,
  openCost: 0,
  positionCost: 0,
  margin: 0,
  positionProfit: 0,
  floatProfit: 0,
};

export function isFlatSide(p: PositionSideSnapshot): boolean {
  return p.today === 0 && p.yesterday === 0 && p.frozenToday === 0 && p.frozenYesterday === 0;
}

/** A position side, every field written out by the test. */
export function side(p: PositionSideSnapshot): PositionSideSnapshot {
  return { ...p };
}

export function position(
  accountId: AccountId,
  instrumentId: InstrumentId,
  sides: { long?: PositionSideSnapshot; short?: PositionSideSnapshot },
): PositionSnapshot {
  return { accountId, instrumentId, long: sides.long ?? FLAT, short: sides.short ?? FLAT };
}

/** The account's non-flat positions must be exactly these (by instrument id). */
export function expectPositions(s: AccountsScenario, accountId: AccountId, expected: PositionSnapshot[]): void {
  expect.soft(s.positions(accountId)).toEqual(expected);
}

// Event views

/** The ids of the accounts with an AccountChanged event, sorted. */
export function changedAccounts(events: readonly EngineEvent[]): AccountId[] {
  return events
    .filter((e): e is Extract<EngineEvent, { kind: 'AccountChanged' }> => e.kind === 'AccountChanged')
    .map((e) => e.account.accountId)
    .sort((x, y) => x - y);
}

export function ofKind<K extends EngineEvent['kind']>(
  events: readonly EngineEvent[],
  kind: K,
): Extract<EngineEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
}

export function one<K extends EngineEvent['kind']>(
  events: readonly EngineEvent[],
  kind: K,
): Extract<EngineEvent, { kind: K }> {
  const found = ofKind(events, kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
}

/** [price, volume, buyOrderId, sellOrderId] of every trade. */
export function tradesOf(events: readonly EngineEvent[]): [Price, Volume, OrderId, OrderId][] {
  return ofKind(events, 'TradeExecuted').map((t) => [t.price, t.volume, t.buyOrderId, t.sellOrderId]);
}

/** [orderId, reason, canceled volume] of every OrderCanceled. */
export function cancelsOf(events: readonly EngineEvent[]): [OrderId, string, Volume][] {
  return ofKind(events, 'OrderCanceled').map((c) => [c.orderId, c.reason, c.canceled]);
}
