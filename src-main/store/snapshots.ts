/**
 * Whole-engine snapshots. One row per snapshot, written in one transaction (atomic: a crash leaves the previous
 * snapshot in place); a checksum over the row guards against damage. The newest two are kept.
 */
import { crc32 } from 'node:zlib';
import type { SqliteDb } from './database.ts';

export interface SnapshotRow {
  readonly lastSeq: number;
  readonly batch: number;
  readonly state: string;
  readonly stateHash: number;
}

const KEEP = 2;

function checksum(lastSeq: number, batch: number, stateHash: number, state: string): number {
  return crc32(state, crc32(`${lastSeq}|${batch}|${stateHash}|`));
}

export class Snapshots {
  constructor(private readonly db: SqliteDb) {}

  write(row: SnapshotRow, nowMs: number): void {
    const { lastSeq, batch, state, stateHash } = row;
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT OR REPLACE INTO snapshots (last_seq, batch, state, state_hash, checksum, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(lastSeq, batch, state, stateHash, checksum(lastSeq, batch, stateHash, state), nowMs);
      this.db
        .prepare(
          'DELETE FROM snapshots WHERE last_seq NOT IN (SELECT last_seq FROM snapshots ORDER BY last_seq DESC LIMIT ?)',
        )
        .run(KEEP);
    })();
  }

  /**
   * Snapshots newest first, each read (and its checksum computed) only when the caller asks for it: recovery usually
   * stops at the first one, and a snapshot of a large book is hundreds of MB. `damaged` rows failed their checksum
   * (kept on disk, never used).
   */
  *list(): Generator<{ row: SnapshotRow; damaged: boolean }> {
    const seqs = this.db.prepare('SELECT last_seq FROM snapshots ORDER BY last_seq DESC').pluck().all() as number[];
    const one = this.db.prepare(
      'SELECT last_seq, batch, state, state_hash, checksum FROM snapshots WHERE last_seq = ?',
    );
    for (const seq of seqs) {
      const r = one.get(seq) as
        | { last_seq: number; batch: number; state: string; state_hash: number; checksum: number }
        | undefined;
      if (r === undefined) continue;
      yield {
        row: { lastSeq: r.last_seq, batch: r.batch, state: r.state, stateHash: r.state_hash },
        damaged: checksum(r.last_seq, r.batch, r.state_hash, r.state) !== r.checksum,
      };
    }
  }

  latestSeq(): number {
    const r = this.db.prepare('SELECT max(last_seq) AS s FROM snapshots').get() as { s: number | null };
    return r.s ?? 0;
  }
}
