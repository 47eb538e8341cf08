/**
 * The journal: append-only batches of sequenced commands with the digest of what they produced and a checksum per
 * batch. A batch's row goes into the caller's ops (written by the database writer in one transaction with the batch's
 * read-model rows: group commit); reading verifies every checksum.
 */
import { crc32 } from 'node:zlib';
import type { Command } from '../../src-engine/domain/commands.ts';
import type { StateHasher } from '../../src-engine/domain/hash.ts';
import type { ApplyResult } from '../../src-engine/engine.ts';
import type { SqliteDb } from './database.ts';
import { JOURNAL_INSERT } from './write-ops.ts';

export interface JournalBatch {
  readonly batch: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly commands: readonly Command[];
  readonly digest: number;
}

/** A batch row whose checksum does not match its content. */
export interface BadBatch {
  readonly batch: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export function batchChecksum(
  batch: number,
  firstSeq: number,
  lastSeq: number,
  commands: string,
  digest: number,
): number {
  let c = crc32(`${batch}|${firstSeq}|${lastSeq}|${digest}|`);
  c = crc32(commands, c);
  return c;
}

/** Feeds one value into the hasher: numbers, strings, booleans, null, arrays and plain objects, in key order. */
function feed(h: StateHasher, v: unknown): void {
  switch (typeof v) {
    case 'number':
      h.num(v);
      return;
    case 'string':
      h.str(v);
      return;
    case 'boolean':
      h.bool(v);
      return;
    case 'undefined':
      h.num(-1);
      return;
    default:
      if (v === null) {
        h.num(-2);
      } else if (Array.isArray(v)) {
        h.num(v.length);
        for (const x of v) feed(h, x);
      } else {
        const o = v as Record<string, unknown>;
        for (const k in o) feed(h, o[k]);
      }
  }
}

/** Adds one command's outcome (accepted with its events, or the reject code) to a running digest. */
export function digestResult(h: StateHasher, r: ApplyResult): void {
  digestHead(h, r);
  if (r.ok) digestEvents(h, r.events, 0, r.events.length);
}

/** digestResult in parts: the head, then the events in slices (for a settlement of many accounts). */
export function digestHead(h: StateHasher, r: ApplyResult): void {
  h.num(r.seq);
  if (r.ok) h.num(r.events.length);
  else h.num(-3).num(r.reject.number);
}

export function digestEvents(h: StateHasher, events: readonly unknown[], from: number, to: number): void {
  for (let i = from; i < to; i++) feed(h, events[i]);
}

export class Journal {
  private readonly lastRow;
  private readonly removeRow;
  private nextBatch: number;
  private lastSeqValue: number;

  constructor(private readonly db: SqliteDb) {
    this.lastRow = db.prepare('SELECT batch, last_seq FROM journal ORDER BY batch DESC LIMIT 1');
    this.removeRow = db.prepare('DELETE FROM journal WHERE batch = ?');
    const last = this.lastRow.get() as { batch: number; last_seq: number } | undefined;
    this.nextBatch = (last?.batch ?? 0) + 1;
    this.lastSeqValue = last?.last_seq ?? 0;
  }

  /** The last sequence number journaled (handed to the writer: committed once its transaction is). */
  get lastSeq(): number {
    return this.lastSeqValue;
  }

  get batches(): number {
    return this.nextBatch - 1;
  }

  /** Appends one batch to `ops` (write-ops.ts: written in the transaction those ops go into). Returns its number. */
  append(commands: readonly Command[], digest: number, ops: unknown[]): number {
    const firstSeq = commands[0]!.seq;
    const lastSeq = commands[commands.length - 1]!.seq;
    if (firstSeq <= this.lastSeqValue) throw new Error(`journal: seq ${firstSeq} after ${this.lastSeqValue}`);
    const batch = this.nextBatch;
    const text = JSON.stringify(commands);
    ops.push(
      JOURNAL_INSERT,
      batch,
      firstSeq,
      lastSeq,
      text,
      digest,
      batchChecksum(batch, firstSeq, lastSeq, text, digest),
    );
    this.nextBatch = batch + 1;
    this.lastSeqValue = lastSeq;
    return batch;
  }

  /** Removes a torn last batch (recovery only). */
  dropLast(batch: number): void {
    if (batch !== this.nextBatch - 1) throw new Error(`journal: batch ${batch} is not the last`);
    this.removeRow.run(batch);
    const last = this.lastRow.get() as { batch: number; last_seq: number } | undefined;
    this.nextBatch = (last?.batch ?? 0) + 1;
    this.lastSeqValue = last?.last_seq ?? 0;
  }

  /** Batches with last_seq > afterSeq, in order; a row failing its checksum comes back as { bad }. */
  *read(afterSeq: number): Generator<{ ok: JournalBatch } | { bad: BadBatch }> {
    const rows = this.db
      .prepare(
        'SELECT batch, first_seq, last_seq, commands, digest, checksum FROM journal WHERE last_seq > ? ORDER BY batch',
      )
      .iterate(afterSeq) as IterableIterator<{
      batch: number;
      first_seq: number;
      last_seq: number;
      commands: string;
      digest: number;
      checksum: number;
    }>;
    for (const r of rows) {
      const id = { batch: r.batch, firstSeq: r.first_seq, lastSeq: r.last_seq };
      if (batchChecksum(r.batch, r.first_seq, r.last_seq, r.commands, r.digest) !== r.checksum) {
        yield { bad: id };
        continue;
      }
      let commands: Command[];
      try {
        commands = JSON.parse(r.commands) as Command[];
      } catch {
        yield { bad: id };
        continue;
      }
      yield { ok: { ...id, commands, digest: r.digest } };
    }
  }

  count(afterSeq: number): number {
    const row = this.db.prepare('SELECT count(*) AS n FROM journal WHERE last_seq > ?').get(afterSeq) as { n: number };
    return row.n;
  }
}
