/**
 * A real API server for the REST tests: a demo exchange on a temporary SQLite file, the app from buildApi listening
 * on a loopback port, and `fetch` helpers. Users are created straight in the AuthStore where a test does not
 * exercise user creation itself (each scrypt hash costs ~50 ms).
 */
import { type Api, type ApiOptions, buildApi } from '../../src-main/api/app.ts';
import { AuthStore, type Role } from '../../src-main/api/auth.ts';
import { ApiMetrics } from '../../src-main/api/metrics.ts';
import { Exchange } from '../../src-main/host/exchange.ts';
import { closeJobs } from '../../src-main/host/jobs.ts';
import { tempDataDir } from './exchange-helpers.ts';

export interface TestApi {
  readonly exchange: Exchange;
  readonly auth: AuthStore;
  readonly metrics: ApiMetrics;
  readonly app: Api;
  readonly dir: string;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startApi(options: Omit<ApiOptions, 'dataDir'> = {}): Promise<TestApi> {
  const { dir, remove } = tempDataDir();
  const exchange = await Exchange.open({ dataDir: dir, demo: true });
  const auth = new AuthStore(exchange.database);
  const metrics = new ApiMetrics(exchange);
  const app = await buildApi({ exchange, auth, metrics }, { ...options, dataDir: dir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    exchange,
    auth,
    metrics,
    app,
    dir,
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    async close() {
      await app.close();
      metrics.close();
      await exchange.close();
      await closeJobs();
      remove();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: replies are untyped JSON in these tests, checked by their assertions
export type Json = any;

export interface Reply<T = Json> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  readonly body: T;
}

export interface CallOptions {
  /** Bearer token (session or API key). */
  readonly token?: string | undefined;
  /** Sent as JSON unless `raw` is given. */
  readonly body?: unknown;
  /** A body sent as is (with `contentType`, default application/json). */
  readonly raw?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

/** One request over the loopback port with fetch. */
export async function call<T = Json>(
  base: string,
  method: string,
  path: string,
  o: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined;
  if (o.raw !== undefined) {
    body = o.raw;
    headers['content-type'] = o.contentType ?? 'application/json';
  } else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = o.contentType ?? 'application/json';
  }
  const r = await fetch(`${base}${path}`, body === undefined ? { method, headers } : { method, headers, body });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, headers: r.headers, text, body: parsed as T };
}

/** A user made straight in the store, logged in once: its id and session token. */
export async function userSession(
  t: TestApi,
  username: string,
  role: Role,
): Promise<{ userId: number; token: string; username: string; password: string }> {
  const password = `${username}-password`;
  const user = await t.auth.createUser(username, password, role);
  const r = await call(t.url, 'POST', '/api/v1/session', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return { userId: user.userId, token: r.body.token, username, password };
}

/** An account made through the exchange, with money on it. */
export async function fundedAccount(
  t: TestApi,
  userId: number,
  amount = 100_000_000_00,
  kind: 'futures' | 'stock' = 'futures',
): Promise<number> {
  const accountId = Math.max(0, ...t.exchange.engine.accountIds()) + 1;
  const created = await t.exchange.submit({ kind: 'CreateAccount', accountId, userId, accountKind: kind });
  if (!created.ok) throw new Error(created.reject.code);
  const dep = await t.exchange.submit({ kind: 'Deposit', accountId, amount });
  if (!dep.ok) throw new Error(dep.reject.code);
  return accountId;
}

/** A resting limit order placed through the exchange; its id. */
export async function restingOrder(
  t: TestApi,
  accountId: number,
  o: { instrumentId?: string; side?: 'buy' | 'sell'; price?: number; volume?: number; tif?: 'GFD' | 'GTC' } = {},
): Promise<number> {
  const ack = await t.exchange.submit({
    kind: 'PlaceOrder',
    accountId,
    instrumentId: o.instrumentId ?? 'IF2612',
    side: o.side ?? 'buy',
    type: 'limit',
    tif: o.tif ?? 'GFD',
    price: o.price ?? 37_000,
    volume: o.volume ?? 1,
    offset: 'open',
  });
  if (!ack.ok) throw new Error(`resting order: ${ack.reject.code}`);
  return ack.seq;
}
