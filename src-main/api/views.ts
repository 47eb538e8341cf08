/** Read-model rows as the API shows them (camelCase, booleans), for REST and the WebSocket feed alike. */
import type { OrderRow, TradeRow } from '../store/queries.ts';
import type { OrderView, TradeView } from './schemas.ts';

export function orderView(r: OrderRow): OrderView {
  return {
    orderId: r.order_id,
    accountId: r.account_id,
    instrumentId: r.instrument_id,
    side: r.side,
    type: r.type,
    tif: r.tif,
    offset: r.offset_,
    price: r.price,
    stopPrice: r.stop_price,
    volume: r.volume,
    filled: r.filled,
    remaining: r.remaining,
    status: r.status,
    reason: r.reason,
    forced: r.forced !== 0,
    createdSeq: r.created_seq,
    createdTs: r.created_ts,
    updatedSeq: r.updated_seq,
    updatedTs: r.updated_ts,
  };
}

export function tradeRowView(r: TradeRow): TradeView {
  return {
    tradeId: r.trade_id,
    seq: r.seq,
    ts: r.ts,
    instrumentId: r.instrument_id,
    price: r.price,
    volume: r.volume,
    buyOrderId: r.buy_order_id,
    sellOrderId: r.sell_order_id,
    buyAccountId: r.buy_account_id,
    sellAccountId: r.sell_account_id,
    takerSide: r.taker_side,
  };
}
