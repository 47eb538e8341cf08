/**
 * The deskex tools besides serve, as a user runs them: the real `bin/deskex.mjs` in child processes on temporary
 * data folders. Every command's --help and usage errors; export of trades and statements (CSV parsed back and
 * compared with what the exchange reported and stored); admin users, accounts and API keys on a stopped folder and
 * beside a running server; backup while a server is writing orders, and what restore refuses. Synchronisation is on
 * process output and exit events only.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuthStore } from '../../src-main/api/auth.ts';
import { DEFAULT_PORT } from '../../src-main/api/server.ts';
import { benchCommand } from '../../src-main/cli/bench.ts';
import { csvField, SettingError } from '../../src-main/cli/common.ts';
import { TRADE_COLUMNS } from '../../src-main/cli/export.ts';
import * as usage from '../../src-main/cli/usage.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { Exchange } from '../../src-main/host/exchange.ts';
import { STATEMENT_COLUMNS } from '../../src-main/host/statements-csv.ts';
import { DB_FILE } from '../../src-main/store/database.ts';
import { DEMO, dataDir, deskex, jsonLines, ROOT, type Run, start, stoppedAt, waitFor } from './cli-helpers.ts';
import { cleanReplay } from './exchange-helpers.ts';

/** The one-line error and nothing else (no stack trace). */
function oneLine(r: Run): string {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  return r.stderr.trimEnd();
}

function writeOrders(commands: readonly object[]): string {
  const file = join(dataDir(), 'orders.jsonl');
  writeFileSync(file, `${commands.map((c) => JSON.stringify(c)).join('\n')}\n`);
  return file;
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end with LF or CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** The CSV's records as objects keyed by the header row. */
function csvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
  const [header, ...rows] = parseCsv(text);
  for (const r of rows) expect(r).toHaveLength(header!.length);
  return { header: header!, records: rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) };
}

const FUT = { kind: 'PlaceOrder', type: 'limit', tif: 'GFD' } as const;
const account = (id: number, userId = id) => [
  { kind: 'CreateAccount', accountId: id, userId, accountKind: 'futures' },
  { kind: 'Deposit', accountId: id, amount: 1_000_000_000_00 },
];

interface TradeEvent {
  kind: 'TradeExecuted';
  tradeId: number;
  instrumentId: string;
  price: number;
  volume: number;
  buyOrderId: number;
  sellOrderId: number;
  buyAccountId: number;
  sellAccountId: number;
  takerSide: string | null;
  buyRemaining: number;
  sellRemaining: number;
}

/** Every TradeExecuted printed by `serve --orders`, with the seq of its command. */
function tradesPrinted(stdout: string): (TradeEvent & { seq: number })[] {
  return jsonLines(stdout).flatMap((o) =>
    ((o.events as { kind: string }[] | undefined) ?? [])
      .filter((e): e is TradeEvent => e.kind === 'TradeExecuted')
      .map((e) => ({ ...e, seq: o.seq as number })),
  );
}

function tradesTable(dir: string): Record<string, number | string | null>[] {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    return db.prepare('SELECT * FROM trades ORDER BY trade_id').all() as Record<string, number | string | null>[];
  } finally {
    db.close();
  }
}

describe('every command answers --help with its own usage', () => {
  const own: [string, string][] = [
    ['serve', usage.SERVE_USAGE],
    ['replay', usage.REPLAY_USAGE],
    ['export', usage.EXPORT_USAGE],
    ['backup', usage.BACKUP_USAGE],
    ['restore', usage.RESTORE_USAGE],
    ['admin', usage.ADMIN_USAGE],
    ['bench', usage.BENCH_USAGE],
  ];

  it('COMMAND --help, COMMAND -h, help COMMAND and a subcommand --help print that usage and exit 0', async () => {
    const notMade = join(dataDir(), 'never-created');
    const runs = await Promise.all([
      ...own.map(([c]) => deskex(c, '--help', '--data-dir', notMade)),
      deskex('admin', 'create-key', '-h'),
      deskex('help', 'restore'),
      deskex('help'),
    ]);
    const global = runs.pop()!;
    const expected = [...own.map(([, u]) => u), usage.ADMIN_USAGE, usage.RESTORE_USAGE];
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(expected[i]);
    });
    for (const [c, u] of own) {
      expect(u).toMatch(new RegExp(`^usage:\\n?\\s*deskex ${c}`));
      expect(u).not.toContain('deskex: a desktop exchange'); // not the global text
    }
    // what each command's usage must name
    for (const opt of ['--port N', '--host ADDR', '--data-dir DIR', '--shards N', '--durability MODE']) {
      expect(usage.SERVE_USAGE).toContain(opt);
    }
    expect(usage.SERVE_DEFAULT_PORT).toBe(DEFAULT_PORT);
    expect(usage.SERVE_USAGE).toContain(`default ${DEFAULT_PORT};`);
    expect(usage.EXPORT_USAGE).toContain('deskex export trades [--data-dir DIR] [--account N] [--instrument ID]');
    expect(usage.EXPORT_USAGE).toContain('deskex export statements [--data-dir DIR] [--day N]');
    for (const sub of ['create-user', 'create-account', 'create-key', 'list-users']) {
      expect(usage.ADMIN_USAGE).toContain(`deskex admin ${sub}`);
    }
    for (const b of ['engine', 'settlement', 'pipeline', 'api']) expect(usage.BENCH_USAGE).toContain(`  ${b} `);
    expect(existsSync(notMade)).toBe(false);

    // the global usage names every command
    expect(global.code).toBe(0);
    for (const c of ['serve', 'replay', 'export', 'backup', 'restore', 'admin', 'bench']) {
      expect(global.stdout).toContain(`deskex ${c} `);
    }
  });

  it("wrong usage is a one-line error, a blank line and that command's usage, exit 2, touching nothing", async () => {
    const notMade = join(dataDir(), 'never-created');
    const d = ['--data-dir', notMade];
    const cases: [string[], RegExp, string][] = [
      [['export', 'trades', '--bogus', ...d], /^deskex: Unknown option '--bogus'/, usage.EXPORT_USAGE],
      [['export', 'orders', ...d], /^deskex: cannot export orders: trades or statements$/, usage.EXPORT_USAGE],
      [['export', 'trades', '--day', '1', ...d], /^deskex: --day is for export statements$/, usage.EXPORT_USAGE],
      [['backup', ...d], /^deskex: backup needs --to FILE$/, usage.BACKUP_USAGE],
      [['restore', ...d], /^deskex: restore needs --from FILE$/, usage.RESTORE_USAGE],
      [['admin', ...d], /^deskex: admin needs a subcommand/, usage.ADMIN_USAGE],
      [
        ['admin', 'create-user', '--username', 'a', '--role', 'boss', ...d],
        /^deskex: --role must be one of admin, trader, viewer$/,
        usage.ADMIN_USAGE,
      ],
      [
        ['admin', 'create-key', '--account', '1', '--role', 'admin', ...d],
        /^deskex: --role is not an option of admin create-key$/,
        usage.ADMIN_USAGE,
      ],
      [['bench', 'nope'], /^deskex: unknown benchmark nope \(engine, settlement, pipeline, api\)$/, usage.BENCH_USAGE],
      [
        ['bench', 'engine', '--smoke'],
        /^deskex: Unknown option '--smoke': a benchmark's own options go after --$/,
        usage.BENCH_USAGE,
      ],
      [['replay', '--verify', '--bogus', ...d], /^deskex: Unknown option '--bogus'/, usage.REPLAY_USAGE],
    ];
    const runs = await Promise.all(cases.map(([args]) => deskex(...args)));
    runs.forEach((r, i) => {
      const [args, line, text] = cases[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      const [first, blank, ...rest] = r.stderr.split('\n');
      expect(first).toMatch(line);
      expect(blank).toBe('');
      expect(`${rest.join('\n')}`).toBe(`${text}\n`);
    });
    expect(existsSync(notMade)).toBe(false);
  });

  it("bench runs the npm script's command line, passes the arguments after -- and returns the exit code", async () => {
    const r = await deskex('bench', 'engine', '--', '--no-such-bench-option');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Unknown option '--no-such-bench-option'");
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of usage.BENCHES) {
      expect(['node', ...benchCommand(name)].join(' ')).toBe(scripts[`bench:${name}`]);
    }
    // an installation without test/bench (the packaged app) says so in one line: exit 2
    const installed = dataDir();
    writeFileSync(join(installed, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    expect(() => benchCommand('engine', installed)).toThrow(SettingError);
    expect(() => benchCommand('engine', installed)).toThrow(/^the benchmarks are not part of this installation/);
  });
});

describe('deskex export', () => {
  const dir = dataDir();
  // two accounts trade IF2612 and IH2612, then every instrument closes and the day is settled
  const commands = [
    ...account(1),
    ...account(2),
    { ...FUT, accountId: 1, instrumentId: 'IF2612', side: 'sell', offset: 'open', price: 38_000, volume: 4 },
    { ...FUT, accountId: 2, instrumentId: 'IF2612', side: 'buy', offset: 'open', price: 38_000, volume: 2 },
    { ...FUT, accountId: 2, instrumentId: 'IF2612', side: 'buy', offset: 'open', price: 38_010, volume: 2 },
    { ...FUT, accountId: 2, instrumentId: 'IH2612', side: 'sell', offset: 'open', price: 26_000, volume: 3 },
    { ...FUT, accountId: 1, instrumentId: 'IH2612', side: 'buy', offset: 'open', price: 26_000, volume: 3 },
    { ...FUT, accountId: 1, instrumentId: 'IF2612', side: 'buy', offset: 'close', price: 38_000, volume: 1 },
    { ...FUT, accountId: 2, instrumentId: 'IF2612', side: 'sell', offset: 'close', price: 38_000, volume: 1 },
    ...DEMO_INSTRUMENTS.map((s) => ({ kind: 'SetPhase', instrumentId: s.id, phase: 'closed' })),
    { kind: 'Settle' },
  ];
  let printed: (TradeEvent & { seq: number })[] = [];

  it('serve --orders makes trades and settles the day', async () => {
    const r = await deskex('serve', '--data-dir', dir, '--orders', writeOrders(commands), '--exit', '--no-api');
    expect(r.code, r.stderr).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out.every((o) => o.ok === true)).toBe(true);
    printed = tradesPrinted(r.stdout);
    expect(printed.length).toBeGreaterThanOrEqual(4);
    expect(new Set(printed.map((t) => t.instrumentId))).toEqual(new Set(['IF2612', 'IH2612']));
  });

  it('export trades writes CSV that parses back to the trades printed and the trades table, also filtered', async () => {
    expect(printed.length).toBeGreaterThan(0);
    const outFile = join(dataDir(), 'trades.csv');
    const [all, toFile, acct, instr] = await Promise.all([
      deskex('export', 'trades', '--data-dir', dir),
      deskex('export', 'trades', '--data-dir', dir, '--out', outFile),
      deskex('export', 'trades', '--data-dir', dir, '--account', '1', '--out', '-'),
      deskex('export', 'trades', '--data-dir', dir, '--instrument', 'IH2612'),
    ]);
    for (const r of [all, toFile, acct, instr]) expect(r.code, r.stderr).toBe(0);
    const { header, records } = csvRecords(all.stdout);
    expect(header).toEqual([...TRADE_COLUMNS]);
    expect(all.stderr).toBe(`deskex: ${printed.length} trades written to stdout\n`);
    // the same trades, field by field, as the exchange reported them
    expect(
      records.map((t) => ({
        kind: 'TradeExecuted',
        tradeId: Number(t.tradeId),
        seq: Number(t.seq),
        instrumentId: t.instrumentId,
        price: Number(t.price),
        volume: Number(t.volume),
        buyOrderId: Number(t.buyOrderId),
        sellOrderId: Number(t.sellOrderId),
        buyAccountId: Number(t.buyAccountId),
        sellAccountId: Number(t.sellAccountId),
        takerSide: t.takerSide === '' ? null : t.takerSide,
      })),
    ).toEqual(printed.map(({ buyRemaining, sellRemaining, ...t }) => t as unknown));
    // and as stored, with the timestamps
    const table = tradesTable(dir);
    expect(records.map((t) => [Number(t.tradeId), Number(t.ts), t.time])).toEqual(
      table.map((t) => [t.trade_id, t.ts, new Date(t.ts as number).toISOString()]),
    );
    expect(stdoutOf(toFile, outFile)).toBe(all.stdout);
    expect(toFile.stderr).toBe(`deskex: ${printed.length} trades written to ${outFile}\n`);
    const ids = (r: Run) => csvRecords(r.stdout).records.map((t) => Number(t.tradeId));
    expect(ids(acct)).toEqual(
      printed.filter((t) => t.buyAccountId === 1 || t.sellAccountId === 1).map((t) => t.tradeId),
    );
    expect(ids(instr)).toEqual(printed.filter((t) => t.instrumentId === 'IH2612').map((t) => t.tradeId));
  });

  it("export statements writes the settled day's statements, one row per account, as the statements table holds them", async () => {
    const [latest, unsettled] = await Promise.all([
      deskex('export', 'statements', '--data-dir', dir),
      deskex('export', 'statements', '--data-dir', dir, '--day', '2'),
    ]);
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stderr).toBe('deskex: 2 statements of trading day 1 written to stdout\n');
    const { header, records } = csvRecords(latest.stdout);
    expect(header).toEqual([...STATEMENT_COLUMNS]);
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    const stored = db.prepare('SELECT statement FROM statements WHERE trading_day = 1 ORDER BY account_id').all() as {
      statement: string;
    }[];
    db.close();
    expect(records).toHaveLength(stored.length);
    stored.forEach((row, i) => {
      const s = JSON.parse(row.statement) as {
        account: Record<string, unknown>;
        positions: unknown[];
        trades: unknown[];
      };
      for (const c of STATEMENT_COLUMNS) {
        const want = c === 'positions' ? s.positions.length : c === 'trades' ? s.trades.length : s.account[c];
        expect(records[i]![c], c).toBe(String(want));
      }
    });
    expect(records.map((r) => r.accountId)).toEqual(['1', '2']);
    expect(Number(records[0]!.trades)).toBeGreaterThan(0);
    expect(unsettled.code).toBe(1);
    expect(oneLine(unsettled)).toBe('deskex: trading day 2 has not been settled; settled days: 1 (--day)');
  });

  it('CSV fields are quoted as RFC 4180 says, and a folder without a database is refused with exit 3', async () => {
    const tricky = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rlf', '', '"'];
    expect(parseCsv(`${tricky.map(csvField).join(',')}\n`)).toEqual([tricky]);
    const missing = join(dataDir(), 'none');
    const r = await deskex('export', 'trades', '--data-dir', missing);
    expect(r.code).toBe(3);
    expect(oneLine(r)).toMatch(/^deskex: .*deskex\.db: no database here$/);
    expect(existsSync(missing)).toBe(false);
  });
});

function stdoutOf(r: Run, file: string): string {
  expect(r.stdout).toBe('');
  return readFileSync(file, 'utf8');
}

describe('deskex admin', () => {
  it('create-user, create-account and create-key on a stopped folder: the key authenticates as its account', async () => {
    const dir = dataDir();
    const made = await deskex('serve', '--data-dir', dir, '--orders', writeOrders([]), '--exit', '--no-api');
    expect(made.code, made.stderr).toBe(0);
    const admin = (...args: string[]) => ['admin', ...args, '--data-dir', dir];

    const alice = await start(admin('create-user', '--username', 'alice', '--role', 'trader'), {
      env: { DESKEX_PASSWORD: 'alice-secret-1' },
    }).exited;
    expect(alice.code, alice.stderr).toBe(0);
    expect(jsonLines(alice.stdout)).toEqual([{ userId: 1, username: 'alice', role: 'trader' }]);
    const [bob, taken, noPassword, noUser] = await Promise.all([
      start(admin('create-user', '--username', 'bob', '--role', 'viewer'), { input: 'bob-secret-22\n' }).exited,
      start(admin('create-user', '--username', 'alice', '--role', 'admin'), { input: 'whatever123\n' }).exited,
      start(admin('create-user', '--username', 'carol', '--role', 'trader'), { input: '' }).exited,
      deskex(...admin('create-account', '--user', 'nobody', '--kind', 'futures')),
    ]);
    expect(bob.code, bob.stderr).toBe(0);
    expect(jsonLines(bob.stdout)[0]).toMatchObject({ username: 'bob', role: 'viewer' });
    expect(taken.code).toBe(1);
    expect(oneLine(taken)).toBe('deskex: the username alice is taken');
    expect(noPassword.code).toBe(1);
    expect(oneLine(noPassword)).toMatch(/^deskex: no password: /);
    expect(noUser.code).toBe(1);
    expect(oneLine(noUser)).toMatch(/^deskex: no user nobody in .*: create it first \(deskex admin create-user\)$/);

    const acct = await deskex(
      ...admin('create-account', '--user', 'alice', '--kind', 'futures', '--deposit', '5000000'),
    );
    expect(acct.code, acct.stderr).toBe(0);
    const created = jsonLines(acct.stdout)[0]!;
    expect(created).toMatchObject({ accountId: 1, userId: 1, username: 'alice', kind: 'futures', deposit: 5_000_000 });
    const [key, noAccount] = await Promise.all([
      deskex(...admin('create-key', '--account', '1', '--label', 'my bot')),
      deskex(...admin('create-key', '--account', '9', '--label', 'x')),
    ]);
    expect(key.code, key.stderr).toBe(0);
    const k = jsonLines(key.stdout)[0] as { key: string; keyId: number; accountId: number; label: string };
    expect(k).toMatchObject({ accountId: 1, userId: 1, label: 'my bot' });
    expect(key.stderr).toContain('shown this once');
    expect(noAccount.code).toBe(1);
    expect(oneLine(noAccount)).toMatch(/^deskex: no account 9 in /);
    const bobsAccount = await deskex(...admin('create-account', '--user', 'bob', '--kind', 'stock'));
    expect(bobsAccount.code, bobsAccount.stderr).toBe(0); // a viewer may own an account (and watch it)
    expect(jsonLines(bobsAccount.stdout)[0]).toMatchObject({ accountId: 2, userId: 2, kind: 'stock' });
    const bobsKey = await deskex(...admin('create-key', '--account', '2', '--label', 'x'));
    expect(bobsKey.code).toBe(1);
    expect(oneLine(bobsKey)).toMatch(/owner bob is a viewer/);

    // the key stands for alice's account 1; the passwords work
    const db = new Database(join(dir, DB_FILE));
    const auth = new AuthStore(db);
    expect(auth.authenticate(k.key)).toMatchObject({ via: 'key', username: 'alice', keyAccountId: 1, keyId: k.keyId });
    // one character changed (never to itself) no longer authenticates
    expect(auth.authenticate(`${k.key.slice(0, -1)}${k.key.endsWith('x') ? 'y' : 'x'}`)).toBeNull();
    expect(await auth.login('alice', 'alice-secret-1')).not.toBeNull();
    expect(await auth.login('bob', 'bob-secret-22')).not.toBeNull();
    db.close();
    const list = await deskex(...admin('list-users', '--json'));
    expect(jsonLines(list.stdout)).toEqual([
      expect.objectContaining({ userId: 1, username: 'alice', accounts: [1], apiKeys: 1 }),
      expect.objectContaining({ userId: 2, username: 'bob', role: 'viewer', accounts: [2], apiKeys: 0 }),
    ]);
    // the accounts are exchange state: in the journal, with the deposit
    const ex = await Exchange.open({ dataDir: dir });
    expect(ex.engine.account(1)).toMatchObject({ userId: 1, accountKind: 'futures', balance: 5_000_000 });
    expect(ex.engine.account(2)).toMatchObject({ userId: 2, accountKind: 'stock' });
    await ex.close();
  });

  it('beside a running serve: users and keys work at once, accounts are refused with the API to use, export reads', async () => {
    const dir = dataDir();
    // account 7 of user id 1, who is the admin the first start with the API creates
    const made = await deskex('serve', '--data-dir', dir, '--orders', writeOrders(account(7, 1)), '--exit', '--no-api');
    expect(made.code, made.stderr).toBe(0);
    const p = start(['serve', '--data-dir', dir, '--status-every', '0']);
    await waitFor(p, 'stderr', (s) => /API and UI at http:\/\/127\.0\.0\.1:\d+ /.test(s));
    const url = /API and UI at (http:\/\/127\.0\.0\.1:\d+) /.exec(p.out.stderr)![1]!;
    const backupFile = join(dataDir(), 'b.db');
    const [carol, key, acct, second, exported, backup] = await Promise.all([
      start(['admin', 'create-user', '--username', 'carol', '--role', 'trader', '--data-dir', dir], {
        env: { DESKEX_PASSWORD: 'carol-secret-3' },
      }).exited,
      deskex('admin', 'create-key', '--account', '7', '--label', 'bot', '--data-dir', dir),
      deskex('admin', 'create-account', '--user', 'admin', '--kind', 'stock', '--data-dir', dir),
      deskex('serve', '--data-dir', dir, '--no-api', '--status-every', '0'),
      deskex('export', 'trades', '--data-dir', dir),
      deskex('backup', '--data-dir', dir, '--to', backupFile),
    ]);
    expect(carol.code, carol.stderr).toBe(0);
    expect(key.code, key.stderr).toBe(0);
    expect(acct.code).toBe(3);
    expect(oneLine(acct)).toMatch(
      /^deskex: .*deskex\.db is in use by another program .*: accounts are created by the running exchange: use its API \(POST \/api\/v1\/accounts, then POST \/api\/v1\/accounts\/N\/deposit\) or stop it first$/,
    );
    expect(second.code).toBe(3);
    expect(oneLine(second)).toMatch(/is in use by another program .*: stop it, or pick another --data-dir$/);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`${TRADE_COLUMNS.join(',')}\n`);
    expect(backup.code, backup.stderr).toBe(0);

    // the running server takes the new key and the new user's password at once
    const k = (jsonLines(key.stdout)[0] as { key: string }).key;
    const viaKey = await fetch(`${url}/api/v1/accounts/7`, { headers: { authorization: `Bearer ${k}` } });
    expect(viaKey.status).toBe(200);
    expect(((await viaKey.json()) as { account: { accountId: number } }).account.accountId).toBe(7);
    const login = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'carol', password: 'carol-secret-3' }),
    });
    expect(login.status).toBe(200);

    // restoring over the served folder is refused, and its database is left alone
    const over = await deskex('restore', '--from', backupFile, '--data-dir', dir, '--force');
    expect(over.code).toBe(3);
    expect(oneLine(over)).toMatch(/deskex\.db is in use by another program .*: stop it before restoring$/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.restore') || f.includes('replaced'))).toEqual([]);
    expect(p.child.kill('SIGTERM')).toBe(true);
    expect((await p.exited).code).toBe(0);
  });
});

describe('deskex backup and restore', () => {
  it('a backup taken while serve writes orders recovers to a valid state with the trades reported up to it', async () => {
    const dir = dataDir();
    // crossing pairs between two account pairs, opening then closing: a trade every second order, positions bounded
    const orders: object[] = [...account(1), ...account(2), ...account(3), ...account(4)];
    for (let i = 0; orders.length < 30_000; i++) {
      const price = 38_000 + 2 * (i % 10);
      const [s, b] = i % 2 === 0 ? [1, 2] : [3, 4];
      const f = { ...FUT, instrumentId: 'IF2612', price, volume: 1 };
      orders.push(
        { ...f, accountId: s, side: 'sell', offset: 'open' },
        { ...f, accountId: b, side: 'buy', offset: 'open' },
      );
      orders.push(
        { ...f, accountId: s, side: 'buy', offset: 'close' },
        { ...f, accountId: b, side: 'sell', offset: 'close' },
      );
    }
    const p = start(['serve', '--data-dir', dir, '--orders', writeOrders(orders), '--no-api', '--status-every', '0']);
    await waitFor(p, 'stdout', (s) => s.split('\n').length > 1_000);
    const seqAtStart = jsonLines(p.out.stdout.slice(0, p.out.stdout.lastIndexOf('\n'))).at(-1)!.seq as number;
    const file = join(dataDir(), 'backup.db');
    const b = await deskex('backup', '--data-dir', dir, '--to', file);
    expect(b.code, b.stderr).toBe(0);
    expect(p.child.exitCode).toBeNull(); // still serving
    expect(p.child.kill('SIGTERM')).toBe(true);
    const served = await p.exited;
    expect(served.code, served.stderr).toBe(0);
    const report = jsonLines(b.stdout)[0] as { file: string; seq: number; bytes: number };
    expect(report.file).toBe(file);
    expect(b.stderr).toContain(`deskex: backup of ${dir} at seq ${report.seq} written to ${file}`);
    // taken mid-way: after what was already acknowledged, before the server stopped writing
    expect(report.seq).toBeGreaterThanOrEqual(seqAtStart);
    expect(report.seq).toBeLessThan(stoppedAt(served.stderr));
    expect(existsSync(`${file}-wal`)).toBe(false); // one self-contained file

    // the backup file alone, in a fresh folder: recovers without a RecoveryError to a consistent engine
    const fresh = dataDir();
    copyFileSync(file, join(fresh, DB_FILE));
    const ex = await Exchange.open({ dataDir: fresh });
    expect(ex.stats().lastSeq).toBe(report.seq);
    ex.engine.validateInternalState();
    const hash = ex.engine.stateHash();
    await ex.close();
    // the same state as replaying its journal from nothing; its trades are those reported up to its seq
    expect(cleanReplay(fresh).hash).toBe(hash);
    const upTo = tradesPrinted(served.stdout).filter((t) => t.seq <= report.seq);
    expect(upTo.length).toBeGreaterThan(100);
    expect(tradesTable(fresh).map((t) => [t.trade_id, t.seq, t.buy_order_id, t.sell_order_id])).toEqual(
      upTo.map((t) => [t.tradeId, t.seq, t.buyOrderId, t.sellOrderId]),
    );

    // deskex restore of it into a new folder proves it the same way and reports the same state
    const target = join(dataDir(), 'restored');
    const r = await deskex('restore', '--from', file, '--data-dir', target);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ seq: report.seq, stateHash: hash, accounts: 4, replaced: null });
    expect(readdirSync(target)).toEqual([DB_FILE]);
  });

  it('restore refuses a database already there without --force, and files that are not deskex databases, exit 3', async () => {
    const source = dataDir();
    const made = await deskex('serve', '--data-dir', source, '--orders', writeOrders(account(1)), '--exit', '--no-api');
    expect(made.code, made.stderr).toBe(0);
    const backupFile = join(dataDir(), 'good.db');
    const target = dataDir();
    const [b, t] = await Promise.all([
      deskex('backup', '--data-dir', source, '--to', backupFile),
      deskex('serve', '--data-dir', target, '--orders', writeOrders([]), '--exit', '--no-api'),
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(t.code, t.stderr).toBe(0);
    const before = readFileSync(join(target, DB_FILE));

    const text = join(dataDir(), 'notes.db');
    writeFileSync(text, 'my shopping list: milk, eggs, bread\n'.repeat(50));
    const foreign = join(dataDir(), 'other.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE recipes (name TEXT)');
    other.close();
    const damaged = join(dataDir(), 'damaged.db');
    copyFileSync(backupFile, damaged);
    const raw = new Database(damaged);
    const changed = raw.prepare(
      "UPDATE journal SET commands = replace(commands, 'futures', 'stock') WHERE commands LIKE '%CreateAccount%'",
    );
    expect(changed.run().changes).toBe(1);
    raw.exec('DELETE FROM snapshots'); // recovery must replay the damaged batch
    raw.close();
    const emptyTarget = join(dataDir(), 'new');
    const [exists, notSqlite, notOurs, missing, again] = await Promise.all([
      deskex('restore', '--from', backupFile, '--data-dir', target),
      deskex('restore', '--from', text, '--data-dir', emptyTarget),
      deskex('restore', '--from', foreign, '--data-dir', emptyTarget),
      deskex('restore', '--from', join(dataDir(), 'nope.db'), '--data-dir', emptyTarget),
      deskex('backup', '--data-dir', source, '--to', backupFile),
    ]);
    // alone: it locks the target (a restore beside it would find the folder in use)
    const broken = await deskex('restore', '--from', damaged, '--data-dir', target, '--force');
    const refusals: [Run, RegExp][] = [
      [exists, /^deskex: .*deskex\.db exists: restore --force replaces it/],
      [notSqlite, /^deskex: .*notes\.db: not a deskex database \(not an SQLite file\)$/],
      [notOurs, /^deskex: .*other\.db: an SQLite database of another program, not deskex$/],
      [missing, /^deskex: .*nope\.db: no such file$/],
      [broken, /^deskex: .*damaged\.db: does not recover \(journal .*\); nothing was restored$/],
      [again, /^deskex: .*good\.db exists: pick another name, or --force to replace it$/],
    ];
    for (const [r, line] of refusals) {
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toBe('');
      expect(oneLine(r)).toMatch(line);
    }
    // nothing changed, nothing left behind
    expect(readFileSync(join(target, DB_FILE)).equals(before)).toBe(true);
    expect(readdirSync(target).filter((f) => f.startsWith('.restore') || f.includes('replaced'))).toEqual([]);
    expect(existsSync(join(emptyTarget, DB_FILE))).toBe(false);

    // --force replaces it and keeps the old database beside it
    const forced = await deskex('restore', '--from', backupFile, '--data-dir', target, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    const done = jsonLines(forced.stdout)[0] as { seq: number; replaced: string };
    expect(done.seq).toBe(DEMO + 2);
    expect(readFileSync(done.replaced).equals(before)).toBe(true);
    const ex = await Exchange.open({ dataDir: target });
    expect(ex.stats().lastSeq).toBe(DEMO + 2);
    expect(ex.engine.account(1)).toBeDefined();
    await ex.close();
  });
});
