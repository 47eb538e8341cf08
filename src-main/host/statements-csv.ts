/**
 * Settlement statements as CSV (one row per account of a trading day, every QIFI field), read from the read models.
 * Runs in a worker thread (jobs.ts) so a large day does not hold up the main thread.
 */
import type { AccountSnapshot } from '../../src-engine/domain/events.ts';
import { openDatabase } from '../store/database.ts';

/** The columns, in order: every field of an account statement. */
export const STATEMENT_COLUMNS = [
  'tradingDay',
  'accountId',
  'userId',
  'accountKind',
  'preBalance',
  'deposit',
  'withdraw',
  'staticBalance',
  'closeProfit',
  'positionProfit',
  'floatProfit',
  'commission',
  'balance',
  'margin',
  'frozenMargin',
  'frozenCommission',
  'available',
  'riskRatioPpm',
  'cash',
  'frozenCash',
  'marketValue',
  'positions',
  'trades',
] as const;

function cell(v: unknown): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV of a trading day's statements (money in minor units, ratio in ppm), accounts in id order. */
export function statementsCsv(dataDir: string, tradingDay: number): { csv: string; rows: number } {
  const db = openDatabase(dataDir, { readonly: true });
  try {
    const lines = [STATEMENT_COLUMNS.join(',')];
    const rows = db
      .prepare('SELECT statement FROM statements WHERE trading_day = ? ORDER BY account_id')
      .iterate(tradingDay) as IterableIterator<{ statement: string }>;
    let n = 0;
    for (const r of rows) {
      const s = JSON.parse(r.statement) as { account: AccountSnapshot; positions: unknown[]; trades: unknown[] };
      const a = s.account as unknown as Record<string, unknown>;
      const values = STATEMENT_COLUMNS.map((c) =>
        c === 'positions' ? s.positions.length : c === 'trades' ? s.trades.length : a[c],
      );
      lines.push(values.map(cell).join(','));
      n++;
    }
    return { csv: `${lines.join('\n')}\n`, rows: n };
  } finally {
    db.close();
  }
}
