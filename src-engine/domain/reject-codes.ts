/**
 * The one catalog of business rejections. Numeric ranges per subsystem:
 * 1xxx validation, 2xxx risk, 3xxx matching, 4xxx account, 5xxx admin.
 * The mapped type makes the compiler demand an entry for every code.
 */
export type RejectCode =
  | 'VALIDATION_MALFORMED_COMMAND'
  | 'VALIDATION_SEQUENCE_NOT_INCREASING'
  | 'VALIDATION_UNKNOWN_INSTRUMENT'
  | 'VALIDATION_INSTRUMENT_NOT_TRADABLE'
  | 'VALIDATION_PRICE_NOT_POSITIVE'
  | 'VALIDATION_PRICE_NOT_ON_TICK'
  | 'VALIDATION_PRICE_OUT_OF_BAND'
  | 'VALIDATION_VOLUME_NOT_POSITIVE'
  | 'VALIDATION_VOLUME_NOT_LOT_MULTIPLE'
  | 'VALIDATION_VOLUME_ABOVE_MAXIMUM'
  | 'VALIDATION_DUPLICATE_ORDER_ID'
  | 'VALIDATION_INVALID_ORDER_COMBINATION'
  | 'VALIDATION_STOP_PRICE_INVALID'
  | 'RISK_INSUFFICIENT_FUNDS'
  | 'RISK_NO_POSITION_TO_CLOSE'
  | 'RISK_TOO_MANY_OPEN_ORDERS'
  | 'RISK_ORDER_RATE_EXCEEDED'
  | 'RISK_SELF_TRADE'
  | 'RISK_RATIO_CAP'
  | 'RISK_MARKET_ORDER_NEEDS_BAND'
  | 'ACCOUNT_UNKNOWN'
  | 'ACCOUNT_FROZEN'
  | 'ACCOUNT_KIND_MISMATCH'
  | 'ACCOUNT_DUPLICATE'
  | 'ACCOUNT_INSUFFICIENT_AVAILABLE'
  | 'ACCOUNT_AMOUNT_NOT_POSITIVE'
  | 'ACCOUNT_AMOUNT_TOO_LARGE'
  | 'MATCHING_PHASE_REJECTS_ORDERS'
  | 'MATCHING_ORDER_TYPE_NOT_IN_PHASE'
  | 'MATCHING_PHASE_REJECTS_CANCELS'
  | 'MATCHING_POST_ONLY_WOULD_CROSS'
  | 'MATCHING_UNKNOWN_ORDER'
  | 'MATCHING_NOT_ORDER_OWNER'
  | 'MATCHING_STOP_WOULD_TRIGGER_NOW'
  | 'MATCHING_ORDER_NOT_MODIFIABLE'
  | 'MATCHING_MODIFY_CHANGES_NOTHING'
  | 'ADMIN_DUPLICATE_INSTRUMENT'
  | 'ADMIN_INVALID_INSTRUMENT_SPEC'
  | 'ADMIN_INVALID_PHASE_TRANSITION'
  | 'ADMIN_INSTRUMENT_DELISTED'
  | 'ADMIN_SETTLEMENT_NOT_CLOSED'
  | 'ADMIN_SETTLEMENT_PRICE_MISSING'
  | 'ADMIN_ACCOUNTS_DISABLED';

export interface RejectInfo {
  readonly code: number;
  readonly message: string;
}

export const REJECTS: { readonly [K in RejectCode]: RejectInfo } = {
  VALIDATION_MALFORMED_COMMAND: {
    code: 1000,
    message: 'The command is malformed: a field is missing or has the wrong type.',
  },
  VALIDATION_SEQUENCE_NOT_INCREASING: {
    code: 1001,
    message: 'The sequence number must be greater than the last one applied.',
  },
  VALIDATION_UNKNOWN_INSTRUMENT: { code: 1002, message: 'No instrument has this id.' },
  VALIDATION_INSTRUMENT_NOT_TRADABLE: { code: 1003, message: 'The instrument is suspended or delisted.' },
  VALIDATION_PRICE_NOT_POSITIVE: { code: 1004, message: 'The price must be a positive integer.' },
  VALIDATION_PRICE_NOT_ON_TICK: { code: 1005, message: 'The price is not a multiple of the price tick.' },
  VALIDATION_PRICE_OUT_OF_BAND: { code: 1006, message: 'The price is outside the limit-up / limit-down band.' },
  VALIDATION_VOLUME_NOT_POSITIVE: { code: 1007, message: 'The volume must be a positive integer.' },
  VALIDATION_VOLUME_NOT_LOT_MULTIPLE: { code: 1008, message: 'The volume is not a multiple of the lot size.' },
  VALIDATION_VOLUME_ABOVE_MAXIMUM: { code: 1009, message: 'The volume is above the maximum order volume.' },
  VALIDATION_DUPLICATE_ORDER_ID: { code: 1010, message: 'An order with this id already exists.' },
  VALIDATION_INVALID_ORDER_COMBINATION: {
    code: 1011,
    message: 'This combination of order type, time in force and flags is not valid.',
  },
  VALIDATION_STOP_PRICE_INVALID: {
    code: 1012,
    message: 'The stop price must be a positive integer on the price tick.',
  },
  RISK_INSUFFICIENT_FUNDS: { code: 2001, message: 'Margin and commission for this order exceed the available funds.' },
  RISK_NO_POSITION_TO_CLOSE: { code: 2002, message: 'The account has no position (or holdings) left to close.' },
  RISK_TOO_MANY_OPEN_ORDERS: { code: 2003, message: 'The account has reached its maximum number of open orders.' },
  RISK_ORDER_RATE_EXCEEDED: { code: 2004, message: 'The account is sending orders faster than its rate limit.' },
  RISK_SELF_TRADE: { code: 2005, message: 'The order would trade with an order of the same account.' },
  RISK_RATIO_CAP: { code: 2006, message: 'The order would take the account past its risk-ratio cap.' },
  RISK_MARKET_ORDER_NEEDS_BAND: {
    code: 2007,
    message: 'A market order needs a price band to bound its funds; send a limit order instead.',
  },
  ACCOUNT_UNKNOWN: { code: 4001, message: 'No account has this id.' },
  ACCOUNT_FROZEN: { code: 4002, message: 'The account is frozen: no new orders or withdrawals.' },
  ACCOUNT_KIND_MISMATCH: {
    code: 4003,
    message: 'Futures trade through futures accounts and stocks through stock accounts.',
  },
  ACCOUNT_DUPLICATE: { code: 4004, message: 'An account with this id already exists.' },
  ACCOUNT_INSUFFICIENT_AVAILABLE: { code: 4005, message: 'The amount is more than the available funds.' },
  ACCOUNT_AMOUNT_NOT_POSITIVE: { code: 4006, message: 'The amount must be a positive integer of minor units.' },
  ACCOUNT_AMOUNT_TOO_LARGE: {
    code: 4007,
    message: "The deposit would take the exchange's money past its limit of 10^15 minor units in all.",
  },
  MATCHING_PHASE_REJECTS_ORDERS: { code: 3001, message: 'The trading phase does not accept new orders.' },
  MATCHING_ORDER_TYPE_NOT_IN_PHASE: { code: 3002, message: 'This order type is not accepted in the current phase.' },
  MATCHING_PHASE_REJECTS_CANCELS: { code: 3003, message: 'The trading phase does not accept cancels or modifies.' },
  MATCHING_POST_ONLY_WOULD_CROSS: { code: 3004, message: 'The post-only order would trade on arrival.' },
  MATCHING_UNKNOWN_ORDER: { code: 3005, message: 'No open order has this id.' },
  MATCHING_NOT_ORDER_OWNER: { code: 3006, message: 'The order belongs to another account.' },
  MATCHING_STOP_WOULD_TRIGGER_NOW: { code: 3007, message: 'The last price already meets the stop price.' },
  MATCHING_ORDER_NOT_MODIFIABLE: { code: 3008, message: 'Pending stop orders cannot be modified; cancel and replace.' },
  MATCHING_MODIFY_CHANGES_NOTHING: { code: 3009, message: 'The modify has the same price and volume as the order.' },
  ADMIN_DUPLICATE_INSTRUMENT: { code: 5001, message: 'An instrument with this id already exists.' },
  ADMIN_INVALID_INSTRUMENT_SPEC: { code: 5002, message: 'The instrument specification is invalid.' },
  ADMIN_INVALID_PHASE_TRANSITION: { code: 5003, message: 'The instrument cannot move from its phase to that one.' },
  ADMIN_INSTRUMENT_DELISTED: { code: 5004, message: 'The instrument is delisted; its status cannot change.' },
  ADMIN_SETTLEMENT_NOT_CLOSED: { code: 5005, message: 'Settlement runs only when every instrument is closed.' },
  ADMIN_SETTLEMENT_PRICE_MISSING: {
    code: 5006,
    message: 'An instrument with positions has no settlement price (no trades, no reference, none set).',
  },
  ADMIN_ACCOUNTS_DISABLED: { code: 5007, message: 'This engine runs matching only; it keeps no accounts.' },
};

export interface Reject {
  readonly code: RejectCode;
  readonly number: number;
  readonly message: string;
  readonly details?: string;
}

export function reject(code: RejectCode, details?: string): Reject {
  const info = REJECTS[code];
  return details === undefined
    ? { code, number: info.code, message: info.message }
    : { code, number: info.code, message: info.message, details };
}
