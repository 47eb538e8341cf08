/**
 * Whole-engine snapshots (docs/matching.md, "Snapshots"). `engine.exportState()` returns an EngineState: plain JSON
 * data (numbers are safe integers; no Map, Set, BigInt, typed array or undefined) holding everything that decides how
 * the engine answers later commands. `Engine.fromState(state)` checks the shape here (`checkEngineState`), rebuilds
 * the engine and runs its invariants. Anything wrong throws `Error('engine state: ...')`: a damaged or foreign
 * snapshot is a bug or corruption, not a business reject.
 *
 * Left out, because they are recomputed or live only within one command: price bands and unit values (from the
 * spec), the order-id index (from the books and stops), the book kind (chosen when restoring), a book's internal
 * layout (slots, empty levels), and the per-command scratch (touched accounts, pending holds, traded instruments).
 */
import type { RiskConfig } from './accounts/ledger.ts';
import type { AccountKind } from './domain/commands.ts';
import type { AccountTrade } from './domain/events.ts';
import type { Money, Price, Volume } from './domain/fixed-point.ts';
import type { AccountId, InstrumentId, OrderId, TradeId } from './domain/ids.ts';
import { checkInstrumentSpec, type InstrumentSpec } from './domain/instrument.ts';
import {
  OFFSETS,
  type Offset,
  PHASES,
  type Phase,
  SIDES,
  type Side,
  STP_MODES,
  type StpMode,
  TIMES_IN_FORCE,
  type TimeInForce,
} from './domain/order.ts';

export const ENGINE_STATE_VERSION = 1;

export interface EngineState {
  readonly version: 1;
  readonly options: EngineStateOptions;
  /** The last sequence number used up (accepted or rejected). */
  readonly lastSeq: number;
  /** The last trade id handed out. */
  readonly tradeSeq: TradeId;
  /** The id the next force-liquidation order gets. */
  readonly nextEngineOrderId: OrderId;
  /** Every instrument, in the order it was added. */
  readonly instruments: readonly InstrumentState[];
  /** Admin settlement prices set for the current trading day. */
  readonly settlementPrices: readonly { readonly instrumentId: InstrumentId; readonly price: Price }[];
  /** Today's trades of instruments settled by VWAP: flat triples (command ts, price, volume), oldest first. */
  readonly dayTrades: readonly { readonly instrumentId: InstrumentId; readonly trades: readonly number[] }[];
  /** Accounts, holds and positions; null when the engine runs matching only. */
  readonly ledger: LedgerState | null;
}

export interface EngineStateOptions {
  readonly defaultStp: StpMode;
  readonly accounts: boolean;
  /** The risk configuration in force; null exactly when accounts is false. */
  readonly risk: RiskConfig | null;
}

export interface InstrumentState {
  /** The current spec (status and reference price included). */
  readonly spec: InstrumentSpec;
  readonly phase: Phase;
  readonly lastPrice: Price | null;
  readonly markPrice: Price | null;
  /** Resting buy orders, best price first, each price level in time priority. */
  readonly bids: readonly RestingOrderState[];
  /** Resting sell orders, best price first, each price level in time priority. */
  readonly asks: readonly RestingOrderState[];
  /** Pending stop orders in acceptance order (the order they trigger in). */
  readonly stops: readonly PendingStopState[];
}

export interface RestingOrderState {
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly price: Price;
  readonly remaining: Volume;
  readonly filled: Volume;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  readonly stp: StpMode;
}

export interface PendingStopState {
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly side: Side;
  readonly type: 'stop' | 'stopLimit';
  readonly tif: TimeInForce;
  /** The limit of a stopLimit, 0 for a stop. */
  readonly price: Price;
  readonly stopPrice: Price;
  readonly volume: Volume;
  readonly stp: StpMode;
}

export interface LedgerState {
  readonly tradingDay: number;
  readonly depositsTotal: Money;
  readonly withdrawalsTotal: Money;
  readonly commissionTotal: Money;
  /** Every account, in the order it was created. */
  readonly accounts: readonly AccountState[];
  /** The hold of every open order and pending stop. */
  readonly holds: readonly HoldState[];
  /**
   * Per instrument, the accounts holding a position in it, in the order they took it: intraday risk checks holders in
   * this order, so it is part of the state.
   */
  readonly holders: readonly { readonly instrumentId: InstrumentId; readonly accountIds: readonly AccountId[] }[];
  /** Accounts whose negative balance has been reported (and not yet recovered), in the order reported. */
  readonly negative: readonly AccountId[];
}

export interface AccountState {
  readonly id: AccountId;
  readonly userId: number;
  readonly kind: AccountKind;
  readonly frozen: boolean;
  readonly preBalance: Money;
  readonly deposit: Money;
  readonly withdraw: Money;
  readonly closeProfit: Money;
  readonly commission: Money;
  readonly margin: Money;
  readonly frozenMargin: Money;
  readonly frozenCommission: Money;
  readonly cash: Money;
  readonly frozenCash: Money;
  readonly openOrders: number;
  /** Command timestamps of the latest orders, oldest first (the order-rate limit). */
  readonly recentOrders: readonly number[];
  /** Positions in the order the account first touched each instrument (force liquidation breaks ties by it). */
  readonly positions: readonly PositionState[];
  readonly tradesToday: readonly AccountTrade[];
}

export interface PositionState {
  readonly instrumentId: InstrumentId;
  readonly long: PositionSideState;
  readonly short: PositionSideState;
}

export interface PositionSideState {
  readonly today: BucketState;
  readonly yesterday: BucketState;
}

export interface BucketState {
  /** FIFO lots, oldest first. */
  readonly lots: readonly LotState[];
  readonly volume: Volume;
  /** Volume reserved by pending close orders. */
  readonly frozen: Volume;
  readonly margin: Money;
  /** Σ open price × volume and Σ position price × volume over the lots. */
  readonly openCost: number;
  readonly positionCost: number;
}

export interface LotState {
  readonly openPrice: Price;
  readonly positionPrice: Price;
  readonly volume: Volume;
  readonly margin: Money;
}

export interface HoldState {
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  readonly side: Side;
  readonly offset: Offset;
  readonly holdPrice: Price;
  readonly remaining: Volume;
  readonly reservedYesterday: Volume;
  readonly reservedToday: Volume;
  readonly frozenMargin: Money;
  readonly frozenCommission: Money;
  readonly frozenCash: Money;
}

/** One column of a list that an export hands over column by column (`ListPacker`). */
export interface ColumnSink {
  push(value: unknown): void;
}

/**
 * Takes the lists of an export that grow with the book (each side's resting orders, the holds) column by column
 * instead of as row objects: a snapshot encoder packs them straight into its columns, and a book of a million orders
 * builds no million rows to throw away. `fill` pushes exactly `n` values into each column, in row order; `keys` are
 * the rows' keys in the order the row objects would have them. What `list` returns takes the rows' place in the
 * export, which is then meant for that packer alone.
 */
export interface ListPacker {
  list(keys: readonly string[], n: number, fill: (columns: readonly ColumnSink[]) => void): unknown;
}

/** The packer of a plain export: each list as row objects, their keys in `keys` order. */
export const ROWS: ListPacker = {
  list(keys, n, fill) {
    const rows = Array.from({ length: n }, (): Record<string, unknown> => ({}));
    fill(
      keys.map((key) => {
        let i = 0;
        return {
          push(value: unknown): void {
            rows[i++]![key] = value;
          },
        };
      }),
    );
    return rows;
  },
};

/** The keys of a resting order's row (`RestingOrderState`), in its order. */
export const RESTING_ORDER_KEYS = [
  'orderId',
  'accountId',
  'price',
  'remaining',
  'filled',
  'tif',
  'postOnly',
  'stp',
] as const satisfies readonly (keyof RestingOrderState)[];

/** The keys of a hold's row (`HoldState`), in its order. */
export const HOLD_KEYS = [
  'orderId',
  'accountId',
  'instrumentId',
  'side',
  'offset',
  'holdPrice',
  'remaining',
  'reservedYesterday',
  'reservedToday',
  'frozenMargin',
  'frozenCommission',
  'frozenCash',
] as const satisfies readonly (keyof HoldState)[];

/** The error every malformed or inconsistent snapshot raises. */
export function stateError(message: string): Error {
  return new Error(`engine state: ${message}`);
}

/** A deep copy of a spec as JSON sees it (key order and extra keys kept: the state hash reads the terms as JSON). */
export function specToJson(spec: InstrumentSpec): InstrumentSpec {
  return JSON.parse(JSON.stringify(spec)) as InstrumentSpec;
}

// Shape checks. Each takes the value and its path in the state, and returns the value typed or throws.

type Obj = Record<string, unknown>;

function obj(x: unknown, path: string): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw stateError(`${path} must be an object`);
  return x as Obj;
}

function arr(x: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(x)) throw stateError(`${path} must be an array`);
  return x;
}

function int(x: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw stateError(`${path} must be a safe integer`);
  if (x < min) throw stateError(`${path} must be at least ${min}, got ${x}`);
  return x;
}

function intOrNull(x: unknown, path: string, min?: number): number | null {
  return x === null ? null : int(x, path, min);
}

function bool(x: unknown, path: string): boolean {
  if (typeof x !== 'boolean') throw stateError(`${path} must be a boolean`);
  return x;
}

function str(x: unknown, path: string): string {
  if (typeof x !== 'string') throw stateError(`${path} must be a string`);
  return x;
}

function oneOf<T extends string>(x: unknown, values: readonly T[], path: string): T {
  if (!values.includes(x as T)) throw stateError(`${path} must be one of ${values.join(', ')}`);
  return x as T;
}

function each(x: unknown, path: string, check: (item: unknown, path: string) => void): void {
  arr(x, path).forEach((item, i) => {
    check(item, `${path}[${i}]`);
  });
}

/**
 * `each` for the lists that grow with the book and the day's trading (orders, holds, trades, order timestamps, lots):
 * `ok` checks an item without building any path, and only an item it refuses goes through `check`, which names what is
 * wrong (and throws). Building the paths of a million items would cost more than the checks.
 */
function eachFast(
  x: unknown,
  path: string,
  ok: (item: unknown) => boolean,
  check: (item: unknown, path: string) => void,
): readonly unknown[] {
  const list = arr(x, path);
  for (let i = 0; i < list.length; i++) if (!ok(list[i])) check(list[i], `${path}[${i}]`);
  return list;
}

function isRecord(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isInt(x: unknown, min: number): boolean {
  return Number.isSafeInteger(x) && (x as number) >= min;
}

const MIN = Number.MIN_SAFE_INTEGER;

function restingOk(x: unknown): boolean {
  return (
    isRecord(x) &&
    isInt(x.orderId, 1) &&
    isInt(x.accountId, 1) &&
    isInt(x.price, 1) &&
    isInt(x.remaining, 1) &&
    isInt(x.filled, 0) &&
    TIMES_IN_FORCE.includes(x.tif as TimeInForce) &&
    typeof x.postOnly === 'boolean' &&
    STP_MODES.includes(x.stp as StpMode)
  );
}

function checkResting(r: unknown, p: string): void {
  const e = obj(r, p);
  int(e.orderId, `${p}.orderId`, 1);
  int(e.accountId, `${p}.accountId`, 1);
  int(e.price, `${p}.price`, 1);
  int(e.remaining, `${p}.remaining`, 1);
  int(e.filled, `${p}.filled`, 0);
  oneOf(e.tif, TIMES_IN_FORCE, `${p}.tif`);
  bool(e.postOnly, `${p}.postOnly`);
  oneOf(e.stp, STP_MODES, `${p}.stp`);
}

function holdOk(x: unknown): boolean {
  return (
    isRecord(x) &&
    isInt(x.orderId, 1) &&
    isInt(x.accountId, 1) &&
    typeof x.instrumentId === 'string' &&
    SIDES.includes(x.side as Side) &&
    OFFSETS.includes(x.offset as Offset) &&
    isInt(x.holdPrice, 0) &&
    isInt(x.remaining, 0) &&
    isInt(x.reservedYesterday, 0) &&
    isInt(x.reservedToday, 0) &&
    isInt(x.frozenMargin, 0) &&
    isInt(x.frozenCommission, 0) &&
    isInt(x.frozenCash, 0)
  );
}

function checkHold(h: unknown, p: string): void {
  const e = obj(h, p);
  int(e.orderId, `${p}.orderId`, 1);
  int(e.accountId, `${p}.accountId`, 1);
  str(e.instrumentId, `${p}.instrumentId`);
  oneOf(e.side, SIDES, `${p}.side`);
  oneOf(e.offset, OFFSETS, `${p}.offset`);
  int(e.holdPrice, `${p}.holdPrice`, 0);
  // remaining .. frozenCash: the volumes and money, the keys after holdPrice
  for (const k of HOLD_KEYS.slice(HOLD_KEYS.indexOf('holdPrice') + 1)) {
    int(e[k], `${p}.${k}`, 0);
  }
}

function tradeOk(x: unknown): boolean {
  return (
    isRecord(x) &&
    isInt(x.tradeId, 1) &&
    isInt(x.orderId, 1) &&
    typeof x.instrumentId === 'string' &&
    SIDES.includes(x.side as Side) &&
    OFFSETS.includes(x.offset as Offset) &&
    isInt(x.price, 1) &&
    isInt(x.volume, 1) &&
    isInt(x.commission, 0) &&
    isInt(x.closeProfit, MIN)
  );
}

function checkTrade(t: unknown, p: string): void {
  const e = obj(t, p);
  int(e.tradeId, `${p}.tradeId`, 1);
  int(e.orderId, `${p}.orderId`, 1);
  str(e.instrumentId, `${p}.instrumentId`);
  oneOf(e.side, SIDES, `${p}.side`);
  oneOf(e.offset, OFFSETS, `${p}.offset`);
  int(e.price, `${p}.price`, 1);
  int(e.volume, `${p}.volume`, 1);
  int(e.commission, `${p}.commission`, 0);
  int(e.closeProfit, `${p}.closeProfit`);
}

function lotOk(x: unknown): boolean {
  return isRecord(x) && isInt(x.openPrice, 1) && isInt(x.positionPrice, 1) && isInt(x.volume, 1) && isInt(x.margin, 0);
}

function checkLot(l: unknown, p: string): void {
  const lot = obj(l, p);
  int(lot.openPrice, `${p}.openPrice`, 1);
  int(lot.positionPrice, `${p}.positionPrice`, 1);
  int(lot.volume, `${p}.volume`, 1);
  int(lot.margin, `${p}.margin`, 0);
}

/**
 * Checks that `x` has the shape of an EngineState of this version: every field present with the right type, numbers
 * safe integers in range, enums known, specs valid, price levels in priority order. References between parts (ids
 * that must exist, duplicates, holds against orders) are checked while the engine is rebuilt.
 */
export function checkEngineState(x: unknown): EngineState {
  const s = obj(x, 'the state');
  if (s.version !== ENGINE_STATE_VERSION) {
    throw stateError(`unsupported version ${JSON.stringify(s.version)} (this engine reads ${ENGINE_STATE_VERSION})`);
  }
  const o = obj(s.options, 'options');
  oneOf(o.defaultStp, STP_MODES, 'options.defaultStp');
  const accounts = bool(o.accounts, 'options.accounts');
  if (accounts) {
    const r = obj(o.risk, 'options.risk');
    for (const k of [
      'maxOpenOrders',
      'maxOrdersPerWindow',
      'rateWindowMs',
      'riskRatioCapPpm',
      'forceLiquidationPpm',
    ] as const) {
      int(r[k], `options.risk.${k}`, 0);
    }
  } else if (o.risk !== null) throw stateError('options.risk must be null when options.accounts is false');
  int(s.lastSeq, 'lastSeq', 0);
  int(s.tradeSeq, 'tradeSeq', 0);
  int(s.nextEngineOrderId, 'nextEngineOrderId', 1);
  each(s.instruments, 'instruments', checkInstrument);
  each(s.settlementPrices, 'settlementPrices', (p, path) => {
    const e = obj(p, path);
    str(e.instrumentId, `${path}.instrumentId`);
    int(e.price, `${path}.price`, 1);
  });
  each(s.dayTrades, 'dayTrades', (d, path) => {
    const e = obj(d, path);
    str(e.instrumentId, `${path}.instrumentId`);
    const list = arr(e.trades, `${path}.trades`);
    if (list.length % 3 !== 0) throw stateError(`${path}.trades must hold triples (ts, price, volume)`);
    for (let i = 0; i < list.length; i++) {
      const min = i % 3 === 0 ? MIN : 1;
      if (!isInt(list[i], min)) int(list[i], `${path}.trades[${i}]`, min);
    }
  });
  if (accounts) checkLedger(s.ledger, 'ledger');
  else if (s.ledger !== null) throw stateError('ledger must be null when options.accounts is false');
  return x as EngineState;
}

function checkInstrument(x: unknown, path: string): void {
  const m = obj(x, path);
  const spec = obj(m.spec, `${path}.spec`);
  const problem = checkInstrumentSpec(spec as unknown as InstrumentSpec);
  if (problem !== null) throw stateError(`${path}.spec: ${problem}`);
  oneOf(m.phase, PHASES, `${path}.phase`);
  intOrNull(m.lastPrice, `${path}.lastPrice`, 1);
  intOrNull(m.markPrice, `${path}.markPrice`, 1);
  for (const side of ['bids', 'asks'] as const) {
    const list = eachFast(m[side], `${path}.${side}`, restingOk, checkResting);
    for (let i = 1; i < list.length; i++) {
      const prev = (list[i - 1] as Obj).price as number;
      const price = (list[i] as Obj).price as number;
      if (side === 'bids' ? price > prev : price < prev) {
        throw stateError(`${path}.${side} must be in priority order (best price first): ${price} after ${prev}`);
      }
    }
  }
  each(m.stops, `${path}.stops`, (r, p) => {
    const e = obj(r, p);
    int(e.orderId, `${p}.orderId`, 1);
    int(e.accountId, `${p}.accountId`, 1);
    oneOf(e.side, SIDES, `${p}.side`);
    const type = oneOf(e.type, ['stop', 'stopLimit'] as const, `${p}.type`);
    oneOf(e.tif, TIMES_IN_FORCE, `${p}.tif`);
    int(e.price, `${p}.price`, type === 'stop' ? 0 : 1);
    int(e.stopPrice, `${p}.stopPrice`, 1);
    int(e.volume, `${p}.volume`, 1);
    oneOf(e.stp, STP_MODES, `${p}.stp`);
  });
}

function checkLedger(x: unknown, path: string): void {
  const l = obj(x, path);
  int(l.tradingDay, `${path}.tradingDay`, 1);
  int(l.depositsTotal, `${path}.depositsTotal`, 0);
  int(l.withdrawalsTotal, `${path}.withdrawalsTotal`, 0);
  int(l.commissionTotal, `${path}.commissionTotal`);
  each(l.accounts, `${path}.accounts`, checkAccount);
  eachFast(l.holds, `${path}.holds`, holdOk, checkHold);
  each(l.holders, `${path}.holders`, (h, p) => {
    const e = obj(h, p);
    str(e.instrumentId, `${p}.instrumentId`);
    each(e.accountIds, `${p}.accountIds`, (id, q) => {
      int(id, q, 1);
    });
  });
  each(l.negative, `${path}.negative`, (id, p) => {
    int(id, p, 1);
  });
}

function checkAccount(x: unknown, path: string): void {
  const a = obj(x, path);
  int(a.id, `${path}.id`, 1);
  int(a.userId, `${path}.userId`, 1);
  oneOf(a.kind, ['futures', 'stock'] as const, `${path}.kind`);
  bool(a.frozen, `${path}.frozen`);
  for (const k of ['preBalance', 'deposit', 'withdraw', 'closeProfit', 'commission', 'cash'] as const) {
    int(a[k], `${path}.${k}`);
  }
  for (const k of ['margin', 'frozenMargin', 'frozenCommission', 'frozenCash', 'openOrders'] as const) {
    int(a[k], `${path}.${k}`, 0);
  }
  eachFast(
    a.recentOrders,
    `${path}.recentOrders`,
    (t) => isInt(t, MIN),
    (t, p) => {
      int(t, p);
    },
  );
  each(a.positions, `${path}.positions`, (x, p) => {
    const e = obj(x, p);
    str(e.instrumentId, `${p}.instrumentId`);
    for (const side of ['long', 'short'] as const) {
      const s = obj(e[side], `${p}.${side}`);
      for (const b of ['today', 'yesterday'] as const) checkBucket(s[b], `${p}.${side}.${b}`);
    }
  });
  eachFast(a.tradesToday, `${path}.tradesToday`, tradeOk, checkTrade);
}

function checkBucket(x: unknown, path: string): void {
  const b = obj(x, path);
  let volume = 0;
  let margin = 0;
  let openCost = 0;
  let positionCost = 0;
  for (const l of eachFast(b.lots, `${path}.lots`, lotOk, checkLot) as readonly Obj[]) {
    const v = l.volume as number;
    volume += v;
    margin += l.margin as number;
    openCost += (l.openPrice as number) * v;
    positionCost += (l.positionPrice as number) * v;
  }
  const totals = { volume, margin, openCost, positionCost };
  for (const k of ['volume', 'margin', 'openCost', 'positionCost'] as const) {
    if (int(b[k], `${path}.${k}`, 0) !== totals[k]) {
      throw stateError(`${path}.${k} is ${String(b[k])} but its lots sum to ${totals[k]}`);
    }
  }
  const frozen = int(b.frozen, `${path}.frozen`, 0);
  if (frozen > volume) throw stateError(`${path}.frozen ${frozen} is more than its volume ${volume}`);
}
