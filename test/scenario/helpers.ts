/**
 * Scenario helpers: an engine with instruments, auto-incremented seq / ts, and compact views of the outcome
 * (trades as tuples, event kinds, cancels, depth) so that hand-computed expectations stay short.
 */
import { expect } from 'vitest';
import type { Command, PlaceOrder } from '../../src-engine/domain/commands.ts';
import type { EngineEvent, EventKind } from '../../src-engine/domain/events.ts';
import type { Price, Volume } from '../../src-engine/domain/fixed-point.ts';
import type { AccountId, InstrumentId, OrderId } from '../../src-engine/domain/ids.ts';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import type { CancelReason, Phase, Side } from '../../src-engine/domain/order.ts';
import { REJECTS, type Reject, type RejectCode } from '../../src-engine/domain/reject-codes.ts';
import { Engine } from '../../src-engine/engine.ts';

export type BookKind = 'fast' | 'naive';
export const BOOKS: readonly BookKind[] = ['fast', 'naive'];

/** Accounts used throughout the scenarios. */
export const A: AccountId = 1;
export const B: AccountId = 2;
export const C: AccountId = 3;
export const D: AccountId = 4;

/** The default instrument of a scenario. */
export const SYM: InstrumentId = 'FUT';

type WithoutSeqTs<T> = T extends Command ? Omit<T, 'seq' | 'ts'> : never;
/** A command as a test writes it: the helper stamps seq and ts. */
export type CommandInput = WithoutSeqTs<Command>;
export type ApplyResult = ReturnType<Engine['apply']>;

/** tick 1, lot 1, max 1000, no band, no reference price, active. */
export function makeSpec(id: InstrumentId = SYM, overrides: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    id,
    kind: 'future',
    priceTick: 1,
    priceDecimals: 0,
    lotSize: 1,
    multiplier: 10,
    maxOrderVolume: 1000,
    band: { kind: 'none' },
    referencePrice: null,
    status: 'active',
    ...overrides,
  };
}

export interface OrderOptions {
  readonly instrumentId?: InstrumentId;
  readonly type?: PlaceOrder['type'];
  readonly tif?: PlaceOrder['tif'];
  readonly stopPrice?: Price;
  readonly postOnly?: boolean;
  readonly stp?: NonNullable<PlaceOrder['stp']>;
}

export class Scenario {
  readonly engine: Engine;
  /** Every command sent, with its seq and ts, for replays. */
  readonly log: Command[] = [];
  private seq = 0;
  private ts = 1_700_000_000_000;

  constructor(book: BookKind = 'fast') {
    // matching-only: the scenarios trade without accounts (docs/accounts.md, "Using it")
    this.engine = new Engine({ book, accounts: false });
  }

  /** Stamps the next seq and ts and applies the command. */
  apply(input: CommandInput): ApplyResult {
    this.seq += 1;
    this.ts += 10;
    const cmd = { ...input, seq: this.seq, ts: this.ts } as Command;
    this.log.push(cmd);
    return this.engine.apply(cmd);
  }

  /** Applies a command that must succeed and returns its events. */
  ok(input: CommandInput): readonly EngineEvent[] {
    const r = this.apply(input);
    if (!r.ok) throw new Error(`expected ${input.kind} to succeed, got ${r.reject.code} ${r.reject.details ?? ''}`);
    expect(r.seq).toBe(this.seq);
    return r.events;
  }

  /** Applies a command that must be rejected; checks that nothing changed and returns the reject code. */
  rejected(input: CommandInput): RejectCode {
    const before = this.engine.stateHash();
    const r = this.apply(input);
    if (r.ok) throw new Error(`expected ${input.kind} to be rejected, got events ${kinds(r.events).join(',')}`);
    checkReject(r.reject);
    expect(this.engine.stateHash(), `state changed by rejected ${r.reject.code}`).toBe(before);
    return r.reject.code;
  }

  /** Adds an instrument (default spec with overrides) and moves it to `phase` (closed -> phase). */
  instrument(id: InstrumentId = SYM, overrides: Partial<InstrumentSpec> = {}, phase: Phase = 'continuous'): this {
    this.ok({ kind: 'AddInstrument', spec: makeSpec(id, overrides) });
    this.goTo(id, phase);
    return this;
  }

  /** Moves an instrument from closed to any phase along allowed transitions. */
  goTo(id: InstrumentId, phase: Phase): this {
    const paths: Record<Phase, Phase[]> = {
      closed: [],
      preOpen: ['preOpen'],
      auction: ['preOpen', 'auction'],
      continuous: ['continuous'],
      halted: ['continuous', 'halted'],
    };
    for (const p of paths[phase]) this.phase(p, id);
    return this;
  }

  phase(phase: Phase, instrumentId: InstrumentId = SYM): readonly EngineEvent[] {
    return this.ok({ kind: 'SetPhase', instrumentId, phase });
  }

  placeInput(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    price: Price,
    volume: Volume,
    opts: OrderOptions = {},
  ): CommandInput {
    const { instrumentId = SYM, type = 'limit', tif = 'GTC', ...flags } = opts;
    return { kind: 'PlaceOrder', orderId, accountId, instrumentId, side, type, tif, price, volume, ...flags };
  }

  buy(orderId: OrderId, accountId: AccountId, price: Price, volume: Volume, opts?: OrderOptions) {
    return this.ok(this.placeInput(orderId, accountId, 'buy', price, volume, opts));
  }

  sell(orderId: OrderId, accountId: AccountId, price: Price, volume: Volume, opts?: OrderOptions) {
    return this.ok(this.placeInput(orderId, accountId, 'sell', price, volume, opts));
  }

  /** A market order (price 0), IOC unless told otherwise. */
  market(orderId: OrderId, accountId: AccountId, side: Side, volume: Volume, opts: OrderOptions = {}) {
    return this.ok(this.placeInput(orderId, accountId, side, 0, volume, { tif: 'IOC', ...opts, type: 'market' }));
  }

  /** A stop (market) order: IOC, price 0. */
  stop(orderId: OrderId, accountId: AccountId, side: Side, stopPrice: Price, volume: Volume, opts: OrderOptions = {}) {
    return this.ok(
      this.placeInput(orderId, accountId, side, 0, volume, { tif: 'IOC', ...opts, type: 'stop', stopPrice }),
    );
  }

  stopLimit(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    stopPrice: Price,
    price: Price,
    volume: Volume,
    opts: OrderOptions = {},
  ) {
    return this.ok(this.placeInput(orderId, accountId, side, price, volume, { ...opts, type: 'stopLimit', stopPrice }));
  }

  cancel(orderId: OrderId, accountId?: AccountId): readonly EngineEvent[] {
    return this.ok(
      accountId === undefined ? { kind: 'CancelOrder', orderId } : { kind: 'CancelOrder', orderId, accountId },
    );
  }

  modify(orderId: OrderId, price: Price, volume: Volume, accountId?: AccountId): readonly EngineEvent[] {
    return this.ok(modifyInput(orderId, price, volume, accountId));
  }

  /** Aggregated depth as [price, volume, orders] tuples, best first. */
  depth(instrumentId: InstrumentId = SYM, levels = 20): { bids: Level[]; asks: Level[] } {
    const d = this.engine.depth(instrumentId, levels);
    if (d === undefined) throw new Error(`no depth for ${instrumentId}`);
    return {
      bids: d.bids.map((l) => [l.price, l.volume, l.orders] as const),
      asks: d.asks.map((l) => [l.price, l.volume, l.orders] as const),
    };
  }

  lastPrice(instrumentId: InstrumentId = SYM): number | null {
    return this.engine.lastPrice(instrumentId);
  }

  /** Ends a scenario: the engine's invariants must hold. */
  validate(): void {
    expect(() => this.engine.validateInternalState()).not.toThrow();
  }
}

export type Level = readonly [price: Price, volume: Volume, orders: number];

export function modifyInput(orderId: OrderId, price: Price, volume: Volume, accountId?: AccountId): CommandInput {
  return accountId === undefined
    ? { kind: 'ModifyOrder', orderId, price, volume }
    : { kind: 'ModifyOrder', orderId, price, volume, accountId };
}

export function cancelInput(orderId: OrderId, accountId?: AccountId): CommandInput {
  return accountId === undefined ? { kind: 'CancelOrder', orderId } : { kind: 'CancelOrder', orderId, accountId };
}

/** A reject must carry its catalog number and message. */
export function checkReject(r: Reject): void {
  expect(REJECTS[r.code], `unknown reject code ${r.code}`).toBeDefined();
  expect(r.number).toBe(REJECTS[r.code].code);
  expect(r.message).toBe(REJECTS[r.code].message);
}

/** [price, volume, buyOrderId, sellOrderId, buyRemaining, sellRemaining, takerSide] */
export type TradeTuple = readonly [
  price: Price,
  volume: Volume,
  buyOrderId: OrderId,
  sellOrderId: OrderId,
  buyRemaining: Volume,
  sellRemaining: Volume,
  takerSide: Side | null,
];

export function trades(events: readonly EngineEvent[]): TradeTuple[] {
  const out: TradeTuple[] = [];
  for (const e of events) {
    if (e.kind === 'TradeExecuted') {
      out.push([e.price, e.volume, e.buyOrderId, e.sellOrderId, e.buyRemaining, e.sellRemaining, e.takerSide]);
    }
  }
  return out;
}

export function kinds(events: readonly EngineEvent[]): EventKind[] {
  return events.map((e) => e.kind);
}

/** [orderId, reason, canceled volume] for every OrderCanceled, in event order. */
export function cancels(events: readonly EngineEvent[]): [OrderId, CancelReason, Volume][] {
  const out: [OrderId, CancelReason, Volume][] = [];
  for (const e of events) if (e.kind === 'OrderCanceled') out.push([e.orderId, e.reason, e.canceled]);
  return out;
}

/** The events of one kind, typed. */
export function ofKind<K extends EventKind>(
  events: readonly EngineEvent[],
  kind: K,
): Extract<EngineEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<EngineEvent, { kind: K }> => e.kind === kind);
}

/** Exactly one event of this kind; returns it. */
export function one<K extends EventKind>(events: readonly EngineEvent[], kind: K): Extract<EngineEvent, { kind: K }> {
  const found = ofKind(events, kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
}
