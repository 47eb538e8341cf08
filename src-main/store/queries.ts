/**
 * Reads of the read models for the API: orders, trades, account history, statements, settlements and K-lines, each
 * a prepared statement on an index. Paging is by id, newest first (`before` = the smallest id of the last page).
 */

import type { Database as SqliteDb, Statement } from 'better-sqlite3';
import type { Ohlcv } from './candles.ts';

export interface OrderRow {
  order_id: number;
  account_id: number;
  instrument_id: string;
  side: 'buy' | 'sell';
  type: 'limit' | 'market' | 'stop' | 'stopLimit';
  tif: 'GTC' | 'GFD' | 'IOC' | 'FOK';
  offset_: 'open' | 'close' | 'closeToday';
  price: number;
  stop_price: number;
  volume: number;
  filled: number;
  remaining: number;
  status: 'pending' | 'new' | 'partial' | 'filled' | 'canceled' | 'rejected';
  reason: string | null;
  forced: number;
  created_seq: number;
  created_ts: number;
  updated_seq: number;
  updated_ts: number;
}

export interface TradeRow {
  trade_id: number;
  seq: number;
  ts: number;
  instrument_id: string;
  price: number;
  volume: number;
  buy_order_id: number;
  sell_order_id: number;
  buy_account_id: number;
  sell_account_id: number;
  taker_side: 'buy' | 'sell' | null;
}

export interface CandleRow extends Ohlcv {
  start_ts: number;
}

const MAX_ID = Number.MAX_SAFE_INTEGER;

export class ReadQueries {
  private readonly s: Record<string, Statement>;

  constructor(db: SqliteDb) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      order: p('SELECT * FROM orders WHERE order_id = ?'),
      openOrders: p(
        "SELECT * FROM orders WHERE account_id = ? AND status IN ('new', 'partial', 'pending') ORDER BY order_id DESC",
      ),
      orders: p('SELECT * FROM orders WHERE account_id = ? AND order_id < ? ORDER BY order_id DESC LIMIT ?'),
      accountTrades: p(
        `SELECT * FROM (
           SELECT * FROM (SELECT * FROM trades WHERE buy_account_id = @account AND trade_id < @before ORDER BY trade_id DESC LIMIT @limit)
           UNION
           SELECT * FROM (SELECT * FROM trades WHERE sell_account_id = @account AND trade_id < @before ORDER BY trade_id DESC LIMIT @limit)
         ) ORDER BY trade_id DESC LIMIT @limit`,
      ),
      instrumentTrades: p(
        'SELECT * FROM trades WHERE instrument_id = ? AND trade_id < ? ORDER BY trade_id DESC LIMIT ?',
      ),
      klines: p(
        `SELECT start_ts, open, high, low, close, volume, trades FROM klines
         WHERE instrument_id = ? AND period = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts LIMIT ?`,
      ),
      history: p(
        `SELECT seq, ts, trading_day, balance, available FROM account_history
         WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      statement: p('SELECT seq, statement FROM statements WHERE account_id = ? AND trading_day = ?'),
      statementDays: p('SELECT trading_day, seq FROM statements WHERE account_id = ? ORDER BY trading_day DESC'),
      settlements: p('SELECT trading_day, seq, ts, prices, at_risk FROM settlements ORDER BY trading_day DESC'),
      settlement: p('SELECT trading_day, seq, ts, prices, at_risk FROM settlements WHERE trading_day = ?'),
      dayVolume: p(
        'SELECT sum(volume) AS volume, sum(trades) AS trades, min(low) AS low, max(high) AS high FROM klines WHERE instrument_id = ? AND period = 60 AND start_ts >= ?',
      ),
      firstCandle: p(
        'SELECT open FROM klines WHERE instrument_id = ? AND period = 60 AND start_ts >= ? ORDER BY start_ts LIMIT 1',
      ),
    };
  }

  order(orderId: number): OrderRow | undefined {
    return this.s.order!.get(orderId) as OrderRow | undefined;
  }

  openOrders(accountId: number): OrderRow[] {
    return this.s.openOrders!.all(accountId) as OrderRow[];
  }

  orders(accountId: number, limit: number, before?: number): OrderRow[] {
    return this.s.orders!.all(accountId, before ?? MAX_ID, limit) as OrderRow[];
  }

  accountTrades(accountId: number, limit: number, before?: number): TradeRow[] {
    // named parameters: better-sqlite3 binds `?1`-style numbered ones by name only, so positional values were refused
    return this.s.accountTrades!.all({ account: accountId, before: before ?? MAX_ID, limit }) as TradeRow[];
  }

  instrumentTrades(instrumentId: string, limit: number, before?: number): TradeRow[] {
    return this.s.instrumentTrades!.all(instrumentId, before ?? MAX_ID, limit) as TradeRow[];
  }

  klines(instrumentId: string, period: number, fromTs: number, toTs: number, limit: number): CandleRow[] {
    return this.s.klines!.all(instrumentId, period, fromTs, toTs, limit) as CandleRow[];
  }

  accountHistory(
    accountId: number,
    limit: number,
    beforeSeq?: number,
  ): { seq: number; ts: number; trading_day: number; balance: number; available: number }[] {
    return this.s.history!.all(accountId, beforeSeq ?? MAX_ID, limit) as {
      seq: number;
      ts: number;
      trading_day: number;
      balance: number;
      available: number;
    }[];
  }

  statement(accountId: number, tradingDay: number): { seq: number; statement: unknown } | undefined {
    const r = this.s.statement!.get(accountId, tradingDay) as { seq: number; statement: string } | undefined;
    return r === undefined ? undefined : { seq: r.seq, statement: JSON.parse(r.statement) };
  }

  statementDays(accountId: number): { tradingDay: number; seq: number }[] {
    return (this.s.statementDays!.all(accountId) as { trading_day: number; seq: number }[]).map((r) => ({
      tradingDay: r.trading_day,
      seq: r.seq,
    }));
  }

  settlements(): { tradingDay: number; seq: number; ts: number; prices: unknown; atRisk: unknown }[] {
    return (this.s.settlements!.all() as SettlementRow[]).map(settlementOf);
  }

  settlement(
    tradingDay: number,
  ): { tradingDay: number; seq: number; ts: number; prices: unknown; atRisk: unknown } | undefined {
    const r = this.s.settlement!.get(tradingDay) as SettlementRow | undefined;
    return r === undefined ? undefined : settlementOf(r);
  }

  /** Volume, trades, high, low and open since `sinceTs` from the 60 s K-lines. */
  daySummary(
    instrumentId: string,
    sinceTs: number,
  ): { volume: number; trades: number; high: number | null; low: number | null; open: number | null } {
    const r = this.s.dayVolume!.get(instrumentId, sinceTs) as {
      volume: number | null;
      trades: number | null;
      high: number | null;
      low: number | null;
    };
    const o = this.s.firstCandle!.get(instrumentId, sinceTs) as { open: number } | undefined;
    return { volume: r.volume ?? 0, trades: r.trades ?? 0, high: r.high, low: r.low, open: o?.open ?? null };
  }
}

interface SettlementRow {
  trading_day: number;
  seq: number;
  ts: number;
  prices: string;
  at_risk: string;
}

function settlementOf(r: SettlementRow): {
  tradingDay: number;
  seq: number;
  ts: number;
  prices: unknown;
  atRisk: unknown;
} {
  return {
    tradingDay: r.trading_day,
    seq: r.seq,
    ts: r.ts,
    prices: JSON.parse(r.prices),
    atRisk: JSON.parse(r.at_risk),
  };
}
