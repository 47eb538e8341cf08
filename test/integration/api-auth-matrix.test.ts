/**
 * Who may call what: every route the app registers × every kind of caller, with the exact status (and the error
 * code when refused). Each cell calls a real server with real ids made in set-up (trader A's account and orders, a
 * key of A's account), so only the credentials differ between the cells of a row; calls that change state get fresh
 * objects per cell. The table is docs/api.md's "Who may call what"; the test checks the two agree.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src-main/api/app.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { call, fundedAccount, type Reply, restingOrder, startApi, type TestApi, userSession } from './api-helpers.ts';

const WHO = ['none', 'viewer', 'other', 'owner', 'key', 'admin'] as const;
type Who = (typeof WHO)[number];
const WHO_TITLE: Record<Who, string> = {
  none: 'no credentials',
  viewer: 'viewer',
  other: 'trader, other account',
  owner: 'owner (session)',
  key: "owner's API key",
  admin: 'admin',
};

/** An expected answer: a status, the error code of a refusal, or a batch's per-item outcome. */
interface Expect {
  readonly status: number;
  readonly code?: string;
  readonly items?: string;
}
const S = (status: number): Expect => ({ status });
const U: Expect = { status: 401, code: 'API_UNAUTHENTICATED' };
const F: Expect = { status: 403, code: 'API_FORBIDDEN' };
const ITEMS_F: Expect = { status: 200, items: 'API_FORBIDDEN' };
const ITEMS_OK: Expect = { status: 200, items: 'ok' };

/** Anyone, even without credentials. */
const anyone = (s: number) => ({ none: S(s), viewer: S(s), other: S(s), owner: S(s), key: S(s), admin: S(s) });
/** Any authenticated caller. */
const signedIn = (s: number) => ({ ...anyone(s), none: U });
/** Only an admin session. */
const adminOnly = (s: number) => ({ none: U, viewer: F, other: F, owner: F, key: F, admin: S(s) });
/** Whoever acts for account A: its owner's session, its key, an admin. */
const accountA = (s: number) => ({ none: U, viewer: F, other: F, owner: S(s), key: S(s), admin: S(s) });
/** Account A's sessions only (API keys do not manage keys). */
const sessionsOfA = (s: number) => ({ ...accountA(s), key: F });
const batch = { none: U, viewer: ITEMS_F, other: ITEMS_F, owner: ITEMS_OK, key: ITEMS_OK, admin: ITEMS_OK };

interface Req {
  readonly url: string;
  readonly body?: unknown;
  /** Replaces the caller's token (null: none). */
  readonly token?: string | null;
}
interface Row {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route as registered. */
  readonly route: string;
  readonly expect: Record<Who, Expect>;
  readonly req: (who: Who) => Req | Promise<Req>;
  readonly after?: (who: Who, res: Reply) => Promise<void> | void;
}

let t: TestApi;
let uiDir = '';
const tokens: Record<Who, string | null> = { none: null, viewer: '', other: '', owner: '', key: '', admin: '' };
const creds: Partial<Record<Who, { username: string; password: string }>> = {};
/** Sessions made by the POST /api/v1/session row, ended by the DELETE row. */
const spare: Partial<Record<Who, string>> = {};
let A = 0; // trader A's account
let V = 0; // the viewer's account
let B = 0; // trader B's account
let userA = 0;
let userB = 0;
let orderA = 0; // an order of A that stays
let day = 0; // a settled trading day
let fresh = 0;
const nextId = () => ++fresh;

const RB = DEMO_INSTRUMENTS.find((s) => s.id === 'rb2605')!;
/** A new instrument (closed, active), made through the exchange. */
async function newInstrument(): Promise<string> {
  const id = `T${nextId()}`;
  const ack = await t.exchange.submit({ kind: 'AddInstrument', spec: { ...RB, id } });
  if (!ack.ok) throw new Error(ack.reject.code);
  return id;
}
async function setAllPhases(phase: 'closed' | 'continuous'): Promise<void> {
  for (const id of t.exchange.engine.instrumentIds()) {
    if (t.exchange.engine.phase(id) === phase) continue;
    const ack = await t.exchange.submit({ kind: 'SetPhase', instrumentId: id, phase });
    if (!ack.ok) throw new Error(`${id} ${phase}: ${ack.reject.code}`);
  }
}
const order = { instrumentId: 'IF2612', side: 'buy', price: 37_000, volume: 1 } as const;

const MATRIX: readonly Row[] = [
  // system
  { method: 'GET', route: '/health', expect: anyone(200), req: () => ({ url: '/health' }) },
  // the UI: the login page and its assets are open to anyone (the API behind it is not)
  { method: 'GET', route: '/', expect: anyone(200), req: () => ({ url: '/' }) },
  { method: 'GET', route: '/index.html', expect: anyone(200), req: () => ({ url: '/index.html' }) },
  { method: 'GET', route: '/assets/*', expect: anyone(200), req: () => ({ url: '/assets/app-1234.js' }) },
  { method: 'GET', route: '/metrics', expect: adminOnly(200), req: () => ({ url: '/metrics' }) },
  { method: 'GET', route: '/api/v1/openapi.json', expect: signedIn(200), req: () => ({ url: '/api/v1/openapi.json' }) },
  { method: 'GET', route: '/api/v1/docs', expect: signedIn(200), req: () => ({ url: '/api/v1/docs' }) },
  { method: 'GET', route: '/api/v1/errors', expect: signedIn(200), req: () => ({ url: '/api/v1/errors' }) },
  { method: 'GET', route: '/api/v1/tuning', expect: signedIn(200), req: () => ({ url: '/api/v1/tuning' }) },
  {
    method: 'PUT',
    route: '/api/v1/tuning',
    expect: adminOnly(200),
    // the value in force: the call changes nothing
    req: () => ({ url: '/api/v1/tuning', body: { maxBatch: t.exchange.tuning().maxBatch } }),
  },
  // sessions
  {
    method: 'POST',
    route: '/api/v1/session',
    expect: anyone(200),
    // each caller logs in as its own user (the viewer for those without one); the new sessions end in the DELETE row
    req: (who) => {
      const c = creds[who] ?? creds.viewer!;
      return { url: '/api/v1/session', body: { username: c.username, password: c.password } };
    },
    after: (who, res) => {
      if (creds[who] !== undefined) spare[who] = res.body.token;
    },
  },
  { method: 'GET', route: '/api/v1/session', expect: signedIn(200), req: () => ({ url: '/api/v1/session' }) },
  {
    method: 'DELETE',
    route: '/api/v1/session',
    expect: { ...signedIn(200), key: F },
    // a second session of the caller's own user (from the POST row), so logging out ends none the other rows use
    req: async (who) => {
      const c = creds[who];
      if (c === undefined) return { url: '/api/v1/session' };
      const token = spare[who] ?? (await t.auth.login(c.username, c.password))!.token; // the POST row did not run
      return { url: '/api/v1/session', token };
    },
  },
  // orders
  {
    method: 'POST',
    route: '/api/v1/orders',
    expect: accountA(201),
    req: () => ({ url: '/api/v1/orders', body: { ...order, accountId: A } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orders/batch',
    expect: batch,
    req: () => ({ url: '/api/v1/orders/batch', body: { orders: [{ ...order, accountId: A }] } }),
  },
  {
    method: 'GET',
    route: '/api/v1/orders/:orderId',
    expect: accountA(200),
    req: () => ({ url: `/api/v1/orders/${orderA}` }),
  },
  {
    method: 'PATCH',
    route: '/api/v1/orders/:orderId',
    expect: accountA(200),
    req: async () => ({ url: `/api/v1/orders/${await restingOrder(t, A)}`, body: { price: 36_998, volume: 1 } }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orders/:orderId',
    expect: accountA(200),
    req: async () => ({ url: `/api/v1/orders/${await restingOrder(t, A)}` }),
  },
  {
    method: 'POST',
    route: '/api/v1/orders/cancel-batch',
    expect: batch,
    req: async () => ({ url: '/api/v1/orders/cancel-batch', body: { orderIds: [await restingOrder(t, A)] } }),
  },
  // accounts
  { method: 'GET', route: '/api/v1/accounts', expect: signedIn(200), req: () => ({ url: '/api/v1/accounts' }) },
  {
    method: 'POST',
    route: '/api/v1/accounts',
    expect: adminOnly(201),
    req: () => ({ url: '/api/v1/accounts', body: { userId: userA, kind: 'futures' } }),
  },
  ...(['', '/positions', '/orders', '/trades', '/history', '/statements'] as const).map(
    (sub): Row => ({
      method: 'GET',
      route: `/api/v1/accounts/:accountId${sub}`,
      expect: accountA(200),
      req: () => ({ url: `/api/v1/accounts/${A}${sub}` }),
    }),
  ),
  {
    method: 'GET',
    route: '/api/v1/accounts/:accountId/statements/:tradingDay',
    expect: accountA(200),
    req: () => ({ url: `/api/v1/accounts/${A}/statements/${day}` }),
  },
  {
    method: 'POST',
    route: '/api/v1/accounts/:accountId/deposit',
    expect: adminOnly(200),
    req: () => ({ url: `/api/v1/accounts/${A}/deposit`, body: { amount: 100 } }),
  },
  {
    method: 'POST',
    route: '/api/v1/accounts/:accountId/withdraw',
    expect: adminOnly(200),
    req: () => ({ url: `/api/v1/accounts/${A}/withdraw`, body: { amount: 100 } }),
  },
  {
    method: 'POST',
    route: '/api/v1/accounts/:accountId/freeze',
    expect: adminOnly(200),
    req: () => ({ url: `/api/v1/accounts/${A}/freeze`, body: { frozen: false } }),
  },
  {
    method: 'POST',
    route: '/api/v1/accounts/:accountId/liquidate',
    expect: adminOnly(200),
    // B holds nothing: the liquidation ends at once ('flat') and changes no other row's answer
    req: () => ({ url: `/api/v1/accounts/${B}/liquidate` }),
  },
  // API keys
  {
    method: 'GET',
    route: '/api/v1/accounts/:accountId/api-keys',
    expect: sessionsOfA(200),
    req: () => ({ url: `/api/v1/accounts/${A}/api-keys` }),
  },
  {
    method: 'POST',
    route: '/api/v1/accounts/:accountId/api-keys',
    expect: sessionsOfA(201),
    req: () => ({ url: `/api/v1/accounts/${A}/api-keys`, body: { label: 'matrix' } }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/api-keys/:keyId',
    expect: sessionsOfA(200),
    req: () => ({ url: `/api/v1/api-keys/${t.auth.createApiKey(A, userA, 'to revoke').info.keyId}` }),
  },
  // instruments and phases
  { method: 'GET', route: '/api/v1/instruments', expect: signedIn(200), req: () => ({ url: '/api/v1/instruments' }) },
  {
    method: 'GET',
    route: '/api/v1/instruments/:instrumentId',
    expect: signedIn(200),
    req: () => ({ url: '/api/v1/instruments/IF2612' }),
  },
  {
    method: 'POST',
    route: '/api/v1/instruments',
    expect: adminOnly(201),
    req: () => ({ url: '/api/v1/instruments', body: { ...RB, id: `N${nextId()}` } }),
  },
  {
    method: 'PATCH',
    route: '/api/v1/instruments/:instrumentId',
    expect: adminOnly(200),
    req: async () => ({ url: `/api/v1/instruments/${await newInstrument()}`, body: { referencePrice: 3_300 } }),
  },
  ...(['suspend', 'resume', 'delist'] as const).map(
    (action): Row => ({
      method: 'POST',
      route: `/api/v1/instruments/:instrumentId/${action}`,
      expect: adminOnly(200),
      req: async () => ({ url: `/api/v1/instruments/${await newInstrument()}/${action}` }),
    }),
  ),
  {
    method: 'PUT',
    route: '/api/v1/instruments/:instrumentId/phase',
    expect: adminOnly(200),
    req: async () => ({ url: `/api/v1/instruments/${await newInstrument()}/phase`, body: { phase: 'preOpen' } }),
  },
  {
    method: 'PUT',
    route: '/api/v1/phase',
    expect: { ...adminOnly(200), admin: ITEMS_OK },
    req: async () => ({ url: '/api/v1/phase', body: { phase: 'preOpen', instrumentIds: [await newInstrument()] } }),
  },
  // market data
  ...(['depth', 'ticker', 'trades', 'klines?period=60'] as const).map(
    (what): Row => ({
      method: 'GET',
      route: `/api/v1/market/:instrumentId/${what.split('?')[0]}`,
      expect: signedIn(200),
      req: () => ({ url: `/api/v1/market/IF2612/${what}` }),
    }),
  ),
  // users
  { method: 'GET', route: '/api/v1/users', expect: adminOnly(200), req: () => ({ url: '/api/v1/users' }) },
  {
    method: 'POST',
    route: '/api/v1/users',
    expect: adminOnly(201),
    req: () => ({ url: '/api/v1/users', body: { username: `u${nextId()}`, password: 'password-123', role: 'viewer' } }),
  },
  {
    method: 'PATCH',
    route: '/api/v1/users/:userId',
    expect: adminOnly(200),
    req: () => ({ url: `/api/v1/users/${userB}`, body: { disabled: false } }),
  },
  // settlement
  {
    method: 'PUT',
    route: '/api/v1/settlement/prices',
    expect: adminOnly(200),
    req: () => ({ url: '/api/v1/settlement/prices', body: { prices: { IF2612: 38_000 } } }),
  },
  {
    method: 'POST',
    route: '/api/v1/settlement/run',
    expect: adminOnly(200),
    // the admin's run needs a closed market: closed before it, opened again after
    req: async (who) => {
      if (who === 'admin') await setAllPhases('closed');
      return { url: '/api/v1/settlement/run' };
    },
    after: async (who) => {
      if (who === 'admin') await setAllPhases('continuous');
    },
  },
  { method: 'GET', route: '/api/v1/settlements', expect: signedIn(200), req: () => ({ url: '/api/v1/settlements' }) },
  {
    method: 'GET',
    route: '/api/v1/settlements/:tradingDay',
    expect: signedIn(200),
    req: () => ({ url: `/api/v1/settlements/${day}` }),
  },
  {
    method: 'GET',
    route: '/api/v1/settlements/:tradingDay/statements.csv',
    expect: adminOnly(200),
    req: () => ({ url: `/api/v1/settlements/${day}/statements.csv` }),
  },
];

/** How an answer reads in the matrix: `201`, `403 API_FORBIDDEN`, `200 items:API_FORBIDDEN`. */
function show(e: Expect): string {
  if (e.items !== undefined) return `${e.status} items:${e.items}`;
  return e.code === undefined ? String(e.status) : `${e.status} ${e.code}`;
}
/** How a cell reads in docs/api.md. */
function docCell(e: Expect): string {
  if (e.items !== undefined) return e.items === 'ok' ? '200' : '200, each item 403';
  return String(e.status);
}

/** Every route the app registers (HEAD aside). */
function registeredRoutes(): string[] {
  return t.app.routeList();
}

beforeAll(async () => {
  // a stand-in UI build, so the UI routes answer the same whether or not the real UI was built
  uiDir = mkdtempSync(join(tmpdir(), 'deskex-ui-'));
  mkdirSync(join(uiDir, 'assets'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>deskex</title>');
  writeFileSync(join(uiDir, 'assets', 'app-1234.js'), 'export {};');
  t = await startApi({ uiDir });
  const made = await Promise.all([
    userSession(t, 'admin', 'admin'),
    userSession(t, 'viewer', 'viewer'),
    userSession(t, 'trader-a', 'trader'),
    userSession(t, 'trader-b', 'trader'),
  ]);
  const [admin, viewer, a, b] = made;
  tokens.admin = admin.token;
  tokens.viewer = viewer.token;
  tokens.owner = a.token;
  tokens.other = b.token;
  creds.admin = admin;
  creds.viewer = viewer;
  creds.owner = a;
  creds.other = b;
  userA = a.userId;
  userB = b.userId;
  A = await fundedAccount(t, a.userId);
  B = await fundedAccount(t, b.userId);
  V = await fundedAccount(t, viewer.userId);
  tokens.key = t.auth.createApiKey(A, a.userId, 'bot').key;
  orderA = await restingOrder(t, A, { tif: 'GTC' });
  // one settled day, so statements and settlements exist
  day = t.exchange.engine.tradingDay;
  await setAllPhases('closed');
  const settled = await t.exchange.submit({ kind: 'Settle' });
  if (!settled.ok) throw new Error(settled.reject.code);
  await setAllPhases('continuous');
});
afterAll(async () => {
  await t?.close();
  rmSync(uiDir, { recursive: true, force: true });
});

describe('authorization matrix', () => {
  it('covers every registered route, and the OpenAPI document lists every one but the hidden docs routes', async () => {
    const table = MATRIX.map((r) => `${r.method} ${r.route}`).sort();
    expect(new Set(table).size).toBe(table.length);
    expect(table).toEqual(registeredRoutes());
    const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const hidden = ['GET /api/v1/openapi.json', 'GET /api/v1/docs', 'GET /', 'GET /index.html', 'GET /assets/*'];
    expect([...documented, ...hidden].sort()).toEqual(table);
  });

  for (const row of MATRIX) {
    it(`${row.method} ${row.route}`, async () => {
      const got: Partial<Record<Who, string>> = {};
      for (const who of WHO) {
        const r = await row.req(who);
        const token = r.token !== undefined ? r.token : tokens[who];
        const res = await call(t.url, row.method, r.url, { token: token ?? undefined, body: r.body });
        await row.after?.(who, res);
        const results = res.body?.results as { ok: boolean; error?: { code: string } }[] | undefined;
        got[who] =
          res.status < 400
            ? results !== undefined
              ? `${res.status} items:${[...new Set(results.map((x) => (x.ok ? 'ok' : x.error!.code)))].join(',')}`
              : String(res.status)
            : `${res.status} ${res.body?.code}`;
      }
      expect(got).toEqual(Object.fromEntries(WHO.map((w) => [w, show(row.expect[w])])));
    });
  }

  it('a viewer reads its own account but trades nothing on it', async () => {
    const own = await call(t.url, 'GET', `/api/v1/accounts/${V}`, { token: tokens.viewer! });
    expect(own.status).toBe(200);
    expect(own.body.account.accountId).toBe(V);
    const place = await call(t.url, 'POST', '/api/v1/orders', {
      token: tokens.viewer!,
      body: { ...order, accountId: V },
    });
    expect(place.status).toBe(403);
    expect(place.body.code).toBe('API_FORBIDDEN');
    const list = await call(t.url, 'GET', '/api/v1/accounts', { token: tokens.viewer! });
    expect(list.body.accounts.map((a: { accountId: number }) => a.accountId)).toEqual([V]);
    const key = await call(t.url, 'POST', `/api/v1/accounts/${V}/api-keys`, {
      token: tokens.viewer!,
      body: { label: 'x' },
    });
    expect(key.status).toBe(403);
  });

  it('lists each caller its own accounts only (admins every account)', async () => {
    const ids = async (who: Who) =>
      (await call(t.url, 'GET', '/api/v1/accounts', { token: tokens[who]! })).body.accounts.map(
        (a: { accountId: number }) => a.accountId,
      );
    expect(await ids('key')).toEqual([A]);
    expect(await ids('other')).toEqual([B]);
    expect((await ids('owner')).length).toBeGreaterThan(1); // A, plus those the admin cell of POST /accounts made
    expect(await ids('owner')).toContain(A);
    expect(await ids('owner')).not.toContain(B);
    expect((await ids('admin')).sort((x: number, y: number) => x - y)).toEqual(t.exchange.engine.accountIds());
  });

  it('with self-service funds on, owners move their own money and nobody else does', async () => {
    const app = await buildApi(
      { exchange: t.exchange, auth: t.auth, metrics: null },
      { dataDir: t.dir, selfServiceFunds: true },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const addr = app.server.address();
      const base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
      const codes: Partial<Record<Who, number>> = {};
      for (const who of WHO) {
        const r = await call(base, 'POST', `/api/v1/accounts/${A}/deposit`, {
          token: tokens[who] ?? undefined,
          body: { amount: 1 },
        });
        codes[who] = r.status;
      }
      expect(codes).toEqual({ none: 401, viewer: 403, other: 403, owner: 200, key: 200, admin: 200 });
      const viewerOwn = await call(base, 'POST', `/api/v1/accounts/${V}/withdraw`, {
        token: tokens.viewer!,
        body: { amount: 1 },
      });
      expect(viewerOwn.status).toBe(403);
      expect(viewerOwn.body.code).toBe('API_FORBIDDEN');
    } finally {
      await app.close();
    }
  });

  it('docs/api.md "Who may call what" is this table', () => {
    const md = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const start = md.indexOf('## Who may call what');
    expect(start).toBeGreaterThanOrEqual(0);
    const end = md.indexOf('\n## ', start + 1);
    const section = md.slice(start, end < 0 ? undefined : end);
    const rows = section
      .split('\n')
      .filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) /.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim().replace(/`/g, '')),
      );
    const header = section.split('\n').find((l) => l.startsWith('| Method'));
    expect(
      header
        ?.split('|')
        .slice(3, -1)
        .map((c) => c.trim()),
    ).toEqual(WHO.map((w) => WHO_TITLE[w]));
    expect(rows).toEqual(MATRIX.map((r) => [r.method, r.route, ...WHO.map((w) => docCell(r.expect[w]))]));
  });
});
