export type Side = 'buy' | 'sell';
/** limit and market orders enter the book now; stop orders wait for the last trade price to reach stopPrice. */
export type OrderType = 'limit' | 'market' | 'stop' | 'stopLimit';
/** GTC good till canceled; GFD good for the day (expires at close); IOC immediate or cancel; FOK fill or kill. */
export type TimeInForce = 'GTC' | 'GFD' | 'IOC' | 'FOK';
/**
 * Self-trade prevention, applied when an incoming order would trade with a resting order of the same account:
 * none lets them trade; cancelTaker cancels the rest of the incoming order; cancelMaker cancels the resting order
 * and goes on matching; cancelBoth cancels the resting order and the rest of the incoming one; reject refuses the
 * incoming order before it trades (RISK_SELF_TRADE) when it would meet a resting order of its own account.
 */
export type StpMode = 'none' | 'cancelTaker' | 'cancelMaker' | 'cancelBoth' | 'reject';
/** Futures offset: open a position, close (yesterday's first where the instrument allows), or close today's. */
export type Offset = 'open' | 'close' | 'closeToday';
export type Phase = 'closed' | 'preOpen' | 'auction' | 'continuous' | 'halted';

export const SIDES: readonly Side[] = ['buy', 'sell'];
export const ORDER_TYPES: readonly OrderType[] = ['limit', 'market', 'stop', 'stopLimit'];
export const TIMES_IN_FORCE: readonly TimeInForce[] = ['GTC', 'GFD', 'IOC', 'FOK'];
export const STP_MODES: readonly StpMode[] = ['none', 'cancelTaker', 'cancelMaker', 'cancelBoth', 'reject'];
export const OFFSETS: readonly Offset[] = ['open', 'close', 'closeToday'];
export const PHASES: readonly Phase[] = ['closed', 'preOpen', 'auction', 'continuous', 'halted'];

/** Why an order left the book without filling completely. */
export type CancelReason =
  | 'canceled' // by its owner
  | 'ioc' // the unfilled rest of an IOC order
  | 'fok' // a FOK order that could not fill completely
  | 'market' // the rest of a market order that reached the band or emptied the opposite side
  | 'stp' // self-trade prevention
  | 'expired' // a GFD order at the close
  | 'suspended' // the instrument was suspended or delisted
  | 'liquidation'; // canceled by force liquidation of its account

export function opposite(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}
