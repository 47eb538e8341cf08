import type { AccountKind } from './commands.ts';
import type { Money, Price, Volume } from './fixed-point.ts';
import type { AccountId, InstrumentId, OrderId, TradeId } from './ids.ts';
import type { InstrumentSpec, InstrumentStatus } from './instrument.ts';
import type { CancelReason, Offset, OrderType, Phase, Side, StpMode, TimeInForce } from './order.ts';

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
  readonly offset: Offset;
  /** Placed by the engine's force liquidation, not by the account. */
  readonly forced: boolean;
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

/** Every QIFI field of an account (money in minor units, ratio in ppm), as it stands after a command. */
export interface AccountSnapshot {
  readonly accountId: AccountId;
  readonly userId: number;
  readonly accountKind: AccountKind;
  readonly frozen: boolean;
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
  /** Stock accounts: cash, cash held by open buys (incl. their commission), market value of holdings. */
  readonly cash: Money;
  readonly frozenCash: Money;
  readonly marketValue: Money;
}

/** One side (long or short) of a position; costs are Σ price × volume in price units, so averages are exact. */
export interface PositionSideSnapshot {
  readonly today: Volume;
  readonly yesterday: Volume;
  readonly frozenToday: Volume;
  readonly frozenYesterday: Volume;
  readonly openCost: number;
  readonly positionCost: number;
  readonly margin: Money;
  readonly positionProfit: Money;
  readonly floatProfit: Money;
}

export interface PositionSnapshot {
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  readonly long: PositionSideSnapshot;
  readonly short: PositionSideSnapshot;
}

/** One fill as an account saw it. */
export interface AccountTrade {
  readonly tradeId: TradeId;
  readonly orderId: OrderId;
  readonly instrumentId: InstrumentId;
  readonly side: Side;
  readonly offset: Offset;
  readonly price: Price;
  readonly volume: Volume;
  readonly commission: Money;
  readonly closeProfit: Money;
}

export interface AccountCreated {
  readonly kind: 'AccountCreated';
  readonly accountId: AccountId;
  readonly userId: number;
  readonly accountKind: AccountKind;
}

export interface FundsMoved {
  readonly kind: 'FundsMoved';
  readonly accountId: AccountId;
  readonly direction: 'deposit' | 'withdraw';
  readonly amount: Money;
}

export interface HoldingsDeposited {
  readonly kind: 'HoldingsDeposited';
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  readonly volume: Volume;
  readonly price: Price;
}

export interface AccountFrozenChanged {
  readonly kind: 'AccountFrozenChanged';
  readonly accountId: AccountId;
  readonly frozen: boolean;
}

/** The account after a command that touched it (orders, fills, funds); one per account per command, at the end. */
export interface AccountChanged {
  readonly kind: 'AccountChanged';
  readonly account: AccountSnapshot;
}

/** A position after a fill touched it. */
export interface PositionChanged {
  readonly kind: 'PositionChanged';
  readonly position: PositionSnapshot;
}

export interface SettlementPriceSet {
  readonly kind: 'SettlementPriceSet';
  readonly instrumentId: InstrumentId;
  readonly price: Price;
}

/** The daily statement of one account. */
export interface AccountSettled {
  readonly kind: 'AccountSettled';
  readonly tradingDay: number;
  readonly account: AccountSnapshot;
  readonly positions: readonly PositionSnapshot[];
  readonly trades: readonly AccountTrade[];
}

export interface SettlementCompleted {
  readonly kind: 'SettlementCompleted';
  readonly tradingDay: number;
  readonly prices: readonly { readonly instrumentId: InstrumentId; readonly price: Price }[];
  /** Accounts whose risk ratio is at or above the force-liquidation threshold after settlement. */
  readonly atRisk: readonly AccountId[];
}

export interface ForceLiquidationStarted {
  readonly kind: 'ForceLiquidationStarted';
  readonly accountId: AccountId;
  readonly riskRatioPpm: number;
}

export interface ForceLiquidationEnded {
  readonly kind: 'ForceLiquidationEnded';
  readonly accountId: AccountId;
  readonly riskRatioPpm: number;
  readonly reason: 'belowThreshold' | 'flat' | 'noLiquidity';
}

/** A price gap left the account's balance below zero. */
export interface AccountNegative {
  readonly kind: 'AccountNegative';
  readonly accountId: AccountId;
  readonly balance: Money;
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
  | AuctionUncrossed
  | AccountCreated
  | FundsMoved
  | HoldingsDeposited
  | AccountFrozenChanged
  | AccountChanged
  | PositionChanged
  | SettlementPriceSet
  | AccountSettled
  | SettlementCompleted
  | ForceLiquidationStarted
  | ForceLiquidationEnded
  | AccountNegative;

export type EventKind = EngineEvent['kind'];
