import type { Price, Volume } from './fixed-point.ts';
import type { AccountId, InstrumentId, OrderId, TradeId } from './ids.ts';
import type { InstrumentSpec, InstrumentStatus } from './instrument.ts';
import type { CancelReason, OrderType, Phase, Side, StpMode, TimeInForce } from './order.ts';

export interface InstrumentAdded {
  readonly kind: 'InstrumentAdded';
  readonly spec: InstrumentSpec;
}

export interface InstrumentStatusChanged {
  readonly kind: 'InstrumentStatusChanged';
  readonly instrumentId: InstrumentId;
  readonly status: InstrumentStatus;
}

export interface ReferencePriceChanged {
  readonly kind: 'ReferencePriceChanged';
  readonly instrumentId: InstrumentId;
  readonly price: Price;
}

export interface PhaseChanged {
  readonly kind: 'PhaseChanged';
  readonly instrumentId: InstrumentId;
  readonly from: Phase;
  readonly to: Phase;
}

export interface OrderAccepted {
  readonly kind: 'OrderAccepted';
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly price: Price;
  readonly stopPrice: Price;
  readonly volume: Volume;
  readonly postOnly: boolean;
  readonly stp: StpMode;
}

/** A pending stop order whose trigger was reached; it now acts as a market (stop) or limit (stopLimit) order. */
export interface StopTriggered {
  readonly kind: 'StopTriggered';
  readonly orderId: OrderId;
  readonly instrumentId: InstrumentId;
  readonly lastPrice: Price;
}

/**
 * One fill. In continuous trading the taker is the incoming order and the price is the maker's;
 * in an auction uncross takerSide is null and every fill prints at the uncross price.
 */
export interface TradeExecuted {
  readonly kind: 'TradeExecuted';
  readonly tradeId: TradeId;
  readonly instrumentId: InstrumentId;
  readonly price: Price;
  readonly volume: Volume;
  readonly buyOrderId: OrderId;
  readonly sellOrderId: OrderId;
  readonly buyAccountId: AccountId;
  readonly sellAccountId: AccountId;
  readonly takerSide: Side | null;
  /** Open volume left on the buy and the sell order after this fill. */
  readonly buyRemaining: Volume;
  readonly sellRemaining: Volume;
}

/** The order rests on the book (after any fills on arrival). */
export interface OrderRested {
  readonly kind: 'OrderRested';
  readonly orderId: OrderId;
  readonly instrumentId: InstrumentId;
  readonly price: Price;
  readonly remaining: Volume;
}

export interface OrderCanceled {
  readonly kind: 'OrderCanceled';
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  /** The open volume that was canceled. */
  readonly canceled: Volume;
  readonly reason: CancelReason;
}

export interface OrderModified {
  readonly kind: 'OrderModified';
  readonly orderId: OrderId;
  readonly instrumentId: InstrumentId;
  readonly price: Price;
  readonly remaining: Volume;
  readonly keptPriority: boolean;
}

export interface AuctionUncrossed {
  readonly kind: 'AuctionUncrossed';
  readonly instrumentId: InstrumentId;
  readonly price: Price;
  readonly volume: Volume;
  /** Buy volume minus sell volume that could trade at the uncross price but did not match. */
  readonly imbalance: Volume;
}

export type EngineEvent =
  | InstrumentAdded
  | InstrumentStatusChanged
  | ReferencePriceChanged
  | PhaseChanged
  | OrderAccepted
  | StopTriggered
  | TradeExecuted
  | OrderRested
  | OrderCanceled
  | OrderModified
  | AuctionUncrossed;

export type EventKind = EngineEvent['kind'];
