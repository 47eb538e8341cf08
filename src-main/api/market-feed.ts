/**
 * What the WebSocket API pushes, computed once per journaled batch (Exchange.onBatch) and fanned out to
 * subscribers as JSON strings serialized once: public market data (depth snapshot + sequenced deltas, trades,
 * ticker, K-lines) and private data routed to the account's subscribers only (orders, fills, account).
 * docs/ws.md describes every message.
 *
 * Depth: for every instrument with a depth subscriber the feed keeps the top MAX_DEPTH_LEVELS levels it last
 * published; after a batch that touched the instrument it reads the book again and, if anything changed, takes the
 * next depth seq (per instrument, +1 per change) and sends each subscriber the difference restricted to its own N
 * levels: the levels among the top N after the change whose volume differs, and volume 0 for levels that left the
 * top N. A subscriber's snapshot is cut from the same stored levels, so snapshot + deltas always equal the book.
 * Each delta carries `prevSeq`, the seq of the previous depth message that subscriber was sent: a client whose
 * last seq differs has missed something and subscribes again.
 *
 * Memory: state is kept only for what someone subscribes to (books for depth subscribers, live orders of accounts
 * with an orders subscriber), plus one candle per instrument and period and one day summary per instrument.
 */
import type { Command } from '../../src-engine/domain/commands.ts';
import type { AccountSnapshot, EngineEvent, PositionSnapshot } from '../../src-engine/domain/events.ts';
import type { BatchEvent, Exchange } from '../host/exchange.ts';
import { addToCandle, type Ohlcv, openCandle } from '../store/candles.ts';
import type { OrderRow } from '../store/queries.ts';
import { acceptedOrderView, tradeView } from './commands.ts';
import type { OrderView } from './schemas.ts';
import { orderView } from './views.ts';

export const PUBLIC_CHANNELS = ['depth', 'trades', 'ticker', 'klines'] as const;
export const PRIVATE_CHANNELS = ['orders', 'fills', 'account'] as const;
export type PublicChannel = (typeof PUBLIC_CHANNELS)[number];
export type PrivateChannel = (typeof PRIVATE_CHANNELS)[number];
export type Channel = PublicChannel | PrivateChannel;
export const CHANNELS: readonly Channel[] = [...PUBLIC_CHANNELS, ...PRIVATE_CHANNELS];

/** K-line periods pushed live, in seconds (the ones the read models store). */
export const KLINE_PERIODS = [3, 60] as const;
export type KlinePeriod = (typeof KLINE_PERIODS)[number];
/** Most depth levels a subscriber may ask for, and how many the feed tracks per book. */
export const MAX_DEPTH_LEVELS = 50;
export const DEFAULT_DEPTH_LEVELS = 10;
const DAY_MS = 86_400_000;

export type FeedSubscription =
  | { readonly channel: 'depth'; readonly instrumentId: string; readonly levels: number }
  | { readonly channel: 'trades' | 'ticker'; readonly instrumentId: string }
  | { readonly channel: 'klines'; readonly instrumentId: string; readonly period: KlinePeriod }
  | { readonly channel: PrivateChannel; readonly accountId: number };

/** Identifies a subscription on one connection (depth levels are not part of it: subscribing again replaces). */
export function subscriptionKey(s: FeedSubscription): string {
  switch (s.channel) {
    case 'klines':
      return `klines|${s.instrumentId}|${s.period}`;
    case 'depth':
    case 'trades':
    case 'ticker':
      return `${s.channel}|${s.instrumentId}`;
    default:
      return `${s.channel}|${s.accountId}`;
  }
}

/** Where the feed delivers: one connection; `push` takes one serialized message. */
export interface FeedSink {
  push(json: string): void;
}

/** A price level as sent: [price, volume]; volume 0 in a delta means the level is gone. */
export type Level = [price: number, volume: number];

export interface Candle extends Ohlcv {
  startTs: number;
}

interface DayStats {
  dayStart: number;
  open: number | null;
  high: number | null;
  low: number | null;
  volume: number;
  trades: number;
}

interface Book {
  bids: Level[];
  asks: Level[];
  seq: number;
}

interface DepthSub {
  levels: number;
  lastSeq: number;
}

/** What happened to an order in one command, as the orders channel names it. */
export type OrderUpdateEvent =
  | 'accepted'
  | 'triggered'
  | 'partial'
  | 'filled'
  | 'rested'
  | 'modified'
  | 'canceled'
  | 'rejected';

function levelsOf(side: readonly { price: number; volume: number }[]): Level[] {
  const out: Level[] = new Array(side.length);
  for (let i = 0; i < side.length; i++) out[i] = [side[i]!.price, side[i]!.volume];
  return out;
}

function sameLevels(a: readonly Level[], b: readonly Level[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

/** The change from `before` to `after` as seen by a client holding the top `n` levels of one side. */
export function sideDelta(before: readonly Level[], after: readonly Level[], n: number, descending: boolean): Level[] {
  const old = new Map<number, number>();
  for (let i = 0; i < before.length && i < n; i++) old.set(before[i]![0], before[i]![1]);
  const out: Level[] = [];
  for (let i = 0; i < after.length && i < n; i++) {
    const [p, v] = after[i]!;
    if (old.get(p) !== v) out.push([p, v]);
    old.delete(p);
  }
  for (const p of old.keys()) out.push([p, 0]);
  out.sort(descending ? (x, y) => y[0] - x[0] : (x, y) => x[0] - y[0]);
  return out;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): boolean {
  let s = m.get(k);
  if (s === undefined) {
    s = new Set();
    m.set(k, s);
  }
  const had = s.has(v);
  s.add(v);
  return !had;
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): boolean {
  const s = m.get(k);
  if (s === undefined || !s.delete(v)) return false;
  if (s.size === 0) m.delete(k);
  return true;
}

function pushAll(sinks: Iterable<FeedSink> | undefined, json: string): void {
  if (sinks === undefined) return;
  for (const s of sinks) s.push(json);
}

export interface FeedStats {
  readonly subscriptions: number;
  readonly books: number;
  readonly trackedOrders: number;
  readonly trackedAccounts: number;
}

export class MarketFeed {
  private readonly depthSubs = new Map<string, Map<FeedSink, DepthSub>>();
  private readonly books = new Map<string, Book>();
  /** The last depth seq used per instrument (kept when its book state is dropped, so seqs never repeat). */
  private readonly depthSeqs = new Map<string, number>();
  private readonly tradeSubs = new Map<string, Set<FeedSink>>();
  private readonly tickerSubs = new Map<string, Set<FeedSink>>();
  private readonly lastTicker = new Map<string, string>();
  private readonly klineSubs = new Map<string, Set<FeedSink>>();
  private readonly candles = new Map<string, Candle>();
  private readonly days = new Map<string, DayStats>();
  private readonly orderSubs = new Map<number, Set<FeedSink>>();
  private readonly fillSubs = new Map<number, Set<FeedSink>>();
  private readonly accountSubs = new Map<number, Set<FeedSink>>();
  /** Live orders of accounts with an orders subscriber, by order id; and their ids per account. */
  private readonly orders = new Map<number, OrderView>();
  private readonly ordersByAccount = new Map<number, Set<number>>();
  private readonly stopListening: () => void;
  private readonly openOrdersStmt;
  /** The last seq of the last batch seen (what the book state and snapshots reflect). */
  private seq: number;

  constructor(private readonly exchange: Exchange) {
    const db = exchange.database;
    this.seq = exchange.lastSeq;
    this.openOrdersStmt = db.prepare(
      "SELECT * FROM orders WHERE account_id = ? AND status IN ('new', 'partial', 'pending') ORDER BY order_id",
    );
    // The current candle per instrument and period, and today's summary, from the read models (all journaled now).
    const lastCandle = db.prepare(
      'SELECT start_ts, open, high, low, close, volume, trades FROM klines WHERE instrument_id = ? AND period = ? ORDER BY start_ts DESC LIMIT 1',
    );
    const dayRows = db.prepare(
      'SELECT open, high, low, volume, trades FROM klines WHERE instrument_id = ? AND period = 60 AND start_ts >= ? ORDER BY start_ts',
    );
    const today = Date.now() - (Date.now() % DAY_MS);
    for (const id of exchange.engine.instrumentIds()) {
      for (const period of KLINE_PERIODS) {
        const r = lastCandle.get(id, period) as
          | { start_ts: number; open: number; high: number; low: number; close: number; volume: number; trades: number }
          | undefined;
        if (r !== undefined) {
          this.candles.set(`${id}|${period}`, {
            startTs: r.start_ts,
            open: r.open,
            high: r.high,
            low: r.low,
            close: r.close,
            volume: r.volume,
            trades: r.trades,
          });
        }
      }
      const d: DayStats = { dayStart: today, open: null, high: null, low: null, volume: 0, trades: 0 };
      for (const c of dayRows.all(id, today) as Candle[]) {
        d.open ??= c.open;
        d.high = d.high === null ? c.high : Math.max(d.high, c.high);
        d.low = d.low === null ? c.low : Math.min(d.low, c.low);
        d.volume += c.volume;
        d.trades += c.trades;
      }
      this.days.set(id, d);
    }
    this.stopListening = exchange.onBatch((b) => {
      try {
        this.onBatch(b);
      } catch (e) {
        // never let a push failure reach the exchange's commit path
        console.error('deskex ws: market feed failed on a batch', e);
      }
    });
  }

  close(): void {
    this.stopListening();
  }

  stats(): FeedStats {
    let subscriptions = 0;
    for (const m of this.depthSubs.values()) subscriptions += m.size;
    for (const group of [this.tradeSubs, this.tickerSubs, this.klineSubs]) {
      for (const s of group.values()) subscriptions += s.size;
    }
    for (const group of [this.orderSubs, this.fillSubs, this.accountSubs]) {
      for (const s of group.values()) subscriptions += s.size;
    }
    return {
      subscriptions,
      books: this.books.size,
      trackedOrders: this.orders.size,
      trackedAccounts: this.ordersByAccount.size,
    };
  }

  /** Adds a subscription and pushes its snapshot (if the channel has one) to the sink. */
  subscribe(sink: FeedSink, s: FeedSubscription): void {
    switch (s.channel) {
      case 'depth': {
        const book = this.book(s.instrumentId);
        let subs = this.depthSubs.get(s.instrumentId);
        if (subs === undefined) {
          subs = new Map();
          this.depthSubs.set(s.instrumentId, subs);
        }
        const levels = Math.max(1, Math.min(MAX_DEPTH_LEVELS, s.levels));
        subs.set(sink, { levels, lastSeq: book.seq });
        sink.push(
          JSON.stringify({
            channel: 'depth',
            type: 'snapshot',
            instrumentId: s.instrumentId,
            seq: book.seq,
            levels,
            bids: book.bids.slice(0, levels),
            asks: book.asks.slice(0, levels),
          }),
        );
        return;
      }
      case 'trades':
        addTo(this.tradeSubs, s.instrumentId, sink);
        return;
      case 'ticker': {
        addTo(this.tickerSubs, s.instrumentId, sink);
        const t = this.ticker(s.instrumentId, this.seq);
        this.lastTicker.set(s.instrumentId, t.key);
        sink.push(t.json);
        return;
      }
      case 'klines': {
        const key = `${s.instrumentId}|${s.period}`;
        addTo(this.klineSubs, key, sink);
        const c = this.candles.get(key);
        sink.push(
          JSON.stringify({
            channel: 'klines',
            type: 'snapshot',
            instrumentId: s.instrumentId,
            period: s.period,
            candle: c ?? null,
          }),
        );
        return;
      }
      case 'orders': {
        if (!this.ordersByAccount.has(s.accountId)) this.loadOpenOrders(s.accountId);
        addTo(this.orderSubs, s.accountId, sink);
        const ids = [...(this.ordersByAccount.get(s.accountId) ?? [])].sort((a, b) => a - b);
        sink.push(
          JSON.stringify({
            channel: 'orders',
            type: 'snapshot',
            accountId: s.accountId,
            orders: ids.map((id) => this.orders.get(id)),
          }),
        );
        return;
      }
      case 'fills':
        addTo(this.fillSubs, s.accountId, sink);
        return;
      case 'account': {
        addTo(this.accountSubs, s.accountId, sink);
        const engine = this.exchange.engine;
        sink.push(
          JSON.stringify({
            channel: 'account',
            type: 'snapshot',
            accountId: s.accountId,
            account: engine.account(s.accountId) ?? null,
            positions: engine.positions(s.accountId),
          }),
        );
        return;
      }
    }
  }

  /** Removes a subscription and whatever state only it needed; false when there was none. */
  unsubscribe(sink: FeedSink, s: FeedSubscription): boolean {
    switch (s.channel) {
      case 'depth': {
        const subs = this.depthSubs.get(s.instrumentId);
        if (subs === undefined || !subs.delete(sink)) return false;
        if (subs.size === 0) {
          this.depthSubs.delete(s.instrumentId);
          this.books.delete(s.instrumentId);
        }
        return true;
      }
      case 'trades':
        return removeFrom(this.tradeSubs, s.instrumentId, sink);
      case 'ticker': {
        const ok = removeFrom(this.tickerSubs, s.instrumentId, sink);
        if (!this.tickerSubs.has(s.instrumentId)) this.lastTicker.delete(s.instrumentId);
        return ok;
      }
      case 'klines':
        return removeFrom(this.klineSubs, `${s.instrumentId}|${s.period}`, sink);
      case 'orders': {
        const ok = removeFrom(this.orderSubs, s.accountId, sink);
        if (!this.orderSubs.has(s.accountId)) {
          for (const id of this.ordersByAccount.get(s.accountId) ?? []) this.orders.delete(id);
          this.ordersByAccount.delete(s.accountId);
        }
        return ok;
      }
      case 'fills':
        return removeFrom(this.fillSubs, s.accountId, sink);
      case 'account':
        return removeFrom(this.accountSubs, s.accountId, sink);
    }
  }

  /** The stored top levels of a book (created from the engine when nobody watched it). */
  private book(id: string): Book {
    let b = this.books.get(id);
    if (b === undefined) {
      const d = this.exchange.engine.depth(id, MAX_DEPTH_LEVELS);
      // a new seq: the book may have changed since this instrument's last published seq
      const seq = (this.depthSeqs.get(id) ?? 0) + 1;
      this.depthSeqs.set(id, seq);
      b = { bids: levelsOf(d?.bids ?? []), asks: levelsOf(d?.asks ?? []), seq };
      this.books.set(id, b);
    }
    return b;
  }

  private loadOpenOrders(accountId: number): void {
    const ids = new Set<number>();
    for (const r of this.openOrdersStmt.all(accountId) as OrderRow[]) {
      this.orders.set(r.order_id, orderView(r));
      ids.add(r.order_id);
    }
    this.ordersByAccount.set(accountId, ids);
  }

  private ticker(id: string, seq: number): { json: string; key: string } {
    const engine = this.exchange.engine;
    const book = this.books.get(id);
    let bid: Level | undefined;
    let ask: Level | undefined;
    if (book !== undefined) {
      bid = book.bids[0];
      ask = book.asks[0];
    } else {
      const d = engine.depth(id, 1);
      bid = d?.bids[0] === undefined ? undefined : [d.bids[0].price, d.bids[0].volume];
      ask = d?.asks[0] === undefined ? undefined : [d.asks[0].price, d.asks[0].volume];
    }
    const today = Date.now() - (Date.now() % DAY_MS);
    const day = this.days.get(id);
    const current = day !== undefined && day.dayStart === today;
    const body = {
      instrumentId: id,
      phase: engine.phase(id) ?? null,
      last: engine.lastPrice(id),
      bestBid: bid?.[0] ?? null,
      bestBidVolume: bid?.[1] ?? null,
      bestAsk: ask?.[0] ?? null,
      bestAskVolume: ask?.[1] ?? null,
      open: current ? day.open : null,
      high: current ? day.high : null,
      low: current ? day.low : null,
      volume: current ? day.volume : 0,
      trades: current ? day.trades : 0,
    };
    const key = JSON.stringify(body);
    return { key, json: `{"channel":"ticker","seq":${seq},${key.slice(1)}` };
  }

  private onTrade(e: Extract<EngineEvent, { kind: 'TradeExecuted' }>, ts: number, candlesTouched: Set<string>): void {
    for (const period of KLINE_PERIODS) {
      const key = `${e.instrumentId}|${period}`;
      const start = ts - (ts % (period * 1000));
      const c = this.candles.get(key);
      if (c === undefined || c.startTs !== start) {
        this.candles.set(key, { startTs: start, ...openCandle(e.price, e.volume) });
      } else addToCandle(c, e.price, e.volume);
      if (this.klineSubs.has(key)) candlesTouched.add(key);
    }
    const dayStart = ts - (ts % DAY_MS);
    let d = this.days.get(e.instrumentId);
    if (d === undefined || d.dayStart !== dayStart) {
      d = { dayStart, open: null, high: null, low: null, volume: 0, trades: 0 };
      this.days.set(e.instrumentId, d);
    }
    d.open ??= e.price;
    d.high = d.high === null ? e.price : Math.max(d.high, e.price);
    d.low = d.low === null ? e.price : Math.min(d.low, e.price);
    d.volume += e.volume;
    d.trades++;
  }

  private onBatch(b: BatchEvent): void {
    this.seq = b.lastSeq;
    const touched = new Set<string>();
    const candlesTouched = new Set<string>();
    const accounts = new Map<number, { seq: number; account: AccountSnapshot }>();
    const positions = new Map<string, { seq: number; position: PositionSnapshot }>();
    const watchOrders = this.orderSubs.size > 0;
    const watchFills = this.fillSubs.size > 0;
    const watchAccounts = this.accountSubs.size > 0;
    for (let i = 0; i < b.results.length; i++) {
      const cmd = b.commands[i]!;
      const r = b.results[i]!;
      if ('instrumentId' in cmd && typeof cmd.instrumentId === 'string') touched.add(cmd.instrumentId);
      if (!r.ok) {
        if (watchOrders && cmd.kind === 'PlaceOrder' && this.orderSubs.has(cmd.accountId)) {
          this.pushOrder(cmd.accountId, cmd.seq, ['rejected'], rejectedView(cmd, r.reject.code));
        }
        continue;
      }
      const orderChanges = watchOrders ? new Map<number, OrderUpdateEvent[]>() : null;
      const note = (orderId: number, ev: OrderUpdateEvent): OrderView | undefined => {
        const o = this.orders.get(orderId);
        if (o === undefined) return undefined;
        o.updatedSeq = cmd.seq;
        o.updatedTs = cmd.ts;
        const list = orderChanges!.get(orderId);
        if (list === undefined) orderChanges!.set(orderId, [ev]);
        else list.push(ev);
        return o;
      };
      for (const e of r.events) {
        if ('instrumentId' in e) touched.add(e.instrumentId);
        switch (e.kind) {
          case 'TradeExecuted': {
            this.onTrade(e, cmd.ts, candlesTouched);
            const tv = this.tradeSubs.has(e.instrumentId) || watchFills ? tradeView(e, cmd.seq, cmd.ts) : null;
            if (tv !== null && this.tradeSubs.has(e.instrumentId)) {
              pushAll(this.tradeSubs.get(e.instrumentId), JSON.stringify({ channel: 'trades', trade: tv }));
            }
            if (watchFills) {
              const buy = this.fillSubs.get(e.buyAccountId);
              if (buy !== undefined) {
                pushAll(
                  buy,
                  JSON.stringify({
                    channel: 'fills',
                    accountId: e.buyAccountId,
                    side: 'buy',
                    orderId: e.buyOrderId,
                    trade: tv,
                  }),
                );
              }
              const sell = this.fillSubs.get(e.sellAccountId);
              if (sell !== undefined) {
                pushAll(
                  sell,
                  JSON.stringify({
                    channel: 'fills',
                    accountId: e.sellAccountId,
                    side: 'sell',
                    orderId: e.sellOrderId,
                    trade: tv,
                  }),
                );
              }
            }
            if (orderChanges !== null) {
              for (const [id, remaining] of [
                [e.buyOrderId, e.buyRemaining],
                [e.sellOrderId, e.sellRemaining],
              ] as const) {
                const o = note(id, remaining === 0 ? 'filled' : 'partial');
                if (o === undefined) continue;
                o.filled += e.volume;
                o.remaining = remaining;
                o.volume = o.filled + remaining;
                o.status = remaining === 0 ? 'filled' : 'partial';
              }
            }
            break;
          }
          case 'OrderAccepted':
            if (orderChanges !== null && this.orderSubs.has(e.accountId)) {
              this.orders.set(e.orderId, acceptedOrderView(e, cmd.seq, cmd.ts));
              this.ordersByAccount.get(e.accountId)?.add(e.orderId);
              note(e.orderId, 'accepted');
            }
            break;
          case 'OrderRested':
            if (orderChanges !== null) {
              const o = note(e.orderId, 'rested');
              if (o !== undefined) {
                o.remaining = e.remaining;
                o.volume = o.filled + e.remaining;
                o.status = o.filled > 0 ? 'partial' : 'new';
              }
            }
            break;
          case 'StopTriggered':
            if (orderChanges !== null) {
              const o = note(e.orderId, 'triggered');
              if (o !== undefined) o.status = 'new';
            }
            break;
          case 'OrderModified':
            if (orderChanges !== null) {
              const o = note(e.orderId, 'modified');
              if (o !== undefined) {
                o.price = e.price;
                o.remaining = e.remaining;
                o.volume = o.filled + e.remaining;
                o.status = o.filled > 0 ? 'partial' : 'new';
              }
            }
            break;
          case 'OrderCanceled':
            if (orderChanges !== null) {
              const o = note(e.orderId, 'canceled');
              if (o !== undefined) {
                o.remaining = 0;
                o.volume = o.filled;
                o.status = 'canceled';
                o.reason = e.reason;
              }
            }
            break;
          case 'AccountChanged':
          case 'AccountSettled':
            if (watchAccounts && this.accountSubs.has(e.account.accountId)) {
              accounts.set(e.account.accountId, { seq: cmd.seq, account: e.account });
            }
            break;
          case 'PositionChanged':
            if (watchAccounts && this.accountSubs.has(e.position.accountId)) {
              positions.set(`${e.position.accountId}|${e.position.instrumentId}`, {
                seq: cmd.seq,
                position: e.position,
              });
            }
            break;
          default:
            break;
        }
      }
      if (orderChanges !== null) {
        for (const [orderId, events] of orderChanges) {
          // a push may have dropped a slow client (and with it the account's orders): look each order up again
          const o = this.orders.get(orderId);
          if (o === undefined) continue;
          this.pushOrder(o.accountId, cmd.seq, events, o);
          if (o.status === 'filled' || o.status === 'canceled') {
            this.orders.delete(orderId);
            this.ordersByAccount.get(o.accountId)?.delete(orderId);
          }
        }
      }
    }
    for (const [accountId, a] of accounts) {
      pushAll(
        this.accountSubs.get(accountId),
        JSON.stringify({ channel: 'account', accountId, seq: a.seq, account: a.account }),
      );
    }
    for (const p of positions.values()) {
      const accountId = p.position.accountId;
      pushAll(
        this.accountSubs.get(accountId),
        JSON.stringify({ channel: 'account', accountId, seq: p.seq, position: p.position }),
      );
    }
    for (const id of touched) {
      if (this.depthSubs.has(id)) this.publishDepth(id);
      if (this.tickerSubs.has(id)) {
        const t = this.ticker(id, b.lastSeq);
        if (this.lastTicker.get(id) !== t.key) {
          this.lastTicker.set(id, t.key);
          pushAll(this.tickerSubs.get(id), t.json);
        }
      }
    }
    for (const key of candlesTouched) {
      const bar = key.indexOf('|');
      const c = this.candles.get(key)!;
      pushAll(
        this.klineSubs.get(key),
        JSON.stringify({
          channel: 'klines',
          instrumentId: key.slice(0, bar),
          period: Number(key.slice(bar + 1)),
          candle: c,
        }),
      );
    }
  }

  private pushOrder(accountId: number, seq: number, events: OrderUpdateEvent[], order: OrderView): void {
    pushAll(this.orderSubs.get(accountId), JSON.stringify({ channel: 'orders', accountId, seq, events, order }));
  }

  private publishDepth(id: string): void {
    const book = this.book(id);
    const d = this.exchange.engine.depth(id, MAX_DEPTH_LEVELS);
    const bids = levelsOf(d?.bids ?? []);
    const asks = levelsOf(d?.asks ?? []);
    if (sameLevels(bids, book.bids) && sameLevels(asks, book.asks)) return;
    const seq = book.seq + 1;
    this.depthSeqs.set(id, seq);
    const before = book;
    this.books.set(id, { bids, asks, seq });
    const head = `{"channel":"depth","type":"delta","instrumentId":${JSON.stringify(id)},"seq":${seq},"prevSeq":`;
    const tails = new Map<number, string | null>();
    for (const [sink, sub] of this.depthSubs.get(id)!) {
      let tail = tails.get(sub.levels);
      if (tail === undefined) {
        const db = sideDelta(before.bids, bids, sub.levels, true);
        const da = sideDelta(before.asks, asks, sub.levels, false);
        tail =
          db.length === 0 && da.length === 0 ? null : `,"bids":${JSON.stringify(db)},"asks":${JSON.stringify(da)}}`;
        tails.set(sub.levels, tail);
      }
      if (tail === null) continue;
      sink.push(head + sub.lastSeq + tail);
      sub.lastSeq = seq;
    }
  }
}

function rejectedView(cmd: Command & { kind: 'PlaceOrder' }, code: string): OrderView {
  return {
    orderId: cmd.orderId,
    accountId: cmd.accountId,
    instrumentId: cmd.instrumentId,
    side: cmd.side,
    type: cmd.type,
    tif: cmd.tif,
    offset: cmd.offset ?? 'open',
    price: cmd.price,
    stopPrice: cmd.stopPrice ?? 0,
    volume: cmd.volume,
    filled: 0,
    remaining: 0,
    status: 'rejected',
    reason: code,
    forced: false,
    createdSeq: cmd.seq,
    createdTs: cmd.ts,
    updatedSeq: cmd.seq,
    updatedTs: cmd.ts,
  };
}
