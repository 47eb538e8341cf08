/**
 * The WebSocket API at /ws (docs/ws.md): JSON requests `{op, id?, ...}` answered by `{id, ok, result | error}`,
 * subscriptions to public market data and to an account's private data (market-feed.ts), and the same order
 * commands as REST (commands.ts), under the same roles (access.ts) and the same per-key rate limits (limits.ts).
 *
 * Bounded by construction: messages over `maxMessageBytes` close the connection (1009); everything a client is
 * sent in one event-loop turn goes out as ONE frame (a JSON array when there is more than one message); a client
 * whose send buffer passes `maxBufferedBytes` is closed with 4008 and forgotten; subscriptions per connection
 * and connections are capped; heartbeat pings find dead peers and an idle timeout closes silent ones.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type Static, Type } from 'typebox';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { Ack, Exchange } from '../host/exchange.ts';
import { assertCanRead, assertCanTrade } from './access.ts';
import { type AuthStore, bearerToken, type Principal, sessionCookie } from './auth.ts';
import { cancelCommand, modifyCommand, okEvents, placeCommand, placedOrder, submit, tradeView } from './commands.ts';
import { ApiError, type ErrorBody } from './errors.ts';
import type { RateLimiter } from './limits.ts';
import {
  CHANNELS,
  type Channel,
  DEFAULT_DEPTH_LEVELS,
  type FeedSink,
  type FeedStats,
  type FeedSubscription,
  MAX_DEPTH_LEVELS,
  MarketFeed,
  PRIVATE_CHANNELS,
  subscriptionKey,
} from './market-feed.ts';
import type { ApiMetrics } from './metrics.ts';
import { checkHost, checkOrigin, type OriginPolicy } from './origin.ts';
import { Id, InstrumentIdT, PlaceOrderBody, PriceT, VolumeT } from './schemas.ts';

export interface WsOptions {
  /** Largest message a client may send (default 64 KiB); larger ones close the connection with 1009. */
  readonly maxMessageBytes?: number;
  /** A client whose unsent data passes this is closed with 4008 (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Protocol pings every this many ms; a client that has not answered the previous one is dropped (default 15 s). */
  readonly heartbeatMs?: number;
  /** A client that sent nothing (messages or pings) for this long is closed with 4000 (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** An unauthenticated connection is closed with 4401 after this long (default 10 s). */
  readonly authTimeoutMs?: number;
  /** Open connections at most (default 15,000); more are refused with HTTP 503. */
  readonly maxClients?: number;
  /** Subscriptions per connection at most (default 256). */
  readonly maxSubscriptions?: number;
  /** After a server-side close, the socket is destroyed if the close handshake has not finished (default 3 s). */
  readonly closeGraceMs?: number;
}

export interface WsDeps {
  readonly exchange: Exchange;
  readonly auth: AuthStore;
  readonly limiter: RateLimiter;
  readonly metrics: ApiMetrics | null;
  readonly policy: OriginPolicy;
}

/** Close codes the server uses (docs/ws.md). */
export const WS_CLOSE = {
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  IDLE_TIMEOUT: 4000,
  SEND_BUFFER_OVER_LIMIT: 4008,
  NOT_AUTHENTICATED: 4401,
} as const;

export const WS_PATH = '/ws';
const MAX_BATCH = 100;
const MAX_AUTH_FAILURES = 5;
/** A connection's token is looked up again at most this often (ms) while nothing was withdrawn meanwhile. */
const RECHECK_MS = 1_000;

// Messages (validated with Ajv, compiled from these TypeBox schemas).
const MAX = Number.MAX_SAFE_INTEGER;
export const ClientIdT = Type.Union(
  [Type.String({ maxLength: 64 }), Type.Integer({ minimum: -MAX, maximum: MAX }), Type.Null()],
  {
    description: 'chosen by the client; echoed in the reply',
  },
);
type ClientId = Static<typeof ClientIdT>;
const base = { id: Type.Optional(ClientIdT) };
const strict = { additionalProperties: false } as const;

export const WsAuth = Type.Object(
  { op: Type.Literal('auth'), ...base, token: Type.String({ minLength: 1, maxLength: 200 }) },
  strict,
);
export const WsPing = Type.Object({ op: Type.Literal('ping'), ...base }, strict);
const subscription = {
  ...base,
  channel: Type.String({ minLength: 1, maxLength: 32 }),
  instrumentId: Type.Optional(InstrumentIdT),
  accountId: Type.Optional(Id),
  levels: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DEPTH_LEVELS })),
  period: Type.Optional(Type.Union([Type.Literal(3), Type.Literal(60)])),
};
export const WsSubscribe = Type.Object({ op: Type.Literal('subscribe'), ...subscription }, strict);
export const WsUnsubscribe = Type.Object({ op: Type.Literal('unsubscribe'), ...subscription }, strict);
export const WsPlace = Type.Object({ op: Type.Literal('place'), ...base, order: PlaceOrderBody }, strict);
export const WsCancel = Type.Object({ op: Type.Literal('cancel'), ...base, orderId: Id, accountId: Id }, strict);
export const WsModify = Type.Object(
  { op: Type.Literal('modify'), ...base, orderId: Id, accountId: Id, price: PriceT, volume: VolumeT },
  strict,
);
const BatchPlace = Type.Object({ op: Type.Literal('place'), order: PlaceOrderBody }, strict);
const BatchCancel = Type.Object({ op: Type.Literal('cancel'), orderId: Id, accountId: Id }, strict);
export const WsBatch = Type.Object(
  {
    op: Type.Literal('batch'),
    ...base,
    ops: Type.Array(Type.Union([BatchPlace, BatchCancel]), { minItems: 1, maxItems: MAX_BATCH }),
  },
  strict,
);

type WsSubscribe = Static<typeof WsSubscribe>;
type WsPlace = Static<typeof WsPlace>;
type WsCancel = Static<typeof WsCancel>;
type WsModify = Static<typeof WsModify>;
type WsBatch = Static<typeof WsBatch>;
type BatchItem = WsBatch['ops'][number];
type Op = 'auth' | 'ping' | 'subscribe' | 'unsubscribe' | 'place' | 'cancel' | 'modify' | 'batch';

const ajv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false });
const VALIDATORS: Record<Op, ValidateFunction> = {
  auth: ajv.compile(WsAuth),
  ping: ajv.compile(WsPing),
  subscribe: ajv.compile(WsSubscribe),
  unsubscribe: ajv.compile(WsUnsubscribe),
  place: ajv.compile(WsPlace),
  cancel: ajv.compile(WsCancel),
  modify: ajv.compile(WsModify),
  batch: ajv.compile(WsBatch),
};

function validationError(op: string, errors: readonly ErrorObject[] | null | undefined): ApiError {
  const list = (errors ?? []).slice(0, 20);
  return new ApiError(
    'API_VALIDATION_FAILED',
    `${op}: ${list.map((v) => `${v.instancePath || '(root)'} ${v.message ?? ''}`.trim()).join('; ')}`,
    list.map((v) => ({ in: 'message', path: v.instancePath || '', message: v.message ?? '', params: v.params })),
  );
}

function isClientId(v: unknown): v is ClientId {
  return v === null || (typeof v === 'string' && v.length <= 64) || (typeof v === 'number' && Number.isSafeInteger(v));
}

/** A ws WebSocket that answers a refused oversized frame with the catalog's code before its 1009 close frame. */
class DeskexSocket extends WebSocket {
  /** Set by the gateway: called just before ws closes the connection for a message over maxPayload. */
  beforeTooLarge: (() => void) | null = null;

  override close(code?: number, data?: string | Buffer): void {
    // ws's receiver closes with 1009 and no reason when a frame is over maxPayload; the server never does so itself
    if (code === WS_CLOSE.MESSAGE_TOO_BIG && data === undefined && this.readyState === WebSocket.OPEN) {
      this.beforeTooLarge?.();
      super.close(code, 'API_WS_MESSAGE_TOO_LARGE');
      return;
    }
    super.close(code, data);
  }
}

class Client implements FeedSink {
  principal: Principal | null;
  token: string | null;
  readonly subs = new Map<string, FeedSubscription>();
  outbox: string[] = [];
  outboxBytes = 0;
  /** Dropped, closed or closing: nothing more is sent or handled. */
  gone = false;
  lastMessageMs: number;
  lastPingMs: number;
  awaitingPong = false;
  authFailures = 0;
  /** When the token was last checked, and the auth store's revision then (see `recheck`). */
  authCheckedMs = 0;
  authRevision = -1;
  killTimer: NodeJS.Timeout | null = null;
  readonly connectedMs: number;

  constructor(
    private readonly gateway: WsGateway,
    readonly ws: DeskexSocket,
    principal: Principal | null,
    token: string | null,
    readonly remote: string,
    now: number,
  ) {
    this.principal = principal;
    this.token = token;
    this.connectedMs = now;
    this.lastMessageMs = now;
    this.lastPingMs = now;
  }

  push(json: string): void {
    this.gateway.enqueue(this, json);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Answers an upgrade request with an HTTP error (no handshake) and closes the socket. */
function refuse(socket: Duplex, status: number, err: ApiError): void {
  socket.on('error', () => {});
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(err.body());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export class WsGateway {
  private readonly o: Required<WsOptions>;
  private readonly wss: WebSocketServer;
  private readonly feed: MarketFeed;
  private readonly clients = new Set<Client>();
  private readonly dirty = new Set<Client>();
  private flushScheduled = false;
  private readonly timer: NodeJS.Timeout;
  private closing = false;
  private readonly framesOut;
  private readonly framesIn;

  constructor(
    private readonly deps: WsDeps,
    options: WsOptions = {},
  ) {
    this.o = {
      maxMessageBytes: options.maxMessageBytes ?? 64 * 1024,
      maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      authTimeoutMs: options.authTimeoutMs ?? 10_000,
      maxClients: options.maxClients ?? 15_000,
      maxSubscriptions: options.maxSubscriptions ?? 256,
      closeGraceMs: options.closeGraceMs ?? 3_000,
    };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.o.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
      WebSocket: DeskexSocket,
    });
    this.feed = new MarketFeed(deps.exchange);
    this.framesOut = deps.metrics?.wsFrames.labels({ direction: 'out' }) ?? null;
    this.framesIn = deps.metrics?.wsFrames.labels({ direction: 'in' }) ?? null;
    const tickMs = Math.max(5, Math.min(this.o.heartbeatMs, this.o.idleTimeoutMs, this.o.authTimeoutMs) / 4);
    this.timer = setInterval(this.tick, tickMs);
    this.timer.unref();
  }

  clientCount(): number {
    return this.clients.size;
  }

  /** Open connections and what the market feed holds for them (for tests and /health). */
  stats(): FeedStats & { clients: number } {
    return { clients: this.clients.size, ...this.feed.stats() };
  }

  /** Call from the HTTP server's 'upgrade' event; handles path /ws (anything else: 404 and destroy). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      refuse(socket, 400, new ApiError('API_VALIDATION_FAILED', 'the request URL is not valid'));
      return;
    }
    if (url.pathname !== WS_PATH) {
      refuse(socket, 404, new ApiError('API_NOT_FOUND', `no WebSocket endpoint at ${url.pathname}; use ${WS_PATH}`));
      return;
    }
    const host = header(req, 'host');
    const badHost = checkHost(host, this.deps.policy);
    if (badHost !== null) {
      refuse(socket, 421, new ApiError('API_HOST_NOT_ALLOWED', badHost));
      return;
    }
    const badOrigin = checkOrigin(header(req, 'origin'), host, this.deps.policy);
    if (badOrigin !== null) {
      refuse(socket, 403, new ApiError('API_ORIGIN_NOT_ALLOWED', badOrigin));
      return;
    }
    if (this.closing) {
      refuse(socket, 503, new ApiError('API_EXCHANGE_UNAVAILABLE', 'the server is shutting down'));
      return;
    }
    if (this.clients.size >= this.o.maxClients) {
      refuse(
        socket,
        503,
        new ApiError('API_EXCHANGE_UNAVAILABLE', `at most ${this.o.maxClients} WebSocket connections`),
      );
      return;
    }
    // An explicit credential (Authorization header or ?token=) must be valid; a stale session cookie is ignored, so
    // the client can still authenticate with an `auth` message.
    const explicit = bearerToken(req.headers) ?? url.searchParams.get('token') ?? undefined;
    let principal: Principal | null = null;
    let token: string | null = null;
    if (explicit !== undefined) {
      principal = this.deps.auth.authenticate(explicit);
      if (principal === null) {
        refuse(socket, 401, new ApiError('API_UNAUTHENTICATED', 'the API key or session token is not valid'));
        return;
      }
      token = explicit;
    } else {
      const c = sessionCookie(req.headers.cookie);
      if (c !== null) {
        principal = this.deps.auth.authenticate(c);
        if (principal !== null) token = c;
      }
    }
    const remote = req.socket.remoteAddress ?? 'unknown';
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws as DeskexSocket, principal, token, remote));
  }

  /** Closes every client with 1001 and stops the feed; resolves when every socket is closed. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    this.feed.close();
    const sockets = [...this.clients].map((c) => c.ws);
    for (const c of [...this.clients]) this.drop(c, WS_CLOSE.GOING_AWAY, 'server shutting down', null);
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) resolve();
            else ws.once('close', () => resolve());
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: DeskexSocket, principal: Principal | null, token: string | null, remote: string): void {
    if (this.closing) {
      ws.close(WS_CLOSE.GOING_AWAY, 'server shutting down');
      return;
    }
    const c = new Client(this, ws, principal, token, remote, Date.now());
    this.clients.add(c);
    this.deps.metrics?.wsClients.inc();
    ws.beforeTooLarge = () => {
      if (c.gone) return;
      // what was queued for this turn first, then the error, then ws's close frame
      this.sendNow(c);
      ws.send(
        JSON.stringify({
          id: null,
          ok: false,
          error: new ApiError('API_WS_MESSAGE_TOO_LARGE', `messages are at most ${this.o.maxMessageBytes} bytes`, {
            maxMessageBytes: this.o.maxMessageBytes,
          }).body(),
        }),
      );
      this.deps.metrics?.wsDropped.inc({ reason: 'message_too_large' });
      this.detach(c);
      c.killTimer = setTimeout(() => ws.terminate(), this.o.closeGraceMs);
      c.killTimer.unref();
    };
    ws.on('message', (data) => this.onMessage(c, data));
    ws.on('pong', () => {
      c.awaitingPong = false;
    });
    ws.on('ping', () => {
      c.lastMessageMs = Date.now();
    });
    ws.on('error', () => {
      // a protocol error (ws closes the connection itself) or a socket error; 'close' follows
      this.detach(c);
    });
    ws.on('close', () => {
      if (c.killTimer !== null) clearTimeout(c.killTimer);
      this.detach(c);
    });
  }

  /** Queues one message for a client; everything queued in one event-loop turn leaves as one frame. */
  enqueue(c: Client, json: string): void {
    if (c.gone) return;
    c.outbox.push(json);
    c.outboxBytes += json.length;
    if (c.outboxBytes > this.o.maxBufferedBytes) {
      this.drop(c, WS_CLOSE.SEND_BUFFER_OVER_LIMIT, 'send buffer over limit', 'send_buffer');
      return;
    }
    this.dirty.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const clients = [...this.dirty];
    this.dirty.clear();
    for (const c of clients) {
      if (c.gone || c.outbox.length === 0) continue;
      if (c.ws.bufferedAmount > this.o.maxBufferedBytes) {
        this.drop(c, WS_CLOSE.SEND_BUFFER_OVER_LIMIT, 'send buffer over limit', 'send_buffer');
        continue;
      }
      this.sendNow(c);
    }
  };

  private sendNow(c: Client): void {
    const out = c.outbox;
    if (out.length === 0) return;
    c.outbox = [];
    c.outboxBytes = 0;
    this.dirty.delete(c);
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(out.length === 1 ? out[0]! : `[${out.join(',')}]`);
    this.framesOut?.inc();
  }

  /** Forgets a client: its subscriptions, its queue, its place in every set. Idempotent. */
  private detach(c: Client): void {
    if (c.gone) return;
    c.gone = true;
    this.clients.delete(c);
    this.dirty.delete(c);
    c.outbox = [];
    c.outboxBytes = 0;
    for (const s of c.subs.values()) this.feed.unsubscribe(c, s);
    c.subs.clear();
    this.deps.metrics?.wsClients.dec();
  }

  /** Closes a client from the server side with a code; the socket is destroyed if the handshake lingers. */
  private drop(c: Client, code: number, reason: string, metric: string | null): void {
    if (c.gone) return;
    this.detach(c);
    if (metric !== null) this.deps.metrics?.wsDropped.inc({ reason: metric });
    const ws = c.ws;
    if (ws.readyState === WebSocket.CLOSED) return;
    ws.close(code, reason);
    c.killTimer = setTimeout(() => ws.terminate(), this.o.closeGraceMs);
    c.killTimer.unref();
  }

  private readonly tick = (): void => {
    const now = Date.now();
    for (const c of [...this.clients]) {
      if (c.principal === null) {
        if (now - c.connectedMs >= this.o.authTimeoutMs) {
          this.drop(c, WS_CLOSE.NOT_AUTHENTICATED, 'not authenticated in time', 'auth_timeout');
          continue;
        }
      }
      if (now - c.lastMessageMs >= this.o.idleTimeoutMs) {
        this.drop(c, WS_CLOSE.IDLE_TIMEOUT, 'idle timeout', 'idle');
        continue;
      }
      if (now - c.lastPingMs >= this.o.heartbeatMs) {
        if (c.awaitingPong) {
          this.detach(c);
          this.deps.metrics?.wsDropped.inc({ reason: 'heartbeat' });
          c.ws.terminate();
          continue;
        }
        // credentials are checked again once per heartbeat: a revoked key or ended session stops its pushes
        if (c.token !== null && !this.recheck(c)) continue;
        c.awaitingPong = true;
        c.lastPingMs = now;
        c.ws.ping();
      }
    }
  };

  /** false (and the client closed with 4401) when its credential no longer authenticates. */
  private recheck(c: Client): boolean {
    if (c.token === null) return true;
    // the token is looked up (and hashed) at most once per RECHECK_MS, and at once after any logout, revoke or disable
    const auth = this.deps.auth;
    const now = c.lastMessageMs;
    if (c.authRevision === auth.revision && now - c.authCheckedMs < RECHECK_MS) return true;
    const p = auth.authenticate(c.token);
    if (p === null) {
      this.drop(c, WS_CLOSE.NOT_AUTHENTICATED, 'credentials revoked or expired', 'auth_revoked');
      return false;
    }
    c.principal = p;
    c.authRevision = auth.revision;
    c.authCheckedMs = now;
    return true;
  }

  private reply(c: Client, id: ClientId, result: unknown): void {
    this.enqueue(c, JSON.stringify({ id, ok: true, result }));
  }

  private replyError(c: Client, id: ClientId, e: unknown): void {
    let body: ErrorBody;
    if (e instanceof ApiError) body = e.body();
    else {
      console.error('deskex ws: request failed', e);
      body = new ApiError('API_INTERNAL').body();
    }
    this.enqueue(c, JSON.stringify({ id, ok: false, error: body }));
  }

  private onMessage(c: Client, data: RawData): void {
    if (c.gone) return;
    c.lastMessageMs = Date.now();
    this.framesIn?.inc();
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(data));
    } catch {
      this.replyError(c, null, new ApiError('API_INVALID_JSON', 'the message is not valid JSON'));
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.replyError(c, null, new ApiError('API_VALIDATION_FAILED', 'a message is a JSON object {op, id?, ...}'));
      return;
    }
    const m = msg as Record<string, unknown>;
    const id: ClientId = isClientId(m.id) ? m.id : null;
    const op = m.op;
    if (typeof op !== 'string') {
      this.replyError(c, id, new ApiError('API_VALIDATION_FAILED', 'the message has no op'));
      return;
    }
    if (!Object.hasOwn(VALIDATORS, op)) {
      this.replyError(
        c,
        id,
        new ApiError('API_WS_UNKNOWN_OP', `no request has op ${JSON.stringify(op.slice(0, 32))}`, {
          ops: Object.keys(VALIDATORS),
        }),
      );
      return;
    }
    if (op === 'ping') {
      this.reply(c, id, { pong: Date.now() });
      return;
    }
    if (op !== 'auth') {
      if (c.principal === null) {
        this.replyError(c, id, new ApiError('API_UNAUTHENTICATED', 'authenticate first: {"op":"auth","token":"..."}'));
        return;
      }
      if (!this.recheck(c)) return;
    }
    const cost = op === 'batch' && Array.isArray(m.ops) ? Math.max(1, Math.min(MAX_BATCH, m.ops.length)) : 1;
    const retry = this.deps.limiter.take(c.principal?.limitKey ?? `ws:${c.remote}`, cost);
    if (retry > 0) {
      this.replyError(c, id, new ApiError('API_RATE_LIMITED', undefined, { retryAfterSeconds: retry }));
      return;
    }
    const validate = VALIDATORS[op as Op];
    if (!validate(m)) {
      this.replyError(c, id, validationError(op, validate.errors));
      return;
    }
    try {
      switch (op as Op) {
        case 'auth':
          this.auth(c, id, (m as { token: string }).token);
          return;
        case 'subscribe':
          this.subscribe(c, id, m as WsSubscribe);
          return;
        case 'unsubscribe':
          this.unsubscribe(c, id, m as WsSubscribe);
          return;
        case 'place':
          this.answer(c, id, this.place(c.principal!, (m as WsPlace).order));
          return;
        case 'cancel':
          this.answer(c, id, this.cancel(c.principal!, m as WsCancel));
          return;
        case 'modify':
          this.answer(c, id, this.modify(c.principal!, m as WsModify));
          return;
        case 'batch':
          this.answer(c, id, this.batch(c.principal!, (m as WsBatch).ops));
          return;
        default:
          return;
      }
    } catch (e) {
      this.replyError(c, id, e);
    }
  }

  private answer(c: Client, id: ClientId, p: Promise<unknown>): void {
    const t0 = performance.now();
    p.then(
      (result) => {
        this.reply(c, id, result);
        this.deps.metrics?.stage.observe('reply', (performance.now() - t0) / 1000);
      },
      (e) => this.replyError(c, id, e),
    );
  }

  private auth(c: Client, id: ClientId, token: string): void {
    if (c.principal !== null) throw new ApiError('API_CONFLICT', 'this connection is already authenticated');
    const p = this.deps.auth.authenticate(token);
    if (p === null) {
      c.authFailures++;
      this.replyError(c, id, new ApiError('API_UNAUTHENTICATED', 'the API key or session token is not valid'));
      if (c.authFailures >= MAX_AUTH_FAILURES) {
        this.sendNow(c);
        this.drop(c, WS_CLOSE.NOT_AUTHENTICATED, 'too many failed authentications', 'auth_failed');
      }
      return;
    }
    c.principal = p;
    c.token = token;
    this.reply(c, id, { via: p.via, userId: p.userId, username: p.username, role: p.role, accountId: p.keyAccountId });
  }

  /** The feed subscription a subscribe/unsubscribe message names, after its channel's checks. */
  private subscription(c: Client, m: WsSubscribe): FeedSubscription {
    const channel = m.channel as Channel;
    if (!CHANNELS.includes(channel)) {
      throw new ApiError('API_WS_UNKNOWN_CHANNEL', `no channel is named ${JSON.stringify(m.channel)}`, {
        channels: CHANNELS,
      });
    }
    const engine = this.deps.exchange.engine;
    if ((PRIVATE_CHANNELS as readonly string[]).includes(channel)) {
      if (
        m.accountId === undefined ||
        m.instrumentId !== undefined ||
        m.levels !== undefined ||
        m.period !== undefined
      ) {
        throw new ApiError('API_VALIDATION_FAILED', `the ${channel} channel takes accountId (only)`);
      }
      assertCanRead(c.principal!, engine, m.accountId);
      if (engine.account(m.accountId) === undefined) throw new ApiError('ACCOUNT_UNKNOWN');
      return { channel: channel as 'orders' | 'fills' | 'account', accountId: m.accountId };
    }
    if (m.instrumentId === undefined || m.accountId !== undefined) {
      throw new ApiError('API_VALIDATION_FAILED', `the ${channel} channel takes instrumentId`);
    }
    if (m.levels !== undefined && channel !== 'depth') {
      throw new ApiError('API_VALIDATION_FAILED', 'levels is for the depth channel');
    }
    if (m.period !== undefined && channel !== 'klines') {
      throw new ApiError('API_VALIDATION_FAILED', 'period is for the klines channel');
    }
    if (engine.instrument(m.instrumentId) === undefined) throw new ApiError('VALIDATION_UNKNOWN_INSTRUMENT');
    switch (channel) {
      case 'depth':
        return { channel, instrumentId: m.instrumentId, levels: m.levels ?? DEFAULT_DEPTH_LEVELS };
      case 'klines':
        return { channel, instrumentId: m.instrumentId, period: m.period ?? 60 };
      default:
        return { channel: channel as 'trades' | 'ticker', instrumentId: m.instrumentId };
    }
  }

  private subscribe(c: Client, id: ClientId, m: WsSubscribe): void {
    const s = this.subscription(c, m);
    const key = subscriptionKey(s);
    const old = c.subs.get(key);
    if (old === undefined && c.subs.size >= this.o.maxSubscriptions) {
      throw new ApiError('API_VALIDATION_FAILED', `at most ${this.o.maxSubscriptions} subscriptions per connection`, {
        maxSubscriptions: this.o.maxSubscriptions,
      });
    }
    if (old !== undefined) this.feed.unsubscribe(c, old);
    c.subs.set(key, s);
    // the reply first, then the channel's snapshot (both in this turn's frame)
    this.reply(c, id, s);
    // the reply may have passed the client's buffer bound and dropped it: then it must not enter the feed
    if (!c.gone) this.feed.subscribe(c, s);
  }

  private unsubscribe(c: Client, id: ClientId, m: WsSubscribe): void {
    const channel = m.channel as Channel;
    if (!CHANNELS.includes(channel)) {
      throw new ApiError('API_WS_UNKNOWN_CHANNEL', `no channel is named ${JSON.stringify(m.channel)}`, {
        channels: CHANNELS,
      });
    }
    // no permission check: a connection can only remove what it has
    const named: Record<string, unknown> = { channel };
    if ((PRIVATE_CHANNELS as readonly string[]).includes(channel)) named.accountId = m.accountId ?? 0;
    else named.instrumentId = m.instrumentId ?? '';
    if (channel === 'klines') named.period = m.period ?? 60;
    const key = subscriptionKey(named as FeedSubscription);
    const s = c.subs.get(key);
    if (s !== undefined) {
      c.subs.delete(key);
      this.feed.unsubscribe(c, s);
    }
    this.reply(c, id, { ...named, removed: s !== undefined });
  }

  private async place(p: Principal, order: WsPlace['order']): Promise<unknown> {
    const { exchange, metrics } = this.deps;
    assertCanTrade(p, exchange.engine, order.accountId);
    const pending = submit(exchange, placeCommand(order), metrics, 'ws');
    const ts = exchange.lastTs;
    const ack = await pending;
    okEvents(ack);
    return placedOrder(ack as Ack & { ok: true }, ts);
  }

  private async cancel(p: Principal, m: { orderId: number; accountId: number }): Promise<unknown> {
    const { exchange, metrics } = this.deps;
    assertCanTrade(p, exchange.engine, m.accountId);
    const ack = await submit(exchange, cancelCommand(m.orderId, m.accountId), metrics, 'ws');
    const events = okEvents(ack);
    const e = events.find((x): x is Extract<EngineEvent, { kind: 'OrderCanceled' }> => x.kind === 'OrderCanceled');
    return {
      orderId: m.orderId,
      accountId: m.accountId,
      seq: ack.seq,
      canceled: e?.canceled ?? 0,
      reason: e?.reason ?? null,
    };
  }

  private async modify(p: Principal, m: WsModify): Promise<unknown> {
    const { exchange, metrics } = this.deps;
    assertCanTrade(p, exchange.engine, m.accountId);
    const pending = submit(
      exchange,
      modifyCommand(m.orderId, m.accountId, { price: m.price, volume: m.volume }),
      metrics,
      'ws',
    );
    const ts = exchange.lastTs;
    const ack = await pending;
    const events = okEvents(ack);
    const e = events.find((x): x is Extract<EngineEvent, { kind: 'OrderModified' }> => x.kind === 'OrderModified');
    const trades = [];
    for (const x of events) if (x.kind === 'TradeExecuted') trades.push(tradeView(x, ack.seq, ts));
    return {
      orderId: m.orderId,
      accountId: m.accountId,
      seq: ack.seq,
      price: e?.price ?? m.price,
      remaining: e?.remaining ?? 0,
      keptPriority: e?.keptPriority ?? false,
      trades,
    };
  }

  /** Every item is submitted in this turn (so they are sequenced together); each gets its own result or error. */
  private async batch(p: Principal, items: readonly BatchItem[]): Promise<unknown> {
    // place and cancel are async: a refused permission is a rejected promise, never a throw here
    const one = (item: BatchItem): Promise<unknown> =>
      item.op === 'place' ? this.place(p, item.order) : this.cancel(p, item);
    const settled = await Promise.allSettled(items.map(one));
    return {
      results: settled.map((s) => {
        if (s.status === 'fulfilled') return { ok: true, result: s.value };
        const e = s.reason;
        if (!(e instanceof ApiError)) console.error('deskex ws: batch item failed', e);
        return { ok: false, error: (e instanceof ApiError ? e : new ApiError('API_INTERNAL')).body() };
      }),
    };
  }
}
