/**
 * Bad input over REST on a real server: each request of the table is answered with its catalog code and that code's
 * HTTP status, and leaves the exchange's state hash unchanged. Then the Host and Origin checks (through node:http,
 * since fetch may not set Host) and the per-principal rate limit on a second app with a small bucket.
 *
 * On the hash: `Engine.stateHash()` (src-engine/engine.ts) covers the books, the ledger (accounts, positions, holds,
 * each account's recent-order times for the order-rate limit), the trade counter, the engine's own order-id counter,
 * settlement prices and the day's trades, but not the sequence number. An order the engine rejects takes a seq (and
 * gets a `rejected` row in the read model) but changes none of those (its hold is only committed on acceptance, and
 * only accepted orders count towards the order-rate window), so the unchanged hash is the engine's documented
 * behaviour for rejections too, and is asserted for every row.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src-main/api/app.ts';
import { type ErrorCode, numberOf, statusOf } from '../../src-main/api/errors.ts';
import { call, fundedAccount, type Json, restingOrder, startApi, type TestApi, userSession } from './api-helpers.ts';

let t: TestApi;
const tokens = { admin: '', a: '', b: '' };
let A = 0; // trader A's account, well funded
let POOR = 0; // trader A's account with 10.00 on it
let FROZEN = 0; // trader A's account, funded then frozen
let orderA = 0; // a resting buy of A: 1 @ 37000
let orderB = 0; // a resting buy of B

type Who = keyof typeof tokens | 'none';
interface Case {
  readonly name: string;
  readonly method: string;
  /** The path, or a function of the ids made in set-up. */
  readonly url: string | (() => string);
  readonly who?: Who;
  /** Sent as JSON. */
  readonly body?: unknown | (() => unknown);
  /** Sent as is. */
  readonly raw?: string | (() => string);
  readonly contentType?: string;
  readonly code: ErrorCode;
  readonly status: number;
}

const order =
  (o: Record<string, unknown> = {}) =>
  () => ({
    accountId: A,
    instrumentId: 'IF2612',
    side: 'buy',
    price: 37_000,
    volume: 1,
    ...o,
  });
const without = (field: string) => () => {
  const o: Record<string, unknown> = order()();
  delete o[field];
  return o;
};
const orderJson = (fragment: string) => () =>
  `{"accountId":${A},"instrumentId":"IF2612","side":"buy","volume":1,${fragment}}`;

const V = 'API_VALIDATION_FAILED';
const CASES: readonly Case[] = [
  // the body: not JSON, or not an object
  {
    name: 'truncated JSON',
    method: 'POST',
    url: '/api/v1/orders',
    raw: '{"accountId": 1,',
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: 'trailing comma',
    method: 'POST',
    url: '/api/v1/orders',
    raw: '{"accountId": 1,}',
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: 'single quotes',
    method: 'POST',
    url: '/api/v1/orders',
    raw: "{'accountId': 1}",
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: 'NaN as raw text',
    method: 'POST',
    url: '/api/v1/orders',
    raw: orderJson('"price":NaN'),
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: 'Infinity as raw text',
    method: 'POST',
    url: '/api/v1/orders',
    raw: orderJson('"price":Infinity'),
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: '-Infinity as raw text',
    method: 'POST',
    url: '/api/v1/orders',
    raw: orderJson('"price":-Infinity'),
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: 'text/plain body',
    method: 'POST',
    url: '/api/v1/orders',
    raw: () => JSON.stringify(order()()),
    contentType: 'text/plain',
    code: 'API_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
  },
  {
    name: 'form-encoded body',
    method: 'POST',
    url: '/api/v1/orders',
    raw: 'accountId=1&side=buy',
    contentType: 'application/x-www-form-urlencoded',
    code: 'API_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
  },
  { name: 'empty JSON body', method: 'POST', url: '/api/v1/orders', raw: '', code: 'API_INVALID_JSON', status: 400 },
  { name: 'no body at all', method: 'POST', url: '/api/v1/orders', code: V, status: 400 },
  { name: 'JSON null', method: 'POST', url: '/api/v1/orders', raw: 'null', code: V, status: 400 },
  { name: 'JSON array', method: 'POST', url: '/api/v1/orders', raw: '[]', code: V, status: 400 },
  { name: 'JSON string', method: 'POST', url: '/api/v1/orders', raw: '"buy"', code: V, status: 400 },
  // the body: fields
  {
    name: 'missing accountId',
    method: 'POST',
    url: '/api/v1/orders',
    body: without('accountId'),
    code: V,
    status: 400,
  },
  { name: 'missing volume', method: 'POST', url: '/api/v1/orders', body: without('volume'), code: V, status: 400 },
  { name: 'missing side', method: 'POST', url: '/api/v1/orders', body: without('side'), code: V, status: 400 },
  {
    name: 'unknown field',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ leverage: 100 }),
    code: V,
    status: 400,
  },
  {
    name: 'string for volume',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ volume: '1' }),
    code: V,
    status: 400,
  },
  {
    name: 'string for price',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: '37000' }),
    code: V,
    status: 400,
  },
  {
    name: 'string for accountId',
    method: 'POST',
    url: '/api/v1/orders',
    body: () => ({ ...order()(), accountId: String(A) }),
    code: V,
    status: 400,
  },
  {
    name: 'boolean for postOnly as string',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ postOnly: 'true' }),
    code: V,
    status: 400,
  },
  { name: 'negative volume', method: 'POST', url: '/api/v1/orders', body: order({ volume: -1 }), code: V, status: 400 },
  { name: 'zero volume', method: 'POST', url: '/api/v1/orders', body: order({ volume: 0 }), code: V, status: 400 },
  {
    name: 'fractional volume',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ volume: 1.5 }),
    code: V,
    status: 400,
  },
  { name: '1e300 volume', method: 'POST', url: '/api/v1/orders', body: order({ volume: 1e300 }), code: V, status: 400 },
  {
    name: 'negative price',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: -37_000 }),
    code: V,
    status: 400,
  },
  {
    name: 'fractional price',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: 37_000.5 }),
    code: V,
    status: 400,
  },
  { name: '1e300 price', method: 'POST', url: '/api/v1/orders', body: order({ price: 1e300 }), code: V, status: 400 },
  {
    name: 'zero price on a limit order',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: 0 }),
    code: 'VALIDATION_PRICE_NOT_POSITIVE',
    status: 422,
  },
  {
    name: 'volume above the schema maximum',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ volume: 1_000_000_001 }),
    code: V,
    status: 400,
  },
  {
    name: 'huge volume (above the instrument maximum)',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ volume: 1_000_000_000 }),
    code: 'VALIDATION_VOLUME_ABOVE_MAXIMUM',
    status: 422,
  },
  { name: "side 'hold'", method: 'POST', url: '/api/v1/orders', body: order({ side: 'hold' }), code: V, status: 400 },
  {
    name: "type 'iceberg'",
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ type: 'iceberg' }),
    code: V,
    status: 400,
  },
  { name: "tif 'GTD'", method: 'POST', url: '/api/v1/orders', body: order({ tif: 'GTD' }), code: V, status: 400 },
  {
    name: 'instrument id with a space',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ instrumentId: 'IF 2612' }),
    code: V,
    status: 400,
  },
  { name: 'accountId 0', method: 'POST', url: '/api/v1/orders', body: order({ accountId: 0 }), code: V, status: 400 },
  // prototype pollution: refused as JSON, nothing polluted (checked below)
  {
    name: '__proto__ in the body',
    method: 'POST',
    url: '/api/v1/orders',
    raw: orderJson('"price":37000,"__proto__":{"polluted":true}'),
    code: 'API_INVALID_JSON',
    status: 400,
  },
  {
    name: 'constructor.prototype in the body',
    method: 'POST',
    url: '/api/v1/orders',
    raw: orderJson('"price":37000,"constructor":{"prototype":{"polluted":true}}'),
    code: 'API_INVALID_JSON',
    status: 400,
  },
  // the engine's rules
  {
    name: 'price off the tick',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: 37_001 }),
    code: 'VALIDATION_PRICE_NOT_ON_TICK',
    status: 422,
  },
  {
    name: 'price above the band',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: 41_802 }),
    code: 'VALIDATION_PRICE_OUT_OF_BAND',
    status: 422,
  },
  {
    name: 'price below the band',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ price: 34_198 }),
    code: 'VALIDATION_PRICE_OUT_OF_BAND',
    status: 422,
  },
  {
    name: 'unknown instrument',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ instrumentId: 'XX9999' }),
    code: 'VALIDATION_UNKNOWN_INSTRUMENT',
    status: 404,
  },
  {
    name: 'a stock on a futures account',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ instrumentId: '600519', price: 150_000, volume: 100 }),
    code: 'ACCOUNT_KIND_MISMATCH',
    status: 422,
  },
  {
    name: 'market order with GTC',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ type: 'market', tif: 'GTC', price: undefined }),
    code: 'VALIDATION_INVALID_ORDER_COMBINATION',
    status: 422,
  },
  {
    name: 'insufficient funds',
    method: 'POST',
    url: '/api/v1/orders',
    body: () => order({ accountId: POOR })(),
    code: 'RISK_INSUFFICIENT_FUNDS',
    status: 422,
  },
  {
    name: 'order on a frozen account',
    method: 'POST',
    url: '/api/v1/orders',
    body: () => order({ accountId: FROZEN })(),
    code: 'ACCOUNT_FROZEN',
    status: 422,
  },
  {
    name: "order on another trader's account",
    method: 'POST',
    url: '/api/v1/orders',
    who: 'b',
    body: order(),
    code: 'API_FORBIDDEN',
    status: 403,
  },
  {
    name: 'order on an account that does not exist',
    method: 'POST',
    url: '/api/v1/orders',
    body: order({ accountId: 999_999 }),
    code: 'API_FORBIDDEN',
    status: 403,
  },
  {
    name: 'modify that changes nothing',
    method: 'PATCH',
    url: () => `/api/v1/orders/${orderA}`,
    body: { price: 37_000, volume: 1 },
    code: 'MATCHING_MODIFY_CHANGES_NOTHING',
    status: 422,
  },
  {
    name: 'modify off the tick',
    method: 'PATCH',
    url: () => `/api/v1/orders/${orderA}`,
    body: { price: 37_001, volume: 1 },
    code: 'VALIDATION_PRICE_NOT_ON_TICK',
    status: 422,
  },
  {
    name: 'modify with a missing volume',
    method: 'PATCH',
    url: () => `/api/v1/orders/${orderA}`,
    body: { price: 37_002 },
    code: V,
    status: 400,
  },
  { name: 'batch of none', method: 'POST', url: '/api/v1/orders/batch', body: { orders: [] }, code: V, status: 400 },
  {
    name: 'batch of 101',
    method: 'POST',
    url: '/api/v1/orders/batch',
    body: () => ({ orders: Array.from({ length: 101 }, order()) }),
    code: V,
    status: 400,
  },
  {
    name: 'batch with one bad item',
    method: 'POST',
    url: '/api/v1/orders/batch',
    body: () => ({ orders: [order()(), order({ side: 'hold' })()] }),
    code: V,
    status: 400,
  },
  {
    name: 'cancel-batch of strings',
    method: 'POST',
    url: '/api/v1/orders/cancel-batch',
    body: { orderIds: ['1'] },
    code: V,
    status: 400,
  },
  // order ids
  {
    name: 'unknown order id',
    method: 'GET',
    url: '/api/v1/orders/999999',
    code: 'MATCHING_UNKNOWN_ORDER',
    status: 404,
  },
  {
    name: 'cancel of an unknown order id',
    method: 'DELETE',
    url: '/api/v1/orders/999999',
    code: 'MATCHING_UNKNOWN_ORDER',
    status: 404,
  },
  {
    name: "another trader's order (read)",
    method: 'GET',
    url: () => `/api/v1/orders/${orderB}`,
    code: 'API_FORBIDDEN',
    status: 403,
  },
  {
    name: "another trader's order (cancel)",
    method: 'DELETE',
    url: () => `/api/v1/orders/${orderB}`,
    code: 'API_FORBIDDEN',
    status: 403,
  },
  {
    name: "another trader's order (modify)",
    method: 'PATCH',
    url: () => `/api/v1/orders/${orderB}`,
    body: { price: 36_000, volume: 1 },
    code: 'API_FORBIDDEN',
    status: 403,
  },
  // path and query
  { name: 'order id abc', method: 'GET', url: '/api/v1/orders/abc', code: V, status: 400 },
  { name: 'order id 0', method: 'DELETE', url: '/api/v1/orders/0', code: V, status: 400 },
  { name: 'order id -5', method: 'GET', url: '/api/v1/orders/-5', code: V, status: 400 },
  { name: 'order id 1.5', method: 'GET', url: '/api/v1/orders/1.5', code: V, status: 400 },
  { name: 'order id past 2^53', method: 'DELETE', url: '/api/v1/orders/99999999999999999999', code: V, status: 400 },
  { name: 'broken percent-encoding in the path', method: 'GET', url: '/api/v1/orders/%ZZ', code: V, status: 400 },
  {
    name: 'path parameter over 100 characters',
    method: 'GET',
    url: `/api/v1/market/${'A'.repeat(150)}/depth`,
    code: V,
    status: 400,
  },
  { name: 'account id abc', method: 'GET', url: '/api/v1/accounts/abc/orders', code: V, status: 400 },
  { name: 'levels=0', method: 'GET', url: '/api/v1/market/IF2612/depth?levels=0', code: V, status: 400 },
  { name: 'levels=201', method: 'GET', url: '/api/v1/market/IF2612/depth?levels=201', code: V, status: 400 },
  { name: 'levels=abc', method: 'GET', url: '/api/v1/market/IF2612/depth?levels=abc', code: V, status: 400 },
  { name: 'unknown query parameter', method: 'GET', url: '/api/v1/market/IF2612/depth?depth=5', code: V, status: 400 },
  {
    name: 'orders ?status=closed',
    method: 'GET',
    url: () => `/api/v1/accounts/${A}/orders?status=closed`,
    code: V,
    status: 400,
  },
  { name: 'orders ?limit=0', method: 'GET', url: () => `/api/v1/accounts/${A}/orders?limit=0`, code: V, status: 400 },
  { name: 'klines without a period', method: 'GET', url: '/api/v1/market/IF2612/klines', code: V, status: 400 },
  { name: 'klines period=7', method: 'GET', url: '/api/v1/market/IF2612/klines?period=7', code: V, status: 400 },
  {
    name: 'depth of an unknown instrument',
    method: 'GET',
    url: '/api/v1/market/XX9999/depth',
    code: 'VALIDATION_UNKNOWN_INSTRUMENT',
    status: 404,
  },
  { name: 'unknown route', method: 'GET', url: '/api/v1/nothing', code: 'API_NOT_FOUND', status: 404 },
  {
    name: 'unknown method on a route',
    method: 'PUT',
    url: '/api/v1/orders',
    body: order(),
    code: 'API_NOT_FOUND',
    status: 404,
  },
  // funds and admin
  {
    name: 'withdraw more than available',
    method: 'POST',
    url: () => `/api/v1/accounts/${A}/withdraw`,
    who: 'admin',
    body: { amount: 1_000_000_000_000_00 },
    code: 'ACCOUNT_INSUFFICIENT_AVAILABLE',
    status: 422,
  },
  {
    name: 'withdraw from a frozen account',
    method: 'POST',
    url: () => `/api/v1/accounts/${FROZEN}/withdraw`,
    who: 'admin',
    body: { amount: 1 },
    code: 'ACCOUNT_FROZEN',
    status: 422,
  },
  {
    name: 'withdraw 0',
    method: 'POST',
    url: () => `/api/v1/accounts/${A}/withdraw`,
    who: 'admin',
    body: { amount: 0 },
    code: V,
    status: 400,
  },
  {
    name: 'deposit 1.5',
    method: 'POST',
    url: () => `/api/v1/accounts/${A}/deposit`,
    who: 'admin',
    body: { amount: 1.5 },
    code: V,
    status: 400,
  },
  {
    name: 'deposit to an unknown account',
    method: 'POST',
    url: '/api/v1/accounts/999999/deposit',
    who: 'admin',
    body: { amount: 100 },
    code: 'ACCOUNT_UNKNOWN',
    status: 404,
  },
  {
    name: 'deposit by the owner (admin only)',
    method: 'POST',
    url: () => `/api/v1/accounts/${A}/deposit`,
    body: { amount: 100 },
    code: 'API_FORBIDDEN',
    status: 403,
  },
  {
    name: 'account for an unknown user',
    method: 'POST',
    url: '/api/v1/accounts',
    who: 'admin',
    body: { userId: 999_999, kind: 'futures' },
    code: 'API_NOT_FOUND',
    status: 404,
  },
  {
    name: 'account id taken',
    method: 'POST',
    url: '/api/v1/accounts',
    who: 'admin',
    body: () => ({ userId: 1, kind: 'futures', accountId: A }),
    code: 'ACCOUNT_DUPLICATE',
    status: 409,
  },
  {
    name: 'account kind bonds',
    method: 'POST',
    url: '/api/v1/accounts',
    who: 'admin',
    body: { userId: 1, kind: 'bonds' },
    code: V,
    status: 400,
  },
  {
    name: 'user with a short password',
    method: 'POST',
    url: '/api/v1/users',
    who: 'admin',
    body: { username: 'shorty', password: 'short', role: 'trader' },
    code: V,
    status: 400,
  },
  {
    name: 'user with a bad name',
    method: 'POST',
    url: '/api/v1/users',
    who: 'admin',
    body: { username: 'a b', password: 'long-enough-1', role: 'trader' },
    code: V,
    status: 400,
  },
  {
    name: 'user with role root',
    method: 'POST',
    url: '/api/v1/users',
    who: 'admin',
    body: { username: 'root', password: 'long-enough-1', role: 'root' },
    code: V,
    status: 400,
  },
  {
    name: 'settlement while trading',
    method: 'POST',
    url: '/api/v1/settlement/run',
    who: 'admin',
    code: 'ADMIN_SETTLEMENT_NOT_CLOSED',
    status: 422,
  },
  {
    name: 'no settlement prices',
    method: 'PUT',
    url: '/api/v1/settlement/prices',
    who: 'admin',
    body: { prices: {} },
    code: V,
    status: 400,
  },
  {
    name: 'settlement price of an unknown instrument',
    method: 'PUT',
    url: '/api/v1/settlement/prices',
    who: 'admin',
    body: { prices: { XX9999: 100 } },
    code: 'VALIDATION_UNKNOWN_INSTRUMENT',
    status: 404,
  },
  {
    name: 'settlement price 0',
    method: 'PUT',
    url: '/api/v1/settlement/prices',
    who: 'admin',
    body: { prices: { IF2612: 0 } },
    code: V,
    status: 400,
  },
  {
    name: 'phase continuous to auction',
    method: 'PUT',
    url: '/api/v1/instruments/IF2612/phase',
    who: 'admin',
    body: { phase: 'auction' },
    code: 'ADMIN_INVALID_PHASE_TRANSITION',
    status: 422,
  },
  {
    name: "phase 'open'",
    method: 'PUT',
    url: '/api/v1/phase',
    who: 'admin',
    body: { phase: 'open' },
    code: V,
    status: 400,
  },
  {
    name: 'unknown instrument phase',
    method: 'PUT',
    url: '/api/v1/instruments/XX9999/phase',
    who: 'admin',
    body: { phase: 'closed' },
    code: 'VALIDATION_UNKNOWN_INSTRUMENT',
    status: 404,
  },
  // credentials
  {
    name: 'no credentials',
    method: 'POST',
    url: '/api/v1/orders',
    who: 'none',
    body: order(),
    code: 'API_UNAUTHENTICATED',
    status: 401,
  },
  {
    name: 'login without a password',
    method: 'POST',
    url: '/api/v1/session',
    who: 'none',
    body: { username: 'admin' },
    code: V,
    status: 400,
  },
];

/** One request through node:http, which (unlike fetch) sends any Host header. */
function rawRequest(
  port: number,
  o: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: o.method, path: o.path, headers: o.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

beforeAll(async () => {
  t = await startApi();
  const [admin, a, b] = await Promise.all([
    userSession(t, 'admin', 'admin'),
    userSession(t, 'trader-a', 'trader'),
    userSession(t, 'trader-b', 'trader'),
  ]);
  tokens.admin = admin.token;
  tokens.a = a.token;
  tokens.b = b.token;
  A = await fundedAccount(t, a.userId);
  POOR = await fundedAccount(t, a.userId, 10_00);
  FROZEN = await fundedAccount(t, a.userId);
  const frozen = await t.exchange.submit({ kind: 'SetAccountFrozen', accountId: FROZEN, frozen: true });
  expect(frozen.ok).toBe(true);
  const B = await fundedAccount(t, b.userId);
  orderA = await restingOrder(t, A, { tif: 'GTC' });
  orderB = await restingOrder(t, B, { price: 36_000 });
});
afterAll(async () => {
  await t?.close();
});

describe('bad input over REST', () => {
  it('has at least 40 cases, each with a distinct name', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      expect(statusOf(c.code)).toBe(c.status); // the table agrees with the catalog
      const hash = t.exchange.engine.stateHash();
      const who = c.who ?? 'a';
      const raw = typeof c.raw === 'function' ? c.raw() : c.raw;
      const body = typeof c.body === 'function' ? (c.body as () => unknown)() : c.body;
      const url = typeof c.url === 'function' ? c.url() : c.url;
      const r = await call(t.url, c.method, url, {
        token: who === 'none' ? undefined : tokens[who],
        ...(raw !== undefined ? { raw } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(c.contentType !== undefined ? { contentType: c.contentType } : {}),
      });
      expect({ status: r.status, code: r.body?.code, number: r.body?.number }).toEqual({
        status: c.status,
        code: c.code,
        number: numberOf(c.code),
      });
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(typeof r.body.message).toBe('string');
      expect(t.exchange.engine.stateHash()).toBe(hash);
    });
  }

  it('nothing was polluted and the resting orders are as they were', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const a = await call(t.url, 'GET', `/api/v1/orders/${orderA}`, { token: tokens.a });
    expect(a.body.order).toMatchObject({ status: 'new', price: 37_000, remaining: 1 });
    const b = await call(t.url, 'GET', `/api/v1/orders/${orderB}`, { token: tokens.b });
    expect(b.body.order).toMatchObject({ status: 'new', price: 36_000, remaining: 1 });
  });

  it('a body over 64 KiB is API_BODY_TOO_LARGE (413)', async () => {
    const hash = t.exchange.engine.stateHash();
    const big = JSON.stringify({ ...order()(), pad: 'x'.repeat(65 * 1024) });
    const r = await call(t.url, 'POST', '/api/v1/orders', { token: tokens.a, raw: big });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 'API_BODY_TOO_LARGE', number: numberOf('API_BODY_TOO_LARGE') });
    expect(t.exchange.engine.stateHash()).toBe(hash);
  });

  it('a Host that is not an address of this server is API_HOST_NOT_ALLOWED (421)', async () => {
    const hash = t.exchange.engine.stateHash();
    const r = await rawRequest(t.port, {
      method: 'POST',
      path: '/api/v1/orders',
      headers: { host: 'evil.example.com', authorization: `Bearer ${tokens.a}`, 'content-type': 'application/json' },
      body: JSON.stringify(order()()),
    });
    expect(r.status).toBe(421);
    expect(r.body).toMatchObject({ code: 'API_HOST_NOT_ALLOWED', number: numberOf('API_HOST_NOT_ALLOWED') });
    // even /health, and even a rebinding name with our port
    const h = await rawRequest(t.port, {
      method: 'GET',
      path: '/health',
      headers: { host: `attacker.test:${t.port}` },
    });
    expect(h.status).toBe(421);
    // the same request with an IP Host passes the check
    const ok = await rawRequest(t.port, { method: 'GET', path: '/health', headers: { host: `127.0.0.1:${t.port}` } });
    expect(ok.status).toBe(200);
    expect(t.exchange.engine.stateHash()).toBe(hash);
  });

  it('an Origin of another site is API_ORIGIN_NOT_ALLOWED (403)', async () => {
    const hash = t.exchange.engine.stateHash();
    const host = `127.0.0.1:${t.port}`;
    const send = (origin: string) =>
      rawRequest(t.port, {
        method: 'POST',
        path: '/api/v1/orders',
        headers: { host, origin, authorization: `Bearer ${tokens.a}`, 'content-type': 'application/json' },
        body: JSON.stringify(order({ price: 36_002 })()),
      });
    for (const origin of ['http://evil.example.com', 'null', `http://127.0.0.1:${t.port + 1}`, `ftp://${host}`]) {
      const r = await send(origin);
      expect({ origin, status: r.status, code: r.body.code }).toEqual({
        origin,
        status: 403,
        code: 'API_ORIGIN_NOT_ALLOWED',
      });
    }
    expect(t.exchange.engine.stateHash()).toBe(hash);
    // this server's own origin is allowed (the order rests)
    const same = await send(`http://${host}`);
    expect(same.status).toBe(201);
    expect(t.exchange.engine.stateHash()).not.toBe(hash);
  });

  it('a garbage or overlong bearer token is API_UNAUTHENTICATED', async () => {
    for (const token of [
      'nonsense',
      `dks_${'x'.repeat(43)}`,
      `dkk_${'a'.repeat(8)}_${'b'.repeat(32)}`,
      'x'.repeat(5000),
    ]) {
      const r = await call(t.url, 'GET', '/api/v1/session', { token });
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'API_UNAUTHENTICATED' });
    }
  });
});

describe('requests the HTTP parser refuses', () => {
  /** Sends raw bytes and reads the whole answer until the server closes the connection. */
  function raw(port: number, bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it('broken framing and a lying Content-Length answer from the catalog, and the state is untouched', async () => {
    const before = t.exchange.engine.stateHash();
    for (const bytes of [
      'NOT HTTP AT ALL\r\n\r\n',
      'POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}',
      'POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
    ]) {
      const answer = await raw(t.port, bytes);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; number: number };
      expect(body).toMatchObject({ code: 'API_VALIDATION_FAILED', number: numberOf('API_VALIDATION_FAILED') });
    }
    expect(t.exchange.engine.stateHash()).toBe(before);
  });
});

describe('rate limit', () => {
  it('past the bucket, requests are API_RATE_LIMITED (429) with Retry-After and never reach the exchange', async () => {
    const app = await buildApi(
      { exchange: t.exchange, auth: t.auth, metrics: null },
      { dataDir: t.dir, rateLimit: { perSecond: 5, burst: 5 } },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const addr = app.server.address();
      const base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
      const before = t.exchange.engine.account(A)!.frozenMargin;
      const openBefore = (await call(t.url, 'GET', `/api/v1/accounts/${A}/orders?status=open`, { token: tokens.a }))
        .body.orders.length;
      const flood = await Promise.all(
        Array.from({ length: 12 }, () =>
          call(base, 'POST', '/api/v1/orders', { token: tokens.a, body: order({ price: 35_000 })() }),
        ),
      );
      const placed = flood.filter((r) => r.status === 201);
      const limited = flood.filter((r) => r.status === 429);
      expect(placed.length + limited.length).toBe(flood.length);
      // a burst of 5, refilled at 5 a second while the flood lasts
      expect(placed.length).toBeGreaterThanOrEqual(5);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      for (const r of limited) {
        expect(r.body).toMatchObject({ code: 'API_RATE_LIMITED', number: numberOf('API_RATE_LIMITED') });
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(r.body.details.retryAfterSeconds).toBe(Number(r.headers.get('retry-after')));
      }
      // exactly the answered orders rest: the refused ones never reached the exchange
      const open = (await call(t.url, 'GET', `/api/v1/accounts/${A}/orders?status=open`, { token: tokens.a })).body
        .orders;
      expect(open.length - openBefore).toBe(placed.length);
      expect(t.exchange.engine.account(A)!.frozenMargin).toBeGreaterThan(before);
      // the bucket is per principal: trader B still gets through at once
      const other = await call(base, 'GET', '/api/v1/session', { token: tokens.b });
      expect(other.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
