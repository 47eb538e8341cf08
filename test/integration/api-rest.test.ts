/**
 * The whole order lifecycle over REST, on a real server (loopback port, real SQLite file): an admin sets up users,
 * accounts, money and an API key; trader A rests, modifies and cancels orders with the key; trader B crosses with a
 * session; market data, paging, batches, revocation, logout, health, metrics, the OpenAPI document and the docs
 * page; then the admin closes the market and settles, and the statements read back (JSON and CSV).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENT_COLUMNS } from '../../src-main/host/statements-csv.ts';
import { call, startApi, type TestApi } from './api-helpers.ts';

let t: TestApi;
const api = (method: string, path: string, o: Parameters<typeof call>[3] = {}) => call(t.url, method, path, o);

const ADMIN_PASSWORD = 'admin-password-1';
let admin = '';
const users: Record<'a' | 'b' | 'v', { userId: number; token: string; accountId: number }> = {
  a: { userId: 0, token: '', accountId: 0 },
  b: { userId: 0, token: '', accountId: 0 },
  v: { userId: 0, token: '', accountId: 0 },
};
let key = '';
let keyId = 0;
let restingId = 0;
let tradeId = 0;
const TRADE_PRICE = 38_010;

beforeAll(async () => {
  t = await startApi();
  await t.auth.createUser('admin', ADMIN_PASSWORD, 'admin');
});
afterAll(async () => {
  await t?.close();
});

describe('REST: set-up by the admin', () => {
  it('logs the admin in and sets the session cookie', async () => {
    const r = await api('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatch(/^dks_/);
    expect(r.body.user).toMatchObject({ username: 'admin', role: 'admin', disabled: false });
    expect(r.headers.get('set-cookie')).toContain(`deskex_session=${encodeURIComponent(r.body.token)}`);
    expect(r.headers.get('set-cookie')).toContain('HttpOnly');
    admin = r.body.token;
    // the cookie alone authenticates
    const who = await api('GET', '/api/v1/session', { headers: { cookie: `deskex_session=${admin}` } });
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ username: 'admin', role: 'admin', via: 'session' });
  });

  it('refuses a wrong password with API_LOGIN_FAILED', async () => {
    const r = await api('POST', '/api/v1/session', { body: { username: 'admin', password: 'not-the-password' } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 'API_LOGIN_FAILED', number: 6011 });
  });

  it('creates users, accounts and deposits, then the users log in', async () => {
    for (const [k, role] of [
      ['a', 'trader'],
      ['b', 'trader'],
      ['v', 'viewer'],
    ] as const) {
      const u = await api('POST', '/api/v1/users', {
        token: admin,
        body: { username: `user-${k}`, password: `password-${k}-123`, role },
      });
      expect(u.status).toBe(201);
      expect(u.body.user).toMatchObject({ username: `user-${k}`, role, disabled: false });
      expect(JSON.stringify(u.body)).not.toContain('password');
      users[k].userId = u.body.user.userId;
      const a = await api('POST', '/api/v1/accounts', {
        token: admin,
        body: { userId: u.body.user.userId, kind: 'futures' },
      });
      expect(a.status).toBe(201);
      expect(a.body.account).toMatchObject({ userId: u.body.user.userId, accountKind: 'futures', balance: 0 });
      users[k].accountId = a.body.account.accountId;
      const d = await api('POST', `/api/v1/accounts/${users[k].accountId}/deposit`, {
        token: admin,
        body: { amount: 100_000_000_00 },
      });
      expect(d.status).toBe(200);
      expect(d.body.account).toMatchObject({ deposit: 100_000_000_00, balance: 100_000_000_00 });
      const s = await api('POST', '/api/v1/session', {
        body: { username: `user-${k}`, password: `password-${k}-123` },
      });
      expect(s.status).toBe(200);
      users[k].token = s.body.token;
    }
    const dup = await api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'user-a', password: 'whatever-123', role: 'trader' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('API_CONFLICT');
    const list = await api('GET', '/api/v1/users', { token: admin });
    expect(list.body.users.map((u: { username: string }) => u.username)).toEqual([
      'admin',
      'user-a',
      'user-b',
      'user-v',
    ]);
  });

  it('creates accounts concurrently, each with its own id', async () => {
    const made = await Promise.all(
      Array.from({ length: 4 }, () =>
        api('POST', '/api/v1/accounts', { token: admin, body: { userId: users.v.userId, kind: 'stock' } }),
      ),
    );
    expect(made.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const ids = made.map((r) => r.body.account.accountId);
    expect(new Set(ids).size).toBe(4);
    for (const r of made) expect(r.body.account).toMatchObject({ userId: users.v.userId, accountKind: 'stock' });
    const explicit = await api('POST', '/api/v1/accounts', {
      token: admin,
      body: { userId: users.v.userId, kind: 'futures', accountId: 500 },
    });
    expect(explicit.status).toBe(201);
    expect(explicit.body.account.accountId).toBe(500);
    const next = await api('POST', '/api/v1/accounts', {
      token: admin,
      body: { userId: users.v.userId, kind: 'futures' },
    });
    expect(next.body.account.accountId).toBe(501);
    const mine = await api('GET', '/api/v1/accounts', { token: users.v.token });
    expect(mine.body.accounts.map((a: { accountId: number }) => a.accountId)).toEqual([
      users.v.accountId,
      ...ids,
      500,
      501,
    ]);
  });

  it('creates an API key for A, shown once; the list never shows the secret', async () => {
    const r = await api('POST', `/api/v1/accounts/${users.a.accountId}/api-keys`, {
      token: users.a.token,
      body: { label: 'bot' },
    });
    expect(r.status).toBe(201);
    expect(r.body.key).toMatch(/^dkk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{32}$/);
    expect(r.body.info).toMatchObject({
      accountId: users.a.accountId,
      userId: users.a.userId,
      label: 'bot',
      revokedMs: null,
    });
    key = r.body.key;
    keyId = r.body.info.keyId;
    const list = await api('GET', `/api/v1/accounts/${users.a.accountId}/api-keys`, { token: users.a.token });
    expect(list.status).toBe(200);
    expect(list.body.keys).toHaveLength(1);
    expect(list.body.keys[0]).toMatchObject({ keyId, prefix: key.slice(4, 12), label: 'bot' });
    const secret = key.slice(13);
    expect(list.text).not.toContain(secret);
    expect(Object.keys(list.body.keys[0]).sort()).toEqual(
      ['accountId', 'createdMs', 'keyId', 'label', 'prefix', 'revokedMs', 'userId'].sort(),
    );
    const who = await api('GET', '/api/v1/session', { token: key });
    expect(who.body).toMatchObject({ via: 'key', role: 'trader', keyAccountId: users.a.accountId });
    const header = await api('GET', '/api/v1/session', { headers: { 'x-api-key': key } });
    expect(header.body).toMatchObject({ via: 'key', keyAccountId: users.a.accountId });
  });
});

describe('REST: the order lifecycle', () => {
  it('A rests a limit sell with the API key (201, status new)', async () => {
    const r = await api('POST', '/api/v1/orders', {
      token: key,
      body: { accountId: users.a.accountId, instrumentId: 'IF2612', side: 'sell', price: 38_000, volume: 3 },
    });
    expect(r.status).toBe(201);
    expect(r.body.order).toMatchObject({
      accountId: users.a.accountId,
      instrumentId: 'IF2612',
      side: 'sell',
      type: 'limit',
      tif: 'GFD',
      offset: 'open',
      price: 38_000,
      volume: 3,
      filled: 0,
      remaining: 3,
      status: 'new',
    });
    expect(r.body.trades).toEqual([]);
    restingId = r.body.order.orderId;
  });

  it('the order is open, readable by id and in the depth', async () => {
    const open = await api('GET', `/api/v1/accounts/${users.a.accountId}/orders?status=open`, { token: key });
    expect(open.status).toBe(200);
    expect(open.body.orders.map((o: { orderId: number }) => o.orderId)).toEqual([restingId]);
    expect(open.body.next).toBeNull();
    const one = await api('GET', `/api/v1/orders/${restingId}`, { token: users.a.token });
    expect(one.status).toBe(200);
    expect(one.body.order).toMatchObject({ orderId: restingId, status: 'new', remaining: 3 });
    const depth = await api('GET', '/api/v1/market/IF2612/depth', { token: users.v.token });
    expect(depth.status).toBe(200);
    expect(depth.body.instrumentId).toBe('IF2612');
    expect(depth.body.asks[0]).toMatchObject({ price: 38_000, volume: 3 });
    expect(depth.body.bids).toEqual([]);
  });

  it('A modifies it (PATCH): new price and open volume', async () => {
    const r = await api('PATCH', `/api/v1/orders/${restingId}`, {
      token: key,
      body: { price: TRADE_PRICE, volume: 2 },
    });
    expect(r.status).toBe(200);
    expect(r.body.order).toMatchObject({ orderId: restingId, price: TRADE_PRICE, remaining: 2, status: 'new' });
    const depth = await api('GET', '/api/v1/market/IF2612/depth?levels=5', { token: key });
    expect(depth.body.asks).toEqual([expect.objectContaining({ price: TRADE_PRICE, volume: 2 })]);
  });

  it('B crosses it with a session: one trade, seen by both accounts and the market data', async () => {
    const r = await api('POST', '/api/v1/orders', {
      token: users.b.token,
      body: { accountId: users.b.accountId, instrumentId: 'IF2612', side: 'buy', price: TRADE_PRICE, volume: 2 },
    });
    expect(r.status).toBe(201);
    expect(r.body.order).toMatchObject({ status: 'filled', filled: 2, remaining: 0 });
    expect(r.body.trades).toHaveLength(1);
    const trade = r.body.trades[0];
    expect(trade).toMatchObject({
      price: TRADE_PRICE,
      volume: 2,
      sellOrderId: restingId,
      buyOrderId: r.body.order.orderId,
      sellAccountId: users.a.accountId,
      buyAccountId: users.b.accountId,
      takerSide: 'buy',
    });
    tradeId = trade.tradeId;

    const aTrades = await api('GET', `/api/v1/accounts/${users.a.accountId}/trades`, { token: key });
    expect(aTrades.status).toBe(200);
    expect(aTrades.body.trades.map((x: { tradeId: number }) => x.tradeId)).toEqual([tradeId]);
    const bTrades = await api('GET', `/api/v1/accounts/${users.b.accountId}/trades`, { token: users.b.token });
    expect(bTrades.body.trades).toEqual([expect.objectContaining({ tradeId, price: TRADE_PRICE, volume: 2 })]);

    const filled = await api('GET', `/api/v1/orders/${restingId}`, { token: key });
    expect(filled.body.order).toMatchObject({ status: 'filled', filled: 2, remaining: 0 });

    const ticker = await api('GET', '/api/v1/market/IF2612/ticker', { token: users.v.token });
    expect(ticker.status).toBe(200);
    expect(ticker.body).toMatchObject({
      instrumentId: 'IF2612',
      phase: 'continuous',
      last: TRADE_PRICE,
      volume: 2,
      trades: 1,
    });
    expect(ticker.body.bestAsk).toBeNull();

    const mt = await api('GET', '/api/v1/market/IF2612/trades', { token: users.v.token });
    expect(mt.body.trades).toEqual([expect.objectContaining({ tradeId, price: TRADE_PRICE, volume: 2 })]);

    const k = await api('GET', '/api/v1/market/IF2612/klines?period=60', { token: users.v.token });
    expect(k.status).toBe(200);
    expect(k.body.period).toBe(60);
    expect(k.body.candles).toEqual([
      expect.objectContaining({
        open: TRADE_PRICE,
        high: TRADE_PRICE,
        low: TRADE_PRICE,
        close: TRADE_PRICE,
        volume: 2,
        trades: 1,
      }),
    ]);
    expect(k.body.candles[0].start_ts % 60_000).toBe(0);

    const pos = await api('GET', `/api/v1/accounts/${users.b.accountId}/positions`, { token: users.b.token });
    expect(pos.body.positions).toEqual([expect.objectContaining({ instrumentId: 'IF2612' })]);
  });

  it('cancelling the filled order is MATCHING_UNKNOWN_ORDER', async () => {
    const r = await api('DELETE', `/api/v1/orders/${restingId}`, { token: key });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'MATCHING_UNKNOWN_ORDER', number: 3005 });
  });

  it('a second resting order is cancelled (DELETE), also with a JSON content type and no body', async () => {
    const placed = await api('POST', '/api/v1/orders', {
      token: key,
      body: { accountId: users.a.accountId, instrumentId: 'IF2612', side: 'buy', price: 37_000, volume: 1, tif: 'GTC' },
    });
    expect(placed.status).toBe(201);
    const id = placed.body.order.orderId;
    const r = await api('DELETE', `/api/v1/orders/${id}`, { token: key });
    expect(r.status).toBe(200);
    expect(r.body.order).toMatchObject({ orderId: id, status: 'canceled', remaining: 0 });
    const open = await api('GET', `/api/v1/accounts/${users.a.accountId}/orders?status=open`, { token: key });
    expect(open.body.orders).toEqual([]);
    // as bots send it (examples/market-maker.ts): content-type application/json on a DELETE without a body
    const again = await api('POST', '/api/v1/orders', {
      token: key,
      body: { accountId: users.a.accountId, instrumentId: 'IF2612', side: 'buy', price: 37_000, volume: 1 },
    });
    const r2 = await fetch(`${t.url}/api/v1/orders/${again.body.order.orderId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    expect(r2.status).toBe(200);
    expect(((await r2.json()) as { order: { status: string } }).order.status).toBe('canceled');
  });

  it('batch place and cancel-batch answer per item', async () => {
    const base = { accountId: users.a.accountId, instrumentId: 'IF2612', side: 'buy', volume: 1 } as const;
    const r = await api('POST', '/api/v1/orders/batch', {
      token: key,
      body: {
        orders: [
          { ...base, price: 37_000 },
          { ...base, price: 37_001 },
          { ...base, price: 37_002 },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(3);
    expect(r.body.results[0]).toMatchObject({ ok: true, order: { price: 37_000, status: 'new' }, trades: [] });
    expect(r.body.results[1]).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_PRICE_NOT_ON_TICK', number: 1005 },
    });
    expect(r.body.results[2]).toMatchObject({ ok: true, order: { price: 37_002, status: 'new' } });
    const ids = [r.body.results[0].order.orderId, r.body.results[2].order.orderId];
    const c = await api('POST', '/api/v1/orders/cancel-batch', {
      token: key,
      body: { orderIds: [ids[0], restingId, ids[1], 999_999] },
    });
    expect(c.status).toBe(200);
    expect(c.body.results).toEqual([
      { ok: true, order: expect.objectContaining({ orderId: ids[0], status: 'canceled' }) },
      { ok: false, orderId: restingId, error: expect.objectContaining({ code: 'MATCHING_UNKNOWN_ORDER' }) },
      { ok: true, order: expect.objectContaining({ orderId: ids[1], status: 'canceled' }) },
      { ok: false, orderId: 999_999, error: expect.objectContaining({ code: 'MATCHING_UNKNOWN_ORDER' }) },
    ]);
    const open = await api('GET', `/api/v1/accounts/${users.a.accountId}/orders?status=open`, { token: key });
    expect(open.body.orders).toEqual([]);
  });

  it('pages the order history with limit, before and next', async () => {
    const all = await api('GET', `/api/v1/accounts/${users.a.accountId}/orders?status=all&limit=1000`, { token: key });
    const allIds: number[] = all.body.orders.map((o: { orderId: number }) => o.orderId);
    // A's orders: the filled sell, the two cancelled singles, the batch's two cancelled and its one rejected order
    expect(all.body.orders.map((o: { status: string }) => o.status)).toEqual([
      'canceled',
      'rejected',
      'canceled',
      'canceled',
      'canceled',
      'filled',
    ]);
    expect(allIds).toEqual([...allIds].sort((x, y) => y - x));
    expect(all.body.next).toBeNull();
    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    for (;;) {
      const q: string = before === null ? '?limit=2' : `?limit=2&before=${before}`;
      const p = await api('GET', `/api/v1/accounts/${users.a.accountId}/orders${q}`, { token: key });
      expect(p.status).toBe(200);
      pages++;
      seen.push(...p.body.orders.map((o: { orderId: number }) => o.orderId));
      expect(p.body.orders.length).toBeLessThanOrEqual(2);
      if (p.body.next === null) break;
      expect(p.body.next).toBe(p.body.orders[p.body.orders.length - 1].orderId);
      before = p.body.next;
      if (pages > 10) throw new Error('paging does not end');
    }
    expect(seen).toEqual(allIds);
    // three full pages, then an empty one (a full page cannot know it was the last)
    expect(pages).toBe(4);
    // trades page the same way
    const tp = await api('GET', `/api/v1/accounts/${users.a.accountId}/trades?limit=1`, { token: key });
    expect(tp.body.next).toBe(tradeId);
    const tp2 = await api('GET', `/api/v1/accounts/${users.a.accountId}/trades?limit=1&before=${tradeId}`, {
      token: key,
    });
    expect(tp2.body).toEqual({ trades: [], next: null });
  });

  it('a revoked key is refused at once (401)', async () => {
    const r = await api('DELETE', `/api/v1/api-keys/${keyId}`, { token: users.a.token });
    expect(r.status).toBe(200);
    expect(r.body.info.revokedMs).toBeTypeOf('number');
    const after = await api('GET', `/api/v1/accounts/${users.a.accountId}`, { token: key });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('API_UNAUTHENTICATED');
    const list = await api('GET', `/api/v1/accounts/${users.a.accountId}/api-keys`, { token: users.a.token });
    expect(list.body.keys[0].revokedMs).toBe(r.body.info.revokedMs);
  });
});

describe('REST: system routes', () => {
  it('/health is 200 without credentials', async () => {
    const r = await api('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ready', shardsDown: 0 });
    expect(r.body.lastSeq).toBe(t.exchange.lastSeq);
  });

  it('/metrics (admin) has the request counter and the stage histogram', async () => {
    const r = await api('GET', '/metrics', { token: admin });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(r.text).toContain('deskex_http_requests_total{route="/api/v1/orders",method="POST",status="201"}');
    expect(r.text).toMatch(/deskex_stage_seconds_bucket\{[^}]*stage="durable_ack"/);
    expect(r.text).toMatch(/deskex_stage_seconds_count\{stage="core_ack"\} [1-9]/);
    expect(r.text).toMatch(/deskex_stage_seconds_count\{stage="reply"\} [1-9]/);
  });

  it('/api/v1/openapi.json is an OpenAPI document with the order paths', async () => {
    const r = await api('GET', '/api/v1/openapi.json', { token: users.v.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths['/api/v1/orders'])).toEqual(['post']);
    expect(Object.keys(r.body.paths['/api/v1/orders/{orderId}']).sort()).toEqual(['delete', 'get', 'patch']);
  });

  it('/api/v1/docs is an HTML page', async () => {
    const r = await api('GET', '/api/v1/docs', { token: users.v.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.text.startsWith('<!doctype html>')).toBe(true);
    expect(r.text).toContain('POST /api/v1/orders');
    expect(r.text).toContain('MATCHING_UNKNOWN_ORDER');
  });

  it('the error catalog lists every code with its status', async () => {
    const r = await api('GET', '/api/v1/errors', { token: users.v.token });
    expect(r.body).toContainEqual(expect.objectContaining({ code: 'API_FORBIDDEN', number: 6006, status: 403 }));
    expect(r.body).toContainEqual(expect.objectContaining({ code: 'RISK_INSUFFICIENT_FUNDS', status: 422 }));
  });
});

describe('REST: settlement by the admin', () => {
  let day = 0;

  it('adds an instrument, trades it and delists it', async () => {
    const spec = (await api('GET', '/api/v1/instruments/rb2605', { token: admin })).body.spec;
    const added = await api('POST', '/api/v1/instruments', { token: admin, body: { ...spec, id: 'rb2609' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ spec: { id: 'rb2609', status: 'active' }, phase: 'closed', lastPrice: null });
    const open = await api('PUT', '/api/v1/instruments/rb2609/phase', { token: admin, body: { phase: 'continuous' } });
    expect(open.body.phase).toBe('continuous');
    const o = await api('POST', '/api/v1/orders', {
      token: users.a.token,
      body: { accountId: users.a.accountId, instrumentId: 'rb2609', side: 'buy', price: 3_200, volume: 1 },
    });
    expect(o.status).toBe(201);
    const delisted = await api('POST', '/api/v1/instruments/rb2609/delist', { token: admin });
    expect(delisted.status).toBe(200);
    expect(delisted.body.spec.status).toBe('delisted');
    // delisting cancels what rested on it
    const gone = await api('GET', `/api/v1/orders/${o.body.order.orderId}`, { token: users.a.token });
    expect(gone.body.order).toMatchObject({ status: 'canceled', reason: 'suspended' });
    const again = await api('POST', '/api/v1/instruments/rb2609/resume', { token: admin });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('ADMIN_INSTRUMENT_DELISTED');
  });

  it('closes the market, sets prices, settles, and lists the settlement', async () => {
    day = t.exchange.engine.tradingDay;
    const phase = await api('PUT', '/api/v1/phase', { token: admin, body: { phase: 'closed' } });
    expect(phase.status).toBe(200);
    // every instrument closes, the delisted one too (settlement needs all of them closed)
    expect(phase.body.results.map((x: { instrumentId: string }) => x.instrumentId)).toEqual(
      t.exchange.engine.instrumentIds(),
    );
    for (const x of phase.body.results) expect(x.ok).toBe(true);
    expect(t.exchange.engine.phase('rb2609')).toBe('closed');
    const inst = await api('GET', '/api/v1/instruments/IF2612', { token: users.v.token });
    expect(inst.body.phase).toBe('closed');
    // orders are refused once closed
    const refused = await api('POST', '/api/v1/orders', {
      token: users.b.token,
      body: { accountId: users.b.accountId, instrumentId: 'IF2612', side: 'buy', price: 38_000, volume: 1 },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('MATCHING_PHASE_REJECTS_ORDERS');

    const prices = await api('PUT', '/api/v1/settlement/prices', {
      token: admin,
      body: { prices: { IF2612: 38_020 } },
    });
    expect(prices.status).toBe(200);
    expect(prices.body).toEqual({ ok: true, prices: { IF2612: 38_020 } });
    const run = await api('POST', '/api/v1/settlement/run', { token: admin });
    expect(run.status).toBe(200);
    expect(run.body.settlement).toMatchObject({ tradingDay: day });
    expect(run.body.settlement.prices).toContainEqual({ instrumentId: 'IF2612', price: 38_020 });
    expect(run.body.tradingDay).toBe(day + 1);
    const list = await api('GET', '/api/v1/settlements', { token: users.v.token });
    expect(list.status).toBe(200);
    expect(list.body.settlements.map((s: { tradingDay: number }) => s.tradingDay)).toEqual([day]);
    const one = await api('GET', `/api/v1/settlements/${day}`, { token: users.a.token });
    expect(one.body.settlement.tradingDay).toBe(day);
  });

  it("serves an account's statement of the day", async () => {
    const days = await api('GET', `/api/v1/accounts/${users.b.accountId}/statements`, { token: users.b.token });
    expect(days.body.days).toEqual([expect.objectContaining({ tradingDay: day })]);
    const r = await api('GET', `/api/v1/accounts/${users.b.accountId}/statements/${day}`, { token: users.b.token });
    expect(r.status).toBe(200);
    expect(r.body.statement.account).toMatchObject({ accountId: users.b.accountId, tradingDay: day });
    expect(r.body.statement.positions).toHaveLength(1);
    expect(r.body.statement.trades).toHaveLength(1);
    const missing = await api('GET', `/api/v1/accounts/${users.b.accountId}/statements/${day + 5}`, {
      token: users.b.token,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('API_NOT_FOUND');
  });

  it('serves the day as CSV: one row per account, positions counted', async () => {
    const r = await api('GET', `/api/v1/settlements/${day}/statements.csv`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/csv');
    expect(r.headers.get('content-disposition')).toContain(`statements-${day}.csv`);
    const [header, ...lines] = r.text.trimEnd().split('\n');
    expect(header!.split(',')).toEqual([...STATEMENT_COLUMNS]);
    const col = (c: (typeof STATEMENT_COLUMNS)[number]) => STATEMENT_COLUMNS.indexOf(c);
    const rows = lines.map((l) => l.split(','));
    expect(rows.map((c) => Number(c[col('accountId')]))).toEqual(t.exchange.engine.accountIds());
    for (const c of rows) {
      expect(c).toHaveLength(STATEMENT_COLUMNS.length);
      expect(Number(c[col('tradingDay')])).toBe(day);
      const id = Number(c[col('accountId')]);
      expect(Number(c[col('positions')])).toBe(id === users.a.accountId || id === users.b.accountId ? 1 : 0);
      expect(Number(c[col('balance')])).toBe(t.exchange.engine.account(id)!.preBalance);
    }
  });
});

describe('REST: logout', () => {
  it('ends the session: the token and cookie stop working', async () => {
    const r = await api('DELETE', '/api/v1/session', { token: users.b.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('set-cookie')).toContain('Max-Age=0');
    const after = await api('GET', '/api/v1/session', { token: users.b.token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('API_UNAUTHENTICATED');
    const cookie = await api('GET', '/api/v1/session', { headers: { cookie: `deskex_session=${users.b.token}` } });
    expect(cookie.status).toBe(401);
    // other sessions are untouched
    expect((await api('GET', '/api/v1/session', { token: users.a.token })).status).toBe(200);
  });
});

describe('REST: force liquidation by the admin', () => {
  it("closes B's long at the band against A's bid, and only an admin may order it", async () => {
    const login = await api('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    // the settlement above closed the market: the next day opens
    const open = await api('PUT', '/api/v1/instruments/IF2612/phase', {
      token: login.body.token,
      body: { phase: 'continuous' },
    });
    expect(open.status).toBe(200);
    const bid = await api('POST', '/api/v1/orders', {
      token: users.a.token,
      body: { accountId: users.a.accountId, instrumentId: 'IF2612', side: 'buy', price: 38_000, volume: 5 },
    });
    expect(bid.status).toBe(201);
    const refused = await api('POST', `/api/v1/accounts/${users.b.accountId}/liquidate`, { token: users.a.token });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'API_FORBIDDEN' });
    const held = (await api('GET', `/api/v1/accounts/${users.b.accountId}/positions`, { token: login.body.token })).body
      .positions as { instrumentId: string; long: { today: number; yesterday: number } }[];
    const held1 = held.find((p) => p.instrumentId === 'IF2612')!;
    const longBefore = held1.long.today + held1.long.yesterday;
    expect(longBefore).toBeGreaterThan(0);
    const r = await api('POST', `/api/v1/accounts/${users.b.accountId}/liquidate`, { token: login.body.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ reason: 'flat', trades: 1 });
    expect(r.body.account.margin).toBe(0);
    const after = (await api('GET', `/api/v1/accounts/${users.b.accountId}/positions`, { token: login.body.token }))
      .body.positions as { long: { today: number; yesterday: number }; short: { today: number; yesterday: number } }[];
    const left = after.reduce((n, p) => n + p.long.today + p.long.yesterday + p.short.today + p.short.yesterday, 0);
    expect(left).toBe(0);
    const bidNow = await api('GET', `/api/v1/orders/${bid.body.order.orderId}`, { token: users.a.token });
    expect(bidNow.body.order).toMatchObject({ filled: longBefore, remaining: 5 - longBefore });
  });
});
