/**
 * End-to-end benchmark of the running exchange, in process: command -> sequencer -> risk -> matching -> accounts ->
 * journal commit (with read models) -> ack, on a real SQLite file in a temporary folder.
 *
 *   npm run bench:pipeline -- [--json] [--smoke] [--orders N] [--accounts N] [--instruments N] [--seconds S]
 *                              [--rates 20000,50000,100000] [--resting N] [--resting-accounts N] [--shards 0,1,2]
 *
 * - throughput: N orders (default 1,000,000) of the seeded flow (20% crossing, 20% cancels) over 10 futures and
 *   1,000 accounts, submitted as fast as the exchange takes them (a sliding window: at most 8,192 unacknowledged,
 *   the oldest awaited 1,024 at a time, as many clients each with orders outstanding would), durability batched, per
 *   shard setting (0: books on the main thread; 1, 2: books in worker threads).
 * - baseline: raw better-sqlite3 inserting the same number of order rows (the read model's shape) in 1,000-row
 *   transactions into a fresh file with the same pragmas.
 * - latency: open loop at each rate for S seconds (default 5): orders are due on a fixed schedule, each latency is
 *   measured from its due time; core = applied by the engine (before durability), durable = acknowledged after the
 *   batch's commit. HDR histograms, microseconds.
 * - recovery: Exchange.open of the throughput run's data folder (snapshot + journal tail, digests, invariants) in a
 *   fresh process, as at start-up, and a full replay of its whole journal from an empty engine with every digest
 *   checked. The same child then times three snapshots of that state (`snapshot()`, one rejected command before each
 *   so there is something new): how long the main thread is blocked (export packed as it goes, state hash, the row's
 *   checksum) and how long until the row is committed; baseline in the same child, the way snapshots were encoded
 *   before: the export's rows, packed afterwards (`encodeState(exportState())`), plus the state hash (no checksum).
 *   It then restores the newest stored row from its bytes, which must hash as the live engine.
 * - rss: a fresh exchange with 10,000 accounts and 1,000,000 resting orders; process RSS once it has settled (the
 *   process idle, V8 done returning the pages the load left behind), and right after the load and a GC (`after_load`).
 * - settle lag: 100,000 accounts (stock accounts with two holdings each, 2,000 futures accounts with positions from
 *   trades), every instrument closed, one Settle through the exchange: its time and the main event loop's delay
 *   while it runs (a 1 ms timer's lateness, sampled on every run), settled in slices of the exchange's default
 *   (DEFAULT_SETTLE_CHUNK accounts per turn) and, as the baseline, in one piece.
 *
 * Progress goes to stderr; the last line of stdout is one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import * as hdr from 'hdr-histogram-js';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import { Engine } from '../../src-engine/engine.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { type Ack, DEFAULT_SETTLE_CHUNK, Exchange } from '../../src-main/host/exchange.ts';
import { OrderFlow } from '../../src-main/host/flow.ts';
import { verifyJournal } from '../../src-main/host/verify.ts';
import { decodeState, encodeState } from '../../src-main/store/snapshot-codec.ts';
import { Snapshots } from '../../src-main/store/snapshots.ts';
import { gc, intOpt, log, machineInfo, median, round } from './bench-common.ts';

const { values: argv } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    orders: { type: 'string' },
    accounts: { type: 'string' },
    instruments: { type: 'string' },
    seconds: { type: 'string' },
    rates: { type: 'string' },
    resting: { type: 'string' },
    'resting-accounts': { type: 'string' },
    'settle-accounts': { type: 'string' },
    only: { type: 'string' },
    shards: { type: 'string' },
    /** Internal: open this data folder, print how recovery went as JSON and exit (the recovery section's child). */
    'recover-dir': { type: 'string' },
  },
  strict: true,
});

if (argv['recover-dir'] !== undefined) {
  const t0 = performance.now();
  const ex = await Exchange.open({ dataDir: argv['recover-dir'] });
  const openMs = performance.now() - t0;
  const report = ex.recovery;
  const snapshots: { block_ms: number; committed_ms: number; rows_then_pack_ms: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const bad = { kind: 'PlaceOrder', orderId: 1, accountId: 1, instrumentId: '?', side: 'buy', type: 'limit' };
    await ex.submit({ ...bad, tif: 'GFD', price: 1, volume: 1 } as never).catch(() => undefined);
    const t0 = performance.now();
    const committed = ex.snapshot();
    const t1 = performance.now();
    await committed;
    const t2 = performance.now();
    encodeState(ex.engine.exportState());
    ex.engine.stateHash();
    const t3 = performance.now();
    snapshots.push({
      block_ms: round(t1 - t0, 1),
      committed_ms: round(t2 - t0, 1),
      rows_then_pack_ms: round(t3 - t2, 1),
    });
  }
  // the newest stored row, decoded and restored, hashes as the live engine does
  const newest = new Snapshots(ex.database).list().next().value!.row;
  const snapshotRestores =
    newest.lastSeq === ex.engine.seq &&
    Engine.fromState(decodeState(newest.format, newest.state)).stateHash() === ex.engine.stateHash();
  await ex.close();
  process.stdout.write(`${JSON.stringify({ openMs, report, snapshots, snapshotRestores })}\n`);
  process.exit(0);
}
const smoke = argv.smoke === true;
const opts = {
  mode: smoke ? 'smoke' : 'full',
  orders: intOpt(argv.orders, smoke ? 20_000 : 1_000_000),
  accounts: intOpt(argv.accounts, smoke ? 100 : 1_000),
  instruments: Math.max(1, intOpt(argv.instruments, 10)),
  seconds: Number(argv.seconds ?? (smoke ? 0.5 : 5)),
  rates: (argv.rates ?? (smoke ? '20000' : '20000,50000,100000')).split(',').map((s) => intOpt(s, 0)),
  resting: intOpt(argv.resting, smoke ? 20_000 : 1_000_000),
  restingAccounts: intOpt(argv['resting-accounts'], smoke ? 1_000 : 10_000),
  settleAccounts: intOpt(argv['settle-accounts'], smoke ? 5_000 : 100_000),
  /** Run one section alone in a fresh process (throughput, latency, rss, settle): memory left by the other sections
   * (a 1M-order book is ~1 GB) otherwise shows in RSS and in GC pauses. */
  only: argv.only ?? null,
};
/** The shard settings the throughput section runs (--shards, default 0,1,2). */
const SHARD_SETTINGS = (argv.shards ?? '0,1,2').split(',').map((s) => intOpt(s, 0));
if (SHARD_SETTINGS.length === 0 || !SHARD_SETTINGS.includes(0)) {
  throw new Error('--shards must list 0 (the recovery figures come from the shards-0 run)');
}

const folders: string[] = [];
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'deskex-bench-'));
  folders.push(d);
  return d;
}

/** Futures like an index future, each its own id and reference price. */
function benchInstruments(n: number): InstrumentSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `BF${String(i).padStart(2, '0')}`,
    kind: 'future' as const,
    priceTick: 2,
    priceDecimals: 1,
    lotSize: 1,
    multiplier: 300,
    maxOrderVolume: 500,
    band: { kind: 'percent' as const, bps: 1000 },
    referencePrice: 30_000 + 1_000 * i,
    status: 'active' as const,
    terms: {
      marginLongPpm: 120_000,
      marginShortPpm: 120_000,
      commission: { kind: 'rate' as const, openPpm: 23, closePpm: 23, closeTodayPpm: 230 },
      closeRule: 'yesterdayFirst' as const,
      settlement: { kind: 'last' as const },
    },
  }));
}

async function market(ex: Exchange, specs: readonly InstrumentSpec[], flow: OrderFlow): Promise<void> {
  const setup: Promise<Ack>[] = [];
  for (const spec of specs) setup.push(ex.submit({ kind: 'AddInstrument', spec }));
  for (const spec of specs) setup.push(ex.submit({ kind: 'SetPhase', instrumentId: spec.id, phase: 'continuous' }));
  for (const c of flow.setup()) setup.push(ex.submit(c));
  for (const a of await Promise.all(setup)) if (!a.ok) throw new Error(`set-up refused: ${a.reject.code}`);
}

/**
 * Submits `n` flow steps with at most `window` unacknowledged: every `step` commands it waits for the acknowledgement
 * of the command `window` back (a sliding window, so the engine applies new batches while older ones commit).
 * Returns seconds.
 */
async function pump(
  ex: Exchange,
  flow: OrderFlow,
  n: number,
  window = 8_192,
  step = 1_024,
): Promise<{ seconds: number; ok: number }> {
  const t0 = performance.now();
  let ok = 0;
  const count = (a: Ack) => {
    if (a.ok) ok++;
  };
  const marks: Promise<Ack>[] = [];
  let last: Promise<Ack> | null = null;
  for (let i = 0; i < n; i++) {
    const cmd = flow.next();
    last = ex.submit(cmd);
    void last.then(count);
    if (cmd.kind === 'PlaceOrder') flow.placedOrder(ex.lastSeq);
    if (i % step === step - 1) {
      marks.push(last);
      if (marks.length * step >= window) await marks.shift();
    }
    if (i % 100_000 === 99_999) log(`  ${i + 1} orders`);
  }
  await last;
  return { seconds: (performance.now() - t0) / 1000, ok };
}

async function throughput(shards: number): Promise<{ ordersPerSec: number; dir: string; ok: number }> {
  const dir = folder();
  const ex = await Exchange.open({ dataDir: dir, durability: 'batched', shards });
  const flow = new OrderFlow({ seed: 1, accounts: opts.accounts, instruments: benchInstruments(opts.instruments) });
  await market(ex, benchInstruments(opts.instruments), flow);
  log(`throughput, shards ${shards}: ${opts.orders} orders`);
  const r = await pump(ex, flow, opts.orders);
  ex.engine.validateInternalState();
  await ex.close();
  return { ordersPerSec: Math.round(opts.orders / r.seconds), dir, ok: r.ok };
}

function sqliteBaseline(rows: number): number {
  const dir = folder();
  const db = new Database(join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE orders (order_id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, instrument_id TEXT NOT NULL,
    side TEXT NOT NULL, type TEXT NOT NULL, tif TEXT NOT NULL, price INTEGER NOT NULL, volume INTEGER NOT NULL,
    filled INTEGER NOT NULL, status TEXT NOT NULL, created_seq INTEGER NOT NULL, created_ts INTEGER NOT NULL)`);
  const ins = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      ins.run(
        i + 1,
        (i % 1000) + 1,
        `BF0${i % 10}`,
        i & 1 ? 'buy' : 'sell',
        'limit',
        'GFD',
        30_000 + (i % 100) * 2,
        1 + (i % 3),
        0,
        'new',
        i + 1,
        i,
      );
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < rows; i += 1_000) tx(i, Math.min(rows, i + 1_000));
  const s = (performance.now() - t0) / 1000;
  db.close();
  return Math.round(rows / s);
}

function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

function summary(h: ReturnType<typeof histogram>) {
  return {
    p50_us: round(h.getValueAtPercentile(50), 1),
    p99_us: round(h.getValueAtPercentile(99), 1),
    p999_us: round(h.getValueAtPercentile(99.9), 1),
    max_us: round(h.maxValue, 1),
    count: h.totalCount,
  };
}

/** Open loop at `rate` orders/s for `seconds`: latency from each order's due time. */
async function openLoop(rate: number, seconds: number) {
  const dir = folder();
  const ex = await Exchange.open({ dataDir: dir, durability: 'batched' });
  const specs = benchInstruments(opts.instruments);
  const flow = new OrderFlow({ seed: 2, accounts: opts.accounts, instruments: specs });
  await market(ex, specs, flow);
  const core = histogram();
  const durable = histogram();
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  let sent = 0;
  let done = 0;
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) {
        const due = t0 + sent * intervalMs;
        const cmd = flow.next();
        ex.submit(cmd, () => core.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)))).then(() => {
          durable.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
          if (++done === total) resolve();
        });
        if (cmd.kind === 'PlaceOrder') flow.placedOrder(ex.lastSeq);
        sent++;
      }
      if (sent < total) setImmediate(tick);
    };
    setImmediate(tick);
  });
  await ex.close();
  return { rate, core: summary(core), durable: summary(durable) };
}

async function recovery(dir: string) {
  // a fresh process, as at start-up: this one holds what the throughput runs left in its heap
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--recover-dir', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`recovery child exited ${child.status}: ${child.stderr}`);
  const lines = child.stdout.trim().split('\n');
  const { openMs, report, snapshots, snapshotRestores } = JSON.parse(lines[lines.length - 1]!) as {
    openMs: number;
    report: { snapshotSeq: number; commandsReplayed: number };
    snapshots: { block_ms: number; committed_ms: number; rows_then_pack_ms: number }[];
    snapshotRestores: boolean;
  };
  if (!snapshotRestores) throw new Error('the newest snapshot does not restore to the live state hash');
  const full = verifyJournal(dir);
  if (!full.ok) throw new Error(`journal verification failed: ${full.problems.join('; ')}`);
  return {
    open_ms: Math.round(openMs),
    from_snapshot_seq: report.snapshotSeq,
    replayed_commands: report.commandsReplayed,
    full_replay_ms: full.ms,
    full_replay_commands: full.commands,
    snapshots,
    snapshot_restores: snapshotRestores,
  };
}

/**
 * Memory once the process is idle: the load leaves old-space pages that hold a few live objects among garbage, and V8
 * compacts and returns them only when it sees the allocation rate drop (its memory reducer). Samples every 500 ms
 * until the RSS has not fallen by 1 MB for 15 s, or 90 s have passed, and returns the last sample.
 */
async function settledMemory(): Promise<{ mem: NodeJS.MemoryUsage; seconds: number }> {
  const t0 = performance.now();
  let low = process.memoryUsage();
  let lowAt = t0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = performance.now();
    const m = process.memoryUsage();
    if (m.rss < low.rss - 2 ** 20) {
      low = m;
      lowAt = now;
    }
    // the last sample, not the lowest
    if (now - lowAt >= 15_000 || now - t0 >= 90_000) return { mem: m, seconds: round((now - t0) / 1000, 1) };
  }
}

async function restingRss() {
  const dir = folder();
  gc();
  const before = process.memoryUsage().rss;
  const ex = await Exchange.open({ dataDir: dir, durability: 'batched', snapshotEvery: 1e12 });
  const specs = benchInstruments(opts.instruments);
  const flow = new OrderFlow({ seed: 3, accounts: opts.restingAccounts, instruments: specs });
  await market(ex, specs, flow);
  const perAccount = Math.ceil(opts.resting / opts.restingAccounts);
  log(`rss: ${opts.restingAccounts} accounts x ${perAccount} resting orders`);
  let last: Promise<Ack> | null = null;
  let placed = 0;
  for (let k = 0; k < perAccount && placed < opts.resting; k++) {
    for (let a = 0; a < opts.restingAccounts && placed < opts.resting; a++) {
      const spec = specs[(a + k) % specs.length]!;
      const side = (a + k) % 2 === 0 ? 'buy' : 'sell';
      const away = 1 + ((a * 7 + k * 13) % 1_500);
      const price = spec.referencePrice! + (side === 'buy' ? -away : away) * spec.priceTick;
      last = ex.submit({
        kind: 'PlaceOrder',
        accountId: a + 1,
        instrumentId: spec.id,
        side,
        type: 'limit',
        tif: 'GTC',
        price,
        volume: 1,
        offset: 'open',
      });
      placed++;
      if (placed % 4_096 === 0) await last;
      if (placed % 200_000 === 0) log(`  ${placed} resting`);
    }
  }
  await last;
  let resting = 0;
  for (const s of specs) {
    const d = ex.engine.depth(s.id, 1_000_000)!;
    for (const l of [...d.bids, ...d.asks]) resting += l.orders;
  }
  gc();
  const loaded = process.memoryUsage();
  log(`rss right after the load: ${Math.round(loaded.rss / 2 ** 20)} MB; waiting for the heap to settle`);
  const settled = await settledMemory();
  await ex.close();
  const mb = (n: number) => Math.round(n / 2 ** 20);
  return {
    accounts: opts.restingAccounts,
    resting,
    rss_mb: mb(settled.mem.rss),
    rss_growth_mb: mb(settled.mem.rss - before),
    heap_used_mb: mb(settled.mem.heapUsed),
    heap_total_mb: mb(settled.mem.heapTotal),
    external_mb: mb(settled.mem.external),
    settle_seconds: settled.seconds,
    after_load: {
      rss_mb: mb(loaded.rss),
      heap_used_mb: mb(loaded.heapUsed),
      heap_total_mb: mb(loaded.heapTotal),
      external_mb: mb(loaded.external),
    },
  };
}

/**
 * The main event loop's delay: a 1 ms timer re-armed on every run; each run's lateness is a sample. end() takes one
 * more sample, so a block that lasts until the end is counted.
 */
function lagProbe() {
  const late: number[] = [];
  let due = performance.now() + 1;
  let stop = false;
  let last: () => void = () => {};
  const tick = () => {
    const now = performance.now();
    late.push(Math.max(0, now - due));
    due = now + 1;
    if (stop) last();
    else setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  return {
    async end(): Promise<{ maxMs: number; p99Ms: number; turns: number }> {
      await new Promise<void>((resolve) => {
        stop = true;
        last = resolve;
      });
      const sorted = [...late].sort((a, b) => a - b);
      return {
        maxMs: round(sorted.at(-1) ?? 0, 1),
        p99Ms: round(sorted[Math.floor(sorted.length * 0.99)] ?? 0, 1),
        turns: late.length,
      };
    },
  };
}

async function settleLag(settleChunk: number) {
  const dir = folder();
  const ex = await Exchange.open({ dataDir: dir, durability: 'batched', demo: true, snapshotEvery: 1e12, settleChunk });
  const stocks = DEMO_INSTRUMENTS.filter((s) => s.kind === 'stock');
  const futures = DEMO_INSTRUMENTS.filter((s) => s.kind === 'future');
  const futuresAccounts = Math.min(2_000, Math.floor(opts.settleAccounts / 10));
  const flow = new OrderFlow({ seed: 4, accounts: futuresAccounts, instruments: futures, crossShare: 0.5 });
  for (const c of flow.setup()) void ex.submit(c);
  await pump(ex, flow, futuresAccounts * 10);
  let last: Promise<Ack> | null = null;
  for (let id = futuresAccounts + 1; id <= opts.settleAccounts; id++) {
    void ex.submit({ kind: 'CreateAccount', accountId: id, userId: id, accountKind: 'stock' });
    void ex.submit({ kind: 'Deposit', accountId: id, amount: 10_000_000 });
    for (const s of stocks) {
      last = ex.submit({
        kind: 'DepositHoldings',
        accountId: id,
        instrumentId: s.id,
        volume: 100,
        price: s.referencePrice!,
      });
    }
    if (id % 1_000 === 0) await last;
  }
  await last;
  for (const s of DEMO_INSTRUMENTS) await ex.submit({ kind: 'SetPhase', instrumentId: s.id, phase: 'closed' });
  gc();
  const probe = lagProbe();
  const t0 = performance.now();
  const ack = await ex.submit({ kind: 'Settle' });
  const ms = performance.now() - t0;
  const lag = await probe.end();
  if (!ack.ok) throw new Error(`settle refused: ${ack.reject.code}`);
  await ex.close();
  return {
    accounts: opts.settleAccounts,
    chunk: Number.isFinite(settleChunk) ? settleChunk : null,
    settle_ms: Math.round(ms),
    lag_max_ms: lag.maxMs,
    lag_p99_ms: lag.p99Ms,
    turns: lag.turns,
  };
}

const result: Record<string, unknown> = {
  bench: 'pipeline',
  ...opts,
  shard_settings: SHARD_SETTINGS,
  machine: machineInfo(),
};
try {
  const run = (section: string) => opts.only === null || opts.only === section;
  if (run('throughput')) {
    const orders: Record<string, number> = {};
    let journalDir = '';
    for (const s of SHARD_SETTINGS) {
      const r = await throughput(s);
      orders[String(s)] = r.ordersPerSec;
      if (s === 0) journalDir = r.dir;
      log(`  shards ${s}: ${r.ordersPerSec} orders/s (${r.ok} accepted)`);
    }
    result.orders_per_sec = orders;
    log(`sqlite baseline: ${opts.orders} rows`);
    result.sqlite_baseline_rows_per_sec = sqliteBaseline(opts.orders);
    log('recovery');
    const rec = await recovery(journalDir);
    result.recovery = rec;
    result.recovery_1m_ms = rec.open_ms;
    result.full_replay_1m_ms = rec.full_replay_ms;
    result.snapshot_block_ms = median(rec.snapshots.map((s) => s.block_ms));
    result.snapshot_rows_then_pack_ms = median(rec.snapshots.map((s) => s.rows_then_pack_ms));
  }
  if (run('latency')) {
    const latency: Record<string, unknown> = {};
    for (const rate of opts.rates) {
      log(`open loop at ${rate}/s for ${opts.seconds} s`);
      const l = await openLoop(rate, opts.seconds);
      latency[String(rate)] = {
        core_p50_us: l.core.p50_us,
        core_p99_us: l.core.p99_us,
        core_p999_us: l.core.p999_us,
        core_max_us: l.core.max_us,
        durable_p50_us: l.durable.p50_us,
        durable_p99_us: l.durable.p99_us,
        durable_p999_us: l.durable.p999_us,
        durable_max_us: l.durable.max_us,
        count: l.core.count,
      };
    }
    result.latency = latency;
  }
  if (run('settle')) {
    log(`settle lag: ${opts.settleAccounts} accounts, in slices`);
    const sliced = await settleLag(DEFAULT_SETTLE_CHUNK);
    log(`settle lag: ${opts.settleAccounts} accounts, in one piece (baseline)`);
    const whole = await settleLag(Number.POSITIVE_INFINITY);
    result.settle_lag = { sliced, whole };
    result.settle_100k_lag_max_ms = sliced.lag_max_ms;
  }
  if (run('rss')) {
    const rss = await restingRss();
    result.rss = rss;
    result.rss_mb_10k_accounts_1m_resting = rss.rss_mb;
  }
} finally {
  for (const d of folders) rmSync(d, { recursive: true, force: true });
}
if (!argv.json) log(JSON.stringify(result, null, 2));
process.stdout.write(`${JSON.stringify(result)}\n`);
