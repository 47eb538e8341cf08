/**
 * `deskex export trades|statements`: the read models as CSV, read-only (works while deskex serve runs: SQLite WAL
 * lets a reader see the last committed state without holding up the writer). Trades are streamed in trade id order
 * from one read transaction, so the count and the rows agree while the server keeps trading; statements are
 * rendered in a worker (host/jobs.ts), as the API does.
 */
import { resolve } from 'node:path';
import { openDatabase } from '../store/database.ts';
import type { TradeRow } from '../store/queries.ts';
import { csvField, Failure, intOption, openSink, parseCommand, progressBar, say, UsageError } from './common.ts';
import { EXPORT_USAGE } from './usage.ts';

export const TRADE_COLUMNS = [
  'tradeId',
  'seq',
  'ts',
  'time',
  'instrumentId',
  'price',
  'volume',
  'buyOrderId',
  'sellOrderId',
  'buyAccountId',
  'sellAccountId',
  'takerSide',
] as const;

const OPTIONS = {
  'data-dir': { type: 'string', default: 'data' },
  account: { type: 'string' },
  instrument: { type: 'string' },
  day: { type: 'string' },
  out: { type: 'string' },
} as const;

export async function exportCommand(args: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(args, OPTIONS, EXPORT_USAGE);
  if (o.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  const [what, ...extra] = positionals;
  if (what === undefined) throw new UsageError('export needs what to export: trades or statements', EXPORT_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`, EXPORT_USAGE);
  const dataDir = resolve(o['data-dir']);
  if (what === 'trades') {
    if (o.day !== undefined) throw new UsageError('--day is for export statements', EXPORT_USAGE);
    const account = intOption(o.account, 'account', EXPORT_USAGE, 1);
    return exportTrades(dataDir, { account, instrument: o.instrument, out: o.out });
  }
  if (what === 'statements') {
    if (o.account !== undefined || o.instrument !== undefined) {
      throw new UsageError('--account and --instrument are for export trades', EXPORT_USAGE);
    }
    return exportStatements(dataDir, intOption(o.day, 'day', EXPORT_USAGE, 1), o.out);
  }
  throw new UsageError(`cannot export ${what}: trades or statements`, EXPORT_USAGE);
}

async function exportTrades(
  dataDir: string,
  f: { account: number | undefined; instrument: string | undefined; out: string | undefined },
): Promise<number> {
  const db = openDatabase(dataDir, { readonly: true });
  try {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.account !== undefined) {
      where.push('(buy_account_id = @account OR sell_account_id = @account)');
      params.account = f.account;
    }
    if (f.instrument !== undefined) {
      where.push('instrument_id = @instrument');
      params.instrument = f.instrument;
    }
    const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
    // one snapshot of the database: the count and the rows agree while a server keeps writing
    db.exec('BEGIN');
    const total = (db.prepare(`SELECT count(*) AS n FROM trades${filter}`).get(params) as { n: number }).n;
    const sink = openSink(f.out);
    const progress = total >= 10_000 ? progressBar('exporting trades') : () => {};
    let n = 0;
    try {
      let chunk = `${TRADE_COLUMNS.join(',')}\n`;
      const rows = db.prepare(`SELECT * FROM trades${filter} ORDER BY trade_id`).iterate(params);
      for (const r of rows as IterableIterator<TradeRow>) {
        chunk += `${[
          r.trade_id,
          r.seq,
          r.ts,
          new Date(r.ts).toISOString(),
          csvField(r.instrument_id),
          r.price,
          r.volume,
          r.buy_order_id,
          r.sell_order_id,
          r.buy_account_id,
          r.sell_account_id,
          csvField(r.taker_side),
        ].join(',')}\n`;
        n++;
        if (chunk.length >= 64 * 1024) {
          await sink.write(chunk);
          chunk = '';
          progress(n, total);
        }
      }
      await sink.write(chunk);
      await sink.done();
    } catch (e) {
      sink.abort();
      throw e;
    }
    progress(n, total);
    db.exec('COMMIT');
    const which = [f.account !== undefined ? `account ${f.account}` : '', f.instrument ?? ''].filter((s) => s !== '');
    say(`${n} trades${which.length > 0 ? ` of ${which.join(', ')}` : ''} written to ${sink.name}`);
    return 0;
  } finally {
    db.close();
  }
}

async function exportStatements(dataDir: string, day: number | undefined, out: string | undefined): Promise<number> {
  const db = openDatabase(dataDir, { readonly: true });
  let days: number[];
  try {
    days = (
      db.prepare('SELECT trading_day FROM settlements ORDER BY trading_day').all() as { trading_day: number }[]
    ).map((r) => r.trading_day);
  } finally {
    db.close();
  }
  if (days.length === 0)
    throw new Failure(`no trading day has been settled in ${dataDir} yet: no statements to export`);
  const tradingDay = day ?? days[days.length - 1]!;
  if (!days.includes(tradingDay)) {
    throw new Failure(`trading day ${tradingDay} has not been settled; settled days: ${days.join(', ')} (--day)`);
  }
  let result: { csv: string; rows: number };
  const { closeJobs, statementsCsvInWorker } = await import('../host/jobs.ts'); // piscina: only for statements
  try {
    result = await statementsCsvInWorker(dataDir, tradingDay);
  } finally {
    await closeJobs();
  }
  const sink = openSink(out);
  try {
    await sink.write(result.csv);
    await sink.done();
  } catch (e) {
    sink.abort();
    throw e;
  }
  say(`${result.rows} statements of trading day ${tradingDay} written to ${sink.name}`);
  return 0;
}
