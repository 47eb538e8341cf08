/**
 * `deskex admin`: users, accounts and API keys from the command line.
 *
 * Users and API keys live outside the journal (who may log in is not exchange state): they are written straight to
 * the database with AuthStore, which is safe while deskex serve runs on the folder (SQLite WAL: one writer at a
 * time, each waits its turn) and takes effect at once (the server reads users and keys from the database; it
 * caches only principals it has already seen, for at most 60 s).
 *
 * Accounts are exchange state: a CreateAccount must be sequenced and journaled by the one exchange that owns the
 * folder. create-account therefore opens the exchange itself, and only when no other process has the database
 * open (folder.ts); while a server runs it is refused (exit 3) and points at the API that does the same.
 */
import { resolve } from 'node:path';
import type { Reject } from '../../src-engine/domain/reject-codes.ts';
import { AuthError, AuthStore, ROLES, type Role } from '../api/auth.ts';
import { openDatabase, type SqliteDb } from '../store/database.ts';
import { Failure, intOption, parseCommand, progressBar, say, UsageError } from './common.ts';
import { inUseError, lockDatabase, requireDatabase } from './folder.ts';
import { ADMIN_USAGE } from './usage.ts';

const OPTIONS = {
  'data-dir': { type: 'string', default: 'data' },
  username: { type: 'string' },
  role: { type: 'string' },
  password: { type: 'string' },
  user: { type: 'string' },
  kind: { type: 'string' },
  account: { type: 'string' },
  deposit: { type: 'string' },
  label: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

/** Which options each subcommand takes (besides --data-dir and --help). */
const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  'create-user': ['username', 'role', 'password'],
  'create-account': ['user', 'kind', 'account', 'deposit'],
  'create-key': ['account', 'label'],
  'list-users': ['json'],
};

export async function admin(args: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(args, OPTIONS, ADMIN_USAGE);
  if (o.help) {
    process.stdout.write(ADMIN_USAGE);
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (sub === undefined) {
    throw new UsageError(
      'admin needs a subcommand: create-user, create-account, create-key or list-users',
      ADMIN_USAGE,
    );
  }
  const allowed = ALLOWED[sub];
  if (allowed === undefined) throw new UsageError(`unknown admin subcommand ${sub}`, ADMIN_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`, ADMIN_USAGE);
  for (const name of Object.keys(OPTIONS) as (keyof typeof OPTIONS)[]) {
    if (name === 'data-dir' || name === 'json' || allowed.includes(name)) continue;
    if (o[name] !== undefined) throw new UsageError(`--${name} is not an option of admin ${sub}`, ADMIN_USAGE);
  }
  if (o.json && sub !== 'list-users') throw new UsageError(`--json is not an option of admin ${sub}`, ADMIN_USAGE);
  const dataDir = resolve(o['data-dir']);
  switch (sub) {
    case 'create-user':
      return createUser(dataDir, o);
    case 'create-account':
      return createAccount(dataDir, o);
    case 'create-key':
      return createKey(dataDir, o);
    default:
      return listUsers(dataDir, o.json);
  }
}

function required(value: string | undefined, name: string, sub: string): string {
  if (value === undefined || value === '') throw new UsageError(`admin ${sub} needs --${name}`, ADMIN_USAGE);
  return value;
}

/** Opens the folder's existing database read-write (never creates one). */
function openExisting(dataDir: string): SqliteDb {
  requireDatabase(dataDir);
  return openDatabase(dataDir);
}

async function createUser(dataDir: string, o: Values): Promise<number> {
  const username = required(o.username, 'username', 'create-user');
  const role = required(o.role, 'role', 'create-user') as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`, ADMIN_USAGE);
  requireDatabase(dataDir);
  // a taken name is found before anyone is asked for a password (and no connection stays open while they type)
  const reader = openDatabase(dataDir, { readonly: true });
  try {
    if (new AuthStore(reader).userByName(username) !== undefined) {
      throw new Failure(`the username ${username} is taken`);
    }
  } finally {
    reader.close();
  }
  const password = o.password ?? process.env.DESKEX_PASSWORD ?? (await askPassword());
  const db = openDatabase(dataDir);
  try {
    const auth = new AuthStore(db);
    let user: Awaited<ReturnType<AuthStore['createUser']>>;
    try {
      user = await auth.createUser(username, password, role);
    } catch (e) {
      if (e instanceof AuthError) throw new Failure(e.message);
      throw e;
    }
    process.stdout.write(`${JSON.stringify({ userId: user.userId, username: user.username, role: user.role })}\n`);
    say(`user ${user.username} (${user.role}) created with id ${user.userId}`);
    return 0;
  } finally {
    db.close();
  }
}

async function createAccount(dataDir: string, o: Values): Promise<number> {
  const username = required(o.user, 'user', 'create-account');
  const kind = required(o.kind, 'kind', 'create-account');
  if (kind !== 'futures' && kind !== 'stock') throw new UsageError('--kind must be futures or stock', ADMIN_USAGE);
  const wanted = intOption(o.account, 'account', ADMIN_USAGE, 1);
  const deposit = intOption(o.deposit, 'deposit', ADMIN_USAGE, 1);
  const path = requireDatabase(dataDir);
  const db = openDatabase(dataDir, { readonly: true });
  let userId: number;
  try {
    const user = new AuthStore(db).userByName(username);
    if (user === undefined) {
      throw new Failure(`no user ${username} in ${dataDir}: create it first (deskex admin create-user)`);
    }
    userId = user.userId;
  } finally {
    db.close();
  }
  // the exchange must be ours alone: a second one journaling into the same file would corrupt it
  const lock = lockDatabase(path);
  if (lock === null) {
    throw inUseError(
      path,
      'accounts are created by the running exchange: use its API (POST /api/v1/accounts, then ' +
        'POST /api/v1/accounts/N/deposit) or stop it first',
    );
  }
  lock.close();
  const recovering = progressBar('recovering');
  const { Exchange } = await import('../host/exchange.ts'); // the engine: loaded only for this subcommand
  const ex = await Exchange.open({
    dataDir,
    demo: true, // as deskex serve would on a database it never opened
    onRecoveryProgress: (p) => recovering(p.batchesDone, p.batchesTotal),
  });
  try {
    const accountId = wanted ?? Math.max(0, ...ex.engine.accountIds()) + 1;
    const created = await ex.submit({ kind: 'CreateAccount', accountId, userId, accountKind: kind });
    if (!created.ok) {
      throw new Failure(`account ${accountId} not created: ${why(created.reject)}`);
    }
    if (deposit !== undefined) {
      const d = await ex.submit({ kind: 'Deposit', accountId, amount: deposit });
      if (!d.ok) {
        throw new Failure(`account ${accountId} created, but the deposit was refused: ${why(d.reject)}`);
      }
    }
    const a = ex.engine.account(accountId)!;
    process.stdout.write(
      `${JSON.stringify({ accountId, userId, username, kind, deposit: deposit ?? 0, balance: a.balance })}\n`,
    );
    say(
      `account ${accountId} (${kind}) created for ${username}` +
        (deposit === undefined ? '' : `, ${deposit} deposited (minor units)`),
    );
    return 0;
  } finally {
    await ex.close();
  }
}

function why(r: Reject): string {
  return `${r.code}: ${r.message}${r.details ? ` (${r.details})` : ''}`;
}

/** The owner of an account, from the read models (written with each batch, so also while a server runs). */
function accountOwner(db: SqliteDb, accountId: number): number | undefined {
  const r = db
    .prepare('SELECT snapshot FROM account_history WHERE account_id = ? ORDER BY seq DESC LIMIT 1')
    .get(accountId) as { snapshot: string } | undefined;
  return r === undefined ? undefined : (JSON.parse(r.snapshot) as { userId: number }).userId;
}

async function createKey(dataDir: string, o: Values): Promise<number> {
  const accountId = intOption(required(o.account, 'account', 'create-key'), 'account', ADMIN_USAGE, 1)!;
  const label = required(o.label, 'label', 'create-key');
  if (label.length > 64) throw new UsageError('--label is 1-64 characters', ADMIN_USAGE);
  const db = openExisting(dataDir);
  try {
    const ownerId = accountOwner(db, accountId);
    if (ownerId === undefined) {
      throw new Failure(`no account ${accountId} in ${dataDir} (deskex admin create-account makes one)`);
    }
    const auth = new AuthStore(db);
    const owner = auth.user(ownerId);
    if (owner === undefined) {
      throw new Failure(
        `account ${accountId} belongs to user id ${ownerId}, who has no login: an API key acts as its account's owner`,
      );
    }
    if (owner.disabled) throw new Failure(`account ${accountId}'s owner ${owner.username} is disabled`);
    if (owner.role === 'viewer') {
      throw new Failure(`account ${accountId}'s owner ${owner.username} is a viewer: viewers' keys cannot trade`);
    }
    const { key, info } = auth.createApiKey(accountId, owner.userId, label);
    process.stdout.write(
      `${JSON.stringify({ key, keyId: info.keyId, prefix: info.prefix, accountId, userId: owner.userId, label })}\n`,
    );
    say(`API key ${info.keyId} for account ${accountId} (owner ${owner.username}): shown this once, keep it safe`);
    return 0;
  } finally {
    db.close();
  }
}

function listUsers(dataDir: string, json: boolean): number {
  requireDatabase(dataDir);
  const db = openDatabase(dataDir, { readonly: true });
  try {
    const users = new AuthStore(db).users();
    const accounts = new Map<number, number[]>();
    const owners = db
      .prepare(
        `SELECT account_id, json_extract(snapshot, '$.userId') AS user_id FROM account_history
         WHERE (account_id, seq) IN (SELECT account_id, max(seq) FROM account_history GROUP BY account_id)
         ORDER BY account_id`,
      )
      .all() as { account_id: number; user_id: number }[];
    for (const r of owners) accounts.set(r.user_id, [...(accounts.get(r.user_id) ?? []), r.account_id]);
    const keys = new Map<number, number>();
    const keyRows = db
      .prepare('SELECT user_id, count(*) AS n FROM api_keys WHERE revoked_ms IS NULL GROUP BY user_id')
      .all() as { user_id: number; n: number }[];
    for (const r of keyRows) keys.set(r.user_id, r.n);
    const rows = users.map((u) => ({
      userId: u.userId,
      username: u.username,
      role: u.role,
      disabled: u.disabled,
      created: new Date(u.createdMs).toISOString(),
      accounts: accounts.get(u.userId) ?? [],
      apiKeys: keys.get(u.userId) ?? 0,
    }));
    if (json) {
      process.stdout.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      return 0;
    }
    const table = [
      ['id', 'username', 'role', 'disabled', 'created', 'accounts', 'api keys'],
      ...rows.map((r) => [
        String(r.userId),
        r.username,
        r.role,
        r.disabled ? 'yes' : 'no',
        r.created,
        r.accounts.join(' ') || '-',
        String(r.apiKeys),
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(
      table
        .map(
          (row) =>
            `${row
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd()}\n`,
        )
        .join(''),
    );
    return 0;
  } finally {
    db.close();
  }
}

/** The password from stdin: asked for twice with the echo off at a terminal, else the first line of the input. */
async function askPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await askHidden('password: ');
    const again = await askHidden('again: ');
    if (first !== again) throw new Failure('the two passwords differ; nothing was created');
    return first;
  }
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  const line = data.split(/\r?\n/)[0] ?? '';
  if (line === '') {
    throw new Failure('no password: give one with --password, DESKEX_PASSWORD or a line on stdin');
  }
  return line;
}

function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let s = '';
    const end = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (d: string) => {
      for (const ch of d) {
        if (ch === '\r' || ch === '\n') {
          end();
          return resolve(s);
        }
        if (ch === '\u0003' || ch === '\u0004') {
          end();
          return reject(new Failure('cancelled; nothing was created'));
        }
        if (ch === '\u007f' || ch === '\b') s = s.slice(0, -1);
        else if (ch >= ' ') s += ch;
      }
    };
    stdin.on('data', onData);
  });
}
