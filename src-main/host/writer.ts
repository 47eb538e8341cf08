/**
 * The exchange's database writes on a worker thread (writer-worker.mjs), so that matching, risk and acknowledgements
 * on the main thread never wait for SQLite. The main thread still decides every row: the journal, the read models and
 * the snapshots lay their statements out in `ops` (statement number, then its parameters; src-main/store/write-ops.ts)
 * and the worker only runs them, one group per transaction.
 *
 * Group commit: while one transaction is being committed, everything handed over meanwhile gathers in the next group,
 * which is sent as one transaction as soon as the first is committed. Each group's callbacks run after its COMMIT, in
 * order, so an acknowledgement given from one means what the durability mode promises. A failed transaction fails
 * every callback waiting and every later one (the worker refuses further work): nothing after a failure is kept.
 *
 * A transaction may also be built across several messages (`part`, then `commit`), for a settlement whose rows are
 * made over many event-loop turns; nothing else may be handed over until it is committed.
 */
import type { Worker } from 'node:worker_threads';
import { STATEMENTS } from '../store/write-ops.ts';
import { startPlainWorker } from './worker-url.ts';

export type Committed = (error: Error | null) => void;

interface Group {
  id: number;
  callbacks: Committed[];
  /** commands in the group (for the backlog) */
  commands: number;
}

export class WriterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriterError';
  }
}

export class Writer {
  /** The statements of the group being gathered; push `statement, ...parameters` (write-ops.ts). */
  ops: unknown[] = [];
  private gathering: Group;
  private inFlight: Group | null = null;
  /** A transaction built across messages (`part`) is open in the worker. */
  private open = false;
  private transfer: ArrayBuffer[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private stopping = false;
  private transactions = 0;
  /** Called when a transaction is committed or the writer fails (the exchange resumes or fails its work). */
  onSettled: (() => void) | null = null;
  /** Called once when the writer fails. */
  onFailure: ((e: Error) => void) | null = null;
  private readonly exited: Promise<void>;
  /** The thread keeps the process alive only while it has work: like a socket with writes pending. */
  private refed = true;

  private constructor(private readonly worker: Worker) {
    this.gathering = this.newGroup();
    this.unrefWhenIdle();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: { kind: string; id: number; message?: string }) => {
      if (m.kind === 'committed') this.committed(m.id);
      else if (m.kind === 'failed') this.fail(new WriterError(`database write failed: ${m.message}`));
    });
    worker.on('error', (e) => this.fail(new WriterError(`the database writer stopped: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!this.stopping) this.fail(new WriterError(`the database writer exited (code ${code})`));
    });
  }

  /** Starts the worker on the database file at `path`, its connection set up by `pragmas`. */
  static async start(path: string, pragmas: readonly string[]): Promise<Writer> {
    const worker = startPlainWorker('writer-worker', {
      path,
      statements: STATEMENTS.map((s) => [s.sql, s.params]),
      pragmas,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new WriterError(`the database writer did not start: ${e.message}`));
      worker.once('error', onError);
      worker.once('message', (m: { kind: string }) => {
        worker.off('error', onError);
        if (m.kind === 'ready') resolve();
        else reject(new WriterError(`the database writer did not start (${m.kind})`));
      });
    });
    return new Writer(worker);
  }

  private newGroup(): Group {
    return { id: this.nextId++, callbacks: [], commands: 0 };
  }

  /** Commands handed over and not yet committed. */
  get backlog(): number {
    return this.gathering.commands + (this.inFlight?.commands ?? 0);
  }

  /** Nothing handed over is waiting for its commit. */
  get idle(): boolean {
    return this.inFlight === null && this.ops.length === 0 && this.gathering.callbacks.length === 0 && !this.open;
  }

  /** Transactions committed so far. */
  get commits(): number {
    return this.transactions;
  }

  /** The worker thread, for supervision and tests. */
  get thread(): Worker {
    return this.worker;
  }

  /** Hands the buffer over to the worker with the next message instead of copying it (it must not be used after). */
  handOver(bytes: Uint8Array): void {
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
      this.transfer.push(bytes.buffer);
    }
  }

  /**
   * Closes the group gathered so far (`ops`, for `commands` commands): `done` runs after the transaction holding it
   * is committed (or with the error that stopped it).
   */
  commit(done: Committed, commands = 0): void {
    if (this.failure !== null) {
      done(this.failure);
      return;
    }
    const g = this.gathering;
    g.callbacks.push(done);
    g.commands += commands;
    if (this.inFlight === null) this.send(true);
  }

  /** Sends what is gathered as part of a transaction that stays open (see the header); `commit` ends it. */
  part(): void {
    if (this.failure !== null) return;
    if (this.inFlight !== null) throw new Error('writer: a transaction part while another is being committed');
    this.open = true;
    const ops = this.ops;
    this.ops = [];
    this.post({ kind: 'tx', id: 0, ops, end: false });
  }

  /** Runs a PRAGMA on the writer's connection (between transactions). */
  pragma(sql: string): void {
    if (this.failure === null) this.worker.postMessage({ kind: 'pragma', sql });
  }

  /** Resolves when everything handed over so far is committed (rejects if the writer failed). */
  drained(): Promise<void> {
    if (this.idle) return this.failure === null ? Promise.resolve() : Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.commit((e) => (e === null ? resolve() : reject(e))));
  }

  private send(end: boolean): void {
    const g = this.gathering;
    this.gathering = this.newGroup();
    this.inFlight = g;
    this.open = false;
    const ops = this.ops;
    this.ops = [];
    this.post({ kind: 'tx', id: g.id, ops, end });
  }

  private post(m: { kind: 'tx'; id: number; ops: unknown[]; end: boolean }): void {
    if (!this.refed) {
      this.worker.ref();
      this.refed = true;
    }
    const transfer = this.transfer;
    this.transfer = [];
    this.worker.postMessage(m, transfer);
  }

  private committed(id: number): void {
    const g = this.inFlight;
    if (g === null || g.id !== id) {
      this.fail(new WriterError(`database writer: commit ${id} was not expected`));
      return;
    }
    this.inFlight = null;
    this.transactions++;
    if (this.gathering.callbacks.length > 0) this.send(true);
    for (const c of g.callbacks) c(null);
    this.onSettled?.();
    this.unrefWhenIdle();
  }

  private unrefWhenIdle(): void {
    if (this.refed && this.idle && !this.stopping) {
      this.worker.unref();
      this.refed = false;
    }
  }

  private fail(e: Error): void {
    if (this.failure !== null) return;
    this.failure = e;
    const waiting = [...(this.inFlight?.callbacks ?? []), ...this.gathering.callbacks];
    this.inFlight = null;
    this.gathering = this.newGroup();
    this.ops = [];
    this.onFailure?.(e);
    for (const c of waiting) c(e);
    this.onSettled?.();
  }

  /** Stops the worker (its connection closed; an open transaction is rolled back). Commit what matters first. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.worker.ref();
    this.worker.postMessage({ kind: 'stop' });
    await this.exited;
  }
}
