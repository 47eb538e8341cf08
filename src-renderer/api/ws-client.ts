/**
 * The WebSocket client (docs/ws.md): one connection to /ws, authenticated by the session cookie the browser sends on
 * the upgrade. Requests `{op, id, ...}` are answered by `{id, ok, result | error}`; pushes carry a `channel` and are
 * routed to the handlers of the matching subscription. A frame may hold one message or a JSON array of them.
 *
 * Subscriptions are remembered and sent again after every reconnect (each channel then starts with a fresh
 * snapshot); reconnects back off exponentially up to `maxBackoffMs`. An application-level ping keeps the server's
 * idle timeout from closing a connection that only listens.
 */

export type WsStatus = 'connecting' | 'open' | 'closed';

export interface Subscription {
  readonly channel: string;
  readonly instrumentId?: string;
  readonly accountId?: number;
  readonly levels?: number;
  readonly period?: number;
}

/** A pushed message: the channel's fields, as the server sent them. */
export type WsMessage = { readonly channel: string } & Record<string, unknown>;
export type WsHandler = (m: WsMessage) => void;

export interface WsErrorBody {
  readonly code: string;
  readonly number?: number;
  readonly message: string;
  readonly details?: unknown;
}

export class WsRequestError extends Error {
  constructor(readonly body: WsErrorBody) {
    super(body.message);
    this.name = 'WsRequestError';
  }
  get code(): string {
    return this.body.code;
  }
}

/** The key a subscription and its pushes share (as the server keys them: depth levels are not part of it). */
export function subscriptionKey(s: {
  channel: string;
  instrumentId?: unknown;
  accountId?: unknown;
  period?: unknown;
}): string {
  if (s.accountId !== undefined && s.instrumentId === undefined) return `${s.channel}|a${String(s.accountId)}`;
  if (s.channel === 'klines') return `klines|${String(s.instrumentId)}|${String(s.period ?? 60)}`;
  return `${s.channel}|${String(s.instrumentId)}`;
}

interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  readonly url: string;
  readonly socket?: SocketFactory;
  readonly pingMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly requestTimeoutMs?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Entry {
  sub: Subscription;
  handlers: Set<WsHandler>;
}

const OPEN = 1;

export class WsClient {
  private socket: SocketLike | null = null;
  private status_: WsStatus = 'closed';
  private readonly statusListeners = new Set<(s: WsStatus) => void>();
  private readonly subs = new Map<string, Entry>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private backoff: number;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  private readonly factory: SocketFactory;
  /** Messages received (pushes and replies), for the UI's status line and tests. */
  received = 0;
  reconnects = 0;

  constructor(private readonly o: WsClientOptions) {
    this.factory = o.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.backoff = o.minBackoffMs ?? 500;
  }

  get status(): WsStatus {
    return this.status_;
  }

  onStatus(fn: (s: WsStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  /** Opens the connection (and keeps it open, reconnecting, until close()). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  close(): void {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    if (s !== null) {
      s.onclose = null;
      s.close(1000, 'bye');
    }
    this.failPending('the connection was closed');
    this.setStatus('closed');
  }

  /** Adds a handler for a channel; the first handler of a subscription sends `subscribe`, the last one removed `unsubscribe`. */
  subscribe(sub: Subscription, handler: WsHandler): () => void {
    const key = subscriptionKey(sub);
    let e = this.subs.get(key);
    if (e === undefined) {
      e = { sub, handlers: new Set() };
      this.subs.set(key, e);
      this.sendSubscribe(sub);
    }
    e.handlers.add(handler);
    const entry = e;
    return () => {
      entry.handlers.delete(handler);
      if (entry.handlers.size === 0 && this.subs.get(key) === entry) {
        this.subs.delete(key);
        if (this.socket?.readyState === OPEN) {
          this.request('unsubscribe', { ...entry.sub }).catch(() => {});
        }
      }
    };
  }

  /** Subscribes again (the server replaces the subscription and sends a fresh snapshot): after a depth gap. */
  resubscribe(sub: Subscription): void {
    if (this.subs.has(subscriptionKey(sub))) this.sendSubscribe(sub);
  }

  /** A request; resolves with its result or rejects with WsRequestError. */
  request(op: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const s = this.socket;
    if (s === null || s.readyState !== OPEN) return Promise.reject(new Error('not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${op} in time`));
      }, this.o.requestTimeoutMs ?? 15_000);
      this.pending.set(id, { resolve, reject, timer });
      s.send(JSON.stringify({ op, id, ...params }));
    });
  }

  private sendSubscribe(sub: Subscription): void {
    if (this.socket?.readyState !== OPEN) return; // sent on open
    this.request('subscribe', { ...sub }).catch((e: unknown) => {
      const handlers = this.subs.get(subscriptionKey(sub))?.handlers;
      if (handlers === undefined) return;
      const body = e instanceof WsRequestError ? e.body : { code: 'WS_ERROR', message: (e as Error).message };
      const m: WsMessage = { channel: sub.channel, type: 'error', error: body };
      for (const h of handlers) h(m);
    });
  }

  private setStatus(s: WsStatus): void {
    if (s === this.status_) return;
    this.status_ = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private connect(): void {
    this.setStatus('connecting');
    let s: SocketLike;
    try {
      s = this.factory(this.o.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    s.onopen = () => {
      this.backoff = this.o.minBackoffMs ?? 500;
      this.setStatus('open');
      for (const e of this.subs.values()) this.sendSubscribe(e.sub);
      this.startPing();
    };
    s.onmessage = (ev) => this.onFrame(ev.data);
    s.onerror = () => {
      // 'close' follows
    };
    s.onclose = () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.stopPing();
      this.failPending('the connection closed');
      if (this.stopped) {
        this.setStatus('closed');
        return;
      }
      this.setStatus('connecting');
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.o.maxBackoffMs ?? 10_000, this.backoff * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.reconnects++;
      this.connect();
    }, wait);
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      this.request('ping').catch(() => {});
    }, this.o.pingMs ?? 20_000);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
    }
    this.pending.clear();
  }

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (Array.isArray(parsed)) for (const m of parsed) this.onMessage(m);
    else this.onMessage(parsed);
  }

  private onMessage(m: unknown): void {
    if (typeof m !== 'object' || m === null) return;
    this.received++;
    const r = m as Record<string, unknown>;
    if ('ok' in r && 'id' in r && r.channel === undefined) {
      const p = typeof r.id === 'number' ? this.pending.get(r.id) : undefined;
      if (p === undefined) return;
      this.pending.delete(r.id as number);
      clearTimeout(p.timer);
      if (r.ok === true) p.resolve(r.result);
      else
        p.reject(
          new WsRequestError((r.error as WsErrorBody | undefined) ?? { code: 'WS_ERROR', message: 'request failed' }),
        );
      return;
    }
    if (typeof r.channel !== 'string') return;
    // a trades push names its instrument inside the trade
    const key =
      r.instrumentId === undefined && r.accountId === undefined && typeof r.trade === 'object' && r.trade !== null
        ? subscriptionKey({ channel: r.channel, instrumentId: (r.trade as { instrumentId?: unknown }).instrumentId })
        : subscriptionKey(r as { channel: string });
    const e = this.subs.get(key);
    if (e === undefined) return;
    for (const h of e.handlers) h(r as WsMessage);
  }
}

/** The URL of the same-origin /ws endpoint. */
export function sameOriginWsUrl(loc: { protocol: string; host: string } = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
