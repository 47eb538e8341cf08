/**
 * The deskex command line as a user runs it: the real `bin/deskex.mjs` in a child process, on temporary data
 * folders. Usage and exit codes, serve --orders (results per line, the sequence continuing across runs), replay
 * --verify (clean and tampered journal), a foreign data file, and SIGTERM. Synchronisation is on process output and
 * exit events only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { Exchange } from '../../src-main/host/exchange.ts';
import { DB_FILE } from '../../src-main/store/database.ts';
import { DEMO, dataDir, deskex, jsonLines, type Run, type Started, start, stoppedAt, waitFor } from './cli-helpers.ts';

const firstLine = (s: string) => s.split('\n')[0]!;
/** Resolves once a started deskex has exited. */
const exited = (p: Started) => p.exited;

describe('deskex usage and exit codes', () => {
  it('help and --help print the usage naming serve, replay and their options, and exit 0', async () => {
    const [help, dashHelp, short] = await Promise.all([deskex('help'), deskex('--help'), deskex('-h')]);
    for (const r of [help, dashHelp, short]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^deskex: a desktop exchange\n/);
      expect(r.stdout).toContain('deskex serve [options]');
      expect(r.stdout).toContain('deskex replay --verify [options]');
      for (const opt of [
        '--data-dir DIR',
        '--durability MODE',
        '--shards N',
        '--orders FILE',
        '--exit',
        '--status-every',
      ])
        expect(r.stdout).toContain(opt);
      expect(r.stdout).toContain('strict | batched (default) | fast');
    }
    expect(dashHelp.stdout).toBe(help.stdout);
  });

  it('no command prints the usage and exits 2; unknown commands and options exit 2 with a one-line error', async () => {
    const parent = dataDir();
    const notMade = join(parent, 'never-created');
    const [none, unknown, badOption, badDurability, noVerify, badShards, extra] = await Promise.all([
      deskex(),
      deskex('frobnicate'),
      deskex('serve', '--bogus', '--data-dir', notMade),
      deskex('serve', '--durability', 'nope', '--data-dir', notMade),
      deskex('replay', '--data-dir', notMade),
      deskex('serve', '--shards', '1.5', '--data-dir', notMade),
      deskex('serve', 'extra', '--data-dir', notMade),
    ]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('deskex serve [options]');
    expect(none.stdout).toContain('deskex replay --verify [options]');

    const errors: [Run, RegExp][] = [
      [unknown, /^deskex: unknown command frobnicate$/],
      [badOption, /^deskex: Unknown option '--bogus'/],
      [badDurability, /^deskex: --durability must be one of strict, batched, fast$/],
      [noVerify, /^deskex: replay needs --verify/],
      [badShards, /^deskex: --shards must be a whole number >= 0$/],
      [extra, /^deskex: unexpected argument extra$/],
    ];
    for (const [r, line] of errors) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      // the error is one line (no stack trace); the usage follows after a blank line
      expect(firstLine(r.stderr)).toMatch(line);
      expect(r.stderr.split('\n')[1]).toBe('');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // usage errors are found before the data folder is touched
    expect(existsSync(notMade)).toBe(false);
  });
});

describe('deskex serve --orders and replay --verify on one data folder', () => {
  const dir = dataDir();
  const file = join(dataDir(), 'orders.jsonl');
  const sellSeq = DEMO + 5; // the fifth sequenced command of the first run, after the demo market
  const futures = { kind: 'PlaceOrder', instrumentId: 'IF2612', type: 'limit', tif: 'GFD', offset: 'open' };
  const lines = [
    '# two accounts, a trade and a cancel on IF2612',
    JSON.stringify({ kind: 'CreateAccount', accountId: 1, userId: 1, accountKind: 'futures' }),
    JSON.stringify({ kind: 'Deposit', accountId: 1, amount: 100_000_000_00 }),
    JSON.stringify({ kind: 'CreateAccount', accountId: 2, userId: 2, accountKind: 'futures' }),
    JSON.stringify({ kind: 'Deposit', accountId: 2, amount: 100_000_000_00 }),
    '',
    JSON.stringify({ ...futures, accountId: 1, side: 'sell', price: 38_000, volume: 5 }),
    JSON.stringify({ ...futures, accountId: 2, side: 'buy', price: 38_000, volume: 2 }),
    JSON.stringify({ kind: 'CancelOrder', orderId: sellSeq, accountId: 1 }),
    JSON.stringify({ kind: 'PlaceOrder', accountId: 1 }),
    '{"kind": "Deposit", "accountId": 1,',
    'null',
    '   # an indented comment',
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const sequencedLines = [2, 3, 4, 5, 7, 8, 9, 10];
  let firstRunLast = 0;
  let secondRunLast = 0;

  it('prints one JSON result per command line, sequenced after the demo market, and exits 0', async () => {
    const r = await deskex('serve', '--data-dir', dir, '--orders', file, '--exit', '--status-every', '0');
    expect(r.code, r.stderr).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => o.line)).toEqual([2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
    const byLine = new Map(out.map((o) => [o.line as number, o]));
    // every sequenced line has the next seq, accepted or rejected
    expect(sequencedLines.map((l) => byLine.get(l)!.seq)).toEqual(sequencedLines.map((_, i) => DEMO + 1 + i));
    for (const l of [2, 3, 4, 5, 7, 8, 9]) expect(byLine.get(l)!.ok, `line ${l}`).toBe(true);
    expect(byLine.get(7)!.seq).toBe(sellSeq);
    const trade = (byLine.get(8)!.events as { kind: string }[]).find((e) => e.kind === 'TradeExecuted');
    expect(trade).toMatchObject({
      instrumentId: 'IF2612',
      price: 38_000,
      volume: 2,
      sellOrderId: sellSeq,
      buyOrderId: sellSeq + 1,
      buyAccountId: 2,
      sellAccountId: 1,
    });
    expect(byLine.get(9)!.events).toContainEqual(expect.objectContaining({ kind: 'OrderCanceled', orderId: sellSeq }));
    expect(byLine.get(10)).toMatchObject({ ok: false, reject: { code: 'VALIDATION_MALFORMED_COMMAND' } });
    expect(byLine.get(11)!.ok).toBe(false);
    expect(byLine.get(11)!.error).toMatch(/^not JSON: /);
    expect(byLine.get(11)!.seq).toBeUndefined();
    expect(byLine.get(12)).toEqual({ line: 12, ok: false, error: 'not a command: a JSON object' });
    firstRunLast = DEMO + sequencedLines.length;
    expect(r.stderr).toMatch(/^deskex: ready, data .*, durability batched, /);
    expect(r.stderr).toContain(`shards 0, seq ${DEMO} `); // a new folder: ready after the demo market
    expect(stoppedAt(r.stderr)).toBe(firstRunLast);
  });

  it('a second run on the same folder continues the sequence and does not create the demo market again', async () => {
    expect(firstRunLast).toBeGreaterThan(DEMO);
    const r = await deskex('serve', '--data-dir', dir, '--orders', file, '--exit', '--status-every', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`durability batched, shards 0, seq ${firstRunLast} `);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => o.line)).toEqual([2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
    const seqs = out.filter((o) => o.seq !== undefined).map((o) => o.seq);
    expect(seqs).toEqual(sequencedLines.map((_, i) => firstRunLast + 1 + i));
    // the accounts exist already; the order of the first run is gone
    expect(out[0]).toMatchObject({ line: 2, ok: false, reject: { code: 'ACCOUNT_DUPLICATE' } });
    expect(out[1]).toMatchObject({ line: 3, ok: true });
    expect(out.find((o) => o.line === 9)).toMatchObject({ ok: false, reject: { code: 'MATCHING_UNKNOWN_ORDER' } });
    secondRunLast = firstRunLast + sequencedLines.length;
    expect(stoppedAt(r.stderr)).toBe(secondRunLast);

    const db = new Database(join(dir, DB_FILE), { readonly: true });
    const rows = db.prepare('SELECT commands FROM journal ORDER BY batch').all() as { commands: string }[];
    db.close();
    const commands = rows.flatMap((row) => JSON.parse(row.commands) as { kind: string; seq: number }[]);
    expect(commands.map((c) => c.seq)).toEqual(Array.from({ length: secondRunLast }, (_, i) => i + 1));
    expect(commands.filter((c) => c.kind === 'AddInstrument').length).toBe(DEMO_INSTRUMENTS.length);
  });

  it('replay --verify checks the whole journal and exits 0', async () => {
    expect(secondRunLast).toBeGreaterThan(firstRunLast);
    const r = await deskex('replay', '--verify', '--data-dir', dir);
    expect(r.code, r.stderr).toBe(0);
    const report = jsonLines(r.stdout).at(-1)!;
    expect(report).toMatchObject({ ok: true, commands: secondRunLast, lastSeq: secondRunLast, problems: [] });
    expect(report.snapshotsChecked).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toContain(`deskex: journal verified: ${report.batches} batches, ${secondRunLast} commands`);
  });

  it('replay --verify finds a batch damaged in the middle, reports it and exits 1, writing nothing', async () => {
    const raw = new Database(join(dir, DB_FILE));
    const batches = raw.prepare('SELECT batch, first_seq, last_seq FROM journal ORDER BY batch').all() as {
      batch: number;
      first_seq: number;
      last_seq: number;
    }[];
    const target = batches.find((b) => b.first_seq === sellSeq)!;
    expect(target.batch).toBeGreaterThan(batches[0]!.batch);
    expect(target.batch).toBeLessThan(batches.at(-1)!.batch);
    const changed = raw
      .prepare('UPDATE journal SET commands = replace(commands, \'"sell"\', \'"buy"\') WHERE batch = ?')
      .run(target.batch);
    expect(changed.changes).toBe(1);
    raw.close();
    const bytes = readFileSync(join(dir, DB_FILE));

    const r = await deskex('replay', '--verify', '--data-dir', dir);
    expect(r.code, r.stderr).toBe(1);
    const report = jsonLines(r.stdout).at(-1)!;
    const problem = `batch ${target.batch} (seq ${target.first_seq}..${target.last_seq}) fails its checksum`;
    expect(report).toMatchObject({ ok: false, problems: [problem], batches: target.batch - batches[0]!.batch });
    expect(r.stderr).toContain(`deskex: ${problem}\n`);
    expect(readFileSync(join(dir, DB_FILE)).equals(bytes)).toBe(true);
  });
});

describe('deskex on a data folder that is not its own', () => {
  it('serve and replay exit 3 with a one-line error and leave a text deskex.db unchanged', async () => {
    const dir = dataDir();
    const path = join(dir, DB_FILE);
    writeFileSync(path, 'my shopping list: milk, eggs, bread\n'.repeat(50));
    const before = readFileSync(path);
    const [serve, replay] = await Promise.all([
      deskex('serve', '--data-dir', dir, '--status-every', '0'),
      deskex('replay', '--verify', '--data-dir', dir),
    ]);
    for (const r of [serve, replay]) {
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^deskex: .*deskex\.db: not a deskex database/);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('replay --verify of a folder with no database exits 3 and creates nothing', async () => {
    const dir = join(dataDir(), 'empty');
    const r = await deskex('replay', '--verify', '--data-dir', dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^deskex: .*deskex\.db: no database here\n$/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('deskex serve answers HTTP', () => {
  it('serves /health without credentials, writes the first admin password, and the admin can log in', async () => {
    const dir = dataDir();
    const p = start(['serve', '--data-dir', dir, '--status-every', '0']);
    const done = exited(p);
    await waitFor(p, 'stderr', (s) => /API and UI at http:\/\/127\.0\.0\.1:\d+ /.test(s));
    const url = /API and UI at (http:\/\/127\.0\.0\.1:\d+) /.exec(p.out.stderr)![1]!;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ready');
    // everything else needs credentials
    const anon = await fetch(`${url}/api/v1/instruments`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { code: string }).code).toBe('API_UNAUTHENTICATED');
    expect(p.out.stderr).toContain('admin-password.txt');
    const password = readFileSync(join(dir, 'admin-password.txt'), 'utf8').trim();
    const login = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const list = await fetch(`${url}/api/v1/instruments`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const ids = ((await list.json()) as { instruments: { spec: { id: string } }[] }).instruments.map((i) => i.spec.id);
    expect(ids).toEqual(expect.arrayContaining(['IF2612', 'IH2612', 'rb2605', 'cu2605', '600519', '000001']));
    expect(p.child.kill('SIGTERM')).toBe(true);
    expect((await done).code).toBe(0);
  });

  it('a port in use is a one-line usage error with exit code 2', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await deskex('serve', '--data-dir', dataDir(), '--port', String(port), '--status-every', '0');
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('deskex serve stops cleanly on SIGTERM', () => {
  it('a serve with nothing to do keeps running until SIGTERM, then snapshots and exits 0', async () => {
    const dir = dataDir();
    const p = start(['serve', '--data-dir', dir, '--status-every', '0']);
    const done = exited(p);
    await waitFor(p, 'stderr', (s) => s.includes('deskex: ready'));
    expect(p.child.kill('SIGTERM')).toBe(true);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.signal).toBeNull();
    const n = stoppedAt(r.stderr);
    expect(n).toBe(DEMO);
    const ex = await Exchange.open({ dataDir: dir });
    expect(ex.recovery.snapshotSeq).toBe(n);
    expect(ex.recovery.commandsReplayed).toBe(0);
    expect(ex.stats().lastSeq).toBe(n);
    await ex.close();
  });

  it('after an --orders file without --exit it keeps serving; SIGTERM stops it at the last seq', async () => {
    const dir = dataDir();
    const file = join(dataDir(), 'orders.jsonl');
    const n = 40;
    const cmds = [
      { kind: 'CreateAccount', accountId: 9, userId: 9, accountKind: 'futures' },
      { kind: 'Deposit', accountId: 9, amount: 100_000_000_00 },
      ...Array.from({ length: n - 2 }, (_, i) => ({
        kind: 'PlaceOrder',
        accountId: 9,
        instrumentId: 'IF2612',
        side: 'buy',
        type: 'limit',
        tif: 'GTC',
        price: 37_000 + 2 * i,
        volume: 1,
      })),
    ];
    writeFileSync(file, `${cmds.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const p = start(['serve', '--data-dir', dir, '--orders', file, '--status-every', '0']);
    const done = exited(p);
    await waitFor(p, 'stdout', (s) => s.split('\n').length > n);
    const out = jsonLines(p.out.stdout);
    expect(out.every((o) => o.ok === true)).toBe(true);
    const last = out.at(-1)!.seq as number;
    expect(last).toBe(DEMO + n);
    expect(p.out.stderr).not.toContain('stopped');
    expect(p.child.kill('SIGTERM')).toBe(true);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(stoppedAt(r.stderr)).toBe(last);
    const ex = await Exchange.open({ dataDir: dir });
    expect(ex.recovery.snapshotSeq).toBe(last);
    expect(ex.recovery.commandsReplayed).toBe(0);
    let resting = 0;
    for (const l of ex.engine.depth('IF2612', 1_000)!.bids) resting += l.orders;
    expect(resting).toBe(n - 2);
    await ex.close();
  });
});
