/**
 * CSV for exports made in the page (one account's statement): RFC 4180 quoting, CRLF line ends, money and prices
 * as exact decimals (no floating point on the way).
 */
import type { InstrumentSpec, Statement } from '../api/types.ts';
import { formatFixed, MONEY_DECIMALS } from './format.ts';

export type Cell = string | number | boolean | null | undefined;

export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly (readonly Cell[])[]): string {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Every QIFI field of an account, in statement order. */
export const ACCOUNT_FIELDS = [
  ['preBalance', 'pre_balance', 'money'],
  ['deposit', 'deposit', 'money'],
  ['withdraw', 'withdraw', 'money'],
  ['staticBalance', 'static_balance', 'money'],
  ['closeProfit', 'close_profit', 'money'],
  ['positionProfit', 'position_profit', 'money'],
  ['floatProfit', 'float_profit', 'money'],
  ['commission', 'commission', 'money'],
  ['balance', 'balance', 'money'],
  ['margin', 'margin', 'money'],
  ['frozenMargin', 'frozen_margin', 'money'],
  ['frozenCommission', 'frozen_commission', 'money'],
  ['available', 'available', 'money'],
  ['riskRatioPpm', 'risk_ratio', 'ppm'],
  ['cash', 'cash', 'money'],
  ['frozenCash', 'frozen_cash', 'money'],
  ['marketValue', 'market_value', 'money'],
] as const;

function money(v: number): string {
  return formatFixed(v, MONEY_DECIMALS);
}

/** One account's statement of one day as CSV: the account's fields, then its positions, then its trades. */
export function statementCsv(tradingDay: number, s: Statement, specs: ReadonlyMap<string, InstrumentSpec>): string {
  const a = s.account;
  const rows: Cell[][] = [['section', 'field', 'value']];
  rows.push(['account', 'account_id', a.accountId], ['account', 'trading_day', tradingDay]);
  for (const [key, name, kind] of ACCOUNT_FIELDS) {
    const v = a[key];
    rows.push(['account', name, kind === 'money' ? money(v) : formatFixed(v, 6)]);
  }
  rows.push([]);
  rows.push([
    'positions',
    'instrument',
    'long_today',
    'long_yesterday',
    'long_margin',
    'long_position_profit',
    'short_today',
    'short_yesterday',
    'short_margin',
    'short_position_profit',
  ]);
  for (const p of s.positions) {
    rows.push([
      'positions',
      p.instrumentId,
      p.long.today,
      p.long.yesterday,
      money(p.long.margin),
      money(p.long.positionProfit),
      p.short.today,
      p.short.yesterday,
      money(p.short.margin),
      money(p.short.positionProfit),
    ]);
  }
  rows.push([]);
  rows.push([
    'trades',
    'trade_id',
    'order_id',
    'instrument',
    'side',
    'offset',
    'price',
    'volume',
    'commission',
    'close_profit',
  ]);
  for (const t of s.trades) {
    const d = specs.get(t.instrumentId)?.priceDecimals ?? 0;
    rows.push([
      'trades',
      t.tradeId,
      t.orderId,
      t.instrumentId,
      t.side,
      t.offset,
      formatFixed(t.price, d),
      t.volume,
      money(t.commission),
      money(t.closeProfit),
    ]);
  }
  return toCsv(rows);
}
