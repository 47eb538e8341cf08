/**
 * Whole-engine snapshots. One row per snapshot, written in one transaction with the pruning of older rows (atomic: a
 * crash leaves the previous snapshot in place); a checksum over the row guards against damage. The newest two are kept.
 */
import { crc32 } from 'node:zlib';
import type { SqliteDb } from './database.ts';
import { SNAPSHOT_FORMAT_PLAIN } from './snapshot-codec.ts';
import { SNAPSHOT_INSERT, SNAPSHOT_PRUNE } from './write-ops.ts';

export interface SnapshotRow {
  readonly lastSeq: number;
  readonly batch: number;
  /** How `state` is encoded (snapshot-codec.ts). */
  readonly format: number;
  readonly state: Uint8Array;
  readonly stateHash: number;
}

const KEEP = 2;

/** Format 1 rows (written before formats existed) keep the checksum they were written with, which had no format. */
function checksum(lastSeq: number, batch: number, stateHash: number, format: number, state: Uint8Array): number {
  const head =
    format === SNAPSHOT_FORMAT_PLAIN
      ? `${lastSeq}|${batch}|${stateHash}|`
      : `${lastSeq}|${batch}|${stateHash}|${format}|`;
  return crc32(state, crc32(head));
}

export class Snapshots {
  constructor(private readonly db: SqliteDb) {}

  /** Lays the row and the pruning of older ones out in `ops` (write-ops.ts), for one transaction. */
  static write(row: SnapshotRow, nowMs: number, ops: unknown[]): void {
    const { lastSeq, batch, format, state, stateHash } = row;
    const sum = checksum(lastSeq, batch, stateHash, format, state);
    ops.push(SNAPSHOT_INSERT, lastSeq, batch, format, state, stateHash, sum, nowMs, SNAPSHOT_PRUNE, KEEP);
  }

  /**
   * Snapshots newest first, each read (and its checksum computed) only when the caller asks for it: recovery usually
   * stops at the first one, and a snapshot of a large book is hundreds of MB. `damaged` rows failed their checksum
   * (kept on disk, never used).
   */
  *list(): Generator<{ row: SnapshotRow; damaged: boolean }> {
    const seqs = this.db.prepare('SELECT last_seq FROM snapshots ORDER BY last_seq DESC').pluck().all() as number[];
    const one = this.db.prepare(
      'SELECT last_seq, batch, format, state, state_hash, checksum FROM snapshots WHERE last_seq = ?',
    );
    for (const seq of seqs) {
      const r = one.get(seq) as
        | { last_seq: number; batch: number; format: number; state: Buffer; state_hash: number; checksum: number }
        | undefined;
      if (r === undefined) continue;
      yield {
        row: { lastSeq: r.last_seq, batch: r.batch, format: r.format, state: r.state, stateHash: r.state_hash },
        damaged: checksum(r.last_seq, r.batch, r.state_hash, r.format, r.state) !== r.checksum,
      };
    }
  }

  latestSeq(): number {
    const r = this.db.prepare('SELECT max(last_seq) AS s FROM snapshots').get() as { s: number | null };
    return r.s ?? 0;
  }
}
