import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { subscriptionKey, WsClient, type WsMessage, WsRequestError } from '../../../src-renderer/api/ws-client.ts';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
  push(m: unknown): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  /** Answers every request sent so far that has no answer yet. */
  answerAll(result: unknown = {}): void {
    for (const m of this.sent.splice(0)) this.push({ id: m.id, ok: true, result });
  }
}

function client() {
  return new WsClient({
    url: 'ws://x/ws',
    socket: (u) => new FakeSocket(u),
    minBackoffMs: 100,
    maxBackoffMs: 400,
    pingMs: 1000,
  });
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WsClient', () => {
  it('keys subscriptions as the server keys its pushes', () => {
    expect(subscriptionKey({ channel: 'depth', instrumentId: 'X', levels: 10 } as never)).toBe('depth|X');
    expect(subscriptionKey({ channel: 'klines', instrumentId: 'X', period: 3 })).toBe('klines|X|3');
    expect(subscriptionKey({ channel: 'orders', accountId: 5 })).toBe('orders|a5');
  });

  it('subscribes on open, routes pushes (single and batched frames) to handlers, and unsubscribes', () => {
    const c = client();
    const got: WsMessage[] = [];
    const off = c.subscribe({ channel: 'trades', instrumentId: 'X' }, (m) => got.push(m));
    c.start();
    const s = FakeSocket.all[0]!;
    expect(s.sent).toHaveLength(0);
    s.open();
    expect(c.status).toBe('open');
    expect(s.sent[0]).toMatchObject({ op: 'subscribe', channel: 'trades', instrumentId: 'X' });
    s.answerAll();
    // the server names a trade's instrument inside the trade
    s.push({ channel: 'trades', trade: { tradeId: 1, instrumentId: 'X' } });
    s.onmessage?.({
      data: JSON.stringify([
        { channel: 'trades', trade: { tradeId: 2, instrumentId: 'X' } },
        { channel: 'trades', trade: { tradeId: 3, instrumentId: 'Y' } },
      ]),
    });
    expect(got.map((m) => (m.trade as { tradeId: number }).tradeId)).toEqual([1, 2]);
    off();
    expect(s.sent[0]).toMatchObject({ op: 'unsubscribe', channel: 'trades', instrumentId: 'X' });
  });

  it('answers requests by id and rejects with the API error', async () => {
    const c = client();
    c.start();
    const s = FakeSocket.all[0]!;
    s.open();
    const ok = c.request('ping');
    const bad = c.request('place', { order: {} });
    const [a, b] = s.sent;
    s.push({ id: b!.id, ok: false, error: { code: 'API_VALIDATION_FAILED', message: 'no' } });
    s.push({ id: a!.id, ok: true, result: { pong: 1 } });
    await expect(ok).resolves.toEqual({ pong: 1 });
    await expect(bad).rejects.toBeInstanceOf(WsRequestError);
    await expect(bad).rejects.toMatchObject({ code: 'API_VALIDATION_FAILED' });
  });

  it('reconnects with backoff and subscribes again', () => {
    const c = client();
    const statuses: string[] = [];
    c.onStatus((st) => statuses.push(st));
    c.subscribe({ channel: 'depth', instrumentId: 'X', levels: 20 }, () => {});
    c.start();
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop();
    expect(c.status).toBe('connecting');
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    const s = FakeSocket.all[2]!;
    s.open();
    expect(s.sent[0]).toMatchObject({ op: 'subscribe', channel: 'depth', instrumentId: 'X', levels: 20 });
    expect(statuses).toEqual(['connecting', 'open', 'connecting', 'open']);
    expect(c.reconnects).toBe(2);
  });

  it('pings while connected so the server idle timeout does not close a listening client', () => {
    const c = client();
    c.start();
    const s = FakeSocket.all[0]!;
    s.open();
    vi.advanceTimersByTime(1000);
    expect(s.sent.at(-1)).toMatchObject({ op: 'ping' });
  });

  it('tells handlers when a subscription is refused', async () => {
    const c = client();
    const got: WsMessage[] = [];
    c.subscribe({ channel: 'orders', accountId: 9 }, (m) => got.push(m));
    c.start();
    const s = FakeSocket.all[0]!;
    s.open();
    s.push({ id: s.sent[0]!.id, ok: false, error: { code: 'API_FORBIDDEN', message: 'account 9 is not yours' } });
    await vi.advanceTimersByTimeAsync(1);
    expect(got[0]).toMatchObject({ channel: 'orders', type: 'error', error: { code: 'API_FORBIDDEN' } });
  });

  it('stops for good on close', () => {
    const c = client();
    c.start();
    FakeSocket.all[0]!.open();
    c.close();
    expect(c.status).toBe('closed');
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
