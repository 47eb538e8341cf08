/**
 * Moves SQLite's WAL checkpoints off the main thread. By default the connection that commits also checkpoints: a
 * commit that finds the WAL past 1,000 pages copies it into the database file before it returns, so every few
 * batches one of them pays for copying the others (and a large snapshot's commit copies hundreds of MB). Here the
 * main connection's auto-checkpoint is off and a worker thread (checkpoint-worker.mjs) checkpoints on its own
 * connection every `intervalMs`. If the worker cannot start or stops, the main connection checkpoints again as
 * before (`fallback`), so the WAL never grows without bound.
 */
import type { Worker } from 'node:worker_threads';
import type { SqliteDb } from '../store/database.ts';
import { startPlainWorker } from './worker-url.ts';

/** SQLite's default auto-checkpoint threshold (pages), restored when the worker is gone. */
export const AUTO_CHECKPOINT_PAGES = 1_000;
/** journal_size_limit: SQLite cuts a WAL it resets back to this size (a large snapshot's WAL is not kept). */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

export interface CheckpointStats {
  /** 'worker' while the worker checkpoints; 'main' when the main connection does (the worker failed or stopped). */
  readonly mode: 'worker' | 'main';
  /** Checkpoints that moved frames, and the frames they moved. */
  readonly checkpoints: number;
  readonly frames: number;
  /** Why the worker is gone, when it is. */
  readonly failure: string | null;
}

export class Checkpointer {
  private mode: 'worker' | 'main' = 'main';
  private checkpoints = 0;
  private frames = 0;
  private failure: string | null = null;
  private stopping = false;
  private waiters: (() => void)[] = [];
  /** Called when the worker is gone while the exchange runs (other writing connections checkpoint again too). */
  onFallback: (() => void) | null = null;
  /** Resolves when the worker thread has exited. */
  private readonly exited: Promise<void>;

  private constructor(
    private readonly db: SqliteDb,
    private readonly worker: Worker,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** Starts the worker on `db`'s file; resolves once its connection is open and the main one stopped checkpointing. */
  static async start(db: SqliteDb, intervalMs = 100): Promise<Checkpointer> {
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    const worker = startPlainWorker('checkpoint-worker', { path: db.name, intervalMs });
    const c = new Checkpointer(db, worker);
    await new Promise<void>((resolve) => {
      worker.on('message', (m: { kind: string; frames?: number }) => {
        if (m.kind === 'ready') {
          // once running, never what keeps the process alive: a checkpoint cut short by the process's exit is safe
          worker.unref();
          if (c.failure === null) {
            db.pragma('wal_autocheckpoint = 0');
            c.mode = 'worker';
          }
          resolve();
        } else if (m.kind === 'checkpointed') {
          c.checkpoints++;
          c.frames += m.frames ?? 0;
          for (const w of c.waiters.splice(0)) w();
        }
      });
      worker.on('error', (e) => {
        c.fallback(e.message);
        resolve();
      });
      worker.on('exit', (code) => {
        if (!c.stopping) c.fallback(`the checkpoint worker exited (code ${code})`);
        for (const w of c.waiters.splice(0)) w();
        resolve();
      });
    });
    return c;
  }

  /** The main connection checkpoints again (SQLite's default). */
  private fallback(why: string): void {
    this.failure ??= why;
    this.mode = 'main';
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    this.onFallback?.();
  }

  stats(): CheckpointStats {
    return { mode: this.mode, checkpoints: this.checkpoints, frames: this.frames, failure: this.failure };
  }

  /** Resolves after the worker's next checkpoint that moves frames (or when the worker is gone). */
  nextCheckpoint(): Promise<void> {
    if (this.mode !== 'worker') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker thread, for supervision and tests. */
  get thread(): Worker {
    return this.worker;
  }

  /** Stops the worker (its connection closed) and gives checkpoints back to the main connection. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.worker.ref();
    this.worker.postMessage({ kind: 'stop' });
    await this.exited;
    this.mode = 'main';
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
