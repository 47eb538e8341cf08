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
} from './domain/commands.ts';
import type { EngineEvent } from './domain/events.ts';
import type { Price } from './domain/fixed-point.ts';
import { StateHasher } from './domain/hash.ts';
import { type InstrumentId, isEntityId, type OrderId, type Seq } from './domain/ids.ts';
import { checkInstrumentSpec, type InstrumentSpec } from './domain/instrument.ts';
import { ORDER_TYPES, PHASES, type Phase, SIDES, STP_MODES, type StpMode, TIMES_IN_FORCE } from './domain/order.ts';
import { type Reject, reject } from './domain/reject-codes.ts';
import { InstrumentMatcher, type MatcherHost, type PendingStop } from './matching/instrument-matcher.ts';

export type ApplyResult =
  | { readonly ok: true; readonly seq: Seq; readonly events: readonly EngineEvent[] }
  | { readonly ok: false; readonly seq: Seq; readonly reject: Reject };

export interface EngineOptions {
  /** fast (default) or the naive reference book, for tests. */
  readonly book?: 'fast' | 'naive';
  /** Self-trade prevention for orders that do not name one. */
  readonly defaultStp?: StpMode;
}

/**
 * The exchange domain behind one door: `apply(command)`. Deterministic: the same commands give the same events and
 * the same state hash; sequence numbers and timestamps come in with the commands.
 */
export class Engine {
  private readonly instruments = new Map<InstrumentId, InstrumentMatcher>();
  /** Every open order and pending stop, to the instrument that holds it. */
  private readonly orderIndex = new OrderIndex();
  private lastSeq = 0;
  private tradeSeq = 0;
  private readonly makeBook: () => OrderBook;
  private readonly defaultStp: StpMode;
  private readonly host: MatcherHost;
  private readonly scratch = emptyRestingOrder();
  private found: RestingOrder | undefined;

  constructor(options: EngineOptions = {}) {
    this.makeBook = options.book === 'naive' ? () => new NaiveBook() : () => new FastBook();
    this.defaultStp = options.defaultStp ?? 'cancelTaker';
    const index = this.orderIndex;
    this.host = {
      nextTradeId: () => ++this.tradeSeq,
      orderGone: (orderId) => {
        index.delete(orderId);
      },
    };
  }

  get seq(): Seq {
    return this.lastSeq;
  }

  apply(cmd: Command): ApplyResult {
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
      default:
        r = reject('VALIDATION_MALFORMED_COMMAND', `unknown command kind ${String((cmd as { kind?: unknown }).kind)}`);
    }
    return r === null ? { ok: true, seq, events } : { ok: false, seq, reject: r };
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

  /** An open (resting) order, or undefined. */
  openOrder(orderId: OrderId): RestingOrder | undefined {
    return this.orderIndex.get(orderId)?.book.get(orderId);
  }

  /** A pending stop order, or undefined. */
  pendingStop(orderId: OrderId): PendingStop | undefined {
    return this.orderIndex.get(orderId)?.stops.find((s) => s.orderId === orderId);
  }

  validateInternalState(): void {
    let count = 0;
    for (const m of this.instruments.values()) {
      m.validateInternalState();
      for (const o of m.book.orders()) {
        if (this.orderIndex.get(o.orderId) !== m) throw new Error(`order ${o.orderId} missing from the index`);
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
    for (const id of this.instrumentIds()) this.instruments.get(id)!.stateHash(h);
    return h.digest();
  }

  // Commands

  private place(cmd: PlaceOrder, events: EngineEvent[]): Reject | null {
    if (
      !isEntityId(cmd.orderId) ||
      !isEntityId(cmd.accountId) ||
      typeof cmd.instrumentId !== 'string' ||
      !SIDES.includes(cmd.side) ||
      !ORDER_TYPES.includes(cmd.type) ||
      !TIMES_IN_FORCE.includes(cmd.tif) ||
      (cmd.postOnly !== undefined && typeof cmd.postOnly !== 'boolean') ||
      (cmd.stp !== undefined && !STP_MODES.includes(cmd.stp))
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
    r = m.checkPlace(cmd, postOnly);
    if (r !== null) return r;
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
    });
    this.orderIndex.set(cmd.orderId, m);
    m.place(cmd, postOnly, stp, events);
    return null;
  }

  /**
   * The instrument holding an order the command may touch, or the reject. Leaves the resting order in `this.found`
   * (the scratch record), or undefined when the order is a pending stop.
   */
  private ownedOrder(cmd: CancelOrder | ModifyOrder): InstrumentMatcher | Reject {
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
    if (!(m instanceof InstrumentMatcher)) return m;
    m.cancel(cmd.orderId, this.found, events);
    return null;
  }

  private modify(cmd: ModifyOrder, events: EngineEvent[]): Reject | null {
    const m = this.ownedOrder(cmd);
    if (!(m instanceof InstrumentMatcher)) return m;
    const found = this.found;
    if (found === undefined) return reject('MATCHING_ORDER_NOT_MODIFIABLE');
    return m.modify(cmd, found, events);
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
    const m = new InstrumentMatcher(spec, this.makeBook(), this.host);
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
    return null;
  }
}

/** Order id -> the instrument holding it, as an integer map into the list of instruments. */
class OrderIndex {
  private readonly map = new IntMap(4096);
  private readonly matchers: InstrumentMatcher[] = [];
  private readonly slotOf = new Map<InstrumentMatcher, number>();

  register(m: InstrumentMatcher): void {
    this.slotOf.set(m, this.matchers.length);
    this.matchers.push(m);
  }

  get size(): number {
    return this.map.size;
  }

  get(orderId: OrderId): InstrumentMatcher | undefined {
    const i = this.map.get(orderId);
    return i === -1 ? undefined : this.matchers[i];
  }

  has(orderId: OrderId): boolean {
    return this.map.has(orderId);
  }

  set(orderId: OrderId, m: InstrumentMatcher): void {
    this.map.set(orderId, this.slotOf.get(m)!);
  }

  delete(orderId: OrderId): void {
    this.map.delete(orderId);
  }
}

function freezeSpec(spec: InstrumentSpec): InstrumentSpec {
  return Object.freeze({ ...spec, band: Object.freeze({ ...spec.band }) });
}
