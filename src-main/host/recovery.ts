/**
 * Recovery: the newest sound snapshot, then every journal batch after it replayed through the engine with each
 * batch's digest compared to what was journaled, then the engine's invariants. A torn last batch (its checksum
 * fails) is dropped; a damaged batch anywhere else stops recovery with a clear error (nothing is rewritten).
 */

import { StateHasher } from '../../src-engine/domain/hash.ts';
import { Engine, type EngineOptions } from '../../src-engine/engine.ts';
import type { SqliteDb } from '../store/database.ts';
import { digestResult, Journal } from '../store/journal.ts';
import { decodeState } from '../store/snapshot-codec.ts';
import { Snapshots } from '../store/snapshots.ts';

export interface RecoveryProgress {
  readonly batchesDone: number;
  readonly batchesTotal: number;
  readonly commandsDone: number;
}

export interface RecoveryReport {
  /** The snapshot recovery started from (0: from an empty engine). */
  readonly snapshotSeq: number;
  /** Snapshots passed over because their checksum or state hash did not match. */
  readonly snapshotsSkipped: readonly { readonly lastSeq: number; readonly why: string }[];
  readonly batchesReplayed: number;
  readonly commandsReplayed: number;
  /** The torn last batch that was dropped, if any. */
  readonly droppedBatch: { readonly batch: number; readonly firstSeq: number; readonly lastSeq: number } | null;
  readonly lastSeq: number;
  readonly stateHash: number;
  readonly ms: number;
}

/** The journal cannot be replayed: damage in the middle, or a replay that differs from what was journaled. */
export class RecoveryError extends Error {
  constructor(
    /** What is wrong, without advice (e.g. "batch 7 (seq 100..140) fails its checksum"). */
    readonly problem: string,
    /** Batches and commands replayed before it was found. */
    readonly batchesReplayed: number,
    readonly commandsReplayed: number,
    advice = 'restore the data folder from a backup',
  ) {
    super(`journal ${problem}: the data folder is damaged; ${advice}`);
    this.name = 'RecoveryError';
  }
}

export interface RecoverOptions {
  readonly engine: EngineOptions;
  /** Ignore snapshots and replay the whole journal (verification). */
  readonly fromScratch?: boolean;
  /** Leave a torn last batch in the file (read-only verification). */
  readonly readOnly?: boolean;
  readonly onProgress?: ((p: RecoveryProgress) => void) | undefined;
  /** Called after each replayed batch with its last seq and the engine (verification compares snapshot hashes). */
  readonly onBatch?: ((lastSeq: number, engine: Engine) => void) | undefined;
  /** Called at most once per this many batches (default 256). */
  readonly progressEvery?: number;
  readonly now?: () => number;
}

export function recover(
  db: SqliteDb,
  options: RecoverOptions,
): { engine: Engine; journal: Journal; report: RecoveryReport } {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const journal = new Journal(db);
  const skipped: { lastSeq: number; why: string }[] = [];
  let engine: Engine | null = null;
  let snapshotSeq = 0;
  let snapshotHash: number | null = null;
  if (!options.fromScratch) {
    for (const { row, damaged } of new Snapshots(db).list()) {
      if (damaged) {
        skipped.push({ lastSeq: row.lastSeq, why: 'checksum mismatch' });
        continue;
      }
      if (row.lastSeq > journal.lastSeq) {
        skipped.push({ lastSeq: row.lastSeq, why: 'newer than the journal' });
        continue;
      }
      try {
        const e = Engine.fromState(decodeState(row.format, row.state), {
          book: options.engine.book,
          matchers: options.engine.matchers,
        });
        if (e.stateHash() !== row.stateHash) {
          skipped.push({ lastSeq: row.lastSeq, why: 'state hash mismatch' });
          continue;
        }
        engine = e;
        snapshotSeq = row.lastSeq;
        snapshotHash = row.stateHash;
        break;
      } catch (err) {
        skipped.push({ lastSeq: row.lastSeq, why: (err as Error).message });
      }
    }
  }
  engine ??= new Engine(options.engine);
  const total = journal.count(snapshotSeq);
  const every = options.progressEvery ?? 256;
  let batches = 0;
  let commands = 0;
  let dropped: RecoveryReport['droppedBatch'] = null;
  const lastBatch = journal.batches;
  for (const item of journal.read(snapshotSeq)) {
    if ('bad' in item) {
      if (item.bad.batch === lastBatch) {
        dropped = item.bad; // removed below, once the reading statement is closed
        break;
      }
      const { batch, firstSeq, lastSeq } = item.bad;
      throw new RecoveryError(`batch ${batch} (seq ${firstSeq}..${lastSeq}) fails its checksum`, batches, commands);
    }
    const b = item.ok;
    const h = new StateHasher();
    for (const cmd of b.commands) {
      const r = engine.apply(cmd);
      digestResult(h, r);
    }
    if (h.digest() !== b.digest) {
      const problem = `batch ${b.batch} (seq ${b.firstSeq}..${b.lastSeq}) replays differently from its digest`;
      throw new RecoveryError(problem, batches, commands);
    }
    batches++;
    commands += b.commands.length;
    options.onBatch?.(b.lastSeq, engine);
    if (options.onProgress && (batches % every === 0 || batches === total)) {
      options.onProgress({ batchesDone: batches, batchesTotal: total, commandsDone: commands });
    }
  }
  if (dropped !== null && !options.readOnly) journal.dropLast(dropped.batch);
  // A snapshot restored with nothing after it was validated and hashed by fromState and the check above.
  const replayed = batches > 0 || snapshotHash === null;
  if (replayed) {
    try {
      engine.validateInternalState();
    } catch (err) {
      throw new RecoveryError(`replayed state fails its invariants: ${(err as Error).message}`, batches, commands);
    }
  }
  const report: RecoveryReport = {
    snapshotSeq,
    snapshotsSkipped: skipped,
    batchesReplayed: batches,
    commandsReplayed: commands,
    droppedBatch: dropped,
    lastSeq: engine.seq,
    stateHash: replayed ? engine.stateHash() : snapshotHash!,
    ms: now() - t0,
  };
  return { engine, journal, report };
}
