/**
 * The running exchange: the one service the API, the GUI and the CLI use. A single sequencer numbers and
 * timestamps every command; commands are applied in batches (one per event-loop turn, bounded in size); each batch's
 * journal row and read-model rows go to the database writer, a worker thread that commits them in one SQLite
 * transaction (group commit) while the next batch is applied; acknowledgements follow the durability mode; snapshots
 * are written every N commands and on close. Recovery happens in `open`.
 */
import type { Worker } from 'node:worker_threads';
import type { RiskConfig } from '../../src-engine/accounts/ledger.ts';
import type { Command, PlaceOrder } from '../../src-engine/domain/commands.ts';
import { StateHasher } from '../../src-engine/domain/hash.ts';
import type { StpMode } from '../../src-engine/domain/order.ts';
import type { ApplyResult, Engine, EngineOptions } from '../../src-engine/engine.ts';
import {
  DURABILITIES,
  type Durability,
  getMeta,
  openDatabase,
  type SqliteDb,
  setDurability,
  setMeta,
  synchronousPragma,
} from '../store/database.ts';
import { digestEvents, digestHead, digestResult, type Journal } from '../store/journal.ts';
import { ReadModels } from '../store/read-models.ts';
import { encodeExport } from '../store/snapshot-codec.ts';
import { Snapshots } from '../store/snapshots.ts';
import { AUTO_CHECKPOINT_PAGES, Checkpointer, type CheckpointStats, WAL_SIZE_LIMIT } from './checkpointer.ts';
import { demoMarketCommands } from './demo-market.ts';
import { type RecoveryProgress, type RecoveryReport, recover } from './recovery.ts';
import { ShardPool } from './shards.ts';
import { Writer } from './writer.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A command as a client sends it: the sequencer adds seq and ts; a PlaceOrder's id is the command's seq. */
export type CommandInput =
  | DistributiveOmit<Exclude<Command, PlaceOrder>, 'seq' | 'ts'>
  | (Omit<PlaceOrder, 'seq' | 'ts' | 'orderId'> & { orderId?: number });

export type Ack = ApplyResult;

export type ExchangeStatus = 'ready' | 'closing' | 'closed' | 'failed';

export interface ExchangeOptions {
  readonly dataDir: string;
  /** strict: ack after a synced commit; batched (default): ack after commit; fast: ack before commit. */
  readonly durability?: Durability;
  /** Commands between snapshots (default 200,000). */
  readonly snapshotEvery?: number;
  /** Most commands in one batch (default 4,096). */
  readonly maxBatch?: number;
  /**
   * Accounts settled per event-loop turn during a Settle (default 250, a quarter of the 1,000 that took 20 to 25 ms a
   * turn when measured; the first turns settle a sixteenth, doubling; their statements are written a quarter as many
   * a turn).
   */
  readonly settleChunk?: number;
  /** fast mode: applied commands are committed within this many ms (default 20). */
  readonly fastFlushMs?: number;
  /** Create the demo market on a new data folder. */
  readonly demo?: boolean;
  /** Engine settings, fixed when the data folder is created (kept in the database). */
  readonly risk?: Partial<RiskConfig>;
  readonly defaultStp?: StpMode;
  /** Matching shards (worker threads); 0 (default) keeps every book on the main thread. */
  readonly shards?: number;
  /** A shard that does not answer within this many ms is declared down (default 10,000). */
  readonly shardTimeoutMs?: number;
  /** Wall clock in ms (tests may inject one). */
  readonly clock?: () => number;
  readonly onRecoveryProgress?: ((p: RecoveryProgress) => void) | undefined;
}

/** The exchange is not taking commands (closing, closed, or stopped after a failed journal write). */
export class ExchangeUnavailableError extends Error {
  constructor(
    readonly status: ExchangeStatus,
    detail: string,
  ) {
    super(`exchange ${status}: ${detail}`);
    this.name = 'ExchangeUnavailableError';
  }
}

/** The command's instrument is on a matching shard that stopped; nothing was sequenced. */
export class InstrumentUnavailableError extends Error {
  constructor(
    readonly instrumentId: string,
    readonly why: string,
  ) {
    super(`instrument ${instrumentId} takes no commands: ${why}`);
    this.name = 'InstrumentUnavailableError';
  }
}

/** One batch as subscribers see it, after it was journaled (batched, strict) or applied (fast). */
export interface BatchEvent {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly commands: readonly Command[];
  readonly results: readonly ApplyResult[];
}

interface Pending {
  readonly cmd: Command;
  readonly resolve: (ack: Ack) => void;
  readonly reject: (e: Error) => void;
  readonly onApplied: ((ack: Ack) => void) | undefined;
}

interface Applied {
  readonly commands: Command[];
  readonly results: ApplyResult[];
  readonly digest: number;
}

export interface ExchangeStats {
  readonly status: ExchangeStatus;
  readonly durability: Durability;
  readonly lastSeq: number;
  /** The last seq committed to the journal. */
  readonly journaledSeq: number;
  /** Commands applied and handed to the database writer, not yet committed. */
  readonly unjournaled: number;
  readonly queued: number;
  readonly batches: number;
  readonly commits: number;
  readonly snapshots: number;
  readonly lastSnapshotSeq: number;
  /** During a settlement: the accounts settled so far; otherwise null. */
  readonly settlingAccountsDone: number | null;
  readonly recovery: RecoveryReport;
}

const ENGINE_META = 'engine_options';
/** How long a connection waits for another's write transaction before giving up (ms). */
const BUSY_TIMEOUT_MS = 5_000;
/** Batches the writer may be behind (in commands: this many times maxBatch) before new batches wait for a commit. */
const BACKLOG_BATCHES = 8;
/** Accounts settled per event-loop turn by default (ExchangeOptions.settleChunk). */
export const DEFAULT_SETTLE_CHUNK = 250;
const TUNING_META = 'tuning';

/** Settings an operator may change while the exchange runs (all but shards apply at once). */
export interface Tuning {
  readonly durability: Durability;
  readonly snapshotEvery: number;
  readonly maxBatch: number;
  readonly fastFlushMs: number;
  /** Applies at the next start (books move between threads only on a restart). */
  readonly shards: number;
}

/** What applies live and what needs a restart, for the API and the UI. */
export const TUNING_LIVE: { readonly [K in keyof Tuning]: boolean } = {
  durability: true,
  snapshotEvery: true,
  maxBatch: true,
  fastFlushMs: true,
  shards: false,
};

const TUNING_LIMITS: { readonly [K in Exclude<keyof Tuning, 'durability'>]: readonly [number, number] } = {
  snapshotEvery: [1_000, 100_000_000],
  maxBatch: [1, 65_536],
  fastFlushMs: [1, 10_000],
  shards: [0, 64],
};

export class TuningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TuningError';
  }
}

/**
 * The tuning `tune` saved in the database (empty when none, or when it no longer passes the checks). Options given
 * to `open` override it, so a desktop app without flags keeps its settings.
 */
function savedTuning(db: SqliteDb): Partial<Tuning> {
  const raw = getMeta(db, TUNING_META);
  if (raw === undefined) return {};
  try {
    return checkTuning(JSON.parse(raw) as Partial<Tuning>);
  } catch {
    return {};
  }
}

/** Checks a partial tuning; throws TuningError naming the first bad field. */
export function checkTuning(t: Partial<Record<keyof Tuning, unknown>>): Partial<Tuning> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === undefined) continue;
    if (k === 'durability') {
      if (!DURABILITIES.includes(v as Durability))
        throw new TuningError(`durability must be one of ${DURABILITIES.join(', ')}`);
    } else if (k in TUNING_LIMITS) {
      const [lo, hi] = TUNING_LIMITS[k as keyof typeof TUNING_LIMITS];
      if (!Number.isSafeInteger(v) || (v as number) < lo || (v as number) > hi) {
        throw new TuningError(`${k} must be a whole number from ${lo} to ${hi}`);
      }
    } else {
      throw new TuningError(`${k} is not a setting`);
    }
    out[k] = v;
  }
  return out as Partial<Tuning>;
}

export class Exchange {
  private status: ExchangeStatus = 'ready';
  private failure = '';
  private seq: number;
  private lastTs_ = 0;
  private readonly queue: Pending[] = [];
  private scheduled = false;
  /** A settlement in progress: accounts settled so far; resolves when it is done. */
  private settling: { done: number; promise: Promise<void> } | null = null;
  private readonly unflushed: Applied[] = [];
  /** WAL checkpoints in a worker thread (null until open has started it). */
  private checkpointer: Checkpointer | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly listeners = new Set<(b: BatchEvent) => void>();
  private readonly readModels = new ReadModels();
  /** The last seq whose snapshot was handed to the writer. */
  private lastSnapshotSeq: number;
  /** The last seq whose journal row is committed. */
  private committedSeq: number;
  private counters = { batches: 0, snapshots: 0 };

  private constructor(
    private readonly db: SqliteDb,
    private readonly engineRef: Engine,
    private readonly journal: Journal,
    readonly recovery: RecoveryReport,
    private readonly pool: ShardPool | null,
    private readonly writer: Writer,
    private readonly options: {
      durability: Durability;
      snapshotEvery: number;
      maxBatch: number;
      fastFlushMs: number;
      settleChunk: number;
      shards: number;
      /** shards as stored for the next start (may differ from the running count) */
      nextShards: number;
      readonly clock: () => number;
    },
  ) {
    this.seq = engineRef.seq;
    this.committedSeq = journal.lastSeq;
    this.lastSnapshotSeq = new Snapshots(db).latestSeq();
    writer.onFailure = (e) => this.fail(e);
    // a commit makes room: batches held back by the writer's backlog go on
    writer.onSettled = () => this.schedule();
  }

  /** Opens the data folder (creating it), recovers, and returns a ready exchange. */
  static async open(options: ExchangeOptions): Promise<Exchange> {
    if (options.shards !== undefined && (!Number.isInteger(options.shards) || options.shards < 0)) {
      throw new RangeError('shards must be a whole number >= 0');
    }
    const db = openDatabase(options.dataDir, { durability: options.durability ?? 'batched' });
    let pool: ShardPool | null = null;
    // the tuning saved by `tune` applies where no option was given
    const saved = savedTuning(db);
    const durability = options.durability ?? saved.durability ?? 'batched';
    const shards = options.shards ?? saved.shards ?? 0;
    let checkpointer: Checkpointer | null = null;
    let starting: Promise<Checkpointer> | null = null;
    let writer: Writer | null = null;
    let writerStarting: Promise<Writer> | null = null;
    try {
      if (durability !== (options.durability ?? 'batched')) setDurability(db, durability);
      if (shards > 0) pool = await ShardPool.start({ shards, timeoutMs: options.shardTimeoutMs ?? 10_000 });
      let stored = getMeta(db, ENGINE_META);
      const fresh = stored === undefined;
      if (fresh) {
        stored = JSON.stringify({ risk: options.risk ?? {}, defaultStp: options.defaultStp ?? 'cancelTaker' });
        setMeta(db, ENGINE_META, stored);
      }
      const engineOptions = JSON.parse(stored!) as EngineOptions;
      // the checkpoint worker and the writer start their threads while recovery runs here
      starting = Checkpointer.start(db);
      // (the main connection still writes a little, e.g. settings and users: it waits its turn behind the writer)
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      writerStarting = Writer.start(db.name, [
        `busy_timeout = ${BUSY_TIMEOUT_MS}`,
        synchronousPragma(durability),
        `journal_size_limit = ${WAL_SIZE_LIMIT}`,
      ]);
      // (awaited below; until then a failed start must not count as an unhandled rejection)
      writerStarting.catch(() => {});
      const { engine, journal, report } = recover(db, {
        engine: { ...engineOptions, accounts: true, matchers: pool?.factory },
        onProgress: options.onRecoveryProgress,
      });
      checkpointer = await starting;
      writer = await writerStarting;
      // the writer's commits leave checkpoints to the checkpoint worker while it runs, and take them back after
      const w = writer;
      if (checkpointer.stats().mode === 'worker') w.pragma('wal_autocheckpoint = 0');
      checkpointer.onFallback = () => w.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      const ex = new Exchange(db, engine, journal, report, pool, writer, {
        durability,
        snapshotEvery: options.snapshotEvery ?? saved.snapshotEvery ?? 200_000,
        maxBatch: options.maxBatch ?? saved.maxBatch ?? 4_096,
        fastFlushMs: options.fastFlushMs ?? saved.fastFlushMs ?? 20,
        settleChunk: options.settleChunk ?? DEFAULT_SETTLE_CHUNK,
        shards,
        nextShards: saved.shards ?? shards,
        clock: options.clock ?? Date.now,
      });
      ex.checkpointer = checkpointer;
      if (fresh && options.demo) {
        const acks = await Promise.all(demoMarketCommands().map((c) => ex.submit(c)));
        const bad = acks.find((a) => !a.ok);
        if (bad && !bad.ok) throw new Error(`demo market: ${bad.reject.code} ${bad.reject.details ?? ''}`);
      }
      return ex;
    } catch (e) {
      await (checkpointer ?? (await starting?.catch(() => null)))?.stop();
      await (writer ?? (await writerStarting?.catch(() => null)))?.stop();
      if (db.open) db.close();
      await pool?.stop();
      throw e;
    }
  }

  /** The settings in force, and the shard count the next start will use. */
  tuning(): Tuning & { readonly runningShards: number } {
    const o = this.options;
    return {
      durability: o.durability,
      snapshotEvery: o.snapshotEvery,
      maxBatch: o.maxBatch,
      fastFlushMs: o.fastFlushMs,
      shards: o.nextShards,
      runningShards: o.shards,
    };
  }

  /**
   * Changes settings while running: durability, snapshot interval, batch size and fast-mode flush time at once
   * (leaving fast mode first journals what it holds); shards at the next start. Saved in the database.
   */
  tune(changes: Partial<Record<keyof Tuning, unknown>>): Tuning & { readonly runningShards: number } {
    if (this.status !== 'ready') throw new ExchangeUnavailableError(this.status, this.failure || 'not running');
    const t = checkTuning(changes);
    const o = this.options;
    if (t.durability !== undefined && t.durability !== o.durability) {
      if (o.durability === 'fast') this.flush();
      setDurability(this.db, t.durability);
      this.writer.pragma(synchronousPragma(t.durability));
      o.durability = t.durability;
    }
    if (t.snapshotEvery !== undefined) o.snapshotEvery = t.snapshotEvery;
    if (t.maxBatch !== undefined) o.maxBatch = t.maxBatch;
    if (t.fastFlushMs !== undefined) o.fastFlushMs = t.fastFlushMs;
    if (t.shards !== undefined) o.nextShards = t.shards;
    const now = this.tuning();
    const { runningShards: _, ...saved } = now;
    setMeta(this.db, TUNING_META, JSON.stringify(saved));
    return now;
  }

  /** The engine, for queries only (state as of the last applied batch). Never apply commands to it directly. */
  get engine(): Engine {
    return this.engineRef;
  }

  /** The last sequence number given out (a PlaceOrder just submitted has this as its order id). */
  get lastSeq(): number {
    return this.seq;
  }

  /** The timestamp given to the last command sequenced (read right after `submit` to learn a command's ts). */
  get lastTs(): number {
    return this.lastTs_;
  }

  get state(): ExchangeStatus {
    return this.status;
  }

  stats(): ExchangeStats {
    return {
      status: this.status,
      durability: this.options.durability,
      lastSeq: this.seq,
      journaledSeq: this.committedSeq,
      unjournaled: this.writer.backlog,
      queued: this.queue.length,
      batches: this.counters.batches,
      commits: this.writer.commits,
      snapshots: this.counters.snapshots,
      lastSnapshotSeq: this.lastSnapshotSeq,
      settlingAccountsDone: this.settling?.done ?? null,
      recovery: this.recovery,
    };
  }

  /** WAL checkpoints: who runs them (the worker thread, or the main connection when it is gone) and how many. */
  checkpoints(): CheckpointStats {
    return this.checkpointer?.stats() ?? { mode: 'main', checkpoints: 0, frames: 0, failure: null };
  }

  /** The checkpoint worker (null before open has started it), for supervision and tests. */
  get checkpointWorker(): Checkpointer | null {
    return this.checkpointer;
  }

  /** The database writer's thread, for supervision and tests. */
  get writerThread(): Worker {
    return this.writer.thread;
  }

  /** Read access to the database (read models) for queries. */
  get database(): SqliteDb {
    return this.db;
  }

  /**
   * Sequences one command. Resolves with its result once it is as durable as the mode promises; `onApplied` is
   * called as soon as the engine has applied it (the core acknowledgement, before durability).
   */
  submit(input: CommandInput, onApplied?: (ack: Ack) => void): Promise<Ack> {
    if (this.status !== 'ready') {
      return Promise.reject(new ExchangeUnavailableError(this.status, this.failure || 'not taking commands'));
    }
    if (this.pool !== null) {
      const refused = this.shardRefusal(input);
      if (refused !== null) return Promise.reject(refused);
    }
    const seq = ++this.seq;
    const now = this.options.clock();
    const ts = Math.max(now, this.lastTs_);
    this.lastTs_ = ts;
    // (Object.assign, not a spread: a spread of inputs of many shapes costs several µs a command here)
    const draft: { kind: string; orderId?: number; seq?: number; ts?: number } = Object.assign({}, input);
    if (draft.kind === 'PlaceOrder') draft.orderId = seq;
    draft.seq = seq;
    draft.ts = ts;
    const cmd = draft as Command;
    return new Promise<Ack>((resolve, reject) => {
      this.queue.push({ cmd, resolve, reject, onApplied });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.runBatch);
      }
    });
  }

  /** Resolves when every command applied so far is journaled (committed). */
  flushed(): Promise<void> {
    if (this.status === 'failed') return Promise.reject(new ExchangeUnavailableError('failed', this.failure));
    if (this.unflushed.length === 0) {
      return this.writer.drained().catch(() => {
        throw new ExchangeUnavailableError('failed', this.failure);
      });
    }
    return new Promise((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /** Matching shards: each one's instruments and whether it is down (empty with books on the main thread). */
  shards(): { shard: number; instruments: readonly string[]; down: string | null }[] {
    return this.pool?.status() ?? [];
  }

  /** The worker thread of a matching shard, for supervision (undefined without shards). */
  shardWorker(index: number): Worker | undefined {
    return this.pool !== null && index < this.pool.size ? this.pool.worker(index) : undefined;
  }

  /** A command for an instrument on a stopped shard is refused before it is sequenced. */
  private shardRefusal(input: CommandInput): InstrumentUnavailableError | null {
    const pool = this.pool!;
    let instrumentId: string | undefined;
    switch (input.kind) {
      case 'PlaceOrder':
      case 'SetPhase':
      case 'SetInstrumentStatus':
      case 'SetReferencePrice':
      case 'SetSettlementPrice':
        instrumentId = input.instrumentId;
        break;
      case 'CancelOrder':
      case 'ModifyOrder':
        instrumentId = this.engineRef.orderInstrument(input.orderId);
        break;
      case 'Settle':
      case 'LiquidateAccount': {
        const down = pool.anyDown();
        const what = input.kind === 'Settle' ? 'settlement' : 'a liquidation';
        return down === null ? null : new InstrumentUnavailableError('*', `${what} needs every shard; ${down}`);
      }
      default:
        return null;
    }
    if (typeof instrumentId !== 'string') return null;
    const why = pool.isDown(instrumentId);
    return why === null ? null : new InstrumentUnavailableError(instrumentId, `its matching shard is down (${why})`);
  }

  /** Subscribes to every batch; returns the unsubscribe function. */
  onBatch(listener: (b: BatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly runBatch = (): void => {
    this.scheduled = false;
    if (this.settling !== null || this.queue.length === 0) return;
    // the writer is far behind: wait for a commit (onSettled schedules the next run), so memory stays bounded
    if (this.writer.backlog >= this.options.maxBatch * BACKLOG_BATCHES) return;
    let n = Math.min(this.queue.length, this.options.maxBatch);
    // A Settle is a batch of its own, applied in steps across event-loop turns.
    for (let i = 0; i < n; i++) {
      if (this.queue[i]!.cmd.kind !== 'Settle') continue;
      if (i === 0) {
        void this.runSettle(this.queue.shift()!);
        return;
      }
      n = i;
      break;
    }
    const batch = this.queue.splice(0, n);
    this.schedule();
    this.applyBatch(batch);
  };

  private schedule(): void {
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.runBatch);
    }
  }

  /**
   * Settlement of many accounts in slices, one per event-loop turn, so the process keeps answering (queries,
   * health, the WebSocket) while it runs; commands submitted meanwhile wait in the queue. The engine settles
   * `settleChunk` accounts per turn; then the result's digest is taken and its journal row and read-model rows
   * (statements, account history) are made in slices too and handed to the writer slice by slice, all in ONE SQLite
   * transaction that stays open across those turns: a crash before its commit leaves the day unsettled, never
   * half-written. A Settle is acknowledged after its commit in every durability mode.
   */
  private async runSettle(p: Pending): Promise<void> {
    let done!: () => void;
    const settling = { done: 0, promise: new Promise<void>((r) => (done = r)) };
    this.settling = settling;
    const turn = () => new Promise<void>((r) => setImmediate(r));
    const chunk = this.options.settleChunk;
    // digest and read-model rows cost more per event than settling per account: smaller slices for them
    const slice = Number.isFinite(chunk) ? Math.max(1, Math.floor(chunk / 4)) : Number.POSITIVE_INFINITY;
    let ack: ApplyResult | null = null;
    try {
      if (this.unflushed.length > 0) this.flush(); // earlier batches first (fast mode)
      // the first slices are smaller (a sixteenth, doubling up to settleChunk): the settlement code is still cold
      // then, and a full slice of it would hold the thread several times as long as the warm ones
      let size = Number.isFinite(chunk) ? Math.max(1, Math.floor(chunk / 16)) : chunk;
      const steps = this.engineRef.applySteps(p.cmd, size);
      let x = steps.next();
      while (!x.done) {
        settling.done = x.value;
        await turn();
        size = Math.min(chunk, size * 2);
        x = steps.next(size);
      }
      const r = x.value;
      p.onApplied?.(r);
      const events = r.ok ? r.events : [];
      const h = new StateHasher();
      digestHead(h, r);
      for (let i = 0; i < events.length; i += slice) {
        digestEvents(h, events, i, Math.min(events.length, i + slice));
        if (i + slice < events.length) await turn();
      }
      const writer = this.writer;
      // earlier batches are committed first: this transaction is built over several turns
      await writer.drained();
      this.journal.append([p.cmd], h.digest(), writer.ops);
      if (!r.ok) this.readModels.project([p.cmd], [r], writer.ops);
      for (let i = 0; i < events.length; i += slice) {
        this.readModels.project([p.cmd], [{ ...r, events: events.slice(i, i + slice) } as ApplyResult], writer.ops);
        if (i + slice < events.length) {
          writer.part();
          await turn();
        }
      }
      await new Promise<void>((resolve, reject) => writer.commit((e) => (e === null ? resolve() : reject(e)), 1));
      this.committedSeq = p.cmd.seq;
      this.counters.batches++;
      ack = r;
    } catch (e) {
      this.fail(e as Error, 'settlement failed');
      p.reject(new ExchangeUnavailableError('failed', this.failure));
    } finally {
      this.settling = null;
      done();
    }
    if (ack !== null) {
      p.resolve(ack);
      this.publish({ commands: [p.cmd], results: [ack], digest: 0 });
      this.maybeSnapshot();
      this.schedule();
    }
  }

  private applyBatch(batch: Pending[]): void {
    const engine = this.engineRef;
    const h = new StateHasher();
    const commands: Command[] = new Array(batch.length);
    const results: ApplyResult[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      let r: ApplyResult;
      try {
        r = engine.apply(p.cmd);
      } catch (e) {
        // A shard failed mid-command (or a bug): the engine's state can no longer be trusted. Nothing of this batch
        // was journaled or acknowledged; a restart recovers everything before it.
        this.fail(e as Error, 'the engine stopped');
        const err = new ExchangeUnavailableError('failed', this.failure);
        for (const q of batch) q.reject(err);
        return;
      }
      digestResult(h, r);
      commands[i] = p.cmd;
      results[i] = r;
      p.onApplied?.(r);
    }
    this.complete(batch, commands, results, h.digest());
  }

  /**
   * Journals an applied batch as the durability mode says: fast acknowledges and publishes it now and hands it to the
   * writer within fastFlushMs; strict and batched hand it over now and acknowledge and publish it once committed.
   */
  private complete(batch: Pending[], commands: Command[], results: ApplyResult[], digest: number): void {
    this.counters.batches++;
    const applied: Applied = { commands, results, digest };
    if (this.options.durability === 'fast') {
      this.unflushed.push(applied);
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      this.publish(applied);
      if (this.unflushedCommands() >= this.options.maxBatch * 4) this.flush();
      else this.flushTimer ??= setTimeout(() => this.flush(), this.options.fastFlushMs);
      return;
    }
    this.handOver(applied, (e) => {
      if (e !== null) {
        const err = new ExchangeUnavailableError('failed', this.failure);
        for (const p of batch) p.reject(err);
        return;
      }
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      this.publish(applied);
    });
    this.maybeSnapshot();
  }

  /** Lays the batch's journal row and read-model rows out for the writer; `done` runs once they are committed. */
  private handOver(a: Applied, done: (e: Error | null) => void): void {
    const ops = this.writer.ops;
    this.journal.append(a.commands, a.digest, ops);
    this.readModels.project(a.commands, a.results, ops);
    const lastSeq = a.commands[a.commands.length - 1]!.seq;
    this.writer.commit((e) => {
      if (e === null) this.committedSeq = lastSeq;
      done(e);
    }, a.commands.length);
  }

  private unflushedCommands(): number {
    let n = 0;
    for (const a of this.unflushed) n += a.commands.length;
    return n;
  }

  /** fast mode: hands every applied batch not yet journaled to the writer (flushed() waiters go on at its commit). */
  private flush(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.unflushed.length === 0 || this.status === 'failed') return;
    const all = this.unflushed.splice(0);
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (let i = 0; i < all.length; i++) {
      const last = i === all.length - 1;
      this.handOver(all[i]!, (e) => {
        if (!last) return;
        // (on failure, fail() has rejected every waiter left, these included)
        for (const w of waiters) {
          if (e === null) w.resolve();
          else w.reject(new ExchangeUnavailableError('failed', this.failure));
        }
      });
    }
    this.maybeSnapshot();
  }

  private fail(e: Error, what = 'journal write failed'): void {
    if (this.status === 'failed') return;
    this.status = 'failed';
    this.failure = `${what} (${e.message}); nothing after seq ${this.committedSeq} was kept`;
    const err = new ExchangeUnavailableError('failed', this.failure);
    for (const p of this.queue.splice(0)) p.reject(err);
    for (const w of this.flushWaiters.splice(0)) w.reject(err);
  }

  private publish(b: Applied): void {
    if (this.listeners.size === 0) return;
    const ev: BatchEvent = {
      firstSeq: b.commands[0]!.seq,
      lastSeq: b.commands[b.commands.length - 1]!.seq,
      commands: b.commands,
      results: b.results,
    };
    for (const l of this.listeners) l(ev);
  }

  private maybeSnapshot(): void {
    if (this.unflushed.length > 0 || this.pool?.anyDown() || this.status !== 'ready') return;
    if (this.journal.lastSeq - this.lastSnapshotSeq >= this.options.snapshotEvery) {
      // a failure is the writer's, and has already failed the exchange
      this.snapshot().catch(() => {});
    }
  }

  /**
   * Snapshots the engine now: the row is handed to the writer after every batch applied so far, in the same order, and
   * the promise resolves once it is committed (at once when there is nothing new to snapshot, and during a settlement,
   * whose one transaction a snapshot must not split: the next interval's snapshot follows it).
   */
  snapshot(): Promise<void> {
    if (this.settling !== null) return Promise.resolve();
    if (this.unflushed.length > 0) this.flush();
    const engine = this.engineRef;
    if (this.status === 'failed') return Promise.reject(new ExchangeUnavailableError('failed', this.failure));
    if (engine.seq !== this.journal.lastSeq || engine.seq === this.lastSnapshotSeq) return Promise.resolve();
    const { format, bytes } = encodeExport((packer) => engine.exportState(packer));
    const row = {
      lastSeq: engine.seq,
      batch: this.journal.batches,
      format,
      state: bytes,
      stateHash: engine.stateHash(),
    };
    Snapshots.write(row, this.options.clock(), this.writer.ops);
    this.writer.handOver(bytes);
    this.lastSnapshotSeq = engine.seq;
    return new Promise((resolve, reject) =>
      this.writer.commit((e) => {
        if (e !== null) reject(new ExchangeUnavailableError('failed', this.failure));
        else {
          this.counters.snapshots++;
          resolve();
        }
      }),
    );
  }

  /** Stops taking commands, applies and journals what was queued, writes a snapshot, closes the database. */
  async close(): Promise<void> {
    if (this.status === 'closed' || this.status === 'closing') return;
    const wasFailed = this.status === 'failed';
    this.status = 'closing';
    if (this.settling !== null) await this.settling.promise;
    if (!wasFailed) {
      while (this.queue.length > 0) this.applyBatch(this.queue.splice(0, this.options.maxBatch));
      this.flush();
      try {
        // a stopped shard's books cannot be exported; the journal holds everything, so recovery replays it
        if (!this.pool?.anyDown()) await this.snapshot();
        this.readModels.flushHistory(this.writer.ops);
        await this.writer.drained();
      } catch {
        // the writer failed: the exchange has failed with it, and the journal keeps what was committed
      }
    }
    await this.stopThreads();
  }

  /**
   * Stops without writing anything more: no snapshot, nothing queued applied, a transaction the writer has open rolled
   * back; what was committed stays. The folder is left as a crash at this moment would leave it, and the threads,
   * timers and connections end as in `close()`. For tests and tools that look at a recovered folder and must not
   * change it.
   */
  async halt(): Promise<void> {
    if (this.status === 'closed' || this.status === 'closing') return;
    this.status = 'closing';
    await this.stopThreads();
  }

  private async stopThreads(): Promise<void> {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    await this.writer.stop();
    await this.checkpointer?.stop();
    this.db.close();
    await this.pool?.stop();
    this.status = 'closed';
  }
}
