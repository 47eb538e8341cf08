/**
 * Read models: what the API queries (orders, trades, account history, statements, settlements, K-lines), projected
 * from each batch's results into the ops of the transaction that holds the batch's journal row (write-ops.ts; the
 * database writer runs them). Updates are coalesced per batch: one row write per order, account and candle touched.
 */
import type { Command } from '../../src-engine/domain/commands.ts';
import type { AccountSnapshot } from '../../src-engine/domain/events.ts';
import type { ApplyResult } from '../../src-engine/engine.ts';
import { addToCandle, type Ohlcv, openCandle } from './candles.ts';
import {
  ACCOUNT_HISTORY_INSERT,
  CANDLE_UPSERT,
  ORDER_INSERT,
  ORDER_UPDATE,
  SETTLEMENT_INSERT,
  STATEMENT_INSERT,
  TRADE_INSERT,
} from './write-ops.ts';

/** K-line periods kept in the database, in seconds; longer periods are built from the 60 s rows when queried. */
export const STORED_KLINE_PERIODS = [3, 60] as const;

interface NewOrder {
  order_id: number;
  account_id: number;
  instrument_id: string;
  side: string;
  type: string;
  tif: string;
  offset_: string;
  price: number;
  stop_price: number;
  volume: number;
  filled: number;
  remaining: number;
  status: string;
  reason: string | null;
  forced: number;
  created_seq: number;
  created_ts: number;
  updated_seq: number;
  updated_ts: number;
}

/** A change to an order written by an earlier batch. null fields stay as they are. */
interface OrderUpdate {
  order_id: number;
  filled_delta: number;
  remaining: number | null;
  price: number | null;
  status: string | null;
  reason: string | null;
  updated_seq: number;
  updated_ts: number;
}

interface Candle extends Ohlcv {
  instrument_id: string;
  period: number;
  start_ts: number;
}

/** account_history keeps at most one point per account per this many ms of command time (and every settlement). */
export const HISTORY_EVERY_MS = 1_000;

export class ReadModels {
  /** Per account: the command ts of its last history row, and its newest state not yet written (if any). */
  private readonly history = new Map<
    number,
    { at: number; pending: { seq: number; ts: number; a: AccountSnapshot } | null }
  >();
  /** The accounts whose `pending` is set: the only ones a batch looks at beyond those it changed. */
  private readonly waiting = new Set<number>();
  /** Projects one batch into `ops` (write-ops.ts), for the transaction that holds the batch's journal row. */
  project(commands: readonly Command[], results: readonly ApplyResult[], ops: unknown[]): void {
    const fresh = new Map<number, NewOrder>();
    const updates = new Map<number, OrderUpdate>();
    const accounts = new Map<number, { seq: number; ts: number; a: AccountSnapshot }>();
    const settled = new Set<number>();
    const candles = new Map<string, Candle>();
    const touch = (orderId: number, seq: number, ts: number): NewOrder | OrderUpdate => {
      const f = fresh.get(orderId);
      if (f !== undefined) {
        f.updated_seq = seq;
        f.updated_ts = ts;
        return f;
      }
      let u = updates.get(orderId);
      if (u === undefined) {
        u = {
          order_id: orderId,
          filled_delta: 0,
          remaining: null,
          price: null,
          status: null,
          reason: null,
          updated_seq: seq,
          updated_ts: ts,
        };
        updates.set(orderId, u);
      }
      u.updated_seq = seq;
      u.updated_ts = ts;
      return u;
    };
    const fill = (o: NewOrder | OrderUpdate, volume: number, remaining: number) => {
      o.remaining = remaining;
      if ('filled_delta' in o) {
        o.filled_delta += volume;
        o.status = remaining === 0 ? 'filled' : null;
      } else {
        o.filled += volume;
        o.volume = o.filled + remaining;
        o.status = remaining === 0 ? 'filled' : 'partial';
      }
    };
    const open = (o: NewOrder | OrderUpdate, remaining: number) => {
      o.remaining = remaining;
      if ('filled_delta' in o) o.status = null;
      else {
        o.volume = o.filled + remaining;
        o.status = o.filled > 0 ? 'partial' : 'new';
      }
    };
    for (let i = 0; i < results.length; i++) {
      const cmd = commands[i]!;
      const r = results[i]!;
      const seq = cmd.seq;
      const ts = cmd.ts;
      if (!r.ok) {
        if (cmd.kind === 'PlaceOrder' && validOrderFields(cmd)) {
          fresh.set(cmd.orderId, {
            order_id: cmd.orderId,
            account_id: cmd.accountId,
            instrument_id: cmd.instrumentId,
            side: cmd.side,
            type: cmd.type,
            tif: cmd.tif,
            offset_: cmd.offset ?? 'open',
            price: cmd.price,
            stop_price: cmd.stopPrice ?? 0,
            volume: cmd.volume,
            filled: 0,
            remaining: 0,
            status: 'rejected',
            reason: r.reject.code,
            forced: 0,
            created_seq: seq,
            created_ts: ts,
            updated_seq: seq,
            updated_ts: ts,
          });
        }
        continue;
      }
      for (const e of r.events) {
        switch (e.kind) {
          case 'OrderAccepted': {
            const stop = e.type === 'stop' || e.type === 'stopLimit';
            fresh.set(e.orderId, {
              order_id: e.orderId,
              account_id: e.accountId,
              instrument_id: e.instrumentId,
              side: e.side,
              type: e.type,
              tif: e.tif,
              offset_: e.offset,
              price: e.price,
              stop_price: e.stopPrice,
              volume: e.volume,
              filled: 0,
              remaining: e.volume,
              status: stop ? 'pending' : 'new',
              reason: null,
              forced: e.forced ? 1 : 0,
              created_seq: seq,
              created_ts: ts,
              updated_seq: seq,
              updated_ts: ts,
            });
            break;
          }
          case 'TradeExecuted': {
            fill(touch(e.buyOrderId, seq, ts), e.volume, e.buyRemaining);
            fill(touch(e.sellOrderId, seq, ts), e.volume, e.sellRemaining);
            ops.push(
              TRADE_INSERT,
              e.tradeId,
              seq,
              ts,
              e.instrumentId,
              e.price,
              e.volume,
              e.buyOrderId,
              e.sellOrderId,
              e.buyAccountId,
              e.sellAccountId,
              e.takerSide,
            );
            for (const period of STORED_KLINE_PERIODS) {
              const start = ts - (ts % (period * 1000));
              const key = `${e.instrumentId}|${period}|${start}`;
              const c = candles.get(key);
              if (c === undefined) {
                candles.set(key, {
                  instrument_id: e.instrumentId,
                  period,
                  start_ts: start,
                  ...openCandle(e.price, e.volume),
                });
              } else addToCandle(c, e.price, e.volume);
            }
            break;
          }
          case 'OrderRested':
            open(touch(e.orderId, seq, ts), e.remaining);
            break;
          case 'StopTriggered': {
            const o = touch(e.orderId, seq, ts);
            if (!('filled_delta' in o)) o.status = 'new';
            else if (o.status === null) o.status = 'new';
            break;
          }
          case 'OrderModified': {
            const o = touch(e.orderId, seq, ts);
            o.price = e.price;
            open(o, e.remaining);
            break;
          }
          case 'OrderCanceled': {
            const o = touch(e.orderId, seq, ts);
            o.remaining = 0;
            o.status = 'canceled';
            o.reason = e.reason;
            if (!('filled_delta' in o)) o.volume = o.filled;
            break;
          }
          case 'AccountChanged':
            accounts.set(e.account.accountId, { seq, ts, a: e.account });
            break;
          case 'AccountSettled':
            ops.push(
              STATEMENT_INSERT,
              e.account.accountId,
              e.tradingDay,
              seq,
              JSON.stringify({ account: e.account, positions: e.positions, trades: e.trades }),
            );
            accounts.set(e.account.accountId, { seq, ts, a: e.account });
            settled.add(e.account.accountId);
            break;
          case 'SettlementCompleted':
            ops.push(SETTLEMENT_INSERT, e.tradingDay, seq, ts, JSON.stringify(e.prices), JSON.stringify(e.atRisk));
            break;
          default:
            break;
        }
      }
    }
    for (const o of fresh.values()) {
      ops.push(
        ORDER_INSERT,
        o.order_id,
        o.account_id,
        o.instrument_id,
        o.side,
        o.type,
        o.tif,
        o.offset_,
        o.price,
        o.stop_price,
        o.volume,
        o.filled,
        o.remaining,
        o.status,
        o.reason,
        o.forced,
        o.created_seq,
        o.created_ts,
        o.updated_seq,
        o.updated_ts,
      );
    }
    for (const u of updates.values()) {
      const d = u.filled_delta;
      // parameters as write-ops.ts ORDER_UPDATE lists them
      ops.push(
        ORDER_UPDATE,
        d,
        u.remaining,
        d,
        u.remaining,
        u.price,
        u.status,
        u.status,
        d,
        u.reason,
        u.updated_seq,
        u.updated_ts,
        u.order_id,
      );
    }
    this.writeHistory(accounts, settled, commands.length > 0 ? commands[commands.length - 1]!.ts : 0, ops);
    for (const c of candles.values()) {
      ops.push(
        CANDLE_UPSERT,
        c.instrument_id,
        c.period,
        c.start_ts,
        c.open,
        c.high,
        c.low,
        c.close,
        c.volume,
        c.trades,
      );
    }
  }

  /**
   * The equity curve: an account's state goes to account_history when its last point is HISTORY_EVERY_MS old (by
   * command time) or it was settled; in between, the newest state waits and is written by a later batch once due,
   * or by `flushHistory` at close. (A crash loses at most the waiting points; the journal still has everything.)
   */
  private writeHistory(
    changed: ReadonlyMap<number, { seq: number; ts: number; a: AccountSnapshot }>,
    settled: ReadonlySet<number>,
    now: number,
    ops: unknown[],
  ): void {
    for (const [id, p] of changed) {
      const h = this.history.get(id);
      if (h === undefined || settled.has(id) || p.ts - h.at >= HISTORY_EVERY_MS) {
        this.writePoint(p, ops);
        this.history.set(id, { at: p.ts, pending: null });
        this.waiting.delete(id);
      } else {
        h.pending = p;
        this.waiting.add(id);
      }
    }
    // points that waited and are due now, though their accounts did not change in this batch
    for (const id of this.waiting) {
      const h = this.history.get(id)!;
      if (!changed.has(id) && now - h.at >= HISTORY_EVERY_MS) this.writeWaiting(id, h, ops);
    }
  }

  private writeWaiting(
    id: number,
    h: { at: number; pending: { seq: number; ts: number; a: AccountSnapshot } | null },
    ops: unknown[],
  ): void {
    this.writePoint(h.pending!, ops);
    h.at = h.pending!.ts;
    h.pending = null;
    this.waiting.delete(id);
  }

  private writePoint({ seq, ts, a }: { seq: number; ts: number; a: AccountSnapshot }, ops: unknown[]): void {
    ops.push(ACCOUNT_HISTORY_INSERT, a.accountId, seq, ts, a.tradingDay, a.balance, a.available, JSON.stringify(a));
  }

  /** Writes every waiting history point into `ops` (e.g. at close). */
  flushHistory(ops: unknown[]): void {
    for (const id of this.waiting) this.writeWaiting(id, this.history.get(id)!, ops);
  }
}

function validOrderFields(cmd: Command & { kind: 'PlaceOrder' }): boolean {
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
  const str = (v: unknown) => typeof v === 'string' && v.length <= 64;
  return (
    int(cmd.orderId) &&
    int(cmd.accountId) &&
    str(cmd.instrumentId) &&
    str(cmd.side) &&
    str(cmd.type) &&
    str(cmd.tif) &&
    int(cmd.price) &&
    int(cmd.volume) &&
    (cmd.offset === undefined || str(cmd.offset)) &&
    (cmd.stopPrice === undefined || int(cmd.stopPrice))
  );
}
