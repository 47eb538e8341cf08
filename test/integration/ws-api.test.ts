/**
 * The WebSocket API through a real node:http server on a loopback port (docs/ws.md): authentication, roles, the
 * order lifecycle, private routing, depth snapshot + deltas against the book, coalescing, and the bounds (message
 * size, rate limit, slow consumer, idle and auth timeouts, heartbeat). No sleeps as synchronisation: every wait is
 * on a message, a close or a reply, with a timeout; a `ping` request is the barrier that proves every push queued
 * before it has arrived (one connection's frames are delivered in order).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AuthStore } from '../../src-main/api/auth.ts';
import { RateLimiter } from '../../src-main/api/limits.ts';
import { ApiMetrics } from '../../src-main/api/metrics.ts';
import { WsGateway, type WsOptions } from '../../src-main/api/ws.ts';
import { type CommandInput, Exchange } from '../../src-main/host/exchange.ts';
import { tempDataDir } from './exchange-helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: messages are untyped JSON in these tests
type Msg = Record<string, any>;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** One test client: replies are matched to requests by id; everything else is a push (or an id-less error). */
class Peer {
  /** Every message received, in order (frames flattened). */
  readonly messages: Msg[] = [];
  /** Every frame received, as its list of messages. */
  readonly frames: Msg[][] = [];
  private nextId = 1;
  private readonly pending = new Map<unknown, (m: Msg) => void>();
  private readonly waiters = new Set<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }>();
  private readonly listeners: ((m: Msg) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = JSON.parse(data.toString());
      const list: Msg[] = Array.isArray(parsed) ? parsed : [parsed];
      this.frames.push(list);
      for (const m of list) {
        this.messages.push(m);
        for (const l of this.listeners) l(m);
        if (m.channel === undefined && m.id !== null && this.pending.has(m.id)) {
          const r = this.pending.get(m.id)!;
          this.pending.delete(m.id);
          r(m);
        }
        for (const w of this.waiters) {
          if (w.pred(m)) {
            this.waiters.delete(w);
            w.resolve(m);
          }
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<Peer> {
    const ws = new WebSocket(url, options);
    const peer = new Peer(ws);
    return within(
      new Promise<Peer>((resolve, reject) => {
        ws.once('open', () => resolve(peer));
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      }),
      5_000,
      'the connection to open',
    );
  }

  /** Sends a request with a fresh id (unless it has one) and resolves with its reply. */
  request(msg: Msg, what = String(msg.op)): Promise<Msg> {
    const id = 'id' in msg ? msg.id : `r${this.nextId++}`;
    const reply = new Promise<Msg>((resolve) => this.pending.set(id, resolve));
    this.ws.send(JSON.stringify({ ...msg, id }));
    return within(reply, 10_000, `the reply to ${what}`);
  }

  /** The request's result; fails the test if it was refused. */
  async ok(msg: Msg): Promise<Msg> {
    const r = await this.request(msg);
    if (r.ok !== true) throw new Error(`${msg.op} refused: ${JSON.stringify(r.error)}`);
    return r.result;
  }

  /** The request's error body; fails the test if it was accepted. */
  async refused(msg: Msg): Promise<Msg> {
    const r = await this.request(msg);
    if (r.ok !== false) throw new Error(`${msg.op} was accepted: ${JSON.stringify(r.result)}`);
    return r.error;
  }

  /** The first message (already received or still to come) matching pred. */
  waitFor(pred: (m: Msg) => boolean, what: string, ms = 5_000): Promise<Msg> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return within(new Promise<Msg>((resolve) => this.waiters.add({ pred, resolve })), ms, what);
  }

  onMessage(l: (m: Msg) => void): void {
    this.listeners.push(l);
  }

  /** Resolves once every message the server queued for this client before now has arrived. */
  async barrier(): Promise<void> {
    await this.ok({ op: 'ping' });
  }

  pushes(channel: string): Msg[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return within(this.closed, 5_000, 'the close');
  }
}

/** An upgrade the server must refuse: its HTTP status and error body. */
function refusedUpgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number; body: Msg }> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('error', () => {});
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      });
    }),
    5_000,
    'the refused upgrade',
  );
}

interface Gateway {
  readonly gw: WsGateway;
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

async function serve(
  ex: Exchange,
  auth: AuthStore,
  options: WsOptions = {},
  limiter = new RateLimiter(),
  metrics: ApiMetrics | null = null,
): Promise<Gateway> {
  const gw = new WsGateway({ exchange: ex, auth, limiter, metrics, policy: {} }, options);
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.on('upgrade', (req, socket, head) => gw.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    gw,
    server,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    async close() {
      await gw.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const INSTRUMENT = 'rb2605';
const FUNDS = 100_000_000_000;

/** mulberry32: a small seeded generator for the random order stream. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** A client-side book built from a depth snapshot and the deltas after it. */
class DepthMirror {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  seq = -1;
  deltas = 0;
  readonly errors: string[] = [];

  constructor(
    readonly instrumentId: string,
    readonly levels: number,
  ) {}

  apply(m: Msg): void {
    if (m.channel !== 'depth' || m.instrumentId !== this.instrumentId) return;
    if (m.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
      for (const [p, v] of m.bids) this.bids.set(p, v);
      for (const [p, v] of m.asks) this.asks.set(p, v);
      this.seq = m.seq;
      return;
    }
    if (m.prevSeq !== this.seq) this.errors.push(`delta ${m.seq} has prevSeq ${m.prevSeq}, last seen ${this.seq}`);
    if (!(m.seq > this.seq)) this.errors.push(`delta seq ${m.seq} does not increase from ${this.seq}`);
    // the seq counts the changes of the top 50 levels, so a 50-level subscriber sees every seq, one by one
    if (this.levels === 50 && m.seq !== this.seq + 1) this.errors.push(`delta seq ${m.seq} after ${this.seq}`);
    for (const [side, book] of [
      [m.bids, this.bids],
      [m.asks, this.asks],
    ] as const) {
      for (const [p, v] of side) {
        if (v === 0) book.delete(p);
        else book.set(p, v);
      }
    }
    this.seq = m.seq;
    this.deltas++;
  }

  view(): { bids: number[][]; asks: number[][] } {
    return {
      bids: [...this.bids].sort((a, b) => b[0] - a[0]),
      asks: [...this.asks].sort((a, b) => a[0] - b[0]),
    };
  }
}

function engineDepth(ex: Exchange, id: string, levels: number): { bids: number[][]; asks: number[][] } {
  const d = ex.engine.depth(id, levels)!;
  return { bids: d.bids.map((l) => [l.price, l.volume]), asks: d.asks.map((l) => [l.price, l.volume]) };
}

describe('WebSocket API', () => {
  const tmp = tempDataDir();
  let ex: Exchange;
  let auth: AuthStore;
  let metrics: ApiMetrics;
  let main: Gateway;
  const users: Record<string, number> = {};
  const keys: Record<number, string> = {};
  let viewerSession = '';
  let traderSession = '';

  async function account(accountId: number, userId: number): Promise<void> {
    const created = await ex.submit({ kind: 'CreateAccount', accountId, userId, accountKind: 'futures' });
    expect(created.ok).toBe(true);
    const funded = await ex.submit({ kind: 'Deposit', accountId, amount: FUNDS });
    expect(funded.ok).toBe(true);
  }

  beforeAll(async () => {
    ex = await Exchange.open({ dataDir: tmp.dir, demo: true });
    auth = new AuthStore(ex.database);
    metrics = new ApiMetrics(ex);
    for (const [name, role] of [
      ['alice', 'trader'],
      ['bob', 'trader'],
      ['carol', 'trader'],
      ['victor', 'viewer'],
    ] as const) {
      users[name] = (await auth.createUser(name, `password-${name}`, role)).userId;
    }
    await account(1001, users.alice!);
    await account(1002, users.bob!);
    await account(1003, users.carol!);
    await account(1004, users.victor!);
    for (const id of [2001, 2002, 2003, 2004]) await account(id, users.alice!);
    keys[1001] = auth.createApiKey(1001, users.alice!, 'bot').key;
    keys[1002] = auth.createApiKey(1002, users.bob!, 'bot').key;
    keys[1003] = auth.createApiKey(1003, users.carol!, 'bot').key;
    keys[2001] = auth.createApiKey(2001, users.alice!, 'bot').key;
    viewerSession = (await auth.login('victor', 'password-victor'))!.token;
    traderSession = (await auth.login('alice', 'password-alice'))!.token;
    main = await serve(ex, auth, {}, new RateLimiter(), metrics);
  });

  afterAll(async () => {
    await main?.close();
    metrics?.close();
    await ex?.close();
    tmp.remove();
  });

  const withKey = (accountId: number): WebSocket.ClientOptions => ({
    headers: { authorization: `Bearer ${keys[accountId]}` },
  });

  describe('connecting and authenticating', () => {
    it('accepts an API key in the Authorization header, ?token= and a session cookie', async () => {
      const a = await Peer.open(main.url, withKey(1001));
      expect(await a.ok({ op: 'subscribe', channel: 'account', accountId: 1001 })).toEqual({
        channel: 'account',
        accountId: 1001,
      });
      const b = await Peer.open(`${main.url}?token=${encodeURIComponent(keys[1002]!)}`);
      await b.ok({ op: 'subscribe', channel: 'account', accountId: 1002 });
      const c = await Peer.open(main.url, { headers: { cookie: `theme=dark; deskex_session=${traderSession}` } });
      await c.ok({ op: 'subscribe', channel: 'account', accountId: 2001 });
      await Promise.all([a.close(), b.close(), c.close()]);
    });

    it('lets an unauthenticated connection only ping and auth, then authenticates it with a message', async () => {
      const p = await Peer.open(main.url);
      expect((await p.ok({ op: 'ping' })).pong).toBeGreaterThan(0);
      const sub = await p.refused({ op: 'subscribe', channel: 'trades', instrumentId: INSTRUMENT });
      expect(sub).toMatchObject({ code: 'API_UNAUTHENTICATED', number: 6005 });
      const place = await p.refused({
        op: 'place',
        order: { accountId: 1001, instrumentId: INSTRUMENT, side: 'buy', price: 3000, volume: 1 },
      });
      expect(place.code).toBe('API_UNAUTHENTICATED');
      expect((await p.refused({ op: 'auth', token: 'dkk_nope' })).code).toBe('API_UNAUTHENTICATED');
      const who = await p.ok({ op: 'auth', token: keys[1001] });
      expect(who).toMatchObject({ via: 'key', role: 'trader', accountId: 1001, userId: users.alice });
      await p.ok({ op: 'subscribe', channel: 'trades', instrumentId: INSTRUMENT });
      expect((await p.refused({ op: 'auth', token: keys[1001] })).code).toBe('API_CONFLICT');
      await p.close();
    });

    it('refuses the upgrade for a bad credential, Host or Origin, and for another path', async () => {
      const badKey = await refusedUpgrade(main.url, { headers: { authorization: 'Bearer dkk_invalid' } });
      expect(badKey.status).toBe(401);
      expect(badKey.body.code).toBe('API_UNAUTHENTICATED');
      const badHost = await refusedUpgrade(main.url, { headers: { host: `evil.example:${main.port}` } });
      expect(badHost.status).toBe(421);
      expect(badHost.body.code).toBe('API_HOST_NOT_ALLOWED');
      const badOrigin = await refusedUpgrade(main.url, { origin: 'http://evil.example' });
      expect(badOrigin.status).toBe(403);
      expect(badOrigin.body.code).toBe('API_ORIGIN_NOT_ALLOWED');
      const sameOrigin = await Peer.open(main.url, { origin: `http://127.0.0.1:${main.port}` });
      await sameOrigin.close();
      const elsewhere = await refusedUpgrade(main.url.replace('/ws', '/other'));
      expect(elsewhere.status).toBe(404);
      // a stale session cookie does not refuse the upgrade: the client may still send an auth message
      const stale = await Peer.open(main.url, { headers: { cookie: 'deskex_session=dks_stale' } });
      expect((await stale.refused({ op: 'subscribe', channel: 'ticker', instrumentId: INSTRUMENT })).code).toBe(
        'API_UNAUTHENTICATED',
      );
      await stale.close();
    });

    it('closes a connection that does not authenticate in time with 4401', async () => {
      const g = await serve(ex, auth, { authTimeoutMs: 150 });
      const p = await Peer.open(g.url);
      expect(await within(p.closed, 5_000, 'the 4401 close')).toEqual({
        code: 4401,
        reason: 'not authenticated in time',
      });
      await g.close();
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON, unknown ops and channels and schema violations with catalog codes', async () => {
      const p = await Peer.open(main.url, withKey(1001));
      p.ws.send('{"op": "ping", ');
      const invalid = await p.waitFor((m) => m.ok === false && m.id === null, 'the invalid-JSON error');
      expect(invalid.error).toMatchObject({ code: 'API_INVALID_JSON', number: 6001 });
      expect((await p.refused({ op: 'dance' })).code).toBe('API_WS_UNKNOWN_OP');
      expect(await p.refused({ op: 'subscribe', channel: 'gossip', instrumentId: INSTRUMENT })).toMatchObject({
        code: 'API_WS_UNKNOWN_CHANNEL',
        number: 6102,
      });
      const schema = await p.refused({
        op: 'place',
        order: { accountId: 1001, instrumentId: INSTRUMENT, side: 'buy', price: '3000', volume: 1 },
      });
      expect(schema.code).toBe('API_VALIDATION_FAILED');
      expect(schema.details[0].path).toBe('/order/price');
      expect((await p.refused({ op: 'subscribe', channel: 'depth', instrumentId: INSTRUMENT, levels: 51 })).code).toBe(
        'API_VALIDATION_FAILED',
      );
      expect((await p.refused({ op: 'subscribe', channel: 'depth', instrumentId: 'NOPE' })).code).toBe(
        'VALIDATION_UNKNOWN_INSTRUMENT',
      );
      expect((await p.refused({ op: 'subscribe', channel: 'orders', instrumentId: INSTRUMENT })).code).toBe(
        'API_VALIDATION_FAILED',
      );
      // the id is echoed whatever its type; the connection stays usable after every error
      expect(await p.request({ op: 'ping', id: 42 })).toMatchObject({ id: 42, ok: true });
      await p.close();
    });

    it('answers a message over the size limit with API_WS_MESSAGE_TOO_LARGE and closes with 1009', async () => {
      const p = await Peer.open(main.url, withKey(1001));
      p.ws.send(JSON.stringify({ op: 'ping', id: 'big', pad: 'x'.repeat(70 * 1024) }));
      const err = await p.waitFor((m) => m.ok === false && m.id === null, 'the too-large error');
      expect(err.error).toMatchObject({ code: 'API_WS_MESSAGE_TOO_LARGE', number: 6101 });
      expect(await within(p.closed, 5_000, 'the 1009 close')).toEqual({
        code: 1009,
        reason: 'API_WS_MESSAGE_TOO_LARGE',
      });
    });

    it('answers a flood past the rate limit with API_RATE_LIMITED, sharing the bucket with REST', async () => {
      const limiter = new RateLimiter({ perSecond: 1, burst: 5 });
      const g = await serve(ex, auth, {}, limiter);
      const p = await Peer.open(g.url, withKey(1002));
      const order = { accountId: 1002, instrumentId: INSTRUMENT, side: 'buy', price: 2_900, volume: 1 };
      const replies = await Promise.all(Array.from({ length: 8 }, () => p.request({ op: 'place', order })));
      const limited = replies.filter((r) => r.ok === false);
      expect(replies.filter((r) => r.ok === true)).toHaveLength(5);
      expect(limited).toHaveLength(3);
      for (const r of limited) {
        expect(r.error).toMatchObject({ code: 'API_RATE_LIMITED', number: 6008 });
        expect(r.error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }
      // a batch costs its op count; the same key spent by REST (limiter.take) is spent for WS too
      const key = `key:${auth.apiKeys({ accountId: 1002 })[0]!.keyId}`;
      limiter.take(key, 5);
      expect((await p.refused({ op: 'batch', ops: [{ op: 'place', order }] })).code).toBe('API_RATE_LIMITED');
      for (const r of replies.filter((x) => x.ok)) {
        await ex.submit({ kind: 'CancelOrder', orderId: r.result.order.orderId, accountId: 1002 });
      }
      await p.close();
      await g.close();
    });
  });

  describe('roles on every channel and op', () => {
    it('lets a viewer read its own account and market data but not trade', async () => {
      const v = await Peer.open(main.url, { headers: { authorization: `Bearer ${viewerSession}` } });
      await v.ok({ op: 'subscribe', channel: 'account', accountId: 1004 });
      await v.ok({ op: 'subscribe', channel: 'orders', accountId: 1004 });
      await v.ok({ op: 'subscribe', channel: 'depth', instrumentId: INSTRUMENT });
      const place = await v.refused({
        op: 'place',
        order: { accountId: 1004, instrumentId: INSTRUMENT, side: 'buy', price: 3_000, volume: 1 },
      });
      expect(place).toMatchObject({ code: 'API_FORBIDDEN', number: 6006 });
      expect((await v.refused({ op: 'cancel', orderId: 1, accountId: 1004 })).code).toBe('API_FORBIDDEN');
      expect((await v.refused({ op: 'modify', orderId: 1, accountId: 1004, price: 3_000, volume: 1 })).code).toBe(
        'API_FORBIDDEN',
      );
      const batch = await v.ok({
        op: 'batch',
        ops: [
          { op: 'place', order: { accountId: 1004, instrumentId: INSTRUMENT, side: 'buy', price: 3_000, volume: 1 } },
        ],
      });
      expect(batch.results[0].error.code).toBe('API_FORBIDDEN');
      expect((await v.refused({ op: 'subscribe', channel: 'fills', accountId: 1001 })).code).toBe('API_FORBIDDEN');
      await v.close();
    });

    it("refuses a trader's key another account's private channels and orders", async () => {
      const p = await Peer.open(main.url, withKey(1001));
      for (const channel of ['orders', 'fills', 'account']) {
        expect((await p.refused({ op: 'subscribe', channel, accountId: 1002 })).code).toBe('API_FORBIDDEN');
      }
      // a key acts for its one account, even one of the same user's other accounts
      expect((await p.refused({ op: 'subscribe', channel: 'orders', accountId: 2001 })).code).toBe('API_FORBIDDEN');
      const place = await p.refused({
        op: 'place',
        order: { accountId: 1002, instrumentId: INSTRUMENT, side: 'buy', price: 3_000, volume: 1 },
      });
      expect(place.code).toBe('API_FORBIDDEN');
      await p.close();
    });
  });

  describe('trading', () => {
    it('runs the whole order lifecycle over WS and routes private data only to its owner', async () => {
      const a = await Peer.open(main.url, withKey(1001));
      const b = await Peer.open(main.url, withKey(1002));
      const c = await Peer.open(main.url, withKey(1003));
      const watcher = await Peer.open(main.url, { headers: { authorization: `Bearer ${viewerSession}` } });
      for (const [peer, accountId] of [
        [a, 1001],
        [b, 1002],
        [c, 1003],
      ] as const) {
        for (const channel of ['orders', 'fills', 'account']) await peer.ok({ op: 'subscribe', channel, accountId });
      }
      await watcher.ok({ op: 'subscribe', channel: 'trades', instrumentId: INSTRUMENT });
      await watcher.ok({ op: 'subscribe', channel: 'ticker', instrumentId: INSTRUMENT });
      await watcher.ok({ op: 'subscribe', channel: 'klines', instrumentId: INSTRUMENT, period: 3 });
      const snap = await a.waitFor((m) => m.channel === 'account' && m.type === 'snapshot', 'the account snapshot');
      expect(snap.account).toMatchObject({ accountId: 1001, deposit: FUNDS });
      expect(a.messages.find((m) => m.channel === 'orders' && m.type === 'snapshot')?.orders).toEqual([]);

      // place: the reply carries the order; the orders channel tells it accepted and resting
      const placed = await a.ok({
        op: 'place',
        id: 'p1',
        order: { accountId: 1001, instrumentId: INSTRUMENT, side: 'buy', price: 3_100, volume: 2, tif: 'GTC' },
      });
      expect(placed.order).toMatchObject({ accountId: 1001, status: 'new', remaining: 2, price: 3_100 });
      expect(placed.trades).toEqual([]);
      const orderId: number = placed.order.orderId;
      const rested = await a.waitFor((m) => m.channel === 'orders' && m.order?.orderId === orderId, 'the orders push');
      expect(rested).toMatchObject({ accountId: 1001, events: ['accepted', 'rested'], order: { status: 'new' } });

      // modify: a new price and volume
      const modified = await a.ok({ op: 'modify', orderId, accountId: 1001, price: 3_102, volume: 3 });
      expect(modified).toMatchObject({ orderId, price: 3_102, remaining: 3, keptPriority: false });
      await a.waitFor(
        (m) => m.channel === 'orders' && m.events?.includes('modified') && m.order.price === 3_102,
        'the modified push',
      );

      // a second order, canceled
      const other = await a.ok({
        op: 'place',
        order: { accountId: 1001, instrumentId: INSTRUMENT, side: 'buy', price: 3_050, volume: 1 },
      });
      const canceled = await a.ok({ op: 'cancel', orderId: other.order.orderId, accountId: 1001 });
      expect(canceled).toMatchObject({ orderId: other.order.orderId, canceled: 1, reason: 'canceled' });
      await a.waitFor(
        (m) => m.channel === 'orders' && m.order?.orderId === other.order.orderId && m.order.status === 'canceled',
        'the canceled push',
      );
      // nobody cancels another account's order, by its own account id or by the owner's
      expect((await c.refused({ op: 'cancel', orderId, accountId: 1001 })).code).toBe('API_FORBIDDEN');
      expect((await c.refused({ op: 'cancel', orderId, accountId: 1003 })).code).toBe('MATCHING_NOT_ORDER_OWNER');

      // cross from a second account: both owners get their fill; the reply and the pushes share one frame
      const crossed = await b.request({
        op: 'place',
        id: 'cross',
        order: { accountId: 1002, instrumentId: INSTRUMENT, side: 'sell', price: 3_102, volume: 1 },
      });
      expect(crossed.ok).toBe(true);
      expect(crossed.result.order).toMatchObject({ status: 'filled', filled: 1 });
      expect(crossed.result.trades).toHaveLength(1);
      const trade = crossed.result.trades[0];
      expect(trade).toMatchObject({
        price: 3_102,
        volume: 1,
        buyAccountId: 1001,
        sellAccountId: 1002,
        takerSide: 'sell',
      });
      const frame = b.frames.find((f) => f.some((m) => m.id === 'cross'))!;
      expect(frame.some((m) => m.channel === 'fills')).toBe(true);
      expect(frame.some((m) => m.channel === 'orders')).toBe(true);

      const fillA = await a.waitFor((m) => m.channel === 'fills', 'the buyer fill');
      expect(fillA).toMatchObject({ accountId: 1001, side: 'buy', orderId, trade: { tradeId: trade.tradeId } });
      const fillB = await b.waitFor((m) => m.channel === 'fills', 'the seller fill');
      expect(fillB).toMatchObject({ accountId: 1002, side: 'sell', trade: { tradeId: trade.tradeId } });
      await a.waitFor(
        (m) => m.channel === 'orders' && m.order?.orderId === orderId && m.events.includes('partial'),
        'the partial push',
      );
      const pos = await a.waitFor((m) => m.channel === 'account' && m.position !== undefined, 'the position push');
      expect(pos.position).toMatchObject({ accountId: 1001, instrumentId: INSTRUMENT, long: { today: 1 } });
      await b.waitFor((m) => m.channel === 'account' && m.position?.short?.today === 1, 'the short position push');
      const tape = await watcher.waitFor((m) => m.channel === 'trades', 'the public trade');
      expect(tape.trade.tradeId).toBe(trade.tradeId);
      const ticker = await watcher.waitFor((m) => m.channel === 'ticker' && m.last === 3_102, 'the ticker');
      expect(ticker).toMatchObject({ instrumentId: INSTRUMENT, phase: 'continuous', bestBid: 3_102, bestBidVolume: 2 });
      expect(ticker.volume).toBeGreaterThanOrEqual(1);
      const candle = await watcher.waitFor((m) => m.channel === 'klines' && m.candle?.close === 3_102, 'the candle');
      expect(candle).toMatchObject({ instrumentId: INSTRUMENT, period: 3 });

      // the rest of the order, canceled
      const rest = await a.ok({ op: 'cancel', orderId, accountId: 1001 });
      expect(rest.canceled).toBe(2);
      const last = await a.waitFor(
        (m) => m.channel === 'orders' && m.order?.orderId === orderId && m.order.status === 'canceled',
        'the final push',
      );
      expect(last.order).toMatchObject({ filled: 1, remaining: 0 });

      // a batch is sequenced together; each item answers for itself
      const batch = await a.ok({
        op: 'batch',
        ops: [
          { op: 'place', order: { accountId: 1001, instrumentId: INSTRUMENT, side: 'buy', price: 3_000, volume: 1 } },
          { op: 'place', order: { accountId: 1001, instrumentId: INSTRUMENT, side: 'buy', price: 3_001, volume: 1 } },
          { op: 'cancel', orderId: 999_999, accountId: 1001 },
          { op: 'place', order: { accountId: 1002, instrumentId: INSTRUMENT, side: 'buy', price: 3_001, volume: 1 } },
        ],
      });
      expect(batch.results.map((r: Msg) => r.ok)).toEqual([true, true, false, false]);
      expect(batch.results[2].error.code).toBe('MATCHING_UNKNOWN_ORDER');
      expect(batch.results[3].error.code).toBe('API_FORBIDDEN');
      const [o1, o2] = [batch.results[0].result.order, batch.results[1].result.order];
      expect(o2.createdSeq).toBe(o1.createdSeq + 1);
      for (const o of [o1, o2]) await a.ok({ op: 'cancel', orderId: o.orderId, accountId: 1001 });

      // the third account saw none of it: only its own snapshots
      await c.barrier();
      expect(c.messages.filter((m) => m.channel !== undefined && m.type !== 'snapshot')).toEqual([]);
      // and each owner saw only its own account
      for (const [peer, accountId] of [
        [a, 1001],
        [b, 1002],
      ] as const) {
        await peer.barrier();
        const foreign = peer.messages.filter((m) => m.channel !== undefined && m.accountId !== accountId);
        expect(foreign).toEqual([]);
      }
      await Promise.all([a.close(), b.close(), c.close(), watcher.close()]);
    });
  });

  describe('depth', () => {
    it('applying the deltas to the snapshot always equals a fresh snapshot of the book (5, 10 and 50 levels)', async () => {
      const mirrors = [
        new DepthMirror(INSTRUMENT, 5),
        new DepthMirror(INSTRUMENT, 10),
        new DepthMirror(INSTRUMENT, 50),
      ];
      const peers: Peer[] = [];
      for (const m of mirrors) {
        const p = await Peer.open(main.url, withKey(2001));
        p.onMessage((msg) => m.apply(msg));
        const r = await p.ok({ op: 'subscribe', channel: 'depth', instrumentId: INSTRUMENT, levels: m.levels });
        expect(r).toEqual({ channel: 'depth', instrumentId: INSTRUMENT, levels: m.levels });
        peers.push(p);
      }
      const rand = rng(20_260_101);
      const accounts = [2001, 2002, 2003, 2004];
      const live: { orderId: number; accountId: number; side: 'buy' | 'sell' }[] = [];
      const price = (side: 'buy' | 'sell') => (side === 'buy' ? 3_140 + rand(64) : 3_196 + rand(64));
      let ops = 0;
      let acceptedOps = 0;
      while (ops < 320) {
        const acks: Promise<{ ok: boolean }>[] = [];
        const k = 1 + rand(8);
        for (let j = 0; j < k; j++, ops++) {
          const r = rand(100);
          let cmd: CommandInput;
          if (r < 60 || live.length === 0) {
            const side = rand(2) === 0 ? 'buy' : 'sell';
            const accountId = accounts[rand(accounts.length)]!;
            cmd = {
              kind: 'PlaceOrder',
              accountId,
              instrumentId: INSTRUMENT,
              side,
              type: 'limit',
              tif: 'GFD',
              price: price(side),
              volume: 1 + rand(5),
            };
            acks.push(ex.submit(cmd));
            live.push({ orderId: ex.lastSeq, accountId, side });
          } else if (r < 85) {
            const [o] = live.splice(rand(live.length), 1);
            acks.push(ex.submit({ kind: 'CancelOrder', orderId: o!.orderId, accountId: o!.accountId }));
          } else {
            const o = live[rand(live.length)]!;
            acks.push(
              ex.submit({
                kind: 'ModifyOrder',
                orderId: o.orderId,
                accountId: o.accountId,
                price: price(o.side),
                volume: 1 + rand(5),
              }),
            );
          }
        }
        for (const a of await Promise.all(acks)) if (a.ok) acceptedOps++;
        await Promise.all(peers.map((p) => p.barrier()));
        for (const m of mirrors) {
          expect(m.errors).toEqual([]);
          expect(m.view()).toEqual(engineDepth(ex, INSTRUMENT, m.levels));
        }
      }
      expect(acceptedOps).toBeGreaterThan(200);
      // the book was deep enough for levels to move in and out of every client's top N
      expect(ex.engine.depth(INSTRUMENT, 100)!.bids.length).toBeGreaterThan(10);
      for (const m of mirrors) expect(m.deltas).toBeGreaterThan(30);
      // a fresh subscription's snapshot is the same book at the same seq
      const fresh = new DepthMirror(INSTRUMENT, 10);
      const p = await Peer.open(main.url, withKey(2001));
      p.onMessage((msg) => fresh.apply(msg));
      await p.ok({ op: 'subscribe', channel: 'depth', instrumentId: INSTRUMENT, levels: 10 });
      await p.barrier();
      expect(fresh.view()).toEqual(mirrors[1]!.view());
      expect(fresh.seq).toBe(mirrors[2]!.seq);
      for (const peer of [...peers, p]) await peer.close();
      await ex.submit({ kind: 'SetPhase', instrumentId: INSTRUMENT, phase: 'halted' });
      await ex.submit({ kind: 'SetPhase', instrumentId: INSTRUMENT, phase: 'continuous' });
    });
  });

  describe('bounds', () => {
    it('disconnects a slow consumer with 4008 once its send buffer passes the bound', async () => {
      const g = await serve(
        ex,
        auth,
        { maxBufferedBytes: 32 * 1024 },
        new RateLimiter({ perSecond: 1e6, burst: 1e6 }),
        metrics,
      );
      // a deep book makes every depth snapshot about 1.3 KB
      for (let i = 0; i < 50; i++) {
        await ex.submit({
          kind: 'PlaceOrder',
          accountId: 2001,
          instrumentId: 'cu2605',
          side: 'buy',
          type: 'limit',
          tif: 'GFD',
          price: 77_000 - i * 10,
          volume: 1,
        });
        await ex.submit({
          kind: 'PlaceOrder',
          accountId: 2002,
          instrumentId: 'cu2605',
          side: 'sell',
          type: 'limit',
          tif: 'GFD',
          price: 79_000 + i * 10,
          volume: 1,
        });
      }
      const slow = await Peer.open(g.url, withKey(2001));
      const healthy = await Peer.open(g.url, withKey(1002));
      await healthy.ok({ op: 'subscribe', channel: 'ticker', instrumentId: 'cu2605' });
      const dropsBefore =
        (await metrics.wsDropped.get()).values.find((v) => v.labels.reason === 'send_buffer')?.value ?? 0;
      (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      const ask = JSON.stringify({ op: 'subscribe', channel: 'depth', instrumentId: 'cu2605', levels: 50 });
      await vi.waitFor(
        () => {
          for (let i = 0; i < 200; i++) slow.ws.send(ask);
          expect(g.gw.clientCount()).toBe(1);
        },
        { timeout: 30_000, interval: 5 },
      );
      // everything of the dropped client is forgotten at once; the other client is untouched
      expect(g.gw.stats()).toMatchObject({ clients: 1, subscriptions: 1, books: 0 });
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await within(slow.closed, 10_000, 'the 4008 close')).toEqual({
        code: 4008,
        reason: 'send buffer over limit',
      });
      const dropsAfter =
        (await metrics.wsDropped.get()).values.find((v) => v.labels.reason === 'send_buffer')?.value ?? 0;
      expect(dropsAfter).toBe(dropsBefore + 1);
      await healthy.barrier();
      await healthy.close();
      await g.close();
    });

    it('closes a client idle for idleTimeoutMs with 4000; pings keep it open', async () => {
      const g = await serve(ex, auth, { idleTimeoutMs: 400 });
      const idle = await Peer.open(g.url, withKey(1001));
      const busy = await Peer.open(g.url, withKey(1002));
      const started = Date.now();
      // the busy client pings until the idle one is closed, then a while longer
      const idleClosed = within(idle.closed, 5_000, 'the idle close');
      let closedAt = 0;
      void idleClosed.then(() => {
        closedAt = Date.now();
      });
      while (closedAt === 0 || Date.now() - closedAt < 300) {
        await busy.ok({ op: 'ping' });
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (Date.now() - started > 5_000) break;
      }
      expect(await idleClosed).toEqual({ code: 4000, reason: 'idle timeout' });
      expect(closedAt - started).toBeGreaterThanOrEqual(300);
      expect(busy.ws.readyState).toBe(WebSocket.OPEN);
      await busy.close();
      await g.close();
    });

    it('terminates a client that does not answer heartbeat pings', async () => {
      const g = await serve(ex, auth, { heartbeatMs: 100 });
      const mute = await Peer.open(g.url, { ...withKey(1001), autoPong: false });
      const alive = await Peer.open(g.url, withKey(1002));
      expect((await within(mute.closed, 5_000, 'the heartbeat drop')).code).toBe(1006);
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
      await alive.close();
      await g.close();
    });

    it('forgets every subscription when clients unsubscribe or leave, and closes clients with 1001 on shutdown', async () => {
      const g = await serve(ex, auth);
      const p = await Peer.open(g.url, withKey(1001));
      const q = await Peer.open(g.url, withKey(1002));
      for (const channel of ['depth', 'trades', 'ticker', 'klines']) {
        await p.ok({ op: 'subscribe', channel, instrumentId: INSTRUMENT });
        await q.ok({ op: 'subscribe', channel, instrumentId: INSTRUMENT });
      }
      for (const channel of ['orders', 'fills', 'account']) await p.ok({ op: 'subscribe', channel, accountId: 1001 });
      expect(g.gw.stats()).toMatchObject({ clients: 2, subscriptions: 11, books: 1, trackedAccounts: 1 });
      expect(await p.ok({ op: 'unsubscribe', channel: 'depth', instrumentId: INSTRUMENT })).toMatchObject({
        removed: true,
      });
      expect(await p.ok({ op: 'unsubscribe', channel: 'depth', instrumentId: INSTRUMENT })).toMatchObject({
        removed: false,
      });
      expect(await p.ok({ op: 'unsubscribe', channel: 'orders', accountId: 1001 })).toMatchObject({ removed: true });
      expect(g.gw.stats()).toMatchObject({ subscriptions: 9, books: 1, trackedAccounts: 0 });
      await p.close();
      await vi.waitFor(() => expect(g.gw.stats()).toMatchObject({ clients: 1, subscriptions: 4 }));
      const closing = g.close();
      expect(await within(q.closed, 5_000, 'the shutdown close')).toEqual({
        code: 1001,
        reason: 'server shutting down',
      });
      await closing;
      expect(g.gw.stats()).toEqual({ clients: 0, subscriptions: 0, books: 0, trackedOrders: 0, trackedAccounts: 0 });
    });
  });
});
