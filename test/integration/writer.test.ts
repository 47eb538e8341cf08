/**
 * The database writer (src-main/host/writer.ts): a worker thread commits what the main thread lays out. A write that
 * fails, or a writer thread that stops, fails the exchange with a clear status and acknowledges nothing it did not
 * commit; a restart recovers exactly what was committed. Commands arriving faster than the writer commits wait,
 * so memory stays bounded. A real SQLite file in a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type Ack, Exchange, ExchangeUnavailableError } from '../../src-main/host/exchange.ts';
import { OrderFlow } from '../../src-main/host/flow.ts';
import { DB_FILE } from '../../src-main/store/database.ts';
import { cleanReplay, dataDirsPerTest, FUTURES, runFlow } from './exchange-helpers.ts';

const dataDir = dataDirsPerTest();

/** Runs SQL on the exchange's file from a connection of its own (waiting for the writer's lock if need be). */
function sideConnection(dir: string, sql: string): void {
  const db = new Database(join(dir, DB_FILE));
  db.pragma('busy_timeout = 5000');
  db.exec(sql);
  db.close();
}

describe('the database writer', () => {
  it('a failed write fails the exchange: nothing of that batch is acknowledged or kept, and a restart recovers what was committed', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    const before = await runFlow(ex, 5, 10, 400);
    expect(before.filter((a) => a.ok).length).toBeGreaterThan(200);
    const committed = ex.stats().journaledSeq;
    expect(committed).toBe(ex.stats().lastSeq);
    const hash = ex.engine.stateHash();
    // from now on every trade row the writer inserts is refused, as a full disk would refuse it
    sideConnection(
      dir,
      "CREATE TRIGGER refuse_trades BEFORE INSERT ON trades BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END",
    );
    await expect(runFlow(ex, 6, 10, 400, 100)).rejects.toThrow(/journal write failed.*simulated write failure/);
    expect(ex.state).toBe('failed');
    await expect(ex.submit({ kind: 'Deposit', accountId: 1, amount: 1 })).rejects.toBeInstanceOf(
      ExchangeUnavailableError,
    );
    const failedAt = ex.stats().journaledSeq;
    expect(failedAt).toBeGreaterThanOrEqual(committed);
    expect(failedAt).toBeLessThan(ex.stats().lastSeq);
    await ex.close();

    sideConnection(dir, 'DROP TRIGGER refuse_trades');
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    const last = db.prepare('SELECT max(last_seq) AS s FROM journal').get() as { s: number };
    db.close();
    expect(last.s).toBe(failedAt);
    const again = await Exchange.open({ dataDir: dir });
    expect(again.engine.seq).toBe(failedAt);
    expect(again.engine.stateHash()).toBe(cleanReplay(dir).hash);
    if (failedAt === committed) expect(again.engine.stateHash()).toBe(hash);
    // and it trades again
    const more = await runFlow(again, 7, 5, 100, 300);
    expect(more.filter((a) => a.ok).length).toBeGreaterThan(50);
    await again.close();
  });

  it('a writer thread that stops fails the exchange with a clear status; a restart recovers what was committed', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    await runFlow(ex, 3, 5, 200);
    const committed = ex.stats().journaledSeq;
    const hash = ex.engine.stateHash();
    await ex.writerThread.terminate();
    const refused = ex.submit({ kind: 'Deposit', accountId: 1, amount: 1 });
    await expect(refused).rejects.toThrow(/database writer exited/);
    expect(ex.state).toBe('failed');
    expect(ex.stats().journaledSeq).toBe(committed);
    await ex.close();
    const again = await Exchange.open({ dataDir: dir });
    expect(again.engine.seq).toBe(committed);
    expect(again.engine.stateHash()).toBe(hash);
    await again.close();
  });

  it('holds new batches back while the writer is far behind, so what waits for a commit stays bounded', async () => {
    const dir = dataDir();
    const maxBatch = 64;
    const ex = await Exchange.open({ dataDir: dir, demo: true, maxBatch });
    const flow = new OrderFlow({ seed: 11, accounts: 20, instruments: FUTURES });
    for (const a of await Promise.all(flow.setup().map((c) => ex.submit(c)))) expect(a.ok).toBe(true);
    let most = 0;
    const sample = () => {
      most = Math.max(most, ex.stats().unjournaled);
    };
    const acks: Promise<Ack>[] = [];
    for (let i = 0; i < 20_000; i++) {
      const cmd = flow.next();
      const p = ex.submit(cmd, sample);
      void p.then(sample);
      acks.push(p);
      if (cmd.kind === 'PlaceOrder') flow.placedOrder(ex.lastSeq);
    }
    const all = await Promise.all(acks);
    expect(all.map((a) => a.seq)).toEqual(all.map((_, i) => all[0]!.seq + i));
    // 8 batches may wait for a commit, and one more is applied while the limit is checked
    expect(most).toBeGreaterThan(maxBatch);
    expect(most).toBeLessThanOrEqual(maxBatch * 9);
    expect(ex.stats().journaledSeq).toBe(ex.stats().lastSeq);
    const hash = ex.engine.stateHash();
    await ex.close();
    expect(cleanReplay(dir).hash).toBe(hash);
  });

  it('an idle writer does not keep a process alive: a script that never closes the exchange still ends', async () => {
    const dir = dataDir();
    const exchangeModule = fileURLToPath(new URL('../../src-main/host/exchange.ts', import.meta.url));
    const script = `
      const { Exchange } = await import(${JSON.stringify(exchangeModule)});
      const ex = await Exchange.open({ dataDir: ${JSON.stringify(dir)}, demo: true });
      const ack = await ex.submit({ kind: 'Deposit', accountId: 999999, amount: 1 });
      process.stdout.write(String(ack.seq));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    // ended on its own (a thread kept alive would run into the timeout and be killed with SIGTERM)
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const seq = Number(r.stdout);
    expect(seq).toBeGreaterThan(0);
    // and what it was acknowledged is there
    const again = await Exchange.open({ dataDir: dir });
    expect(again.engine.seq).toBe(seq);
    await again.close();
  });
});
