/**
 * WAL checkpoints in a worker thread (src-main/host/checkpointer.ts): the main connection stops checkpointing, the
 * worker copies committed frames into the database file, and when the worker is gone the main connection
 * checkpoints again. A real SQLite file in a temporary folder.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Exchange } from '../../src-main/host/exchange.ts';
import { DB_FILE } from '../../src-main/store/database.ts';
import { cleanReplay, dataDirsPerTest, runFlow } from './exchange-helpers.ts';

const dataDir = dataDirsPerTest();

const autoCheckpoint = (ex: Exchange) => ex.database.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpoints', () => {
  it('run in the worker while the exchange commits; the main connection does none', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    expect(ex.checkpoints().mode).toBe('worker');
    expect(autoCheckpoint(ex)).toBe(0);
    const next = ex.checkpointWorker!.nextCheckpoint();
    await runFlow(ex, 3, 10, 3_000);
    await next;
    const s = ex.checkpoints();
    expect(s.checkpoints).toBeGreaterThanOrEqual(1);
    expect(s.frames).toBeGreaterThan(0);
    expect(s.failure).toBeNull();
    const hash = ex.engine.stateHash();
    await ex.close();
    // the worker closed its connection first: the main one was the last and removed the WAL
    expect(existsSync(join(dir, `${DB_FILE}-wal`))).toBe(false);
    expect(statSync(join(dir, DB_FILE)).size).toBeGreaterThan(0);
    const again = await Exchange.open({ dataDir: dir });
    expect(again.engine.stateHash()).toBe(hash);
    expect(cleanReplay(dir).hash).toBe(hash);
    await again.close();
  });

  it('go back to the main connection when the worker stops, and the exchange goes on', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    expect(autoCheckpoint(ex)).toBe(0);
    const code = await ex.checkpointWorker!.thread.terminate();
    expect(code).toBe(1);
    const s = ex.checkpoints();
    expect(s.mode).toBe('main');
    expect(s.failure).toMatch(/checkpoint worker exited/);
    expect(autoCheckpoint(ex)).toBe(1_000);
    const acks = await runFlow(ex, 5, 10, 1_000);
    expect(acks.filter((a) => a.ok).length).toBeGreaterThan(500);
    const hash = ex.engine.stateHash();
    await ex.close();
    const again = await Exchange.open({ dataDir: dir });
    expect(again.engine.stateHash()).toBe(hash);
    expect(again.checkpoints().mode).toBe('worker');
    await again.close();
  });
});
