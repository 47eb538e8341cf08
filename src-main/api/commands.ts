/**
 * Order commands as REST and WS both submit them: the body becomes an engine command, the exchange sequences it,
 * and the acknowledgement becomes the reply (the order as it stands after its own command, plus its fills). Also
 * maps the exchange's own refusals (not taking commands, shard down) to catalog codes. No exchange logic here.
 */
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import {
  type Ack,
  type CommandInput,
  type Exchange,
  ExchangeUnavailableError,
  InstrumentUnavailableError,
} from '../host/exchange.ts';
import { ApiError, rejectError } from './errors.ts';
import type { ApiMetrics } from './metrics.ts';
import type { ModifyOrderBody, OrderView, PlaceOrderBody, TradeView } from './schemas.ts';

export function placeCommand(b: PlaceOrderBody): CommandInput {
  const type = b.type ?? 'limit';
  const tif = b.tif ?? (type === 'market' || type === 'stop' ? 'IOC' : 'GFD');
  // optional fields set only when given (assignments, not spreads of little objects: this runs for every order)
  const c: Record<string, unknown> = {
    kind: 'PlaceOrder',
    accountId: b.accountId,
    instrumentId: b.instrumentId,
    side: b.side,
    type,
    tif,
    price: b.price ?? 0,
    volume: b.volume,
  };
  if (b.stopPrice !== undefined) c.stopPrice = b.stopPrice;
  if (b.offset !== undefined) c.offset = b.offset;
  if (b.postOnly !== undefined) c.postOnly = b.postOnly;
  if (b.stp !== undefined) c.stp = b.stp;
  return c as CommandInput;
}

export function modifyCommand(orderId: number, accountId: number, b: ModifyOrderBody): CommandInput {
  return { kind: 'ModifyOrder', orderId, accountId, price: b.price, volume: b.volume } as CommandInput;
}

export function cancelCommand(orderId: number, accountId: number | undefined): CommandInput {
  return (
    accountId === undefined ? { kind: 'CancelOrder', orderId } : { kind: 'CancelOrder', orderId, accountId }
  ) as CommandInput;
}

/** Submits through the exchange, timing the stages; exchange refusals become catalog errors (thrown). */
export async function submit(
  exchange: Exchange,
  input: CommandInput,
  metrics: ApiMetrics | null,
  via: string,
): Promise<Ack> {
  const t0 = performance.now();
  let ack: Ack;
  try {
    ack = await exchange.submit(
      input,
      metrics === null ? undefined : () => metrics.stage.observe('core_ack', (performance.now() - t0) / 1000),
    );
  } catch (e) {
    if (e instanceof InstrumentUnavailableError) throw new ApiError('API_INSTRUMENT_UNAVAILABLE', e.message);
    if (e instanceof ExchangeUnavailableError) throw new ApiError('API_EXCHANGE_UNAVAILABLE', e.message);
    throw e;
  }
  if (metrics !== null) {
    metrics.stage.observe('durable_ack', (performance.now() - t0) / 1000);
    metrics.commands.inc({ kind: input.kind, outcome: ack.ok ? 'ok' : ack.reject.code, via });
  }
  return ack;
}

/** The ack of a command, or the catalog error of its reject (thrown). */
export function okEvents(ack: Ack): readonly EngineEvent[] {
  if (!ack.ok) throw rejectError(ack.reject);
  return ack.events;
}

export function tradeView(e: Extract<EngineEvent, { kind: 'TradeExecuted' }>, seq: number, ts: number): TradeView {
  return {
    tradeId: e.tradeId,
    seq,
    ts,
    instrumentId: e.instrumentId,
    price: e.price,
    volume: e.volume,
    buyOrderId: e.buyOrderId,
    sellOrderId: e.sellOrderId,
    buyAccountId: e.buyAccountId,
    sellAccountId: e.sellAccountId,
    takerSide: e.takerSide,
  };
}

/** An order as its OrderAccepted event shows it (nothing filled yet; a stop order is pending). */
export function acceptedOrderView(
  e: Extract<EngineEvent, { kind: 'OrderAccepted' }>,
  seq: number,
  ts: number,
): OrderView {
  const stop = e.type === 'stop' || e.type === 'stopLimit';
  return {
    orderId: e.orderId,
    accountId: e.accountId,
    instrumentId: e.instrumentId,
    side: e.side,
    type: e.type,
    tif: e.tif,
    offset: e.offset,
    price: e.price,
    stopPrice: e.stopPrice,
    volume: e.volume,
    filled: 0,
    remaining: e.volume,
    status: stop ? 'pending' : 'new',
    reason: null,
    forced: e.forced,
    createdSeq: seq,
    createdTs: ts,
    updatedSeq: seq,
    updatedTs: ts,
  };
}

/** The placed order as its own command left it, and its fills, from the events of a PlaceOrder's ack. */
export function placedOrder(ack: Ack & { ok: true }, ts: number): { order: OrderView; trades: TradeView[] } {
  let order: OrderView | null = null;
  const trades: TradeView[] = [];
  for (const e of ack.events) {
    if (e.kind === 'OrderAccepted' && order === null) {
      order = acceptedOrderView(e, ack.seq, ts);
      continue;
    }
    if (order === null) continue;
    const o = order;
    if (e.kind === 'TradeExecuted' && (e.buyOrderId === o.orderId || e.sellOrderId === o.orderId)) {
      const remaining = e.buyOrderId === o.orderId ? e.buyRemaining : e.sellRemaining;
      o.filled += e.volume;
      o.remaining = remaining;
      o.status = remaining === 0 ? 'filled' : 'partial';
      trades.push(tradeView(e, ack.seq, ts));
    } else if (e.kind === 'StopTriggered' && e.orderId === o.orderId) {
      o.status = 'new';
    } else if (e.kind === 'OrderCanceled' && e.orderId === o.orderId) {
      o.remaining = 0;
      o.status = 'canceled';
      o.reason = e.reason;
    }
  }
  if (order === null) throw new ApiError('API_INTERNAL', 'the exchange acknowledged the order without accepting it');
  return { order, trades };
}
