/**
 * Journal verification: recovery's replay of a data folder's whole journal from an empty engine (writing nothing), checking every batch's
 * checksum and digest and the state hash at every snapshot. Read-only; runs in a worker thread (piscina) from the
 * CLI so the caller's event loop stays free.
 */

import type { EngineOptions } from '../../src-engine/engine.ts';
import { getMeta, openDatabase } from '../store/database.ts';
import { Snapshots } from '../store/snapshots.ts';
import { RecoveryError, type RecoveryReport, recover } from './recovery.ts';

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
    const snaps = new Map<number, number>();
    for (const { row, damaged } of new Snapshots(db).list()) if (!damaged) snaps.set(row.lastSeq, row.stateHash);
    const problems: string[] = [];
    let checked = 0;
    let report: RecoveryReport | null = null;
    let replayed = { batches: 0, commands: 0 };
    try {
      // the same replay as recovery, from an empty engine, writing nothing
      report = recover(db, {
        engine: { ...options, accounts: true },
        fromScratch: true,
        readOnly: true,
        onProgress: onProgress && ((p) => onProgress(p.batchesDone, p.batchesTotal)),
        onBatch: (lastSeq, engine) => {
          const stored = snaps.get(lastSeq);
          if (stored === undefined) return;
          checked++;
          if (stored !== engine.stateHash()) problems.push(`state hash differs from the snapshot at seq ${lastSeq}`);
        },
      }).report;
      replayed = { batches: report.batchesReplayed, commands: report.commandsReplayed };
      const torn = report.droppedBatch;
      if (torn !== null)
        problems.push(`batch ${torn.batch} (seq ${torn.firstSeq}..${torn.lastSeq}) fails its checksum`);
    } catch (e) {
      if (!(e instanceof RecoveryError)) throw e;
      problems.push(e.problem);
      replayed = { batches: e.batchesReplayed, commands: e.commandsReplayed };
    }
    return {
      ok: problems.length === 0,
      batches: replayed.batches,
      commands: replayed.commands,
      lastSeq: report?.lastSeq ?? 0,
      stateHash: report?.stateHash ?? 0,
      snapshotsChecked: checked,
      problems,
      ms: Math.round(performance.now() - t0),
    };
  } finally {
    db.close();
  }
}
