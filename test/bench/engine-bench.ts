/**
 * Engine benchmark: throughput, open-loop latency and resting-book memory of Engine('fast'), each against the
 * peer library nodejs-order-book on the same command stream in the same run. See test/bench/README.md.
 *
 *   npm run bench:engine -- [--json] [--smoke] [--ops N] [--seed N] [--runs N] [--peer-runs N] [--latency-seconds S]
 *                            [--heap-orders N] [--naive-ops N] [--rates 100000,500000,1000000] [--no-peer]
 *
 * Progress goes to stderr; the last line of stdout is one JSON object.
 */
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import type { Depth } from '../../src-engine/book/order-book.ts';
import type { Command, PlaceOrder } from '../../src-engine/domain/commands.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { Reject } from '../../src-engine/domain/reject-codes.ts';
import { Engine } from '../../src-engine/engine.ts';
import { gc, gcExposedByFlag, intOpt, log, machineInfo, median, numOpt, round, startedAt } from './bench-common.ts';
import {
  ACTION_NAMES,
  actionName,
  type BenchInstrument,
  benchInstrument,
  generateOrderStream,
  type OrderStream,
  Rng,
  Sequencer,
  setupInstrumentCommands,
} from './order-stream.ts';
import { applyPeer, newPeerBooks, type PeerOp, PeerOrderBook, PeerSide, translateStream } from './peer.ts';

// ---------------------------------------------------------------------------------------------------------------
// Options

const { values: argv } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    ops: { type: 'string' },
    seed: { type: 'string' },
    runs: { type: 'string' },
    'peer-runs': { type: 'string' },
    'latency-seconds': { type: 'string' },
    'heap-orders': { type: 'string' },
    'naive-ops': { type: 'string' },
    rates: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
  },
  strict: true,
});

const smoke = argv.smoke === true;
const opts = {
  mode: smoke ? 'smoke' : 'full',
  ops: intOpt(argv.ops, smoke ? 50_000 : 2_000_000),
  seed: intOpt(argv.seed, 0x5eed),
  runs: Math.max(1, intOpt(argv.runs, smoke ? 1 : 5)),
  peerRuns: Math.max(1, intOpt(argv['peer-runs'], smoke ? 1 : 3)),
  latencySeconds: numOpt(argv['latency-seconds'], smoke ? 0.1 : 2),
  heapOrders: intOpt(argv['heap-orders'], smoke ? 100_000 : 1_000_000),
  naiveOps: intOpt(argv['naive-ops'], smoke ? 3_000 : 20_000),
  rates: (argv.rates ?? '100000,500000,1000000').split(',').map((r) => intOpt(r, 0)),
  peer: argv['no-peer'] !== true,
};

// ---------------------------------------------------------------------------------------------------------------
// Engine surface used here (checked against the real class at the assignment in newEngine).

type ApplyResult =
  | { readonly ok: true; readonly seq: number; readonly events: readonly EngineEvent[] }
  | { readonly ok: false; readonly seq: number; readonly reject: Reject };

interface BenchEngine {
  apply(cmd: Command): ApplyResult;
  depth(instrumentId: string, levels: number): Depth | undefined;
  stateHash(): number;
  validateInternalState(): void;
}

function newEngine(book: 'fast' | 'naive', setup: readonly Command[]): BenchEngine {
  // matching only, as docs/accounts.md says for the book benchmark
  const engine: BenchEngine = new Engine({ book, accounts: false });
  for (const cmd of setup) {
    const r = engine.apply(cmd);
    if (!r.ok) throw new Error(`setup command ${cmd.seq} (${cmd.kind}) rejected: ${r.reject.code}`);
  }
  return engine;
}

// ---------------------------------------------------------------------------------------------------------------
// GC, timer, machine

function fullGc(): void {
  gc();
  gc();
}

/**
 * Full GC, then a short pause on the event loop so V8's foreground tasks (sweeping, memory reducer, code installs)
 * run before a measurement rather than in it. A real host yields between event-loop turns too.
 */
async function settle(): Promise<void> {
  fullGc();
  await new Promise((resolve) => setTimeout(resolve, 25));
}

function measureTimer(): Record<string, number> {
  const n = 1_000_000;
  let x = 0;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) x += performance.now();
  const perfNowNs = ((performance.now() - t0) * 1e6) / n;
  t0 = performance.now();
  let y = 0n;
  for (let i = 0; i < n; i++) y += process.hrtime.bigint();
  const hrtimeNs = ((performance.now() - t0) * 1e6) / n;
  // Smallest non-zero step between consecutive performance.now() readings.
  let minStep = Number.POSITIVE_INFINITY;
  let prev = performance.now();
  for (let i = 0; i < 100_000; i++) {
    const t = performance.now();
    if (t > prev && t - prev < minStep) minStep = t - prev;
    prev = t;
  }
  if (x === 0 || y === 0n) log('timer probe: impossible sum');
  return {
    performance_now_ns: round(perfNowNs, 1),
    hrtime_bigint_ns: round(hrtimeNs, 1),
    performance_now_min_step_ns: round(minStep * 1e6, 1),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Memory of a resting book

interface HeapFigures {
  orders: number;
  /** (heapUsed + external) growth in MB, scaled to 1M orders when fewer were placed. */
  mb_1m_resting: number;
  measured_mb: number;
  heap_used_mb: number;
  external_mb: number;
  array_buffers_mb: number;
  rss_mb: number;
  levels_per_side: number;
  place_ops_per_sec: number;
  extrapolated: boolean;
}

/** 1M non-crossing resting orders: bids below, asks above the mid, spread over ±10% with most near the top. */
function restingOrderPlan(
  inst: BenchInstrument,
  seed: number,
): (k: number) => { buy: boolean; price: number; volume: number; account: number } {
  const rng = new Rng(seed);
  const spread = Math.floor(inst.midTicks * 0.1);
  return (k: number) => {
    const buy = (k & 1) === 0;
    const u = rng.next();
    const off = 1 + Math.floor(spread * u * u);
    const lots = 1 + Math.floor(200 * rng.next() * rng.next());
    return {
      buy,
      price: (inst.midTicks + (buy ? -off : off)) * inst.tick,
      volume: lots * inst.lot,
      account: 1 + (k % 10_000),
    };
  };
}

function memDelta(
  before: NodeJS.MemoryUsage,
  after: NodeJS.MemoryUsage,
  orders: number,
  levels: number,
  seconds: number,
): HeapFigures {
  const mb = 1024 * 1024;
  const heapUsed = (after.heapUsed - before.heapUsed) / mb;
  const external = (after.external - before.external) / mb;
  const measured = heapUsed + external;
  return {
    orders,
    mb_1m_resting: round((measured * 1_000_000) / orders, 1),
    measured_mb: round(measured, 1),
    heap_used_mb: round(heapUsed, 1),
    external_mb: round(external, 1),
    array_buffers_mb: round((after.arrayBuffers - before.arrayBuffers) / mb, 1),
    rss_mb: round((after.rss - before.rss) / mb, 1),
    levels_per_side: levels,
    place_ops_per_sec: Math.round(orders / seconds),
    extrapolated: orders !== 1_000_000,
  };
}

function heapEngine(n: number): HeapFigures {
  const inst = benchInstrument(0);
  const plan = restingOrderPlan(inst, 42);
  fullGc();
  const before = process.memoryUsage();
  const sq = new Sequencer();
  const engine = newEngine('fast', setupInstrumentCommands(inst, sq));
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const p = plan(k);
    const { seq, ts } = sq.next();
    const cmd: PlaceOrder = {
      kind: 'PlaceOrder',
      seq,
      ts,
      orderId: k + 1,
      accountId: p.account,
      instrumentId: inst.spec.id,
      side: p.buy ? 'buy' : 'sell',
      type: 'limit',
      tif: 'GTC',
      price: p.price,
      volume: p.volume,
      stp: 'none',
    };
    const r = engine.apply(cmd);
    if (!r.ok) throw new Error(`heap test: order ${k + 1} rejected: ${r.reject.code}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  fullGc();
  const after = process.memoryUsage();
  const depth = engine.depth(inst.spec.id, Number.POSITIVE_INFINITY);
  const levels = depth === undefined ? 0 : Math.max(depth.bids.length, depth.asks.length);
  let resting = 0;
  for (const l of depth?.bids ?? []) resting += l.orders;
  for (const l of depth?.asks ?? []) resting += l.orders;
  if (resting !== n) throw new Error(`heap test: ${resting} orders rest, expected ${n}`);
  return memDelta(before, after, n, levels, seconds);
}

function heapPeer(n: number): HeapFigures {
  const inst = benchInstrument(0);
  const plan = restingOrderPlan(inst, 42);
  fullGc();
  const before = process.memoryUsage();
  const book = new PeerOrderBook();
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const p = plan(k);
    const r = book.limit({
      id: String(k + 1),
      side: p.buy ? PeerSide.BUY : PeerSide.SELL,
      size: p.volume,
      price: p.price,
    });
    if (r.err !== null) throw new Error(`peer heap test: order ${k + 1}: ${r.err.message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  fullGc();
  const after = process.memoryUsage();
  const [asks, bids] = book.depth();
  return memDelta(before, after, n, Math.max(asks.length, bids.length), seconds);
}

// ---------------------------------------------------------------------------------------------------------------
// Outcome of the stream on the engine (untimed pass; doubles as JIT warm-up)

interface Outcome {
  accepted: number;
  rejected: number;
  byAction: Record<string, { accepted: number; rejected: number }>;
  rejectCodes: Record<string, number>;
  events: Record<string, number>;
  restingAtEnd: Record<string, number>;
  stateHash: number;
  validateMs: number;
  seconds: number;
}

function engineOutcome(stream: OrderStream): Outcome {
  const engine = newEngine('fast', stream.setup);
  const byAction: Record<string, { accepted: number; rejected: number }> = {};
  for (const name of ACTION_NAMES) byAction[name] = { accepted: 0, rejected: 0 };
  const rejectCodes: Record<string, number> = {};
  const events: Record<string, number> = {};
  let accepted = 0;
  let rejected = 0;
  const t0 = performance.now();
  const ops = stream.ops;
  for (let i = 0; i < ops.length; i++) {
    const r = engine.apply(ops[i]!);
    const a = byAction[actionName(stream.actions[i]!)]!;
    if (r.ok) {
      accepted++;
      a.accepted++;
      for (const e of r.events) events[e.kind] = (events[e.kind] ?? 0) + 1;
    } else {
      rejected++;
      a.rejected++;
      rejectCodes[r.reject.code] = (rejectCodes[r.reject.code] ?? 0) + 1;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const restingAtEnd: Record<string, number> = {};
  for (const inst of stream.instruments) {
    const d = engine.depth(inst.spec.id, Number.POSITIVE_INFINITY);
    let n = 0;
    for (const l of d?.bids ?? []) n += l.orders;
    for (const l of d?.asks ?? []) n += l.orders;
    restingAtEnd[inst.spec.id] = n;
  }
  const v0 = performance.now();
  engine.validateInternalState();
  const validateMs = performance.now() - v0;
  return {
    accepted,
    rejected,
    byAction,
    rejectCodes,
    events,
    restingAtEnd,
    stateHash: engine.stateHash(),
    validateMs,
    seconds,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Throughput (closed loop over pre-generated commands)

async function engineRun(stream: OrderStream): Promise<number> {
  const engine = newEngine('fast', stream.setup);
  const ops = stream.ops;
  const n = ops.length;
  await settle();
  let rejected = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (!engine.apply(ops[i]!).ok) rejected++;
  }
  const ms = performance.now() - t0;
  if (rejected > n) log('impossible');
  return n / (ms / 1000);
}

async function peerRun(
  setup: readonly PeerOp[],
  ops: readonly PeerOp[],
  instruments: number,
): Promise<{ opsPerSec: number; failed: number }> {
  const books = newPeerBooks(instruments);
  for (const op of setup) applyPeer(books, op);
  const n = ops.length;
  await settle();
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (!applyPeer(books, ops[i]!)) failed++;
  }
  const ms = performance.now() - t0;
  return { opsPerSec: n / (ms / 1000), failed };
}

// ---------------------------------------------------------------------------------------------------------------
// Open-loop latency

interface LatencyFigures {
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  mean_us: number;
  count: number;
  /** Commands actually applied per second over the run (below the rate when the system fell behind). */
  achieved_ops_per_sec: number;
  /** Share of commands that started late by more than 10 µs (the system was still busy with earlier ones). */
  late_share: number;
  /** Achieved rate below 95% of the target: the figures show a backlog growing, not a service time. */
  saturated: boolean;
  /** The run hit its time cap; count says how many commands were measured. */
  stopped_early: boolean;
}

/**
 * Command i is due at t0 + i / rate. Busy-wait until then, apply, record (end - due). A command that is due while an
 * earlier one is still running starts late and its wait counts: no coordinated omission. A run that falls far behind
 * stops once it has taken max(3 × its planned time, planned + 1 s); what it measured so far is reported, with
 * `stopped_early` set (the unmeasured rest would only have been later still).
 */
function openLoop(n: number, rate: number, step: (i: number) => void): LatencyFigures {
  const lat = new Float64Array(n);
  const intervalMs = 1000 / rate;
  const plannedMs = n * intervalMs;
  const capMs = Math.max(3 * plannedMs, plannedMs + 1000);
  let late = 0;
  let done = n;
  const t0 = performance.now() + 1;
  let now = performance.now();
  for (let i = 0; i < n; i++) {
    const due = t0 + i * intervalMs;
    if (now - due > 0.01) {
      late++;
      if ((i & 1023) === 0 && now - t0 > capMs) {
        done = i;
        break;
      }
    }
    while (now < due) now = performance.now();
    step(i);
    now = performance.now();
    lat[i] = now - due;
  }
  return summarize(lat, done, now - t0, late, rate, done < n);
}

function summarize(
  latMs: Float64Array,
  n: number,
  elapsedMs: number,
  late: number,
  rate: number,
  stoppedEarly: boolean,
): LatencyFigures {
  const h = hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let max = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const ns = Math.max(1, Math.round(latMs[i]! * 1e6));
    h.recordValue(ns);
    if (ns > max) max = ns;
    sum += ns;
  }
  const us = (ns: number) => round(ns / 1000, 2);
  const out: LatencyFigures = {
    p50_us: us(h.getValueAtPercentile(50)),
    p99_us: us(h.getValueAtPercentile(99)),
    p999_us: us(h.getValueAtPercentile(99.9)),
    max_us: us(max),
    mean_us: us(sum / n),
    count: n,
    achieved_ops_per_sec: Math.round(n / (elapsedMs / 1000)),
    late_share: round(late / n, 4),
    saturated: n / (elapsedMs / 1000) < 0.95 * rate,
    stopped_early: stoppedEarly,
  };
  h.destroy();
  return out;
}

function latencyCount(rate: number, available: number): number {
  return Math.max(1, Math.min(available, Math.round(rate * opts.latencySeconds)));
}

async function engineLatency(stream: OrderStream, rate: number): Promise<LatencyFigures> {
  const engine = newEngine('fast', stream.setup);
  const ops = stream.ops;
  await settle();
  return openLoop(latencyCount(rate, ops.length), rate, (i) => {
    engine.apply(ops[i]!);
  });
}

async function peerLatency(
  setup: readonly PeerOp[],
  ops: readonly PeerOp[],
  instruments: number,
  rate: number,
): Promise<LatencyFigures> {
  const books = newPeerBooks(instruments);
  for (const op of setup) applyPeer(books, op);
  await settle();
  return openLoop(latencyCount(rate, ops.length), rate, (i) => {
    applyPeer(books, ops[i]!);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Fast vs naive book on a prefix of the stream (a correctness cross-check, not a timed comparison)

function naiveCheck(stream: OrderStream, n: number): Record<string, unknown> {
  n = Math.min(n, stream.ops.length);
  const fast = newEngine('fast', stream.setup);
  const naive = newEngine('naive', stream.setup);
  let mismatches = 0;
  let firstMismatch: number | null = null;
  let naiveMs = 0;
  for (let i = 0; i < n; i++) {
    const cmd = stream.ops[i]!;
    const a = fast.apply(cmd);
    const t = performance.now();
    const b = naive.apply(cmd);
    naiveMs += performance.now() - t;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      mismatches++;
      if (firstMismatch === null) {
        firstMismatch = i;
        log(`fast/naive differ at stream command ${i}: ${JSON.stringify(cmd)}`);
        log(`  fast:  ${JSON.stringify(a).slice(0, 600)}`);
        log(`  naive: ${JSON.stringify(b).slice(0, 600)}`);
      }
    }
  }
  let validate = 'ok';
  try {
    fast.validateInternalState();
    naive.validateInternalState();
  } catch (e) {
    validate = String(e);
  }
  return {
    ops: n,
    results_equal: mismatches === 0,
    mismatched_results: mismatches,
    first_mismatch: firstMismatch,
    state_hash_equal: fast.stateHash() === naive.stateHash(),
    validate_internal_state: validate,
    naive_ops_per_sec: Math.round(n / (naiveMs / 1000)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function streamBenches() {
  // The stream.
  log(`generating stream (seed ${opts.seed})`);
  const g0 = performance.now();
  const stream = generateOrderStream({ seed: opts.seed, ops: opts.ops });
  const genSeconds = (performance.now() - g0) / 1000;
  log(`stream: ${stream.setup.length} setup + ${stream.ops.length} commands in ${genSeconds.toFixed(1)} s`);

  // Untimed outcome pass (warm-up), then timed runs.
  log('engine: outcome / warm-up pass');
  const outcome = engineOutcome(stream);
  log(
    `engine: ${outcome.accepted} accepted, ${outcome.rejected} rejected, ${outcome.events.TradeExecuted ?? 0} trades`,
  );
  const runs: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    runs.push(await engineRun(stream));
    log(`engine: run ${r + 1}/${opts.runs}: ${Math.round(runs[r]!).toLocaleString('en-US')} ops/s`);
  }
  const opsPerSec = median(runs);

  // Open-loop latency.
  const latency: Record<string, LatencyFigures> = {};
  for (const rate of opts.rates) {
    latency[String(rate)] = await engineLatency(stream, rate);
    const l = latency[String(rate)]!;
    log(`engine: latency @${rate}/s: p50 ${l.p50_us} µs, p99 ${l.p99_us}, p99.9 ${l.p999_us}, max ${l.max_us}`);
  }
  const floorRate = Math.max(...opts.rates);
  await settle();
  const floor = openLoop(latencyCount(floorRate, stream.ops.length), floorRate, () => {});
  log(`harness floor (no-op step @${floorRate}/s): p50 ${floor.p50_us} µs, p99 ${floor.p99_us}, max ${floor.max_us}`);

  // Fast vs naive book on a prefix.
  let naive: Record<string, unknown> | null = null;
  if (opts.naiveOps > 0) {
    log(`naive cross-check on the first ${opts.naiveOps} commands`);
    naive = naiveCheck(stream, opts.naiveOps);
    log(`naive: results equal ${String(naive.results_equal)}, state hash equal ${String(naive.state_hash_equal)}`);
  }

  // The peer.
  let peerOpsPerSec: number | null = null;
  const peerRuns: number[] = [];
  const peerLat: Record<string, LatencyFigures> = {};
  let peerOutcome: Record<string, unknown> | null = null;
  if (opts.peer) {
    log('peer: translating stream');
    const t = translateStream(stream.setup, stream.ops);
    const nInst = stream.instruments.length;
    log('peer: outcome / warm-up pass');
    const books = newPeerBooks(nInst);
    for (const op of t.setup) applyPeer(books, op);
    const failedByAction: Record<string, number> = {};
    let failed = 0;
    for (let i = 0; i < t.ops.length; i++) {
      if (!applyPeer(books, t.ops[i]!)) {
        failed++;
        const name = actionName(stream.actions[i]!);
        failedByAction[name] = (failedByAction[name] ?? 0) + 1;
      }
    }
    const restingAtEnd: Record<string, number> = {};
    stream.instruments.forEach((inst, i) => {
      const [asks, bids] = books[i]!.depth();
      restingAtEnd[inst.spec.id] = asks.length + bids.length; // levels, the peer's depth gives no order counts
    });
    peerOutcome = { failed, failed_by_action: failedByAction, levels_at_end: restingAtEnd };
    log(`peer: ${failed} commands failed (unknown order / error)`);
    for (let r = 0; r < opts.peerRuns; r++) {
      peerRuns.push((await peerRun(t.setup, t.ops, nInst)).opsPerSec);
      log(`peer: run ${r + 1}/${opts.peerRuns}: ${Math.round(peerRuns[r]!).toLocaleString('en-US')} ops/s`);
    }
    peerOpsPerSec = median(peerRuns);
    for (const rate of opts.rates) {
      peerLat[String(rate)] = await peerLatency(t.setup, t.ops, nInst, rate);
      const l = peerLat[String(rate)]!;
      log(`peer: latency @${rate}/s: p50 ${l.p50_us} µs, p99 ${l.p99_us}, p99.9 ${l.p999_us}, max ${l.max_us}`);
    }
  }

  // Summary.
  const n = stream.ops.length;
  const c = stream.counts;
  const share = (k: number) => round(k / n, 4);
  const actions: Record<string, unknown> = {};
  for (const name of ACTION_NAMES) {
    actions[name] = {
      count: c[name],
      share: share(c[name]),
      accepted: outcome.byAction[name]!.accepted,
      rejected: outcome.byAction[name]!.rejected,
    };
  }
  const modelAgrees =
    outcome.rejected === 0 &&
    (outcome.events.TradeExecuted ?? 0) === stream.model.streamFills &&
    stream.instruments.every((i) => outcome.restingAtEnd[i.spec.id] === stream.model.restingAtEnd[i.spec.id]);
  return {
    n,
    runs,
    opsPerSec,
    peerRuns,
    peerOpsPerSec,
    latency,
    peerLat,
    floor,
    naive,
    peerOutcome,
    outcome,
    actions,
    modelAgrees,
    genSeconds,
    config: stream.config,
    instruments: stream.instruments.length,
    setupCount: stream.setup.length,
    model: stream.model,
    classes: {
      gtc: share(c.gtc + c.gtc_crossing),
      ioc: share(c.ioc),
      cancel: share(c.cancel),
      modify: share(c.modify_price + c.modify_volume_down + c.modify_volume_up),
    },
  };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  log(
    `engine bench (${opts.mode}): ${opts.ops} stream commands, ${opts.runs} timed run(s), rates ${opts.rates.join('/')}`,
  );
  log(`machine: ${String(machine.cpu_model)} x${String(machine.cpus)}, node ${process.version}`);
  if (!gcExposedByFlag) log('warning: run with --expose-gc (npm run bench:engine does); using a vm fallback');

  const timer = measureTimer();
  log(
    `timer: performance.now() ${timer.performance_now_ns} ns/call, hrtime.bigint() ${timer.hrtime_bigint_ns} ns/call`,
  );

  // 1. Stream benches (the stream is garbage once this returns).
  const sr = await streamBenches();
  await settle();

  // 2. Memory of a 1M-order resting book, on a heap without the stream.
  log(`heap: placing ${opts.heapOrders} resting orders on a fresh Engine('fast')`);
  const heap = heapEngine(opts.heapOrders);
  await settle();
  log(
    `heap: ${heap.mb_1m_resting} MB per 1M resting (heapUsed ${heap.heap_used_mb} MB, external ${heap.external_mb} MB)`,
  );
  let peerHeap: HeapFigures | null = null;
  if (opts.peer) {
    log(`heap: placing ${opts.heapOrders} resting orders on nodejs-order-book`);
    peerHeap = heapPeer(opts.heapOrders);
    await settle();
    log(`heap: peer ${peerHeap.mb_1m_resting} MB per 1M resting`);
  }

  const outcome = sr.outcome;
  const share = (k: number) => round(k / sr.n, 4);
  const result = {
    bench: 'engine',
    mode: opts.mode,
    ops_per_sec: Math.round(sr.opsPerSec),
    ops_per_sec_stat: `median of ${opts.runs} timed runs over the whole stream (fresh engine each, setup untimed), after one untimed pass`,
    ops_per_sec_runs: sr.runs.map(Math.round),
    ops_per_sec_best: Math.round(Math.max(...sr.runs)),
    peer: 'nodejs-order-book@10.1.1',
    peer_ops_per_sec: sr.peerOpsPerSec === null ? null : Math.round(sr.peerOpsPerSec),
    peer_ops_per_sec_stat: `median of ${opts.peerRuns} timed runs, same method`,
    peer_ops_per_sec_runs: sr.peerRuns.map(Math.round),
    ratio_vs_peer: sr.peerOpsPerSec === null ? null : round(sr.opsPerSec / sr.peerOpsPerSec, 2),
    latency: sr.latency,
    peer_latency: opts.peer ? sr.peerLat : null,
    latency_method:
      'open loop: command i due at t0 + i/rate, busy-wait, apply, record end - due (ns, HDR 3 digits); fresh engine per rate; ' +
      `${opts.latencySeconds} s of commands per rate`,
    harness_floor: sr.floor,
    heap_mb_1m_resting: heap.mb_1m_resting,
    heap,
    peer_heap_mb_1m_resting: peerHeap?.mb_1m_resting ?? null,
    peer_heap: peerHeap,
    commands: {
      setup: sr.setupCount,
      stream: sr.n,
      instruments: sr.instruments,
      resting_per_instrument: sr.config.restingPerInstrument,
      accounts: sr.config.accounts,
      seed: opts.seed,
      generate_seconds: round(sr.genSeconds, 2),
    },
    mix: {
      target: { ...sr.config.mix, gtc_crossing_share_of_gtc: sr.config.gtcCrossingShare },
      classes: sr.classes,
      actions: sr.actions,
      rebalanced: sr.model.rebalanced,
      accepted_share: share(outcome.accepted),
      rejected_share: share(outcome.rejected),
    },
    engine_outcome: {
      accepted: outcome.accepted,
      rejected: outcome.rejected,
      reject_codes: outcome.rejectCodes,
      events: outcome.events,
      resting_at_end: outcome.restingAtEnd,
      model_trades: sr.model.streamFills,
      model_resting_at_end: sr.model.restingAtEnd,
      model_agrees: sr.modelAgrees,
      model_levels_created: sr.model.levelsCreated,
      model_levels_emptied: sr.model.levelsEmptied,
      model_levels_at_end: sr.model.levelsAtEnd,
      state_hash: outcome.stateHash,
      validate_internal_state_ms: round(outcome.validateMs, 1),
      instrumented_pass_ops_per_sec: Math.round(sr.n / outcome.seconds),
    },
    peer_outcome: sr.peerOutcome,
    naive_check: sr.naive,
    timer,
    machine,
    duration_s: round((performance.now() - startedAt) / 1000, 1),
  };

  if (!argv.json) printTable(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function printTable(r: {
  ops_per_sec: number;
  peer_ops_per_sec: number | null;
  ratio_vs_peer: number | null;
  latency: Record<string, LatencyFigures>;
  peer_latency: Record<string, LatencyFigures> | null;
  heap_mb_1m_resting: number;
  peer_heap_mb_1m_resting: number | null;
}): void {
  const rows: string[][] = [['metric', 'engine (fast)', 'nodejs-order-book', 'ratio']];
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toLocaleString('en-US'));
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null || b === 0 ? '-' : (a / b).toFixed(2);
  rows.push(['throughput ops/s', fmt(r.ops_per_sec), fmt(r.peer_ops_per_sec), fmt(r.ratio_vs_peer)]);
  for (const rate of Object.keys(r.latency)) {
    for (const k of ['p50_us', 'p99_us', 'p999_us', 'max_us'] as const) {
      const a = r.latency[rate]![k];
      const b = r.peer_latency?.[rate]?.[k];
      rows.push([`latency @${rate}/s ${k}`, fmt(a), fmt(b), ratio(a, b)]);
    }
  }
  rows.push([
    'heap MB / 1M resting',
    fmt(r.heap_mb_1m_resting),
    fmt(r.peer_heap_mb_1m_resting),
    ratio(r.heap_mb_1m_resting, r.peer_heap_mb_1m_resting),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stderr.write('\n');
  for (const row of rows) {
    process.stderr.write(
      `${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}\n`,
    );
  }
  process.stderr.write('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`engine bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
