import type { CrossSink, MatchSink, OrderBook, RestingOrder } from '../book/order-book.ts';
import type { ModifyOrder, PlaceOrder } from '../domain/commands.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Price, Volume } from '../domain/fixed-point.ts';
import { StateHasher } from '../domain/hash.ts';
import type { AccountId, OrderId } from '../domain/ids.ts';
import { type InstrumentSpec, type PriceBand, priceBand, termsOf, unitValue } from '../domain/instrument.ts';
import type { CancelReason, OrderType, Phase, Side, StpMode, TimeInForce } from '../domain/order.ts';
import { type Reject, reject } from '../domain/reject-codes.ts';
import {
  type ColumnSink,
  type InstrumentState,
  type ListPacker,
  RESTING_ORDER_KEYS,
  type RestingOrderState,
  ROWS,
  specToJson,
  stateError,
} from '../state.ts';
import { findUncross } from './auction.ts';
import type { Matcher } from './matcher.ts';
import { flagsPostOnly, flagsStp, flagsTif, matchingStp, packFlags } from './order-flags.ts';

/** A stop or stop-limit order waiting for its trigger. */
export interface PendingStop {
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly price: Price;
  readonly stopPrice: Price;
  readonly volume: Volume;
  readonly stp: StpMode;
}

/** What the matcher needs from the engine: the order-id index and trade ids. */
export interface MatcherHost {
  nextTradeId(): number;
  /** An order (resting or pending stop) of this instrument left the engine for good. */
  orderGone(orderId: OrderId): void;
  /** The last trade id handed out, and setting it (a matching shard continues the engine's trade ids). */
  lastTradeId(): number;
  setLastTradeId(id: number): void;
}

const ALLOWED_MOVES: Readonly<Record<Phase, readonly Phase[]>> = {
  closed: ['preOpen', 'continuous'],
  preOpen: ['auction', 'continuous', 'halted', 'closed'],
  auction: ['continuous', 'halted', 'closed'],
  continuous: ['halted', 'preOpen', 'closed'],
  halted: ['continuous', 'preOpen', 'closed'],
};

/**
 * Order types, phases, stops and the auction for one instrument, over one book. The book keeps priority and
 * trades; this class decides what each command means and turns the book's callbacks into events.
 */
export class InstrumentMatcher implements MatchSink, CrossSink, Matcher {
  spec: InstrumentSpec;
  band: PriceBand | null;
  phase: Phase = 'closed';
  lastPrice: Price | null = null;
  /** Last trade price since the last settlement, or the settlement price; null before either. */
  markPrice: Price | null = null;
  readonly stops: PendingStop[] = [];

  // The order now taking liquidity, for the sink callbacks.
  private out: EngineEvent[] = [];
  private takerId = 0;
  private takerAccount = 0;
  private takerSide: Side = 'buy';
  private takerLeft = 0;
  private makersCanceled = 0;
  private uncrossPrice = 0;

  /** Minor units one price unit is worth for one volume unit (see unitValue in domain/instrument.ts). */
  unitValue: number;

  constructor(
    spec: InstrumentSpec,
    readonly book: OrderBook,
    private readonly host: MatcherHost,
  ) {
    this.spec = spec;
    this.band = priceBand(spec);
    this.unitValue = unitValue(spec);
  }

  get id(): string {
    return this.spec.id;
  }

  setSpec(spec: InstrumentSpec): void {
    this.spec = spec;
    this.band = priceBand(spec);
    this.unitValue = unitValue(spec);
  }

  /** The price positions are valued at: mark, else reference, else last price (0 before any). */
  mark(): Price {
    return this.markPrice ?? this.spec.referencePrice ?? this.lastPrice ?? 0;
  }

  /** Price, volume, tick and band checks shared by place and modify. */
  checkVolume(volume: Volume): Reject | null {
    if (!Number.isSafeInteger(volume) || volume <= 0) return reject('VALIDATION_VOLUME_NOT_POSITIVE');
    if (volume % this.spec.lotSize !== 0) return reject('VALIDATION_VOLUME_NOT_LOT_MULTIPLE');
    if (volume > this.spec.maxOrderVolume) return reject('VALIDATION_VOLUME_ABOVE_MAXIMUM');
    return null;
  }

  checkPrice(price: Price): Reject | null {
    if (!Number.isSafeInteger(price) || price <= 0) return reject('VALIDATION_PRICE_NOT_POSITIVE');
    if (price % this.spec.priceTick !== 0) return reject('VALIDATION_PRICE_NOT_ON_TICK');
    const band = this.band;
    if (band !== null && (price < band.lower || price > band.upper)) {
      return reject('VALIDATION_PRICE_OUT_OF_BAND', `band is ${band.lower}..${band.upper}`);
    }
    return null;
  }

  /** Phase checks for an order that passed validation. */
  checkPhase(cmd: PlaceOrder, postOnly: boolean): Reject | null {
    const phase = this.phase;
    if (phase === 'closed' || phase === 'auction' || phase === 'halted') return reject('MATCHING_PHASE_REJECTS_ORDERS');
    const isStop = cmd.type === 'stop' || cmd.type === 'stopLimit';
    if (
      phase === 'preOpen' &&
      !isStop &&
      (cmd.type !== 'limit' || postOnly || cmd.tif === 'IOC' || cmd.tif === 'FOK')
    ) {
      return reject('MATCHING_ORDER_TYPE_NOT_IN_PHASE');
    }
    return null;
  }

  /** Post-only and stop-trigger checks, the last ones before an order is accepted. */
  checkCross(cmd: PlaceOrder, postOnly: boolean): Reject | null {
    const isStop = cmd.type === 'stop' || cmd.type === 'stopLimit';
    if (postOnly && this.wouldCross(cmd.side, cmd.price)) return reject('MATCHING_POST_ONLY_WOULD_CROSS');
    if (isStop && this.lastPrice !== null && stopTriggered(cmd.side, cmd.stopPrice!, this.lastPrice)) {
      return reject('MATCHING_STOP_WOULD_TRIGGER_NOW');
    }
    return null;
  }

  /** Runs an accepted order (OrderAccepted already emitted by the caller). */
  place(cmd: PlaceOrder, postOnly: boolean, stp: StpMode, out: EngineEvent[]): void {
    this.out = out;
    if (cmd.type === 'stop' || cmd.type === 'stopLimit') {
      this.stops.push({
        orderId: cmd.orderId,
        accountId: cmd.accountId,
        side: cmd.side,
        type: cmd.type,
        tif: cmd.tif,
        price: cmd.type === 'stopLimit' ? cmd.price : 0,
        stopPrice: cmd.stopPrice!,
        volume: cmd.volume,
        stp,
      });
      return;
    }
    const traded = this.execute(
      cmd.orderId,
      cmd.accountId,
      cmd.side,
      cmd.type === 'market',
      cmd.price,
      cmd.tif,
      postOnly,
      stp,
      cmd.volume,
    );
    if (traded && this.stops.length > 0) this.runStops();
  }

  /**
   * Trades an incoming order and rests, cancels or kills what is left. Returns whether anything traded.
   * In pre-open a limit order only rests.
   */
  private execute(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    market: boolean,
    price: Price,
    tif: TimeInForce,
    postOnly: boolean,
    stp: StpMode,
    volume: Volume,
  ): boolean {
    const book = this.book;
    const instrumentId = this.spec.id;
    if (this.phase !== 'continuous') {
      book.add(orderId, accountId, side, price, volume, packFlags(tif, postOnly, stp));
      this.out.push({ kind: 'OrderRested', orderId, instrumentId, price, remaining: volume });
      return false;
    }
    const band = this.band;
    const limit = market
      ? band === null
        ? side === 'buy'
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY
        : side === 'buy'
          ? band.upper
          : band.lower
      : price;
    if (tif === 'FOK' && book.fillable(side, limit, volume, accountId, matchingStp(stp)) < volume) {
      this.cancelEvent(orderId, accountId, volume, 'fok');
      this.host.orderGone(orderId);
      return false;
    }
    const left = this.take(orderId, accountId, side, limit, volume, stp);
    const traded = left < volume;
    if (left === 0) {
      this.host.orderGone(orderId);
    } else if (this.stoppedBySelfTrade(side, limit, stp)) {
      this.cancelEvent(orderId, accountId, left, 'stp');
      this.host.orderGone(orderId);
    } else if (market || tif === 'IOC' || tif === 'FOK') {
      this.cancelEvent(orderId, accountId, left, market ? 'market' : tif === 'IOC' ? 'ioc' : 'fok');
      this.host.orderGone(orderId);
    } else {
      book.add(orderId, accountId, side, price, left, packFlags(tif, postOnly, stp), volume - left);
      this.out.push({ kind: 'OrderRested', orderId, instrumentId, price, remaining: left });
    }
    return traded;
  }

  private take(
    orderId: OrderId,
    accountId: AccountId,
    side: Side,
    limit: number,
    volume: Volume,
    stp: StpMode,
  ): Volume {
    this.takerId = orderId;
    this.takerAccount = accountId;
    this.takerSide = side;
    this.takerLeft = volume;
    this.makersCanceled = 0;
    return this.book.match(side, limit, volume, accountId, matchingStp(stp), this);
  }

  /** After a match left volume: did self-trade prevention stop it (rather than the limit or an empty side)? */
  private stoppedBySelfTrade(side: Side, limit: number, mode: StpMode): boolean {
    const stp = matchingStp(mode);
    if (stp === 'cancelBoth') return this.makersCanceled > 0;
    if (stp !== 'cancelTaker') return false;
    const best = side === 'buy' ? this.book.bestAsk() : this.book.bestBid();
    return !Number.isNaN(best) && (side === 'buy' ? best <= limit : best >= limit);
  }

  // MatchSink
  fill(makerId: OrderId, makerAccountId: AccountId, price: Price, volume: Volume, makerRemaining: Volume): void {
    this.takerLeft -= volume;
    const buy = this.takerSide === 'buy';
    this.out.push({
      kind: 'TradeExecuted',
      tradeId: this.host.nextTradeId(),
      instrumentId: this.spec.id,
      price,
      volume,
      buyOrderId: buy ? this.takerId : makerId,
      sellOrderId: buy ? makerId : this.takerId,
      buyAccountId: buy ? this.takerAccount : makerAccountId,
      sellAccountId: buy ? makerAccountId : this.takerAccount,
      takerSide: this.takerSide,
      buyRemaining: buy ? this.takerLeft : makerRemaining,
      sellRemaining: buy ? makerRemaining : this.takerLeft,
    });
    this.lastPrice = price;
    this.markPrice = price;
    if (makerRemaining === 0) this.host.orderGone(makerId);
  }

  makerCanceled(makerId: OrderId, makerAccountId: AccountId, canceled: Volume): void {
    this.makersCanceled++;
    this.cancelEvent(makerId, makerAccountId, canceled, 'stp');
    this.host.orderGone(makerId);
  }

  // CrossSink
  cross(
    buyId: OrderId,
    buyAccountId: AccountId,
    sellId: OrderId,
    sellAccountId: AccountId,
    volume: Volume,
    buyRemaining: Volume,
    sellRemaining: Volume,
  ): void {
    this.out.push({
      kind: 'TradeExecuted',
      tradeId: this.host.nextTradeId(),
      instrumentId: this.spec.id,
      price: this.uncrossPrice,
      volume,
      buyOrderId: buyId,
      sellOrderId: sellId,
      buyAccountId,
      sellAccountId,
      takerSide: null,
      buyRemaining,
      sellRemaining,
    });
    if (buyRemaining === 0) this.host.orderGone(buyId);
    if (sellRemaining === 0) this.host.orderGone(sellId);
  }

  /** Cancels an open order (`o`, as the book has it) or else the pending stop `orderId`; the caller checked it exists. */
  cancel(orderId: OrderId, o: RestingOrder | undefined, out: EngineEvent[], reason: CancelReason = 'canceled'): void {
    this.out = out;
    if (o !== undefined) {
      this.book.remove(orderId);
      this.cancelEvent(orderId, o.accountId, o.remaining, reason);
    } else {
      const i = this.stops.findIndex((s) => s.orderId === orderId);
      const s = this.stops[i]!;
      this.stops.splice(i, 1);
      this.cancelEvent(orderId, s.accountId, s.volume, reason);
    }
    this.host.orderGone(orderId);
  }

  /** Modify of the resting order `o` (the caller checked ownership and phase, and read `o` from this book). */
  modify(cmd: ModifyOrder, o: RestingOrder, out: EngineEvent[]): Reject | null {
    const orderId = cmd.orderId;
    // A volume change at the same price is allowed even if a moved band now excludes that price.
    const priceReject = cmd.price === o.price ? null : this.checkPrice(cmd.price);
    if (priceReject !== null) return priceReject;
    const volumeReject = this.checkVolume(cmd.volume);
    if (volumeReject !== null) return volumeReject;
    if (cmd.price === o.price && cmd.volume === o.remaining) return reject('MATCHING_MODIFY_CHANGES_NOTHING');
    const postOnly = flagsPostOnly(o.flags);
    const instrumentId = this.spec.id;
    this.out = out;
    if (cmd.price === o.price && cmd.volume < o.remaining) {
      this.book.reduce(orderId, cmd.volume);
      out.push({
        kind: 'OrderModified',
        orderId: orderId,
        instrumentId,
        price: o.price,
        remaining: cmd.volume,
        keptPriority: true,
      });
      return null;
    }
    const crosses = this.wouldCross(o.side, cmd.price);
    if (postOnly && crosses) return reject('MATCHING_POST_ONLY_WOULD_CROSS');
    out.push({
      kind: 'OrderModified',
      orderId: orderId,
      instrumentId,
      price: cmd.price,
      remaining: cmd.volume,
      keptPriority: false,
    });
    if (!crosses || this.phase !== 'continuous') {
      this.book.requeue(orderId, cmd.price, cmd.volume);
      return null;
    }
    this.book.remove(orderId);
    const stp = flagsStp(o.flags);
    const left = this.take(orderId, o.accountId, o.side, cmd.price, cmd.volume, stp);
    if (left === 0) {
      this.host.orderGone(orderId);
    } else if (this.stoppedBySelfTrade(o.side, cmd.price, stp)) {
      this.cancelEvent(orderId, o.accountId, left, 'stp');
      this.host.orderGone(orderId);
    } else {
      this.book.add(orderId, o.accountId, o.side, cmd.price, left, o.flags, o.filled + cmd.volume - left);
    }
    if (left < cmd.volume && this.stops.length > 0) this.runStops();
    return null;
  }

  /** Phase change, with the uncross on entering auction or continuous and expiry on entering closed. */
  setPhase(to: Phase, out: EngineEvent[]): Reject | null {
    const from = this.phase;
    if (!ALLOWED_MOVES[from].includes(to)) {
      return reject('ADMIN_INVALID_PHASE_TRANSITION', `${from} -> ${to}`);
    }
    this.out = out;
    this.phase = to;
    out.push({ kind: 'PhaseChanged', instrumentId: this.spec.id, from, to });
    if (to === 'auction' || to === 'continuous') this.uncross();
    if (to === 'continuous' && this.stops.length > 0) this.runStops();
    if (to === 'closed') this.expireDayOrders();
    return null;
  }

  /** Cancels every open order and pending stop (suspension, delisting). */
  cancelAll(reason: CancelReason, out: EngineEvent[]): void {
    this.out = out;
    for (const o of this.book.orders()) {
      this.book.remove(o.orderId);
      this.cancelEvent(o.orderId, o.accountId, o.remaining, reason);
      this.host.orderGone(o.orderId);
    }
    for (const s of this.stops.splice(0)) {
      this.cancelEvent(s.orderId, s.accountId, s.volume, reason);
      this.host.orderGone(s.orderId);
    }
  }

  private uncross(): void {
    const book = this.book;
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (Number.isNaN(bid) || Number.isNaN(ask) || bid < ask) return;
    const u = findUncross(book.depth(Number.POSITIVE_INFINITY), this.spec.referencePrice ?? this.lastPrice);
    if (u === null) return;
    this.out.push({
      kind: 'AuctionUncrossed',
      instrumentId: this.spec.id,
      price: u.price,
      volume: u.volume,
      imbalance: u.imbalance,
    });
    this.uncrossPrice = u.price;
    book.cross(u.volume, this);
    this.lastPrice = u.price;
    this.markPrice = u.price;
  }

  private expireDayOrders(): void {
    for (const o of this.book.orders()) {
      if (flagsTif(o.flags) !== 'GFD') continue;
      this.book.remove(o.orderId);
      this.cancelEvent(o.orderId, o.accountId, o.remaining, 'expired');
      this.host.orderGone(o.orderId);
    }
    for (let i = 0; i < this.stops.length; ) {
      const s = this.stops[i]!;
      if (s.tif !== 'GFD') {
        i++;
        continue;
      }
      this.stops.splice(i, 1);
      this.cancelEvent(s.orderId, s.accountId, s.volume, 'expired');
      this.host.orderGone(s.orderId);
    }
  }

  /**
   * Triggers stops from the last price: every stop the last price meets joins a queue in acceptance order; they
   * run one at a time, and stops that later trades trigger join the back of the queue, again in acceptance order.
   */
  private runStops(): void {
    const queue: { stop: PendingStop; lastPrice: Price }[] = [];
    this.collectTriggered(queue);
    while (queue.length > 0 && this.phase === 'continuous') {
      const { stop, lastPrice } = queue.shift()!;
      this.out.push({ kind: 'StopTriggered', orderId: stop.orderId, instrumentId: this.spec.id, lastPrice });
      const traded = this.execute(
        stop.orderId,
        stop.accountId,
        stop.side,
        stop.type === 'stop',
        stop.price,
        stop.tif,
        false,
        stop.stp,
        stop.volume,
      );
      if (traded) this.collectTriggered(queue);
    }
  }

  private collectTriggered(queue: { stop: PendingStop; lastPrice: Price }[]): void {
    const last = this.lastPrice;
    if (last === null) return;
    const stops = this.stops;
    for (let i = 0; i < stops.length; ) {
      const s = stops[i]!;
      if (stopTriggered(s.side, s.stopPrice, last)) {
        stops.splice(i, 1);
        queue.push({ stop: s, lastPrice: last });
      } else i++;
    }
  }

  private wouldCross(side: Side, price: Price): boolean {
    const best = side === 'buy' ? this.book.bestAsk() : this.book.bestBid();
    return !Number.isNaN(best) && (side === 'buy' ? price >= best : price <= best);
  }

  private cancelEvent(orderId: OrderId, accountId: AccountId, canceled: Volume, reason: CancelReason): void {
    this.out.push({ kind: 'OrderCanceled', orderId, accountId, instrumentId: this.spec.id, canceled, reason });
  }

  validateInternalState(): void {
    this.book.validateInternalState();
    if (this.phase === 'continuous') {
      const bid = this.book.bestBid();
      const ask = this.book.bestAsk();
      if (!Number.isNaN(bid) && !Number.isNaN(ask) && bid >= ask) {
        throw new Error(`${this.spec.id}: book crossed in continuous trading (${bid} >= ${ask})`);
      }
    }
    for (const s of this.stops) {
      if (this.book.has(s.orderId)) throw new Error(`${this.spec.id}: order ${s.orderId} both resting and stop`);
    }
  }

  /**
   * This instrument's part of a snapshot (src-engine/state.ts): spec, phase, prices, the book in priority, stops. Each
   * side's orders go to the packer column by column (`ListPacker`; `ROWS`, the default, makes them rows).
   */
  exportState(packer: ListPacker = ROWS): InstrumentState {
    const book = this.book;
    const pack = (side: Side): RestingOrderState[] =>
      packer.list(RESTING_ORDER_KEYS, book.orderCount(side), (c) => {
        const [orderId, accountId, price, remaining, filled, tif, postOnly, stp] = c as ColumnSink[];
        book.forEachOrder(side, (id, account, p, rem, fil, flags) => {
          orderId!.push(id);
          accountId!.push(account);
          price!.push(p);
          remaining!.push(rem);
          filled!.push(fil);
          tif!.push(flagsTif(flags));
          postOnly!.push(flagsPostOnly(flags));
          stp!.push(flagsStp(flags));
        });
      }) as RestingOrderState[];
    const bids = pack('buy');
    const asks = pack('sell');
    return {
      spec: specToJson(this.spec),
      phase: this.phase,
      lastPrice: this.lastPrice,
      markPrice: this.markPrice,
      bids,
      asks,
      stops: this.stops.map((s) => ({
        orderId: s.orderId,
        accountId: s.accountId,
        side: s.side,
        type: s.type === 'stop' ? 'stop' : 'stopLimit',
        tif: s.tif,
        price: s.price,
        stopPrice: s.stopPrice,
        volume: s.volume,
        stp: s.stp,
      })),
    };
  }

  /**
   * Loads a snapshot's phase, prices, resting orders and stops into this new matcher (its spec came with the
   * constructor). Orders enter the empty book in the snapshot's priority order, so every level keeps its FIFO.
   */
  restoreState(s: InstrumentState): void {
    if (this.book.size > 0 || this.stops.length > 0) throw stateError(`instrument ${this.spec.id} is not empty`);
    this.phase = s.phase;
    this.lastPrice = s.lastPrice;
    this.markPrice = s.markPrice;
    for (const [side, list] of [
      ['buy', s.bids],
      ['sell', s.asks],
    ] as const) {
      for (const o of list) {
        if (o.price % this.spec.priceTick !== 0) {
          throw stateError(`instrument ${this.spec.id}: order ${o.orderId} price ${o.price} is off the tick`);
        }
        if (this.book.has(o.orderId)) throw stateError(`instrument ${this.spec.id}: order ${o.orderId} twice`);
        this.book.add(
          o.orderId,
          o.accountId,
          side,
          o.price,
          o.remaining,
          packFlags(o.tif, o.postOnly, o.stp),
          o.filled,
        );
      }
    }
    for (const st of s.stops) {
      const tick = this.spec.priceTick;
      if (st.stopPrice % tick !== 0 || st.price % tick !== 0) {
        throw stateError(`instrument ${this.spec.id}: stop ${st.orderId} has a price off the tick`);
      }
      this.stops.push({
        orderId: st.orderId,
        accountId: st.accountId,
        side: st.side,
        type: st.type,
        tif: st.tif,
        price: st.price,
        stopPrice: st.stopPrice,
        volume: st.volume,
        stp: st.stp,
      });
    }
  }

  /** A hash of the instrument's whole state (how the engine's state hash takes it in). */
  digest(): number {
    const h = new StateHasher();
    this.stateHash(h);
    return h.digest();
  }

  stateHash(h: StateHasher): void {
    const s = this.spec;
    h.str(s.id).str(s.kind).num(s.priceTick).num(s.priceDecimals).num(s.lotSize).num(s.multiplier);
    h.num(s.maxOrderVolume)
      .str(s.band.kind)
      .str(JSON.stringify(termsOf(s)));
    if (s.band.kind === 'percent') h.num(s.band.bps);
    else if (s.band.kind === 'ticks') h.num(s.band.ticks);
    h.num(s.referencePrice ?? -1)
      .str(s.status)
      .str(this.phase)
      .num(this.lastPrice ?? -1)
      .num(this.markPrice ?? -1);
    h.num(this.book.stateHash());
    h.num(this.stops.length);
    for (const st of this.stops) {
      h.num(st.orderId).num(st.accountId).str(st.side).str(st.type).str(st.tif);
      h.num(st.price).num(st.stopPrice).num(st.volume).str(st.stp);
    }
  }
}

export function stopTriggered(side: Side, stopPrice: Price, last: Price): boolean {
  return side === 'buy' ? last >= stopPrice : last <= stopPrice;
}
