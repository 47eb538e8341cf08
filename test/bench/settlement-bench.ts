/**
 * Settlement and pre-trade risk benchmark of Engine({ accounts: true }) (docs/accounts.md).
 *
 *   npm run bench:settlement -- [--json] [--smoke] [--accounts N] [--positions N] [--runs N] [--risk-samples N]
 *                                [--trade-samples N]
 *
 * - settle: N futures accounts (default 10,000) with P positions each (default 5, one per instrument), built through
 *   real trades in the engine (accounts 2k and 2k+1 trade with each other on every instrument: one rests a sell,
 *   the other buys it), then every instrument is closed (one gets an admin settlement price) and the Settle command
 *   is timed alone. `accounts_per_sec` = N / seconds of that one apply; `settle_10k_ms` is its milliseconds (scaled
 *   to 10,000 accounts when N differs, with `settle.extrapolated`). Median of --runs fresh engines.
 * - heap: heapUsed + external growth (gc before and after) of a fresh engine holding N accounts and N × P positions
 *   (with the day's trades that settlement will list), against a baseline taken just before the engine was created.
 * - risk check: one pre-trade check of a PlaceOrder, timed alone (process.hrtime.bigint, HDR histogram, 3 digits):
 *   engine.preTradeCheck, which runs the checks and stage R1 (the ledger's account checks and the order's hold)
 *   exactly as apply does, without placing the order; the command is then applied untimed. On the engine of N
 *   accounts (the first settle run's, reopened): half are rejected by the funds check (RISK_INSUFFICIENT_FUNDS: an
 *   opening order far larger than the account's available funds), half pass (a limit IOC that does not cross: the
 *   apply gives OrderAccepted + OrderCanceled). Accounts rotate over all N. `place_apply_*`: the whole
 *   engine.apply(PlaceOrder) of the same samples, timed the same way. Baselines: the same check and the same
 *   accepted-and-canceled IOC on an engine with accounts: false (matching only), in the same run.
 * - trade: engine.apply of one IOC buy that fills a resting sell (placed untimed just before) at a price other than
 *   the last, on an instrument every one of the N accounts holds, so the intraday risk check runs; baseline the same
 *   on accounts: false. `setup_seconds` (building the market, 2.4 commands per position) shows the same cost.
 *
 * Progress goes to stderr; the last line of stdout is one JSON object.
 */
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import type { Command, PlaceOrder } from '../../src-engine/domain/commands.ts';
import { type InstrumentSpec, priceBand } from '../../src-engine/domain/instrument.ts';
import { Engine } from '../../src-engine/engine.ts';
import { gc, gcExposedByFlag, intOpt, log, machineInfo, median, round, startedAt } from './bench-common.ts';

// ---------------------------------------------------------------------------------------------------------------
// Options

const { values: argv } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    accounts: { type: 'string' },
    positions: { type: 'string' },
    runs: { type: 'string' },
    'risk-samples': { type: 'string' },
    'trade-samples': { type: 'string' },
  },
  strict: true,
});

const smoke = argv.smoke === true;
const opts = {
  mode: smoke ? 'smoke' : 'full',
  accounts: Math.max(2, intOpt(argv.accounts, smoke ? 1_000 : 10_000) & ~1),
  positions: Math.min(5, Math.max(1, intOpt(argv.positions, 5))),
  runs: Math.max(1, intOpt(argv.runs, 1)),
  riskSamples: Math.max(100, intOpt(argv['risk-samples'], smoke ? 20_000 : 200_000)),
  tradeSamples: Math.max(10, intOpt(argv['trade-samples'], smoke ? 500 : 2_000)),
};
const TARGET_ACCOUNTS = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// GC and machine

async function settleHeap(): Promise<void> {
  gc();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 25));
}

function timerCostNs(): number {
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  let x = 0n;
  for (let i = 0; i < n; i++) x += process.hrtime.bigint();
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (x === 0n) log('impossible');
  return round(ns, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// The market: five futures with different terms, N accounts with positions built by trading

const INSTRUMENTS: readonly InstrumentSpec[] = [0, 1, 2, 3, 4].map((i) => ({
  id: `P${i}`,
  kind: 'future' as const,
  priceTick: 1,
  priceDecimals: 0,
  lotSize: 1,
  multiplier: 10,
  maxOrderVolume: 1_000,
  band: { kind: 'percent' as const, bps: 1_000 },
  referencePrice: 1_000,
  status: 'active' as const,
  terms: {
    marginLongPpm: 100_000 + 10_000 * i,
    marginShortPpm: 120_000 + 10_000 * i,
    commission:
      i % 2 === 0
        ? { kind: 'rate' as const, openPpm: 25, closePpm: 25, closeTodayPpm: 100 }
        : { kind: 'perLot' as const, open: 200, close: 200, closeToday: 0 },
    closeRule: i % 2 === 0 ? ('yesterdayFirst' as const) : ('separate' as const),
    settlement:
      i === 4
        ? { kind: 'admin' as const }
        : i === 3
          ? { kind: 'vwap' as const, minutes: 5 }
          : { kind: 'last' as const },
  },
}));

/** Generous limits: the bench measures the checks, not their refusals (except the funds check it provokes). */
const RISK = {
  maxOpenOrders: 1_000,
  maxOrdersPerWindow: 1_000_000,
  rateWindowMs: 1_000,
  riskRatioCapPpm: 1_000_000,
  forceLiquidationPpm: 1_000_000,
};

type BenchEngine = Engine;

class Feed {
  seq = 0;
  ts = 1_700_000_000_000;
  constructor(readonly engine: BenchEngine) {}
  /** The next sequence number and timestamp (1 ms apart). */
  stamp(): { seq: number; ts: number } {
    this.seq += 1;
    this.ts += 1;
    return { seq: this.seq, ts: this.ts };
  }
  apply(c: Record<string, unknown>): void {
    const cmd = { ...c, ...this.stamp() } as unknown as Command;
    const r = this.engine.apply(cmd);
    if (!r.ok)
      throw new Error(`setup ${cmd.kind} (seq ${cmd.seq}) rejected: ${r.reject.code} ${r.reject.details ?? ''}`);
  }
}

/** Account ids 1..N; order ids from 1. */
function buildMarket(accounts: number, positions: number): { feed: Feed; trades: number; orderId: number } {
  const engine = new Engine({ book: 'fast', accounts: true, risk: RISK });
  const feed = new Feed(engine);
  for (const spec of INSTRUMENTS) feed.apply({ kind: 'AddInstrument', spec });
  for (const spec of INSTRUMENTS) feed.apply({ kind: 'SetPhase', instrumentId: spec.id, phase: 'continuous' });
  for (let id = 1; id <= accounts; id++) {
    feed.apply({ kind: 'CreateAccount', accountId: id, userId: id, accountKind: 'futures' });
    feed.apply({ kind: 'Deposit', accountId: id, amount: 10_000_000 });
  }
  let orderId = 0;
  let trades = 0;
  for (let p = 0; p < positions; p++) {
    const inst = INSTRUMENTS[p]!.id;
    for (let a = 1; a < accounts; a += 2) {
      // prices and volumes vary so lots and statements differ
      const price = 1_000 + ((a * 7 + p * 3) % 41) - 20;
      const volume = 1 + ((a + p) % 3);
      const sellFirst = (a >> 1) % 2 === 0;
      const seller = sellFirst ? a : a + 1;
      const buyer = sellFirst ? a + 1 : a;
      feed.apply({
        kind: 'PlaceOrder',
        orderId: ++orderId,
        accountId: seller,
        instrumentId: inst,
        side: 'sell',
        type: 'limit',
        tif: 'GFD',
        price,
        volume,
        offset: 'open',
      });
      feed.apply({
        kind: 'PlaceOrder',
        orderId: ++orderId,
        accountId: buyer,
        instrumentId: inst,
        side: 'buy',
        type: 'limit',
        tif: 'IOC',
        price,
        volume,
        offset: 'open',
      });
      trades++;
    }
  }
  return { feed, trades, orderId };
}

function closeAll(feed: Feed): void {
  for (const spec of INSTRUMENTS) feed.apply({ kind: 'SetPhase', instrumentId: spec.id, phase: 'closed' });
  feed.apply({ kind: 'SetSettlementPrice', instrumentId: 'P4', price: 1_003 });
}

function countPositions(engine: BenchEngine, accounts: number): number {
  let n = 0;
  for (let id = 1; id <= accounts; id++) {
    for (const p of engine.positions(id)) {
      if (p.long.today + p.long.yesterday + p.short.today + p.short.yesterday > 0) n++;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Settlement

interface SettleRun {
  ms: number;
  events: number;
  statementTrades: number;
  buildSeconds: number;
}

async function settleRun(built?: { feed: Feed; buildSeconds: number }): Promise<SettleRun & { feed: Feed }> {
  const b0 = performance.now();
  const feed = built?.feed ?? buildMarket(opts.accounts, opts.positions).feed;
  const buildSeconds = built?.buildSeconds ?? (performance.now() - b0) / 1000;
  closeAll(feed);
  await settleHeap();
  const cmd: Command = { kind: 'Settle', ...feed.stamp() };
  const t0 = process.hrtime.bigint();
  const r = feed.engine.apply(cmd);
  const ns = Number(process.hrtime.bigint() - t0);
  if (!r.ok) throw new Error(`Settle rejected: ${r.reject.code} ${r.reject.details ?? ''}`);
  let statementTrades = 0;
  let settled = 0;
  for (const e of r.events) {
    if (e.kind === 'AccountSettled') {
      settled++;
      statementTrades += e.trades.length;
    }
  }
  if (settled !== opts.accounts) throw new Error(`Settle settled ${settled} accounts, expected ${opts.accounts}`);
  feed.engine.validateInternalState();
  return { ms: ns / 1e6, events: r.events.length, statementTrades, buildSeconds, feed };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Heap of N accounts with N × P positions

async function heapRun(): Promise<{ figures: Record<string, number | boolean>; feed: Feed; buildSeconds: number }> {
  await settleHeap();
  const before = process.memoryUsage();
  const b0 = performance.now();
  const { feed, trades } = buildMarket(opts.accounts, opts.positions);
  const buildSeconds = (performance.now() - b0) / 1000;
  await settleHeap();
  const after = process.memoryUsage();
  const positions = countPositions(feed.engine, opts.accounts);
  if (positions !== opts.accounts * opts.positions)
    throw new Error(`heap: ${positions} positions, expected ${opts.accounts * opts.positions}`);
  const mb = 1024 * 1024;
  const heapUsed = (after.heapUsed - before.heapUsed) / mb;
  const external = (after.external - before.external) / mb;
  const measured = heapUsed + external;
  const scale = TARGET_ACCOUNTS / opts.accounts;
  const figures = {
    accounts: opts.accounts,
    positions,
    trades,
    measured_mb: round(measured, 2),
    heap_used_mb: round(heapUsed, 2),
    external_mb: round(external, 2),
    rss_mb: round((after.rss - before.rss) / mb, 1),
    bytes_per_account: Math.round((measured * mb) / opts.accounts),
    mb_10k_accounts: round(measured * scale, 2),
    extrapolated: opts.accounts !== TARGET_ACCOUNTS,
    build_seconds: round(buildSeconds, 2),
  };
  return { figures, feed, buildSeconds };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. One pre-trade check, timed alone

interface Percentiles {
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  mean_us: number;
  count: number;
}

function newHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function percentiles(h: hdr.Histogram, max: number, sum: number, n: number): Percentiles {
  const us = (ns: number) => round(ns / 1000, 3);
  return {
    p50_us: us(h.getValueAtPercentile(50)),
    p99_us: us(h.getValueAtPercentile(99)),
    p999_us: us(h.getValueAtPercentile(99.9)),
    max_us: us(max),
    mean_us: us(sum / n),
    count: n,
  };
}

class Recorder {
  readonly h = newHistogram();
  max = 0;
  sum = 0;
  n = 0;
  record(ns: number): void {
    const v = Math.max(1, ns);
    this.h.recordValue(v);
    if (v > this.max) this.max = v;
    this.sum += v;
    this.n++;
  }
  result(): Percentiles {
    const r = percentiles(this.h, this.max, this.sum, this.n);
    this.h.destroy();
    return r;
  }
}

type Kind = 'reject' | 'ioc';

/**
 * What one sample times: `apply` = the whole engine.apply(PlaceOrder); `check` = engine.preTradeCheck(PlaceOrder)
 * alone (the pre-trade checks and, with accounts, stage R1: account checks and the hold, as apply runs them), the
 * same command then applied untimed so that the engine goes through the same states as in `apply`.
 */
type Timed = 'apply' | 'check';

/**
 * Timed single PlaceOrders on `feed`. `kind(i)` picks the case; `accounts` the rotation. Warm-up samples (a tenth)
 * are run but not recorded.
 */
function riskSamples(
  feed: Feed,
  accounts: number,
  samples: number,
  withAccounts: boolean,
  firstOrderId: number,
  timed: Timed,
): { all: Percentiles; reject: Percentiles | null; ioc: Percentiles; outcomes: Record<string, number> } {
  const all = new Recorder();
  const rej = new Recorder();
  const ioc = new Recorder();
  const outcomes: Record<string, number> = {};
  const warm = Math.floor(samples / 10);
  let orderId = firstOrderId;
  const engine = feed.engine;
  const bands = INSTRUMENTS.map((spec) => {
    const b = priceBand(engine.instrument(spec.id)!);
    if (b === null) throw new Error(`${spec.id} has no band`);
    return b;
  });
  for (let i = 0; i < warm + samples; i++) {
    const kind: Kind = withAccounts && (i & 1) === 0 ? 'reject' : 'ioc';
    const account = 1 + ((i * 7919) % accounts);
    const inst = INSTRUMENTS[i % INSTRUMENTS.length]!.id;
    const buy = (i & 2) === 0;
    const cmd: PlaceOrder = {
      kind: 'PlaceOrder',
      ...feed.stamp(),
      orderId: ++orderId,
      accountId: account,
      instrumentId: inst,
      side: buy ? 'buy' : 'sell',
      type: 'limit',
      tif: 'IOC',
      // the book is empty here: an IOC at the band edge finds nothing and is canceled
      price: buy ? bands[i % bands.length]!.lower : bands[i % bands.length]!.upper,
      // margin alone ≥ 90,000,000 minor units, far beyond the 10,000,000 deposited
      volume: kind === 'reject' ? 1_000 : 1,
      offset: 'open',
    };
    let ns: number;
    let r: ReturnType<Engine['apply']>;
    if (timed === 'apply') {
      const t0 = process.hrtime.bigint();
      r = engine.apply(cmd);
      ns = Number(process.hrtime.bigint() - t0);
    } else {
      const t0 = process.hrtime.bigint();
      const verdict = engine.preTradeCheck(cmd);
      ns = Number(process.hrtime.bigint() - t0);
      r = engine.apply(cmd);
      const applied = r.ok ? null : r.reject.code;
      if ((verdict?.code ?? null) !== applied)
        throw new Error(
          `risk sample ${i}: preTradeCheck says ${verdict?.code ?? 'accept'}, apply ${applied ?? 'accepted'}`,
        );
    }
    const outcome = r.ok ? 'accepted' : r.reject.code;
    if (i >= warm) {
      all.record(ns);
      (kind === 'reject' ? rej : ioc).record(ns);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const want = kind === 'reject' ? 'RISK_INSUFFICIENT_FUNDS' : 'accepted';
    if (outcome !== want) throw new Error(`risk sample ${i} (${kind}): ${outcome}, expected ${want}`);
  }
  return { all: all.result(), reject: withAccounts ? rej.result() : null, ioc: ioc.result(), outcomes };
}

/**
 * Timed IOC buys, each filling a resting sell placed (untimed) just before, at a price other than the last one, on P0:
 * every fill moves the last price of an instrument that (with accounts) all N accounts hold.
 */
function tradeSamples(feed: Feed, accounts: number, samples: number, firstOrderId: number): Percentiles {
  const rec = new Recorder();
  const warm = Math.max(1, Math.floor(samples / 10));
  let orderId = firstOrderId;
  for (let i = 0; i < warm + samples; i++) {
    const seller = 1 + ((2 * i) % accounts);
    const buyer = 1 + ((2 * i + 1) % accounts);
    const price = 1_000 + (i % 2);
    const sell: PlaceOrder = {
      kind: 'PlaceOrder',
      ...feed.stamp(),
      orderId: ++orderId,
      accountId: seller,
      instrumentId: 'P0',
      side: 'sell',
      type: 'limit',
      tif: 'GTC',
      price,
      volume: 1,
      offset: 'open',
    };
    const rs = feed.engine.apply(sell);
    if (!rs.ok) throw new Error(`trade sample ${i}: resting sell rejected: ${rs.reject.code}`);
    const buy: PlaceOrder = { ...sell, ...feed.stamp(), orderId: ++orderId, accountId: buyer, side: 'buy', tif: 'IOC' };
    const t0 = process.hrtime.bigint();
    const r = feed.engine.apply(buy);
    const ns = Number(process.hrtime.bigint() - t0);
    if (!r.ok || !r.events.some((e) => e.kind === 'TradeExecuted'))
      throw new Error(`trade sample ${i}: ${r.ok ? 'no trade' : r.reject.code}`);
    if (i >= warm) rec.record(ns);
  }
  return rec.result();
}

async function riskRun(feed: Feed): Promise<Record<string, unknown>> {
  // the settled engine, reopened: N accounts holding yesterday's positions
  for (const spec of INSTRUMENTS) feed.apply({ kind: 'SetPhase', instrumentId: spec.id, phase: 'continuous' });
  const orderId = 100_000_000;
  await settleHeap();
  log(`risk: ${opts.riskSamples} timed pre-trade checks over ${opts.accounts} accounts with positions`);
  const withAccounts = riskSamples(feed, opts.accounts, opts.riskSamples, true, orderId, 'check');
  await settleHeap();
  log(`risk: ${opts.riskSamples} timed PlaceOrder applies over ${opts.accounts} accounts with positions`);
  const applyWithAccounts = riskSamples(feed, opts.accounts, opts.riskSamples, true, orderId + 1_000_000, 'apply');
  await settleHeap();
  log(`trade: ${opts.tradeSamples} timed fills on an instrument ${opts.accounts} accounts hold`);
  const trade = tradeSamples(feed, opts.accounts, opts.tradeSamples, orderId + 10_000_000);

  // baseline: matching only, the same instruments and the same accepted-and-canceled IOC
  const base = new Feed(new Engine({ book: 'fast', accounts: false }));
  for (const spec of INSTRUMENTS) base.apply({ kind: 'AddInstrument', spec });
  for (const spec of INSTRUMENTS) base.apply({ kind: 'SetPhase', instrumentId: spec.id, phase: 'continuous' });
  await settleHeap();
  log(`risk: ${opts.riskSamples} timed pre-trade checks on an engine with accounts: false (baseline)`);
  const checkBaseline = riskSamples(base, opts.accounts, opts.riskSamples, false, 1, 'check');
  log(`risk: ${opts.riskSamples} timed PlaceOrder applies on an engine with accounts: false (baseline)`);
  const baseline = riskSamples(base, opts.accounts, opts.riskSamples, false, 1_000_000, 'apply');
  log(`trade: ${opts.tradeSamples} timed fills on an engine with accounts: false (baseline)`);
  const tradeBaseline = tradeSamples(base, opts.accounts, opts.tradeSamples, 10_000_000);
  return { withAccounts, applyWithAccounts, checkBaseline, baseline, trade, tradeBaseline };
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const machine = machineInfo();
  log(
    `settlement bench (${opts.mode}): ${opts.accounts} accounts × ${opts.positions} positions, ${opts.runs} settle run(s), ${opts.riskSamples} risk samples`,
  );
  log(`machine: ${String(machine.cpu_model)} x${String(machine.cpus)}, node ${process.version}`);
  if (!gcExposedByFlag) log('warning: run with --expose-gc (npm run bench:settlement does); using a vm fallback');

  const heapRunResult = await heapRun();
  const heap = heapRunResult.figures;
  log(
    `heap: ${heap.measured_mb} MB for ${heap.accounts} accounts / ${heap.positions} positions (built in ${heap.build_seconds} s)`,
  );

  // the first settle run settles the engine the heap was measured on; further runs build fresh engines
  const runs: SettleRun[] = [];
  let first: Feed | undefined;
  for (let i = 0; i < opts.runs; i++) {
    const r = await settleRun(i === 0 ? heapRunResult : undefined);
    if (i === 0) first = r.feed;
    runs.push({ ms: r.ms, events: r.events, statementTrades: r.statementTrades, buildSeconds: r.buildSeconds });
    log(
      `settle run ${i + 1}: ${round(r.ms, 1)} ms for ${opts.accounts} accounts (setup ${round(r.buildSeconds, 1)} s)`,
    );
    await settleHeap();
  }
  const settleMs = median(runs.map((r) => r.ms));
  const scale = TARGET_ACCOUNTS / opts.accounts;

  const risk = await riskRun(first!);
  const wa = risk.withAccounts as ReturnType<typeof riskSamples>;
  const pa = risk.applyWithAccounts as ReturnType<typeof riskSamples>;
  const cb = risk.checkBaseline as ReturnType<typeof riskSamples>;
  const bl = risk.baseline as ReturnType<typeof riskSamples>;
  const trade = risk.trade as Percentiles;
  const tradeBase = risk.tradeBaseline as Percentiles;

  const result = {
    bench: 'settlement',
    mode: opts.mode,
    accounts_per_sec: Math.round(opts.accounts / (settleMs / 1000)),
    settle_10k_ms: round(settleMs * scale, 1),
    heap_mb_10k_accounts: heap.mb_10k_accounts,
    risk_check_p50_us: wa.all.p50_us,
    risk_check_p99_us: wa.all.p99_us,
    risk_check_p999_us: wa.all.p999_us,
    risk_check_max_us: wa.all.max_us,
    check_baseline_p50_us: cb.all.p50_us,
    check_baseline_p99_us: cb.all.p99_us,
    place_apply_p50_us: pa.all.p50_us,
    place_apply_p99_us: pa.all.p99_us,
    place_apply_p999_us: pa.all.p999_us,
    place_apply_max_us: pa.all.max_us,
    baseline_p50_us: bl.all.p50_us,
    baseline_p99_us: bl.all.p99_us,
    trade_p50_us: trade.p50_us,
    trade_p99_us: trade.p99_us,
    trade_baseline_p50_us: tradeBase.p50_us,
    trade_baseline_p99_us: tradeBase.p99_us,
    settle: {
      accounts: opts.accounts,
      positions_per_account: opts.positions,
      runs_ms: runs.map((r) => round(r.ms, 2)),
      median_ms: round(settleMs, 2),
      stat: `median of ${opts.runs} fresh engine(s): one timed engine.apply(Settle) after closing every instrument`,
      extrapolated: opts.accounts !== TARGET_ACCOUNTS,
      events: runs[0]!.events,
      statement_trades: runs[0]!.statementTrades,
      setup_seconds: runs.map((r) => round(r.buildSeconds, 2)),
      setup_commands: 2 * INSTRUMENTS.length + 2 * opts.accounts + opts.accounts * opts.positions,
    },
    heap,
    risk_check: {
      method:
        'process.hrtime.bigint() around one engine.preTradeCheck(PlaceOrder): the pre-trade checks and stage R1 (the ' +
        "ledger's account checks and the order's hold) exactly as apply runs them, without placing the order; the " +
        'same command is then applied untimed. HDR histogram (3 digits); a tenth of the samples warm up first; ' +
        'accounts rotate over all of them',
      all: wa.all,
      rejected_by_funds: wa.reject,
      accepted_and_canceled: wa.ioc,
      outcomes: wa.outcomes,
      baseline_accounts_false: cb.ioc,
      baseline_outcomes: cb.outcomes,
    },
    place_apply: {
      method:
        'process.hrtime.bigint() around one engine.apply(PlaceOrder) (pre-trade checks, R1, matching, R2, events), ' +
        'same samples and rotation as risk_check',
      all: pa.all,
      rejected_by_funds: pa.reject,
      accepted_and_canceled: pa.ioc,
      outcomes: pa.outcomes,
      baseline_accounts_false: bl.ioc,
      baseline_outcomes: bl.outcomes,
    },
    trade: {
      method:
        'one IOC buy filling a resting sell at a price other than the last, on an instrument all accounts hold ' +
        '(intraday risk runs over its holders); the resting sell is placed untimed just before',
      with_accounts: trade,
      baseline_accounts_false: tradeBase,
    },
    timer: { hrtime_bigint_ns: timerCostNs() },
    machine,
    duration_s: round((performance.now() - startedAt) / 1000, 1),
  };

  if (!argv.json) {
    process.stderr.write(
      `\nsettle ${opts.accounts} accounts: ${result.settle.median_ms} ms (${result.accounts_per_sec} accounts/s; 10K: ${result.settle_10k_ms} ms)\n` +
        `heap: ${heap.measured_mb} MB (10K accounts: ${result.heap_mb_10k_accounts} MB)\n` +
        `pre-trade check p50/p99/p99.9/max µs: ${wa.all.p50_us} / ${wa.all.p99_us} / ${wa.all.p999_us} / ${wa.all.max_us}` +
        `  (baseline accounts:false ${cb.all.p50_us} / ${cb.all.p99_us} / ${cb.all.p999_us} / ${cb.all.max_us})\n` +
        `PlaceOrder apply p50/p99/p99.9/max µs: ${pa.all.p50_us} / ${pa.all.p99_us} / ${pa.all.p999_us} / ${pa.all.max_us}` +
        `  (baseline accounts:false ${bl.all.p50_us} / ${bl.all.p99_us} / ${bl.all.p999_us} / ${bl.all.max_us})\n` +
        `trade p50/p99 µs: ${trade.p50_us} / ${trade.p99_us}  (baseline accounts:false ${tradeBase.p50_us} / ${tradeBase.p99_us})\n\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
