/**
 * Every statement the exchange writes while it runs, numbered. The journal, the read models and the snapshots lay
 * their writes out as `statement number, ...parameters` in an ops array (positional parameters, exactly `params` of
 * them) that the database writer runs in one transaction (src-main/host/writer.ts).
 */
export interface WriteStatement {
  readonly sql: string;
  readonly params: number;
}

export const JOURNAL_INSERT = 0;
export const ORDER_INSERT = 1;
export const ORDER_UPDATE = 2;
export const TRADE_INSERT = 3;
export const ACCOUNT_HISTORY_INSERT = 4;
export const STATEMENT_INSERT = 5;
export const SETTLEMENT_INSERT = 6;
export const CANDLE_UPSERT = 7;
export const SNAPSHOT_INSERT = 8;
export const SNAPSHOT_PRUNE = 9;

export const STATEMENTS: readonly WriteStatement[] = [
  {
    sql: 'INSERT INTO journal (batch, first_seq, last_seq, commands, digest, checksum) VALUES (?, ?, ?, ?, ?, ?)',
    params: 6,
  },
  {
    sql: `INSERT OR IGNORE INTO orders (order_id, account_id, instrument_id, side, type, tif, offset_, price, stop_price,
            volume, filled, remaining, status, reason, forced, created_seq, created_ts, updated_seq, updated_ts)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: 19,
  },
  {
    // filled delta, remaining (or null), the delta again, remaining again, price (or null), status twice (or null),
    // the delta again, reason (or null), updated_seq, updated_ts, order_id
    sql: `UPDATE orders SET
            filled = filled + ?,
            remaining = coalesce(?, remaining),
            volume = filled + ? + coalesce(?, remaining),
            price = coalesce(?, price),
            status = CASE WHEN ? IS NOT NULL THEN ? WHEN filled + ? > 0 THEN 'partial' ELSE 'new' END,
            reason = coalesce(?, reason),
            updated_seq = ?,
            updated_ts = ?
          WHERE order_id = ?`,
    params: 12,
  },
  {
    sql: `INSERT INTO trades (trade_id, seq, ts, instrument_id, price, volume, buy_order_id, sell_order_id,
            buy_account_id, sell_account_id, taker_side) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: 11,
  },
  {
    sql: `INSERT OR REPLACE INTO account_history (account_id, seq, ts, trading_day, balance, available, snapshot)
          VALUES (?, ?, ?, ?, ?, ?, ?)`,
    params: 7,
  },
  {
    sql: 'INSERT OR REPLACE INTO statements (account_id, trading_day, seq, statement) VALUES (?, ?, ?, ?)',
    params: 4,
  },
  {
    sql: 'INSERT OR REPLACE INTO settlements (trading_day, seq, ts, prices, at_risk) VALUES (?, ?, ?, ?, ?)',
    params: 5,
  },
  {
    sql: `INSERT INTO klines (instrument_id, period, start_ts, open, high, low, close, volume, trades)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (instrument_id, period, start_ts) DO UPDATE SET
            high = max(high, excluded.high), low = min(low, excluded.low), close = excluded.close,
            volume = volume + excluded.volume, trades = trades + excluded.trades`,
    params: 9,
  },
  {
    sql: `INSERT OR REPLACE INTO snapshots (last_seq, batch, format, state, state_hash, checksum, created_ms)
          VALUES (?, ?, ?, ?, ?, ?, ?)`,
    params: 7,
  },
  {
    // how many to keep
    sql: 'DELETE FROM snapshots WHERE last_seq NOT IN (SELECT last_seq FROM snapshots ORDER BY last_seq DESC LIMIT ?)',
    params: 1,
  },
];
