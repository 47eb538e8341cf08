/**
 * The running exchange on a real SQLite file: sequencing, journal, read models, snapshots, recovery, the torn
 * tail, damaged snapshots and foreign files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { Exchange, ExchangeUnavailableError } from '../../src-main/host/exchange.ts';
import { closeJobs, statementsCsvInWorker } from '../../src-main/host/jobs.ts';
import { RecoveryError } from '../../src-main/host/recovery.ts';
import { STATEMENT_COLUMNS } from '../../src-main/host/statements-csv.ts';
import { DataFileError, DB_FILE } from '../../src-main/store/database.ts';
import { cleanReplay, dataDirsPerTest, runFlow } from './exchange-helpers.ts';

const dataDir = dataDirsPerTest();

describe('Exchange on a SQLite file', () => {
  it('creates the demo market, sequences commands and acknowledges in order', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    expect(ex.engine.instrumentIds()).toEqual(DEMO_INSTRUMENTS.map((s) => s.id).sort());
    for (const s of DEMO_INSTRUMENTS) expect(ex.engine.phase(s.id)).toBe('continuous');
    const before = ex.stats().lastSeq;
    const acks = await runFlow(ex, 7, 10, 2_000);
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toEqual(seqs.map((_, i) => before + 21 + i));
    expect(acks.filter((a) => a.ok).length).toBeGreaterThan(1_000);
    expect(ex.stats().journaledSeq).toBe(ex.stats().lastSeq);
    ex.engine.validateInternalState();
    await ex.close();
  });

  it('projects orders, trades, account history and K-lines in the same transaction as the journal', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    for (const accountId of [1, 2]) {
      await ex.submit({ kind: 'CreateAccount', accountId, userId: accountId, accountKind: 'futures' });
      await ex.submit({ kind: 'Deposit', accountId, amount: 100_000_000_00 });
    }
    const base = { kind: 'PlaceOrder', instrumentId: 'IF2612', type: 'limit', tif: 'GFD', offset: 'open' } as const;
    const sell = await ex.submit({ ...base, accountId: 1, side: 'sell', price: 38_000, volume: 5 });
    const buy = await ex.submit({ ...base, accountId: 2, side: 'buy', price: 38_000, volume: 2 });
    const rest = await ex.submit({ ...base, accountId: 2, side: 'buy', price: 37_000, volume: 1 });
    await ex.submit({ kind: 'CancelOrder', orderId: rest.seq, accountId: 2 });
    const bad = await ex.submit({ ...base, accountId: 2, side: 'buy', price: 38_001, volume: 1 });
    expect(bad.ok).toBe(false);
    const db = ex.database;
    const order = (id: number) =>
      db.prepare('SELECT status, filled, remaining, volume, reason FROM orders WHERE order_id = ?').get(id);
    expect(order(sell.seq)).toEqual({ status: 'partial', filled: 2, remaining: 3, volume: 5, reason: null });
    expect(order(buy.seq)).toEqual({ status: 'filled', filled: 2, remaining: 0, volume: 2, reason: null });
    expect(order(rest.seq)).toEqual({ status: 'canceled', filled: 0, remaining: 0, volume: 0, reason: 'canceled' });
    expect(order(bad.seq)).toMatchObject({ status: 'rejected', reason: 'VALIDATION_PRICE_NOT_ON_TICK' });
    const trades = db.prepare('SELECT price, volume, buy_account_id, sell_account_id FROM trades').all();
    expect(trades).toEqual([{ price: 38_000, volume: 2, buy_account_id: 2, sell_account_id: 1 }]);
    const k = db.prepare('SELECT period, open, high, low, close, volume FROM klines ORDER BY period').all();
    expect(k).toEqual([
      { period: 3, open: 38_000, high: 38_000, low: 38_000, close: 38_000, volume: 2 },
      { period: 60, open: 38_000, high: 38_000, low: 38_000, close: 38_000, volume: 2 },
    ]);
    // the equity curve keeps a point a second per account; the newest waits and is written by close at the latest
    const live = ex.engine.account(2)!;
    await ex.close();
    const after = new Database(join(dir, DB_FILE), { readonly: true });
    const hist = after
      .prepare('SELECT balance, available FROM account_history WHERE account_id = 2 ORDER BY seq DESC LIMIT 1')
      .get() as { balance: number; available: number };
    after.close();
    expect(hist).toEqual({ balance: live.balance, available: live.available });
  });

  it('comes back after close from its snapshot with the same state, and refuses commands once closed', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    await runFlow(ex, 11, 20, 3_000);
    const hash = ex.engine.stateHash();
    const seq = ex.stats().lastSeq;
    await ex.close();
    await expect(ex.submit({ kind: 'Settle' })).rejects.toBeInstanceOf(ExchangeUnavailableError);
    const again = await Exchange.open({ dataDir: dir });
    expect(again.recovery.snapshotSeq).toBe(seq);
    expect(again.recovery.commandsReplayed).toBe(0);
    expect(again.engine.stateHash()).toBe(hash);
    expect(cleanReplay(dir).hash).toBe(hash);
    const next = await again.submit({ kind: 'CancelOrder', orderId: 999_999_999 });
    expect(next.seq).toBe(seq + 1);
    await again.close();
  });

  it('replays the journal after an abrupt stop (no final snapshot), with periodic snapshots in between', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true, snapshotEvery: 1_000 });
    await runFlow(ex, 13, 20, 4_000);
    expect(ex.stats().snapshots).toBeGreaterThan(0);
    ex.snapshot();
    const tail = await runFlow(ex, 14, 5, 300, 100);
    expect(tail.at(-1)!.seq - ex.stats().lastSnapshotSeq).toBeGreaterThan(0);
    const hash = ex.engine.stateHash();
    const seq = ex.stats().lastSeq;
    ex.database.close(); // the process stops here: nothing more is written
    const progress: number[] = [];
    const again = await Exchange.open({
      dataDir: dir,
      onRecoveryProgress: (p) => progress.push(p.batchesDone),
    });
    expect(again.recovery.snapshotSeq).toBeGreaterThan(0);
    expect(again.recovery.snapshotSeq).toBeLessThan(seq);
    expect(again.recovery.lastSeq).toBe(seq);
    expect(again.engine.stateHash()).toBe(hash);
    expect(progress.at(-1)).toBe(again.recovery.batchesReplayed);
    await again.close();
  });

  it('halt() stops without writing anything more: no snapshot, and the folder recovers from the journal alone', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true, snapshotEvery: 1e9 });
    await runFlow(ex, 19, 10, 1_000);
    const hash = ex.engine.stateHash();
    const seq = ex.stats().lastSeq;
    await ex.halt();
    expect(ex.database.open).toBe(false);
    await ex.halt(); // a second call does nothing
    await expect(ex.submit({ kind: 'SetPhase', instrumentId: 'X', phase: 'closed' })).rejects.toThrow();
    const raw = new Database(join(dir, DB_FILE), { readonly: true });
    expect((raw.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n).toBe(0);
    expect((raw.prepare('SELECT max(last_seq) AS s FROM journal').get() as { s: number }).s).toBe(seq);
    raw.close();
    const again = await Exchange.open({ dataDir: dir });
    expect(again.recovery.snapshotSeq).toBe(0);
    expect(again.recovery.lastSeq).toBe(seq);
    expect(again.engine.stateHash()).toBe(hash);
    await again.close();
  });

  it('drops a torn last batch (checksum fails) and keeps everything before it', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true, snapshotEvery: 1e9 });
    await runFlow(ex, 17, 10, 1_500);
    ex.database.close();
    const raw = new Database(join(dir, DB_FILE));
    const last = raw.prepare('SELECT max(batch) AS b FROM journal').get() as { b: number };
    raw.prepare('UPDATE journal SET commands = substr(commands, 1, length(commands) / 2) WHERE batch = ?').run(last.b);
    raw.close();
    const expected = cleanReplay(dir, last.b - 1);
    const again = await Exchange.open({ dataDir: dir });
    expect(again.recovery.droppedBatch?.batch).toBe(last.b);
    expect(again.engine.stateHash()).toBe(expected.hash);
    expect(again.stats().lastSeq).toBe(expected.seq);
    const ack = await again.submit({ kind: 'CancelOrder', orderId: 1 });
    expect(ack.seq).toBe(expected.seq + 1);
    await again.close();
  });

  it('refuses a journal damaged before its last batch and leaves the file as it was', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true, snapshotEvery: 1e9 });
    await runFlow(ex, 19, 10, 1_500);
    // the process stops here, its checkpoint worker with it (a live one would copy the edit below into the file later)
    await ex.checkpointWorker?.stop();
    ex.database.close();
    const raw = new Database(join(dir, DB_FILE));
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.prepare('UPDATE journal SET commands = replace(commands, \'"buy"\', \'"sell"\') WHERE batch = 3').run();
    raw.close();
    const bytes = readFileSync(join(dir, DB_FILE));
    await expect(Exchange.open({ dataDir: dir })).rejects.toThrow(RecoveryError);
    await expect(Exchange.open({ dataDir: dir })).rejects.toThrow(/batch 3 .* damaged/);
    expect(readFileSync(join(dir, DB_FILE)).equals(bytes)).toBe(true);
  });

  it('migrates a data folder whose snapshots are plain JSON text (schema 2) and recovers from its snapshot', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    await runFlow(ex, 31, 10, 1_500);
    const hash = ex.engine.stateHash();
    const lastSeq = ex.engine.seq;
    const text = JSON.stringify(ex.engine.exportState());
    await ex.close();
    // turn the folder back into what schema 2 wrote: a TEXT state, its checksum over the text without a format
    const raw = new Database(join(dir, DB_FILE));
    const batch = (raw.prepare('SELECT max(batch) AS b FROM journal').get() as { b: number }).b;
    raw.exec(`
      DROP TABLE snapshots;
      CREATE TABLE snapshots (last_seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL, state TEXT NOT NULL,
        state_hash INTEGER NOT NULL, checksum INTEGER NOT NULL, created_ms INTEGER NOT NULL) STRICT;
    `);
    const checksum = crc32(text, crc32(`${lastSeq}|${batch}|${hash}|`));
    raw.prepare('INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?)').run(lastSeq, batch, text, hash, checksum, 1);
    raw.pragma('user_version = 2');
    raw.close();

    const again = await Exchange.open({ dataDir: dir });
    expect(again.recovery.snapshotsSkipped).toEqual([]);
    expect(again.recovery.snapshotSeq).toBe(lastSeq);
    expect(again.recovery.commandsReplayed).toBe(0);
    expect(again.engine.stateHash()).toBe(hash);
    const rows = again.database.prepare('SELECT last_seq, format, typeof(state) AS t FROM snapshots').all();
    expect(rows).toEqual([{ last_seq: lastSeq, format: 1, t: 'blob' }]);
    expect(again.database.pragma('user_version', { simple: true })).toBe(3);
    // the next snapshot is written packed, and the folder recovers from it
    await again.submit({ kind: 'Deposit', accountId: 1, amount: 1 });
    const hash2 = again.engine.stateHash();
    await again.close();
    const third = await Exchange.open({ dataDir: dir });
    expect(third.recovery.snapshotSeq).toBe(lastSeq + 1);
    expect(third.recovery.commandsReplayed).toBe(0);
    expect(third.engine.stateHash()).toBe(hash2);
    const formats = third.database.prepare('SELECT format FROM snapshots ORDER BY last_seq').pluck().all();
    expect(formats).toEqual([1, 2]);
    await third.close();
  });

  it('passes over a damaged snapshot and recovers the same state from the journal', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    await runFlow(ex, 23, 10, 1_000);
    const hash = ex.engine.stateHash();
    await ex.close();
    const raw = new Database(join(dir, DB_FILE));
    const changed = raw
      .prepare(`UPDATE snapshots SET state = CAST(replace(CAST(state AS TEXT), '"continuous"', '"halted"') AS BLOB)`)
      .run().changes;
    expect(changed).toBeGreaterThan(0);
    raw.close();
    const again = await Exchange.open({ dataDir: dir });
    expect(again.recovery.snapshotsSkipped.map((s) => s.why)).toContain('checksum mismatch');
    expect(again.recovery.snapshotSeq).toBe(0);
    expect(again.engine.stateHash()).toBe(hash);
    await again.close();
  });

  it('refuses a file that is not a deskex database and never writes to it', async () => {
    const dir = dataDir();
    const path = join(dir, DB_FILE);
    writeFileSync(path, "this is somebody else's notes, not a database\n".repeat(100));
    const before = readFileSync(path);
    await expect(Exchange.open({ dataDir: dir })).rejects.toBeInstanceOf(DataFileError);
    expect(readFileSync(path).equals(before)).toBe(true);

    const dir2 = dataDir();
    const other = new Database(join(dir2, DB_FILE));
    other.exec('CREATE TABLE recipes (name TEXT)');
    other.close();
    const before2 = readFileSync(join(dir2, DB_FILE));
    await expect(Exchange.open({ dataDir: dir2 })).rejects.toThrow(/another program/);
    expect(readFileSync(join(dir2, DB_FILE)).equals(before2)).toBe(true);
  });

  it('fast durability acknowledges before the commit and journals within its flush bound', async () => {
    const dir = dataDir();
    const ex = await Exchange.open({ dataDir: dir, demo: true, durability: 'fast', fastFlushMs: 5 });
    const acks = await runFlow(ex, 29, 5, 300);
    const last = acks.at(-1)!.seq;
    await ex.flushed();
    expect(ex.stats().journaledSeq).toBe(last);
    await ex.close();
    const strict = await Exchange.open({ dataDir: dir, durability: 'strict' });
    expect(strict.stats().lastSeq).toBe(last);
    const a = await strict.submit({ kind: 'CancelOrder', orderId: 1 });
    expect(strict.stats().journaledSeq).toBe(a.seq);
    await strict.close();
  });
});

describe('settlement in steps', () => {
  it('settles many accounts across event-loop turns, with the same result as one apply, commands queued after it', async () => {
    const dir = dataDir();
    const T = 1_900_000_000_000;
    const ex = await Exchange.open({ dataDir: dir, demo: true, settleChunk: 300, clock: () => T });
    const stocks = DEMO_INSTRUMENTS.filter((s) => s.kind === 'stock');
    const setup: Promise<unknown>[] = [];
    for (let id = 1; id <= 3_000; id++) {
      setup.push(ex.submit({ kind: 'CreateAccount', accountId: id, userId: id, accountKind: 'stock' }));
      setup.push(ex.submit({ kind: 'Deposit', accountId: id, amount: 1_000_000 }));
      for (const s of stocks) {
        setup.push(
          ex.submit({
            kind: 'DepositHoldings',
            accountId: id,
            instrumentId: s.id,
            volume: 100 * (1 + (id % 5)),
            price: s.referencePrice!,
          }),
        );
      }
    }
    await runFlow(ex, 41, 20, 400, 10_001);
    await Promise.all(setup);
    for (const s of DEMO_INSTRUMENTS) await ex.submit({ kind: 'SetPhase', instrumentId: s.id, phase: 'closed' });
    // the same commands through one engine.apply each: the reference result
    const reference = cleanReplay(dir).engine;
    const progress: number[] = [];
    let turns = 0;
    let watching = true;
    const watch = () => {
      turns++;
      const done = ex.stats().settlingAccountsDone;
      if (done !== null) progress.push(done);
      if (watching) setImmediate(watch);
    };
    setImmediate(watch);
    const settle = ex.submit({ kind: 'Settle' });
    const after = ex.submit({ kind: 'SetPhase', instrumentId: 'IF2612', phase: 'continuous' });
    const ack = await settle;
    watching = false;
    expect(ack.ok).toBe(true);
    const expected = reference.apply({ kind: 'Settle', seq: ack.seq, ts: T });
    reference.apply({ kind: 'SetPhase', seq: ack.seq + 1, ts: T, instrumentId: 'IF2612', phase: 'continuous' });
    expect(progress.length).toBeGreaterThan(5); // other work ran between the slices
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(progress.at(-1)).toBeLessThan(3_020);
    expect(turns).toBeGreaterThan(progress.length);
    expect((await after).seq).toBe(ack.seq + 1);
    expect(ack.ok && ack.events.filter((e) => e.kind === 'AccountSettled').length).toBe(3_020);
    expect(ack).toEqual(expected);
    expect(ex.engine.stateHash()).toBe(reference.stateHash());
    await ex.close();
    // the day's statements as CSV, rendered in a worker thread, parse back to the statement events
    const settled = ack.ok ? ack.events.filter((e) => e.kind === 'AccountSettled') : [];
    const { csv, rows } = await statementsCsvInWorker(dir, settled[0]!.tradingDay);
    await closeJobs();
    const [header, ...lines] = csv.trimEnd().split('\n');
    expect(header!.split(',')).toEqual([...STATEMENT_COLUMNS]);
    expect(rows).toBe(settled.length);
    const col = (name: string) => STATEMENT_COLUMNS.indexOf(name as never);
    lines.forEach((line, i) => {
      const cells = line.split(',');
      const a = settled[i]!.account;
      expect([Number(cells[col('accountId')]), Number(cells[col('balance')]), Number(cells[col('available')])]).toEqual(
        [a.accountId, a.balance, a.available],
      );
      expect(Number(cells[col('positions')])).toBe(settled[i]!.positions.length);
    });
  });
});

describe('account history (the equity curve)', () => {
  it('keeps at most a point a second per account by command time, the newest written once due or at close', async () => {
    const dir = dataDir();
    let now = 1_000_000;
    const ex = await Exchange.open({ dataDir: dir, demo: true, clock: () => now });
    const rows = () =>
      ex.database.prepare('SELECT ts, balance FROM account_history WHERE account_id = 7 ORDER BY seq').all() as {
        ts: number;
        balance: number;
      }[];
    expect((await ex.submit({ kind: 'CreateAccount', accountId: 7, userId: 7, accountKind: 'futures' })).ok).toBe(true);
    expect(rows()).toHaveLength(1); // the first change of an account is written at once
    for (let i = 1; i <= 5; i++) {
      now += 100;
      expect((await ex.submit({ kind: 'Deposit', accountId: 7, amount: i })).ok).toBe(true);
    }
    expect(rows()).toHaveLength(1); // 500 ms of changes wait
    now += 600; // 1,100 ms after the first point: another account's command makes the waiting point due
    expect((await ex.submit({ kind: 'CreateAccount', accountId: 8, userId: 8, accountKind: 'futures' })).ok).toBe(true);
    expect(rows().map((r) => r.balance)).toEqual([0, 15]);
    now += 100;
    expect((await ex.submit({ kind: 'Deposit', accountId: 7, amount: 100 })).ok).toBe(true);
    expect(rows()).toHaveLength(2);
    await ex.close();
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    const last = db.prepare('SELECT balance FROM account_history WHERE account_id = 7 ORDER BY seq DESC LIMIT 1').get();
    db.close();
    expect(last).toEqual({ balance: 115 });
  });
});
