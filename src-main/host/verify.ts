/**
 * Journal verification: replays a data folder's whole journal from an empty engine, checking every batch's
 * checksum and digest and the state hash at every snapshot. Read-only; runs in a worker thread (piscina) from the
 * CLI so the caller's event loop stays free.
 */

import { StateHasher } from '../../src-engine/domain/hash.ts';
import { Engine, type EngineOptions } from '../../src-engine/engine.ts';
import { getMeta, openDatabase } from '../store/database.ts';
import { digestResult, Journal } from '../store/journal.ts';
import { Snapshots } from '../store/snapshots.ts';

export interface VerifyReport {
  readonly ok: boolean;
  readonly batches: number;
  readonly commands: number;
  readonly lastSeq: number;
  readonly stateHash: number;
  /** Snapshots whose stored state hash was compared with the replay's at the same seq. */
  readonly snapshotsChecked: number;
  readonly problems: readonly string[];
  readonly ms: number;
}

export function verifyJournal(dataDir: string, onProgress?: (done: number, total: number) => void): VerifyReport {
  const t0 = performance.now();
  const db = openDatabase(dataDir, { readonly: true });
  try {
    const options = JSON.parse(getMeta(db, 'engine_options') ?? '{}') as EngineOptions;
    const engine = new Engine({ ...options, accounts: true });
    const snaps = new Map<number, number>();
    for (const { row, damaged } of new Snapshots(db).list()) if (!damaged) snaps.set(row.lastSeq, row.stateHash);
    const journal = new Journal(db);
    const total = journal.count(0);
    const problems: string[] = [];
    let batches = 0;
    let commands = 0;
    let checked = 0;
    for (const item of journal.read(0)) {
      if ('bad' in item) {
        problems.push(`batch ${item.bad.batch} (seq ${item.bad.firstSeq}..${item.bad.lastSeq}) fails its checksum`);
        break;
      }
      const b = item.ok;
      const h = new StateHasher();
      for (const c of b.commands) digestResult(h, engine.apply(c));
      if (h.digest() !== b.digest) {
        problems.push(`batch ${b.batch} (seq ${b.firstSeq}..${b.lastSeq}) replays differently from its digest`);
        break;
      }
      batches++;
      commands += b.commands.length;
      const snap = snaps.get(b.lastSeq);
      if (snap !== undefined) {
        checked++;
        if (snap !== engine.stateHash()) problems.push(`state hash differs from the snapshot at seq ${b.lastSeq}`);
      }
      if (onProgress && (batches % 256 === 0 || batches === total)) onProgress(batches, total);
    }
    try {
      engine.validateInternalState();
    } catch (e) {
      problems.push(`replayed state fails its invariants: ${(e as Error).message}`);
    }
    return {
      ok: problems.length === 0,
      batches,
      commands,
      lastSeq: engine.seq,
      stateHash: engine.stateHash(),
      snapshotsChecked: checked,
      problems,
      ms: Math.round(performance.now() - t0),
    };
  } finally {
    db.close();
  }
}
