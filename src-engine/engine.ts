import type { Account } from './accounts/account.ts';
import { DEFAULT_RISK, Ledger, type RiskConfig } from './accounts/ledger.ts';
import { vwapToTick } from './accounts/money-rules.ts';
import { RiskFilter } from './accounts/risk-filter.ts';
import { FastBook } from './book/fast-book.ts';
import { IntMap } from './book/int-map.ts';
import { NaiveBook } from './book/naive-book.ts';
import { type Depth, emptyRestingOrder, type OrderBook, type RestingOrder } from './book/order-book.ts';
import type {
  AddInstrument,
  CancelOrder,
  Command,
  ModifyOrder,
  PlaceOrder,
  SetInstrumentStatus,
  SetPhase,
  SetReferencePrice,
  SetSettlementPrice,
} from './domain/commands.ts';
import type { AccountSnapshot, EngineEvent, PositionSnapshot } from './domain/events.ts';
import type { Price, Volume } from './domain/fixed-point.ts';
import { StateHasher } from './domain/hash.ts';
import { type AccountId, type InstrumentId, isEntityId, type OrderId, type Seq } from './domain/ids.ts';
import { checkInstrumentSpec, type InstrumentSpec, termsOf } from './domain/instrument.ts';
import {
  OFFSETS,
  ORDER_TYPES,
  PHASES,
  type Phase,
  SIDES,
  type Side,
  STP_MODES,
  type StpMode,
  TIMES_IN_FORCE,
} from './domain/order.ts';
import { type Reject, reject } from './domain/reject-codes.ts';
import { InstrumentMatcher, type MatcherHost, type PendingStop } from './matching/instrument-matcher.ts';
import type { Matcher, MatcherFactory } from './matching/matcher.ts';
import { checkEngineState, type EngineState, type ListPacker, ROWS, stateError } from './state.ts';

export type { EngineState } from './state.ts';

export type ApplyResult =
  | { readonly ok: true; readonly seq: Seq; readonly events: readonly EngineEvent[] }
  | { readonly ok: false; readonly seq: Seq; readonly reject: Reject };

export interface EngineOptions {
  /** fast (default) or the naive reference book, for tests. */
  readonly book?: 'fast' | 'naive';
  /** Self-trade prevention for orders that do not name one. */
  readonly defaultStp?: StpMode;
  /** Keep accounts, risk and settlement (default). false: matching only, for book tests and benchmarks. */
  readonly accounts?: boolean;
  readonly risk?: Partial<RiskConfig>;
  /** Where instruments' books live: the default is an InstrumentMatcher on the main thread; the host's shards. */
  readonly matchers?: MatcherFactory | undefined;
  /**
   * How intraday risk finds the holders to check (docs/accounts.md, "Intraday risk"): `filtered` (default) checks
   * only those a cushion filter cannot prove safe; `exact` checks every holder of every instrument that traded. Both
   * give the same events and state; `exact` is the reference the property tests compare against.
   */
  readonly riskCheck?: 'exact' | 'filtered' | undefined;
}

/** Order ids the engine assigns itself (force liquidation) start here, above any id a host hands out. */
export const ENGINE_ORDER_ID_BASE = 2 ** 52;

/**
 * The exchange domain behind one door: `apply(command)`. Deterministic: the same commands give the same events and
 * the same state hash; sequence numbers and timestamps come in with the commands.
 */
export class Engine {
  private readonly instruments = new Map<InstrumentId, Matcher>();
  /** Every open order and pending stop, to the instrument that holds it. */
  private readonly orderIndex = new OrderIndex();
  private lastSeq = 0;
  private tradeSeq = 0;
  private readonly makeMatcher: MatcherFactory;
  private readonly defaultStp: StpMode;
  private readonly host: MatcherHost;
  private readonly scratch = emptyRestingOrder();
  private found: RestingOrder | undefined;
  private readonly ledger: Ledger | null;
  /** Intraday risk's candidate filter; null with riskCheck 'exact' or without accounts. Derived, not state. */
  private readonly riskFilter: RiskFilter | null;
  private nextEngineOrderId = ENGINE_ORDER_ID_BASE;
  /** An admin's LiquidateAccount accepted in this command, run once R2 has settled (afterCommand). */
  private liquidationOrdered: Account | null = null;
  /** Instruments that traded during the current command. */
  private readonly traded = new Set<Matcher>();
  /** Admin settlement prices set for the current trading day. */
  private readonly settlementPrices = new Map<InstrumentId, number>();
  /** Today's trades (command time, price, volume) of instruments settled by VWAP. */
  private readonly dayTrades = new Map<InstrumentId, number[]>();
  private currentTs = 0;

  constructor(options: EngineOptions = {}) {
    const makeBook: () => OrderBook = options.book === 'naive' ? () => new NaiveBook() : () => new FastBook();
    this.makeMatcher = options.matchers ?? ((spec, host) => new InstrumentMatcher(spec, makeBook(), host));
    this.defaultStp = options.defaultStp ?? 'cancelTaker';
    this.ledger =
      options.accounts === false ? null : new Ledger({ ...DEFAULT_RISK, ...options.risk }, this.instruments);
    this.riskFilter = this.ledger === null || options.riskCheck === 'exact' ? null : new RiskFilter(this.ledger);
    const index = this.orderIndex;
    this.host = {
      nextTradeId: () => ++this.tradeSeq,
      orderGone: (orderId) => {
        index.delete(orderId);
      },
      lastTradeId: () => this.tradeSeq,
      setLastTradeId: (id) => {
        this.tradeSeq = id;
      },
    };
  }

  get seq(): Seq {
    return this.lastSeq;
  }

  /**
   * apply(), in steps for a host that must keep its thread responsive: a Settle yields the number of accounts
   * settled after each `chunk` of them (a number passed to `next` sets the size of the next slice; slices never
   * change the result); every other command is applied at once. The engine's state between steps is
   * mid-settlement: apply nothing else until the generator is done.
   */
  *applySteps(cmd: Command, chunk: number): Generator<number, ApplyResult, number | undefined> {
    if (cmd?.kind !== 'Settle') return this.apply(cmd);
    const refused = this.begin(cmd);
    if (refused !== null) return refused;
    const events: EngineEvent[] = [];
    const r = yield* this.settleSteps(events, Math.max(1, chunk));
    return this.finish(cmd, events, r);
  }

  /** The sequence and timestamp checks every command passes first; a result when they refuse it. */
  private begin(cmd: Command): ApplyResult | null {
    const seq = cmd?.seq;
    if (!Number.isSafeInteger(seq) || seq <= this.lastSeq) {
      return {
        ok: false,
        seq,
        reject: reject('VALIDATION_SEQUENCE_NOT_INCREASING', `last applied is ${this.lastSeq}`),
      };
    }
    this.lastSeq = seq;
    if (!Number.isSafeInteger(cmd.ts)) return { ok: false, seq, reject: reject('VALIDATION_MALFORMED_COMMAND', 'ts') };
    return null;
  }

  /** The end of every command: a reject leaves no marks; otherwise R2, intraday risk and the account updates. */
  private finish(cmd: Command, events: EngineEvent[], r: Reject | null): ApplyResult {
    const seq = cmd.seq;
    if (r !== null) {
      this.ledger?.touched.clear();
      this.ledger?.touchedPositions.clear();
      return { ok: false, seq, reject: r };
    }
    if (this.ledger !== null) {
      this.currentTs = cmd.ts;
      this.afterCommand(events);
    }
    return { ok: true, seq, events };
  }

  apply(cmd: Command): ApplyResult {
    const refused = this.begin(cmd);
    if (refused !== null) return refused;
    const events: EngineEvent[] = [];
    let r: Reject | null;
    switch (cmd.kind) {
      case 'PlaceOrder':
        r = this.place(cmd, events);
        break;
      case 'ModifyOrder':
        r = this.modify(cmd, events);
        break;
      case 'CancelOrder':
        r = this.cancel(cmd, events);
        break;
      case 'SetPhase':
        r = this.setPhase(cmd, events);
        break;
      case 'AddInstrument':
        r = this.addInstrument(cmd, events);
        break;
      case 'SetInstrumentStatus':
        r = this.setStatus(cmd, events);
        break;
      case 'SetReferencePrice':
        r = this.setReference(cmd, events);
        break;
      case 'CreateAccount':
        r = this.ledger === null ? reject('ADMIN_ACCOUNTS_DISABLED') : this.ledger.createAccount(cmd, events);
        break;
      case 'Deposit':
      case 'Withdraw':
        r = this.ledger === null ? reject('ADMIN_ACCOUNTS_DISABLED') : this.ledger.moveFunds(cmd, events);
        break;
      case 'DepositHoldings':
        r = this.ledger === null ? reject('ADMIN_ACCOUNTS_DISABLED') : this.ledger.depositHoldings(cmd, events);
        break;
      case 'SetAccountFrozen':
        r = this.ledger === null ? reject('ADMIN_ACCOUNTS_DISABLED') : this.ledger.setFrozen(cmd, events);
        break;
      case 'SetSettlementPrice':
        r = this.setSettlementPrice(cmd, events);
        break;
      case 'Settle':
        r = this.settle(events);
        break;
      case 'LiquidateAccount':
        r = this.requestLiquidation(cmd.accountId);
        break;
      default:
        r = reject('VALIDATION_MALFORMED_COMMAND', `unknown command kind ${String((cmd as { kind?: unknown }).kind)}`);
    }
    return this.finish(cmd, events, r);
  }

  /** Stage R2 for the whole command, then intraday risk, then the account and position updates. */
  private afterCommand(events: EngineEvent[]): void {
    const ledger = this.ledger!;
    const traded = this.traded;
    ledger.settleEvents(events, 0, traded);
    this.recordDayTrades(events, 0);
    const ordered = this.liquidationOrdered;
    if (ordered !== null) {
      // an admin's LiquidateAccount: close everything it can, then intraday risk as after any trades
      this.liquidationOrdered = null;
      this.liquidate(ordered, events, Number.NEGATIVE_INFINITY);
    }
    if (traded.size > 0) this.intradayRisk(events);
    traded.clear();
    this.riskFilter?.endCommand();
    ledger.flushChanges(events);
  }

  private recordDayTrades(events: readonly EngineEvent[], from: number): void {
    for (let i = from; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind !== 'TradeExecuted') continue;
      const spec = this.instruments.get(e.instrumentId)!.spec;
      if (termsOf(spec).settlement.kind !== 'vwap') continue;
      let list = this.dayTrades.get(e.instrumentId);
      if (list === undefined) {
        list = [];
        this.dayTrades.set(e.instrumentId, list);
      }
      list.push(this.currentTs, e.price, e.volume);
    }
  }

  /**
   * Every holder of an instrument that traded is checked; accounts at or above the threshold are liquidated (each at
   * most once per command). Liquidation trades move prices too, so the check repeats over newly traded instruments.
   * With the risk filter the passes check only the holders it cannot prove below the threshold and not negative, in
   * the same order, with the same outcome (src-engine/accounts/risk-filter.ts).
   */
  private intradayRisk(events: EngineEvent[]): void {
    const ledger = this.ledger!;
    const filter = this.riskFilter;
    const threshold = ledger.risk.forceLiquidationPpm;
    const done = new Set<Account>();
    const checked = new Set<Account>();
    // the mark each traded instrument had when its last pass began: a pass is due while it has had none, or while a
    // liquidation fill has moved its mark since (the holders it passed before that fill have not seen the new mark)
    const passedAt = new Map<Matcher, number>();
    let pending = this.duePasses(passedAt);
    if (filter !== null) {
      filter.ensure();
      filter.refresh(this.traded);
    }
    for (;;) {
      this.riskPasses(pending, passedAt, done, checked, events);
      // Touched accounts that hold no traded instrument (they closed out of it, or only their funds moved).
      for (const a of ledger.touched) {
        checked.add(a);
        if (!done.has(a) && a.kind !== 'stock' && a.riskRatio() >= threshold) {
          done.add(a);
          const from = events.length;
          this.liquidate(a, events);
          filter?.afterLiquidation(this.traded, events, from);
        }
      }
      // Their liquidations may have traded instruments or moved marks since their pass: those holders are checked too.
      pending = this.duePasses(passedAt);
      if (pending.length === 0) break;
    }
    if (filter !== null) {
      // The exact passes saw every futures holder of a traded instrument; of those the command did not touch, only
      // suspects can be below zero now.
      filter.refresh(this.traded);
      for (const a of filter.suspects) if (!checked.has(a) && filter.holdsAny(a, this.traded)) checked.add(a);
    }
    for (const a of ledger.negative) checked.add(a);
    const negative: Account[] = [];
    for (const a of checked) {
      const below = a.balance() < 0;
      if (below && !a.negativeReported) negative.push(a);
      else if (!below && a.negativeReported) {
        a.negativeReported = false;
        ledger.negative.delete(a);
      }
    }
    for (const a of negative.sort((x, y) => x.id - y.id)) {
      a.negativeReported = true;
      ledger.negative.add(a);
      events.push({ kind: 'AccountNegative', accountId: a.id, balance: a.balance() });
    }
  }

  /** The traded instruments due a pass (see `passedAt` in intradayRisk), in instrument order. */
  private duePasses(passedAt: ReadonlyMap<Matcher, number>): Matcher[] {
    return [...this.traded].filter((m) => passedAt.get(m) !== m.mark()).sort(byMatcherId);
  }

  /**
   * Passes over the holders of `pending` (traded instruments due a pass), in instrument order; liquidation fills move
   * marks again, also of instruments already passed: it goes round until every traded instrument has had a pass at
   * its current mark. Each account is liquidated at most once per command, so the rounds end.
   */
  private riskPasses(
    pending: Matcher[],
    passedAt: Map<Matcher, number>,
    done: Set<Account>,
    checked: Set<Account>,
    events: EngineEvent[],
  ): void {
    const ledger = this.ledger!;
    const filter = this.riskFilter;
    const threshold = ledger.risk.forceLiquidationPpm;
    while (pending.length > 0) {
      for (const m of pending) {
        passedAt.set(m, m.mark());
        const holders = ledger.holders.get(m.id);
        if (holders === undefined) continue;
        if (filter !== null) {
          this.filteredPass(filter, m, holders, done, checked, events);
          continue;
        }
        // Holders in the order they first took a position: deterministic for a given command stream.
        for (const a of holders) {
          if (a.kind === 'stock') continue;
          checked.add(a);
          if (done.has(a)) continue;
          if (a.riskRatio() >= threshold) {
            done.add(a);
            this.liquidate(a, events);
          }
        }
      }
      pending = this.duePasses(passedAt);
    }
  }

  /**
   * One pass of intraday risk over an instrument's holders, through the filter: the candidates in the holders' order,
   * those that join behind the current one during the pass included (as the exact pass over the live set reaches them).
   */
  private filteredPass(
    filter: RiskFilter,
    m: Matcher,
    holders: ReadonlySet<Account>,
    done: Set<Account>,
    checked: Set<Account>,
    events: EngineEvent[],
  ): void {
    const threshold = this.ledger!.risk.forceLiquidationPpm;
    filter.beginPass(m.id, holders);
    for (let a = filter.nextCandidate(); a !== null; a = filter.nextCandidate()) {
      checked.add(a);
      if (done.has(a)) continue;
      if (a.riskRatio() >= threshold) {
        done.add(a);
        const from = events.length;
        this.liquidate(a, events);
        filter.afterLiquidation(this.traded, events, from);
      } else filter.checkedBelow(a);
    }
    filter.endPass();
  }

  /** LiquidateAccount: checks the account; the liquidation itself runs in afterCommand, where R2 has settled. */
  private requestLiquidation(accountId: unknown): Reject | null {
    const ledger = this.ledger;
    if (ledger === null) return reject('ADMIN_ACCOUNTS_DISABLED');
    if (!isEntityId(accountId)) return reject('VALIDATION_MALFORMED_COMMAND');
    const a = ledger.accounts.get(accountId);
    if (a === undefined) return reject('ACCOUNT_UNKNOWN');
    if (a.kind !== 'futures') return reject('ACCOUNT_KIND_MISMATCH', 'only futures accounts are liquidated');
    this.liquidationOrdered = a;
    return null;
  }

  /**
   * Force liquidation of one account: cancel its orders, then close its largest-margin positions at the band until
   * its risk ratio is below `threshold` (intraday risk: the configured one; an admin's order: never, so until flat).
   */
  private liquidate(a: Account, events: EngineEvent[], threshold = this.ledger!.risk.forceLiquidationPpm): void {
    const ledger = this.ledger!;
    events.push({ kind: 'ForceLiquidationStarted', accountId: a.id, riskRatioPpm: a.riskRatio() });
    const orders = [...ledger.holds.values()].filter((h) => h.account === a).map((h) => h.orderId);
    for (const orderId of orders.sort((x, y) => x - y)) {
      const m = this.orderIndex.get(orderId)!;
      const from = events.length;
      m.cancel(orderId, m.book.get(orderId), events, 'liquidation');
      ledger.settleEvents(events, from, this.traded);
    }
    let reason: 'belowThreshold' | 'flat' | 'noLiquidity' = 'belowThreshold';
    for (;;) {
      if (a.riskRatio() < threshold) break;
      let best: { m: Matcher; long: boolean; margin: number } | null = null;
      let anyPosition = false;
      for (const [id, p] of a.positions) {
        const m = this.instruments.get(id)!;
        for (const long of [true, false]) {
          const side = long ? p.long : p.short;
          if (side.volume === 0) continue;
          anyPosition = true;
          if (m.phase !== 'continuous' || m.spec.status !== 'active') continue;
          if (best === null || side.margin > best.margin) best = { m, long, margin: side.margin };
        }
      }
      if (best === null) {
        reason = anyPosition ? 'noLiquidity' : 'flat';
        break;
      }
      const { m, long } = best;
      const p = a.positions.get(m.id)!;
      const side = long ? p.long : p.short;
      const separate = termsOf(m.spec).closeRule === 'separate';
      const freeY = side.yesterday.volume - side.yesterday.frozen;
      const freeT = side.today.volume - side.today.frozen;
      const offset = separate && freeY === 0 ? 'closeToday' : 'close';
      const volume = Math.min(separate ? (freeY > 0 ? freeY : freeT) : freeY + freeT, m.spec.maxOrderVolume);
      const band = m.band;
      const orderSide = long ? 'sell' : 'buy';
      const cmd: PlaceOrder = {
        kind: 'PlaceOrder',
        seq: this.lastSeq,
        ts: this.currentTs,
        orderId: this.nextEngineOrderId++,
        accountId: a.id,
        instrumentId: m.id,
        side: orderSide,
        type: band === null ? 'market' : 'limit',
        tif: 'IOC',
        price: band === null ? 0 : orderSide === 'buy' ? band.upper : band.lower,
        volume,
        offset,
        stp: 'cancelTaker',
      };
      const from = events.length;
      const before = side.volume;
      const r = volume > 0 ? this.place(cmd, events, true) : reject('RISK_NO_POSITION_TO_CLOSE');
      ledger.settleEvents(events, from, this.traded);
      this.recordDayTrades(events, from);
      if (r !== null || side.volume === before) {
        reason = 'noLiquidity';
        break;
      }
    }
    events.push({ kind: 'ForceLiquidationEnded', accountId: a.id, riskRatioPpm: a.riskRatio(), reason });
  }

  private setSettlementPrice(cmd: SetSettlementPrice, events: EngineEvent[]): Reject | null {
    if (this.ledger === null) return reject('ADMIN_ACCOUNTS_DISABLED');
    const m = this.instruments.get(cmd.instrumentId);
    if (m === undefined) return reject('VALIDATION_UNKNOWN_INSTRUMENT');
    if (!Number.isSafeInteger(cmd.price) || cmd.price <= 0) return reject('VALIDATION_PRICE_NOT_POSITIVE');
    if (cmd.price % m.spec.priceTick !== 0) return reject('VALIDATION_PRICE_NOT_ON_TICK');
    this.settlementPrices.set(m.id, cmd.price);
    events.push({ kind: 'SettlementPriceSet', instrumentId: m.id, price: cmd.price });
    return null;
  }

  /** The settlement price of an instrument by its rule (admin price first), or null when there is none. */
  private settlementPriceOf(m: Matcher): number | null {
    const admin = this.settlementPrices.get(m.id);
    if (admin !== undefined) return admin;
    const rule = termsOf(m.spec).settlement;
    if (rule.kind === 'vwap') {
      const list = this.dayTrades.get(m.id);
      if (list !== undefined && list.length > 0) {
        const lastTs = list[list.length - 3]!;
        const since = lastTs - rule.minutes * 60_000;
        // Σ p·v and Σ v as plain numbers first: every term is positive, so when the sums end below 2^53 every partial
        // sum was exact too; only larger sums take the BigInt loop.
        let pvn = 0;
        let vn = 0;
        for (let i = 0; i < list.length; i += 3) {
          if (list[i]! < since) continue;
          pvn += list[i + 1]! * list[i + 2]!;
          vn += list[i + 2]!;
        }
        if (vn > 0 && Number.isSafeInteger(pvn) && Number.isSafeInteger(vn)) {
          return vwapToTick(BigInt(pvn), BigInt(vn), m.spec.priceTick);
        }
        let pv = 0n;
        let v = 0n;
        for (let i = 0; i < list.length; i += 3) {
          if (list[i]! < since) continue;
          pv += BigInt(list[i + 1]!) * BigInt(list[i + 2]!);
          v += BigInt(list[i + 2]!);
        }
        if (v > 0n) return vwapToTick(pv, v, m.spec.priceTick);
      }
    }
    return m.markPrice ?? m.spec.referencePrice ?? m.lastPrice;
  }

  private settle(events: EngineEvent[]): Reject | null {
    const steps = this.settleSteps(events, Number.POSITIVE_INFINITY);
    let x = steps.next();
    while (!x.done) x = steps.next();
    return x.value;
  }

  /** Settle, yielding the number of accounts settled after each `chunk` of them. */
  private *settleSteps(events: EngineEvent[], chunk: number): Generator<number, Reject | null, number | undefined> {
    const ledger = this.ledger;
    if (ledger === null) return reject('ADMIN_ACCOUNTS_DISABLED');
    const ids = this.instrumentIds();
    for (const id of ids) {
      if (this.instruments.get(id)!.phase !== 'closed') return reject('ADMIN_SETTLEMENT_NOT_CLOSED', id);
    }
    const prices = new Map<InstrumentId, number>();
    const specs = new Map<InstrumentId, InstrumentSpec>();
    for (const id of ids) {
      const m = this.instruments.get(id)!;
      specs.set(id, m.spec);
      const price = this.settlementPriceOf(m);
      if (price !== null) prices.set(id, price);
      else if (ledger.holders.get(id)?.size) {
        for (const a of ledger.holders.get(id)!) {
          const p = a.positions.get(id);
          if (p !== undefined && (p.long.volume > 0 || p.short.volume > 0)) {
            return reject('ADMIN_SETTLEMENT_PRICE_MISSING', id);
          }
        }
      }
    }
    for (const [id, price] of prices) {
      const m = this.instruments.get(id)!;
      m.markPrice = price;
    }
    const day = ledger.tradingDay;
    const atRisk = yield* ledger.settle(prices, specs, events, chunk);
    events.push({
      kind: 'SettlementCompleted',
      tradingDay: day,
      prices: [...prices].map(([instrumentId, price]) => ({ instrumentId, price })),
      atRisk,
    });
    for (const [id, price] of prices) {
      const m = this.instruments.get(id)!;
      m.setSpec(freezeSpec({ ...m.spec, referencePrice: price }));
      events.push({ kind: 'ReferencePriceChanged', instrumentId: id, price });
    }
    this.settlementPrices.clear();
    this.dayTrades.clear();
    return null;
  }

  // Queries

  instrument(id: InstrumentId): InstrumentSpec | undefined {
    return this.instruments.get(id)?.spec;
  }

  instrumentIds(): InstrumentId[] {
    return [...this.instruments.keys()].sort();
  }

  phase(id: InstrumentId): Phase | undefined {
    return this.instruments.get(id)?.phase;
  }

  lastPrice(id: InstrumentId): Price | null {
    return this.instruments.get(id)?.lastPrice ?? null;
  }

  depth(id: InstrumentId, levels: number): Depth | undefined {
    return this.instruments.get(id)?.book.depth(levels);
  }

  /** The instrument an open order or pending stop is on, or undefined. */
  orderInstrument(orderId: OrderId): InstrumentId | undefined {
    return this.orderIndex.get(orderId)?.id;
  }

  /** An open (resting) order, or undefined. */
  openOrder(orderId: OrderId): RestingOrder | undefined {
    return this.orderIndex.get(orderId)?.book.get(orderId);
  }

  /** A pending stop order, or undefined. */
  pendingStop(orderId: OrderId): PendingStop | undefined {
    return this.orderIndex.get(orderId)?.stops.find((s) => s.orderId === orderId);
  }

  // Accounts

  get tradingDay(): number {
    return this.ledger?.tradingDay ?? 1;
  }

  account(accountId: AccountId): AccountSnapshot | undefined {
    const ledger = this.ledger;
    const a = ledger?.accounts.get(accountId);
    return a === undefined ? undefined : a.snapshot(ledger!.tradingDay);
  }

  positions(accountId: AccountId): PositionSnapshot[] {
    const ledger = this.ledger;
    const a = ledger?.accounts.get(accountId);
    if (a === undefined) return [];
    return [...a.positions.keys()].sort().map((id) => a.positionSnapshot(id));
  }

  accountIds(): AccountId[] {
    return [...(this.ledger?.accounts.keys() ?? [])].sort((x, y) => x - y);
  }

  validateInternalState(): void {
    this.ledger?.validateInternalState();
    this.riskFilter?.validate();
    let count = 0;
    for (const m of this.instruments.values()) {
      m.validateInternalState();
      for (const id of m.book.orderIds()) {
        if (this.orderIndex.get(id) !== m) throw new Error(`order ${id} missing from the index`);
      }
      for (const s of m.stops) {
        if (this.orderIndex.get(s.orderId) !== m) throw new Error(`stop ${s.orderId} missing from the index`);
      }
      count += m.book.size + m.stops.length;
    }
    if (count !== this.orderIndex.size) throw new Error(`index holds ${this.orderIndex.size} orders, books ${count}`);
  }

  stateHash(): number {
    const h = new StateHasher();
    h.num(this.tradeSeq);
    for (const id of this.instrumentIds()) h.num(this.instruments.get(id)!.digest());
    this.ledger?.stateHash(h);
    h.num(this.nextEngineOrderId);
    for (const id of [...this.settlementPrices.keys()].sort()) h.str(id).num(this.settlementPrices.get(id)!);
    for (const id of [...this.dayTrades.keys()].sort()) {
      const list = this.dayTrades.get(id)!;
      h.str(id).num(list.length);
      for (const x of list) h.num(x);
    }
    return h.digest();
  }

  // Snapshots (src-engine/state.ts, docs/matching.md "Snapshots")

  /**
   * The whole state as plain JSON data: everything that decides how the engine answers later commands. The result
   * shares nothing with the engine; `Engine.fromState` rebuilds an engine that answers every later command alike.
   * The lists that grow with the book go to the packer (`ListPacker`): `ROWS`, the default, makes them rows; a snapshot
   * encoder packs them into its columns.
   */
  exportState(packer: ListPacker = ROWS): EngineState {
    const ledger = this.ledger;
    const r = ledger?.risk;
    return {
      version: 1,
      options: {
        defaultStp: this.defaultStp,
        accounts: ledger !== null,
        risk:
          r === undefined
            ? null
            : {
                maxOpenOrders: r.maxOpenOrders,
                maxOrdersPerWindow: r.maxOrdersPerWindow,
                rateWindowMs: r.rateWindowMs,
                riskRatioCapPpm: r.riskRatioCapPpm,
                forceLiquidationPpm: r.forceLiquidationPpm,
              },
      },
      lastSeq: this.lastSeq,
      tradeSeq: this.tradeSeq,
      nextEngineOrderId: this.nextEngineOrderId,
      instruments: [...this.instruments.values()].map((m) => m.exportState(packer)),
      settlementPrices: [...this.settlementPrices].map(([instrumentId, price]) => ({ instrumentId, price })),
      dayTrades: [...this.dayTrades].map(([instrumentId, list]) => ({ instrumentId, trades: [...list] })),
      ledger: ledger === null ? null : ledger.exportState(packer),
    };
  }

  /**
   * An engine from a state `exportState` gave (after JSON.stringify / JSON.parse or not), on the book kind asked
   * for. Throws `Error('engine state: ...')` on another version, a malformed or inconsistent state.
   */
  static fromState(
    state: EngineState,
    options: {
      readonly book?: 'fast' | 'naive' | undefined;
      readonly matchers?: MatcherFactory | undefined;
      readonly riskCheck?: 'exact' | 'filtered' | undefined;
    } = {},
  ): Engine {
    const s = checkEngineState(state);
    const risk = s.options.risk;
    const e = new Engine({
      book: options.book ?? 'fast',
      matchers: options.matchers,
      riskCheck: options.riskCheck,
      defaultStp: s.options.defaultStp,
      accounts: s.options.accounts,
      ...(risk === null ? {} : { risk }),
    });
    e.lastSeq = s.lastSeq;
    e.tradeSeq = s.tradeSeq;
    if (s.nextEngineOrderId < ENGINE_ORDER_ID_BASE) {
      throw stateError(`nextEngineOrderId ${s.nextEngineOrderId} is below ${ENGINE_ORDER_ID_BASE}`);
    }
    e.nextEngineOrderId = s.nextEngineOrderId;
    let open = 0;
    for (const is of s.instruments) open += is.bids.length + is.asks.length + is.stops.length;
    e.orderIndex.reserve(open);
    for (const is of s.instruments) {
      const id = is.spec.id;
      if (e.instruments.has(id)) throw stateError(`instrument ${id} appears twice`);
      const m = e.makeMatcher(freezeSpec(is.spec), e.host);
      m.restoreState(is);
      e.instruments.set(id, m);
      e.orderIndex.register(m);
      for (const list of [is.bids, is.asks, is.stops]) {
        for (const o of list) {
          if (e.orderIndex.has(o.orderId)) throw stateError(`order ${o.orderId} is open twice`);
          e.orderIndex.set(o.orderId, m);
        }
      }
    }
    const known = (id: InstrumentId, where: string): Matcher => {
      const m = e.instruments.get(id);
      if (m === undefined) throw stateError(`${where} names unknown instrument ${id}`);
      return m;
    };
    for (const { instrumentId, price } of s.settlementPrices) {
      known(instrumentId, 'settlementPrices');
      if (e.settlementPrices.has(instrumentId)) throw stateError(`settlementPrices lists ${instrumentId} twice`);
      e.settlementPrices.set(instrumentId, price);
    }
    for (const { instrumentId, trades } of s.dayTrades) {
      known(instrumentId, 'dayTrades');
      if (e.dayTrades.has(instrumentId)) throw stateError(`dayTrades lists ${instrumentId} twice`);
      e.dayTrades.set(instrumentId, [...trades]);
    }
    if (e.ledger !== null && s.ledger !== null) {
      e.ledger.restoreState(s.ledger);
      // Every open order and pending stop has its hold, of the same instrument, account, side and open volume, and
      // there are as many holds as orders (ids are unique on both sides): then every hold has its order. The orders
      // are read from the state the books were just restored from, which says what the books say without asking them
      // (a book on a shard answers each question with a round trip).
      const holds = e.ledger.holds;
      const index = e.orderIndex;
      const strayHold = (): Error | null => {
        for (const h of holds.values()) {
          if (index.get(h.orderId) !== h.instrument) {
            return stateError(`hold of order ${h.orderId}: no such open order in ${h.instrument.id}`);
          }
        }
        return null;
      };
      if (holds.size > index.size) throw strayHold()!;
      if (holds.size < index.size) throw stateError(`${index.size} open orders and stops but ${holds.size} holds`);
      const check = (m: Matcher, orderId: OrderId, accountId: AccountId, side: Side, remaining: Volume) => {
        const h = holds.get(orderId);
        if (h === undefined || h.instrument !== m) throw strayHold() ?? stateError(`order ${orderId} has no hold`);
        if (h.account.id !== accountId || h.side !== side || h.remaining !== remaining) {
          throw stateError(`hold of order ${orderId} differs from the order in account, side or open volume`);
        }
      };
      for (const is of s.instruments) {
        const m = e.instruments.get(is.spec.id)!;
        for (const o of is.bids) check(m, o.orderId, o.accountId, 'buy', o.remaining);
        for (const o of is.asks) check(m, o.orderId, o.accountId, 'sell', o.remaining);
        for (const o of is.stops) check(m, o.orderId, o.accountId, o.side, o.volume);
      }
    }
    try {
      e.validateInternalState();
    } catch (err) {
      throw stateError(`inconsistent: ${err instanceof Error ? err.message : String(err)}`);
    }
    return e;
  }

  // Commands

  /**
   * One pre-trade check on its own: everything `apply` checks for this PlaceOrder before it accepts it (checks 1–15 of
   * docs/accounts.md, "Pre-trade checks": validation, account, position, funds, limits, self-trade, risk ratio,
   * post-only and stop), with the order's hold computed as for placing it, but nothing placed, held or recorded: no
   * state changes. It runs the very code `apply` runs (`preTrade`). For benchmarks and for callers that want a verdict.
   */
  preTradeCheck(cmd: PlaceOrder): Reject | null {
    const r = this.preTrade(cmd, false);
    return isReject(r) ? r : null;
  }

  private place(cmd: PlaceOrder, events: EngineEvent[], forced = false): Reject | null {
    const m = this.preTrade(cmd, forced);
    if (isReject(m)) return m;
    const type = cmd.type;
    const tif = cmd.tif;
    const postOnly = cmd.postOnly === true;
    const stp = cmd.stp ?? this.defaultStp;
    events.push({
      kind: 'OrderAccepted',
      orderId: cmd.orderId,
      accountId: cmd.accountId,
      instrumentId: m.spec.id,
      side: cmd.side,
      type,
      tif,
      price: type === 'limit' || type === 'stopLimit' ? cmd.price : 0,
      stopPrice: type === 'stop' || type === 'stopLimit' ? cmd.stopPrice! : 0,
      volume: cmd.volume,
      postOnly,
      stp,
      offset: m.spec.kind === 'stock' ? (cmd.side === 'buy' ? 'open' : 'close') : (cmd.offset ?? 'open'),
      forced,
    });
    this.orderIndex.set(cmd.orderId, m);
    this.ledger?.commitPlace(cmd.ts, forced);
    m.place(cmd, postOnly, stp, events);
    return null;
  }

  /**
   * The pre-trade checks of a new order (docs/accounts.md, 1–15) and, with accounts, stage R1: the ledger's account
   * checks and the order's hold, left pending for `commitPlace`. Returns the order's instrument, or the reject.
   */
  private preTrade(cmd: PlaceOrder, forced: boolean): Matcher | Reject {
    if (
      !isEntityId(cmd.orderId) ||
      !isEntityId(cmd.accountId) ||
      typeof cmd.instrumentId !== 'string' ||
      !SIDES.includes(cmd.side) ||
      !ORDER_TYPES.includes(cmd.type) ||
      !TIMES_IN_FORCE.includes(cmd.tif) ||
      (cmd.postOnly !== undefined && typeof cmd.postOnly !== 'boolean') ||
      (cmd.stp !== undefined && !STP_MODES.includes(cmd.stp)) ||
      (cmd.offset !== undefined && !OFFSETS.includes(cmd.offset))
    ) {
      return reject('VALIDATION_MALFORMED_COMMAND');
    }
    if (this.orderIndex.has(cmd.orderId)) return reject('VALIDATION_DUPLICATE_ORDER_ID');
    const m = this.instruments.get(cmd.instrumentId);
    if (m === undefined) return reject('VALIDATION_UNKNOWN_INSTRUMENT');
    if (m.spec.status !== 'active') return reject('VALIDATION_INSTRUMENT_NOT_TRADABLE');
    const type = cmd.type;
    const tif = cmd.tif;
    const postOnly = cmd.postOnly === true;
    if (
      (type === 'market' && tif !== 'IOC' && tif !== 'FOK') ||
      (type === 'stop' && tif !== 'IOC') ||
      (postOnly && (type !== 'limit' || (tif !== 'GTC' && tif !== 'GFD')))
    ) {
      return reject('VALIDATION_INVALID_ORDER_COMBINATION');
    }
    let r = m.checkVolume(cmd.volume);
    if (r !== null) return r;
    if (type === 'limit' || type === 'stopLimit') {
      r = m.checkPrice(cmd.price);
      if (r !== null) return r;
    }
    if (type === 'stop' || type === 'stopLimit') {
      const sp = cmd.stopPrice;
      if (!Number.isSafeInteger(sp) || sp! <= 0 || sp! % m.spec.priceTick !== 0) {
        return reject('VALIDATION_STOP_PRICE_INVALID');
      }
    }
    r = m.checkPhase(cmd, postOnly);
    if (r !== null) return r;
    const ledger = this.ledger;
    if (ledger !== null) {
      r = ledger.checkPlace(cmd, m, forced);
      if (r !== null) return r;
    }
    const stp = cmd.stp ?? this.defaultStp;
    if (stp === 'reject' && this.wouldSelfTrade(cmd, m)) return reject('RISK_SELF_TRADE');
    if (ledger !== null) {
      r = ledger.checkRatio(forced);
      if (r !== null) return r;
    }
    r = m.checkCross(cmd, postOnly);
    if (r !== null) return r;
    return m;
  }

  /** Would this order, arriving now, trade with a resting order of its own account? */
  private wouldSelfTrade(cmd: PlaceOrder, m: Matcher): boolean {
    if (m.phase !== 'continuous' || cmd.type === 'stop' || cmd.type === 'stopLimit') return false;
    const band = m.band;
    const limit =
      cmd.type === 'market'
        ? cmd.side === 'buy'
          ? (band?.upper ?? Number.POSITIVE_INFINITY)
          : (band?.lower ?? Number.NEGATIVE_INFINITY)
        : cmd.price;
    const book = m.book;
    const all = book.fillable(cmd.side, limit, cmd.volume, cmd.accountId, 'none');
    return book.fillable(cmd.side, limit, cmd.volume, cmd.accountId, 'cancelTaker') < all;
  }

  /**
   * The instrument holding an order the command may touch, or the reject. Leaves the resting order in `this.found`
   * (the scratch record), or undefined when the order is a pending stop.
   */
  private ownedOrder(cmd: CancelOrder | ModifyOrder): Matcher | Reject {
    if (!isEntityId(cmd.orderId) || (cmd.accountId !== undefined && !isEntityId(cmd.accountId))) {
      return reject('VALIDATION_MALFORMED_COMMAND');
    }
    const m = this.orderIndex.get(cmd.orderId);
    if (m === undefined) return reject('MATCHING_UNKNOWN_ORDER');
    const found = m.book.get(cmd.orderId, this.scratch);
    this.found = found;
    if (cmd.accountId !== undefined) {
      const owner = found?.accountId ?? m.stops.find((s) => s.orderId === cmd.orderId)?.accountId;
      if (owner !== cmd.accountId) return reject('MATCHING_NOT_ORDER_OWNER');
    }
    if (m.phase === 'auction') return reject('MATCHING_PHASE_REJECTS_CANCELS');
    return m;
  }

  private cancel(cmd: CancelOrder, events: EngineEvent[]): Reject | null {
    const m = this.ownedOrder(cmd);
    if (isReject(m)) return m;
    m.cancel(cmd.orderId, this.found, events);
    return null;
  }

  private modify(cmd: ModifyOrder, events: EngineEvent[]): Reject | null {
    const m = this.ownedOrder(cmd);
    if (isReject(m)) return m;
    const found = this.found;
    if (found === undefined) return reject('MATCHING_ORDER_NOT_MODIFIABLE');
    const ledger = this.ledger;
    if (ledger === null) return m.modify(cmd, found, events);
    // The new hold is checked before the book changes and applied before any fill of the modified order settles.
    const r = ledger.checkModify(cmd, found);
    if (r !== null) return r;
    const mr = m.modify(cmd, found, events);
    if (mr !== null) return mr;
    ledger.commitModify();
    return null;
  }

  private setPhase(cmd: SetPhase, events: EngineEvent[]): Reject | null {
    if (!PHASES.includes(cmd.phase)) return reject('VALIDATION_MALFORMED_COMMAND');
    const m = this.instruments.get(cmd.instrumentId);
    if (m === undefined) return reject('VALIDATION_UNKNOWN_INSTRUMENT');
    return m.setPhase(cmd.phase, events);
  }

  private addInstrument(cmd: AddInstrument, events: EngineEvent[]): Reject | null {
    const problem = checkInstrumentSpec(cmd.spec);
    if (problem !== null) return reject('ADMIN_INVALID_INSTRUMENT_SPEC', problem);
    if (this.instruments.has(cmd.spec.id)) return reject('ADMIN_DUPLICATE_INSTRUMENT');
    const spec = freezeSpec(cmd.spec);
    const m = this.makeMatcher(spec, this.host);
    this.instruments.set(spec.id, m);
    this.orderIndex.register(m);
    events.push({ kind: 'InstrumentAdded', spec });
    return null;
  }

  private setStatus(cmd: SetInstrumentStatus, events: EngineEvent[]): Reject | null {
    if (cmd.status !== 'active' && cmd.status !== 'suspended' && cmd.status !== 'delisted') {
      return reject('VALIDATION_MALFORMED_COMMAND');
    }
    const m = this.instruments.get(cmd.instrumentId);
    if (m === undefined) return reject('VALIDATION_UNKNOWN_INSTRUMENT');
    if (m.spec.status === 'delisted') return reject('ADMIN_INSTRUMENT_DELISTED');
    m.setSpec(freezeSpec({ ...m.spec, status: cmd.status }));
    events.push({ kind: 'InstrumentStatusChanged', instrumentId: m.spec.id, status: cmd.status });
    if (cmd.status !== 'active') m.cancelAll('suspended', events);
    return null;
  }

  private setReference(cmd: SetReferencePrice, events: EngineEvent[]): Reject | null {
    const m = this.instruments.get(cmd.instrumentId);
    if (m === undefined) return reject('VALIDATION_UNKNOWN_INSTRUMENT');
    if (!Number.isSafeInteger(cmd.price) || cmd.price <= 0) return reject('VALIDATION_PRICE_NOT_POSITIVE');
    if (cmd.price % m.spec.priceTick !== 0) return reject('VALIDATION_PRICE_NOT_ON_TICK');
    m.setSpec(freezeSpec({ ...m.spec, referencePrice: cmd.price }));
    events.push({ kind: 'ReferencePriceChanged', instrumentId: m.spec.id, price: cmd.price });
    // Before its first trade an instrument is valued at its reference price: a new one is a price move.
    if (this.ledger !== null && m.markPrice === null) this.traded.add(m);
    return null;
  }
}

/** Order id -> the instrument holding it, as an integer map into the list of instruments. */
class OrderIndex {
  private readonly map = new IntMap(4096);
  private readonly matchers: Matcher[] = [];
  private readonly slotOf = new Map<Matcher, number>();

  register(m: Matcher): void {
    this.slotOf.set(m, this.matchers.length);
    this.matchers.push(m);
  }

  get size(): number {
    return this.map.size;
  }

  get(orderId: OrderId): Matcher | undefined {
    const i = this.map.get(orderId);
    return i === -1 ? undefined : this.matchers[i];
  }

  has(orderId: OrderId): boolean {
    return this.map.has(orderId);
  }

  /** Room for `n` orders in all (a restore that knows how many it will add). */
  reserve(n: number): void {
    this.map.reserve(n);
  }

  set(orderId: OrderId, m: Matcher): void {
    this.map.set(orderId, this.slotOf.get(m)!);
  }

  delete(orderId: OrderId): void {
    this.map.delete(orderId);
  }
}

function freezeSpec(spec: InstrumentSpec): InstrumentSpec {
  const t = spec.terms;
  const terms =
    t === undefined
      ? undefined
      : Object.freeze({
          ...t,
          commission: Object.freeze({ ...t.commission }),
          settlement: Object.freeze({ ...t.settlement }),
        });
  const out = { ...spec, band: Object.freeze({ ...spec.band }) };
  if (terms !== undefined) out.terms = terms;
  return Object.freeze(out);
}

function isReject(x: Matcher | Reject): x is Reject {
  return typeof (x as Reject).number === 'number';
}

function byMatcherId(x: Matcher, y: Matcher): number {
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}
