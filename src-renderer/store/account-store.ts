/**
 * An account's private live data from the WS feed: its open orders (orders channel: snapshot, then one update per
 * command that touched an order), its QIFI fields and positions (account channel) and its fills. React views read
 * them through Live values, which tell their listeners at most once per frame.
 */
import type { Account, Order, Position, Trade } from '../api/types.ts';
import type { WsClient } from '../api/ws-client.ts';
import { type FrameLoop, Live } from '../logic/frame-loop.ts';

export interface Fill {
  readonly side: 'buy' | 'sell';
  readonly orderId: number;
  readonly trade: Trade;
}

const FILLS_KEPT = 200;

export class AccountFeed {
  /** Open orders by id (new, partial, pending). */
  readonly openOrders: Live<Map<number, Order>>;
  readonly account: Live<Account | null>;
  readonly positions: Live<Map<string, Position>>;
  /** Newest first. */
  readonly fills: Live<Fill[]>;
  /** Bumped whenever an order left the open set or changed: views that list order history refetch on it. */
  readonly orderEvents: Live<number>;
  error: string | null = null;

  constructor(
    readonly accountId: number,
    loop: FrameLoop,
  ) {
    this.openOrders = new Live(new Map(), loop);
    this.account = new Live<Account | null>(null, loop);
    this.positions = new Live(new Map(), loop);
    this.fills = new Live<Fill[]>([], loop);
    this.orderEvents = new Live(0, loop);
  }

  onOrders(msg: Record<string, unknown>): void {
    const open = this.openOrders.get();
    if (msg.type === 'snapshot') {
      open.clear();
      for (const o of (msg.orders as Order[] | undefined) ?? []) if (o) open.set(o.orderId, o);
    } else {
      const o = msg.order as Order | undefined;
      if (o === undefined) return;
      if (o.status === 'new' || o.status === 'partial' || o.status === 'pending') open.set(o.orderId, { ...o });
      else open.delete(o.orderId);
      this.orderEvents.set(this.orderEvents.get() + 1);
    }
    this.openOrders.changed();
  }

  onAccount(msg: Record<string, unknown>): void {
    if (msg.type === 'snapshot') {
      this.account.set((msg.account as Account | null) ?? null);
      const m = this.positions.get();
      m.clear();
      for (const p of (msg.positions as Position[] | undefined) ?? []) m.set(p.instrumentId, p);
      this.positions.changed();
      return;
    }
    if (msg.account !== undefined) this.account.set(msg.account as Account);
    if (msg.position !== undefined) {
      const p = msg.position as Position;
      this.positions.get().set(p.instrumentId, p);
      this.positions.changed();
    }
  }

  onFill(msg: Record<string, unknown>): void {
    const list = this.fills.get();
    list.unshift({ side: msg.side as 'buy' | 'sell', orderId: msg.orderId as number, trade: msg.trade as Trade });
    if (list.length > FILLS_KEPT) list.length = FILLS_KEPT;
    this.fills.changed();
  }
}

export class AccountStore {
  private readonly feeds = new Map<number, { feed: AccountFeed; refs: number; release: () => void }>();

  constructor(
    private readonly ws: WsClient,
    private readonly loop: FrameLoop,
  ) {}

  /** The live feed of an account while held; call the returned function to let go. */
  watch(accountId: number): { feed: AccountFeed; release: () => void } {
    let e = this.feeds.get(accountId);
    if (e === undefined) {
      const feed = new AccountFeed(accountId, this.loop);
      const onError = (m: Record<string, unknown>): boolean => {
        if (m.type !== 'error') return false;
        feed.error = (m.error as { message?: string } | undefined)?.message ?? 'subscription refused';
        return true;
      };
      const stops = [
        this.ws.subscribe({ channel: 'orders', accountId }, (m) => onError(m) || feed.onOrders(m)),
        this.ws.subscribe({ channel: 'account', accountId }, (m) => onError(m) || feed.onAccount(m)),
        this.ws.subscribe({ channel: 'fills', accountId }, (m) => onError(m) || feed.onFill(m)),
      ];
      e = {
        feed,
        refs: 0,
        release: () => {
          for (const stop of stops) stop();
        },
      };
      this.feeds.set(accountId, e);
    }
    e.refs++;
    const entry = e;
    let done = false;
    return {
      feed: entry.feed,
      release: () => {
        if (done) return;
        done = true;
        entry.refs--;
        if (entry.refs === 0) {
          this.feeds.delete(accountId);
          entry.release();
        }
      },
    };
  }

  peek(accountId: number): AccountFeed | undefined {
    return this.feeds.get(accountId)?.feed;
  }
}
