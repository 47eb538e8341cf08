import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { StateHasher } from '../../src-engine/domain/hash.ts';
import { Engine } from '../../src-engine/engine.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import type { Ack, Exchange } from '../../src-main/host/exchange.ts';
import { OrderFlow } from '../../src-main/host/flow.ts';
import { DB_FILE } from '../../src-main/store/database.ts';
import { digestResult } from '../../src-main/store/journal.ts';

/** A fresh temporary data folder; remove() deletes it. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'deskex-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** For a test file: returns a maker of temporary data folders, each removed after its test. */
export function dataDirsPerTest(): () => string {
  const dirs: { remove: () => void }[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  return () => {
    const d = tempDataDir();
    dirs.push(d);
    return d.dir;
  };
}

export const FUTURES = DEMO_INSTRUMENTS.filter((s) => s.kind === 'future');

/** Runs the seeded flow on an exchange: set-up, then `orders` steps; returns every ack in submission order. */
export async function runFlow(
  ex: Exchange,
  seed: number,
  accounts: number,
  orders: number,
  firstAccount = 1,
): Promise<Ack[]> {
  const flow = new OrderFlow({ seed, accounts, instruments: FUTURES, firstAccount });
  const acks = await Promise.all(flow.setup().map((c) => ex.submit(c)));
  for (const a of acks) if (!a.ok) throw new Error(`set-up refused: ${a.reject.code}`);
  const out: Promise<Ack>[] = [];
  for (let i = 0; i < orders; i++) {
    const cmd = flow.next();
    const p = ex.submit(cmd);
    out.push(p);
    if (cmd.kind === 'PlaceOrder') flow.placedOrder(ex.lastSeq);
    // let batches form and commit while the flow goes on
    if (i % 500 === 499) await p;
  }
  return Promise.all(out);
}

/**
 * Replays a data folder's journal (batches up to `upToBatch`) from an empty engine with the default settings, apart
 * from recovery's code: the resulting engine and the digest of every seq's result.
 */
export function cleanReplay(
  dir: string,
  upToBatch = Number.MAX_SAFE_INTEGER,
): { engine: Engine; hash: number; seq: number; digests: Map<number, number> } {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  const engine = new Engine({ accounts: true, defaultStp: 'cancelTaker', risk: {} });
  const digests = new Map<number, number>();
  const rows = db.prepare('SELECT commands FROM journal WHERE batch <= ? ORDER BY batch').iterate(upToBatch);
  for (const r of rows as IterableIterator<{ commands: string }>) {
    for (const c of JSON.parse(r.commands)) {
      const h = new StateHasher();
      const res = engine.apply(c);
      digestResult(h, res);
      digests.set(res.seq, h.digest());
    }
  }
  db.close();
  return { engine, hash: engine.stateHash(), seq: engine.seq, digests };
}
