import type { Money, Price, Volume } from './fixed-point.ts';
import type { AccountId, InstrumentId, OrderId, Seq, Timestamp } from './ids.ts';
import type { InstrumentSpec, InstrumentStatus } from './instrument.ts';
import type { Offset, OrderType, Phase, Side, StpMode, TimeInForce } from './order.ts';

/** Every command carries the sequence number and timestamp the sequencer gave it; the engine reads no clock. */
interface CommandBase {
  readonly seq: Seq;
  readonly ts: Timestamp;
}

export interface AddInstrument extends CommandBase {
  readonly kind: 'AddInstrument';
  readonly spec: InstrumentSpec;
}

export interface SetInstrumentStatus extends CommandBase {
  readonly kind: 'SetInstrumentStatus';
  readonly instrumentId: InstrumentId;
  readonly status: InstrumentStatus;
}

/** Moves the band's centre (and the auction's tie-break reference); resting orders outside the new band stay. */
export interface SetReferencePrice extends CommandBase {
  readonly kind: 'SetReferencePrice';
  readonly instrumentId: InstrumentId;
  readonly price: Price;
}

export interface SetPhase extends CommandBase {
  readonly kind: 'SetPhase';
  readonly instrumentId: InstrumentId;
  readonly phase: Phase;
}

export interface PlaceOrder extends CommandBase {
  readonly kind: 'PlaceOrder';
  readonly orderId: OrderId;
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** Limit price; ignored (may be 0) for market and stop orders. */
  readonly price: Price;
  /** Trigger price for stop and stopLimit; ignored otherwise. */
  readonly stopPrice?: Price;
  readonly volume: Volume;
  readonly postOnly?: boolean;
  readonly stp?: StpMode;
  /** Futures: open (default), close or closeToday. Stocks: ignored (buy opens, sell closes). */
  readonly offset?: Offset;
}

export type AccountKind = 'futures' | 'stock';

export interface CreateAccount extends CommandBase {
  readonly kind: 'CreateAccount';
  readonly accountId: AccountId;
  readonly userId: number;
  readonly accountKind: AccountKind;
}

/** Money in (minor units). */
export interface Deposit extends CommandBase {
  readonly kind: 'Deposit';
  readonly accountId: AccountId;
  readonly amount: Money;
}

/** Money out (minor units), at most the available funds; refused while the account is frozen. */
export interface Withdraw extends CommandBase {
  readonly kind: 'Withdraw';
  readonly accountId: AccountId;
  readonly amount: Money;
}

/** Shares into a stock account (an allotment), at a cost price for its P&L. */
export interface DepositHoldings extends CommandBase {
  readonly kind: 'DepositHoldings';
  readonly accountId: AccountId;
  readonly instrumentId: InstrumentId;
  readonly volume: Volume;
  readonly price: Price;
}

/** A frozen account places no orders and withdraws nothing; cancels still work. */
export interface SetAccountFrozen extends CommandBase {
  readonly kind: 'SetAccountFrozen';
  readonly accountId: AccountId;
  readonly frozen: boolean;
}

/** The admin's settlement price for an instrument (used by the `admin` rule; overrides the others for today). */
export interface SetSettlementPrice extends CommandBase {
  readonly kind: 'SetSettlementPrice';
  readonly instrumentId: InstrumentId;
  readonly price: Price;
}

/** Daily settlement of every account; every instrument must be closed. */
export interface Settle extends CommandBase {
  readonly kind: 'Settle';
}

export interface CancelOrder extends CommandBase {
  readonly kind: 'CancelOrder';
  readonly orderId: OrderId;
  /** When given, the order must belong to this account. */
  readonly accountId?: AccountId;
}

/**
 * Changes a resting order's price and/or open volume. A lower volume keeps the order's place in its queue;
 * a new price or a higher volume sends it to the back (and a new price may trade at once).
 */
export interface ModifyOrder extends CommandBase {
  readonly kind: 'ModifyOrder';
  readonly orderId: OrderId;
  readonly accountId?: AccountId;
  readonly price: Price;
  /** The new open (unfilled) volume. */
  readonly volume: Volume;
}

/**
 * Force liquidation ordered by an admin: cancel the account's orders, then close its positions at the band, largest
 * margin first, until flat or no liquidity is left (whatever its risk ratio). Futures accounts only.
 */
export interface LiquidateAccount extends CommandBase {
  readonly kind: 'LiquidateAccount';
  readonly accountId: AccountId;
}

export type Command =
  | AddInstrument
  | SetInstrumentStatus
  | SetReferencePrice
  | SetPhase
  | PlaceOrder
  | CancelOrder
  | ModifyOrder
  | CreateAccount
  | Deposit
  | Withdraw
  | DepositHoldings
  | SetAccountFrozen
  | SetSettlementPrice
  | Settle
  | LiquidateAccount;

export type CommandKind = Command['kind'];
