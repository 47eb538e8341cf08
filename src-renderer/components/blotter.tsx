/**
 * The blotter of the selected account: open orders (live from the orders channel) with one-click cancel and an
 * inline modify (price and volume; Enter saves, Escape leaves), the order history and my trades (REST, refreshed
 * when orders change or fills arrive, at most once a second).
 */
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { InstrumentSpec, Order, Trade } from '../api/types.ts';
import { formatClock, formatDateTime, formatPrice, formatVolume, parseFixed, parseWhole } from '../logic/format.ts';
import type { AccountFeed } from '../store/account-store.ts';
import { useApp, useLive } from '../store/app-context.ts';
import { ErrorNote, errorText, Tabs, useAsync } from './common.tsx';

const TABS = [
  { id: 'open', label: 'Open orders' },
  { id: 'history', label: 'Order history' },
  { id: 'trades', label: 'My trades' },
];

function px(specs: ReadonlyMap<string, InstrumentSpec>, instrumentId: string, price: number): string {
  return formatPrice(price, specs.get(instrumentId)?.priceDecimals ?? 0);
}

/** A value that follows `source` but changes at most once per `ms` (for refetching on bursts of events). */
function useThrottled<T>(source: T, ms: number): T {
  const [value, setValue] = useState(source);
  const last = useRef(0);
  useEffect(() => {
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setValue(source);
    }, wait);
    return () => clearTimeout(t);
  }, [source, ms]);
  return value;
}

function OpenOrderRow({ o }: { o: Order }) {
  const { api, specs } = useApp();
  const spec = specs.get(o.instrumentId);
  const d = spec?.priceDecimals ?? 0;
  const [editing, setEditing] = useState(false);
  const [price, setPrice] = useState('');
  const [volume, setVolume] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const priceInput = useRef<HTMLInputElement | null>(null);

  useEffect(() => {
    if (editing) priceInput.current?.focus();
  }, [editing]);

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.cancelOrder(o.orderId);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const startEdit = () => {
    setPrice(formatPrice(o.price, d));
    setVolume(String(o.remaining));
    setError(null);
    setEditing(true);
  };
  const save = async () => {
    const p = parseFixed(price, d);
    const v = parseWhole(volume);
    if (p === null || p <= 0) return setError('Enter a price.');
    if (v === null || v <= 0) return setError('Enter the open volume.');
    setBusy(true);
    setError(null);
    try {
      await api.modifyOrder(o.orderId, p, v);
      setEditing(false);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const keys = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setEditing(false);
    }
  };
  const modifiable = o.status !== 'pending' && o.type !== 'market';

  return (
    <>
      <tr className={o.side} data-order-id={o.orderId}>
        <td>{o.orderId}</td>
        <td>{formatClock(o.createdTs)}</td>
        <td>{o.instrumentId}</td>
        <td className={`side ${o.side}`}>{o.side}</td>
        <td>{o.type}</td>
        <td>{o.tif}</td>
        <td>{o.offset}</td>
        <td className="num">
          {editing ? (
            <input
              ref={priceInput}
              aria-label={`New price of order ${o.orderId}`}
              className="inline"
              inputMode="decimal"
              value={price}
              onChange={(e) => setPrice(e.target.value)}
              onKeyDown={keys}
            />
          ) : o.type === 'market' ? (
            'market'
          ) : (
            formatPrice(o.price, d)
          )}
        </td>
        <td className="num">{o.stopPrice > 0 ? formatPrice(o.stopPrice, d) : ''}</td>
        <td className="num">{formatVolume(o.volume)}</td>
        <td className="num">{formatVolume(o.filled)}</td>
        <td className="num">
          {editing ? (
            <input
              aria-label={`New open volume of order ${o.orderId}`}
              className="inline"
              inputMode="numeric"
              value={volume}
              onChange={(e) => setVolume(e.target.value)}
              onKeyDown={keys}
            />
          ) : (
            formatVolume(o.remaining)
          )}
        </td>
        <td>{o.status}</td>
        <td className="actions">
          {editing ? (
            <>
              <button type="button" onClick={() => void save()} disabled={busy}>
                Save
              </button>
              <button type="button" onClick={() => setEditing(false)}>
                Back
              </button>
            </>
          ) : (
            <>
              <button
                type="button"
                onClick={startEdit}
                disabled={!modifiable || busy}
                aria-label={`Modify order ${o.orderId}`}
                title={modifiable ? 'Change price or volume' : 'Pending stops cannot be modified'}
              >
                Modify
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => void cancel()}
                disabled={busy}
                aria-label={`Cancel order ${o.orderId}`}
              >
                Cancel
              </button>
            </>
          )}
        </td>
      </tr>
      {error ? (
        <tr className="row-error">
          <td colSpan={14}>
            <ErrorNote error={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function OpenOrders({ feed }: { feed: AccountFeed }) {
  const open = useLive(feed.openOrders);
  const { api } = useApp();
  const orders = [...open.values()].sort((a, b) => b.orderId - a.orderId);
  const [error, setError] = useState<string | null>(null);
  const cancelAll = async () => {
    setError(null);
    try {
      await Promise.all(orders.map((o) => api.cancelOrder(o.orderId)));
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div className="table-wrap">
      <table className="grid" data-testid="open-orders" aria-label="Open orders">
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Time</th>
            <th scope="col">Instrument</th>
            <th scope="col">Side</th>
            <th scope="col">Type</th>
            <th scope="col">TIF</th>
            <th scope="col">Offset</th>
            <th scope="col">Price</th>
            <th scope="col">Stop</th>
            <th scope="col">Volume</th>
            <th scope="col">Filled</th>
            <th scope="col">Open</th>
            <th scope="col">Status</th>
            <th scope="col">
              {orders.length > 1 ? (
                <button type="button" className="danger" onClick={() => void cancelAll()}>
                  Cancel all
                </button>
              ) : (
                <span className="sr-only">Actions</span>
              )}
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.length === 0 ? (
            <tr>
              <td colSpan={14} className="muted">
                No open orders.
              </td>
            </tr>
          ) : (
            orders.map((o) => <OpenOrderRow key={o.orderId} o={o} />)
          )}
        </tbody>
      </table>
      <ErrorNote error={error} />
    </div>
  );
}

function OrderHistory({ accountId, feed }: { accountId: number; feed: AccountFeed }) {
  const { api, specs } = useApp();
  const events = useThrottled(useLive(feed.orderEvents), 1000);
  const [before, setBefore] = useState<number | undefined>(undefined);
  const page = useAsync(() => api.orderHistory(accountId, 50, before), [accountId, before, events]);
  const orders = page.data?.items ?? [];
  return (
    <div className="table-wrap">
      <table className="grid" data-testid="order-history" aria-label="Order history">
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Updated</th>
            <th scope="col">Instrument</th>
            <th scope="col">Side</th>
            <th scope="col">Type</th>
            <th scope="col">TIF</th>
            <th scope="col">Offset</th>
            <th scope="col">Price</th>
            <th scope="col">Volume</th>
            <th scope="col">Filled</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.orderId} data-order-id={o.orderId}>
              <td>{o.orderId}</td>
              <td>{formatDateTime(o.updatedTs)}</td>
              <td>{o.instrumentId}</td>
              <td className={`side ${o.side}`}>{o.side}</td>
              <td>{o.type}</td>
              <td>{o.tif}</td>
              <td>{o.offset}</td>
              <td className="num">{o.type === 'market' ? 'market' : px(specs, o.instrumentId, o.price)}</td>
              <td className="num">{formatVolume(o.volume)}</td>
              <td className="num">{formatVolume(o.filled)}</td>
              <td>{o.status}</td>
              <td>{o.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNote error={page.error} />
      <div className="pager">
        {before !== undefined ? (
          <button type="button" onClick={() => setBefore(undefined)}>
            Newest
          </button>
        ) : null}
        {page.data?.next ? (
          <button type="button" onClick={() => setBefore(page.data!.next!)}>
            Older
          </button>
        ) : null}
      </div>
    </div>
  );
}

export function TradesTable({
  trades,
  accountId,
  testId,
}: {
  trades: readonly Trade[];
  accountId: number;
  testId?: string;
}) {
  const { specs } = useApp();
  return (
    <table className="grid" data-testid={testId} aria-label="My trades">
      <thead>
        <tr>
          <th scope="col">Trade</th>
          <th scope="col">Time</th>
          <th scope="col">Instrument</th>
          <th scope="col">Side</th>
          <th scope="col">Price</th>
          <th scope="col">Volume</th>
          <th scope="col">Order</th>
        </tr>
      </thead>
      <tbody>
        {trades.length === 0 ? (
          <tr>
            <td colSpan={7} className="muted">
              No trades.
            </td>
          </tr>
        ) : (
          trades.map((t) => {
            const side = t.buyAccountId === accountId ? 'buy' : 'sell';
            return (
              <tr key={`${t.tradeId}-${side}`} data-trade-id={t.tradeId}>
                <td>{t.tradeId}</td>
                <td>{formatDateTime(t.ts)}</td>
                <td>{t.instrumentId}</td>
                <td className={`side ${side}`}>{side}</td>
                <td className="num">{px(specs, t.instrumentId, t.price)}</td>
                <td className="num">{formatVolume(t.volume)}</td>
                <td>{side === 'buy' ? t.buyOrderId : t.sellOrderId}</td>
              </tr>
            );
          })
        )}
      </tbody>
    </table>
  );
}

function MyTrades({ accountId, feed }: { accountId: number; feed: AccountFeed }) {
  const { api } = useApp();
  const fills = useLive(feed.fills);
  const fillsSeen = useThrottled(feed.fills.version, 1000);
  const page = useAsync(() => api.accountTrades(accountId, 100), [accountId, fillsSeen]);
  // fills pushed since the last fetch go on top
  const trades = useMemo(() => {
    const have = new Set((page.data?.items ?? []).map((t) => t.tradeId));
    const fresh = fills.filter((f) => !have.has(f.trade.tradeId)).map((f) => f.trade);
    return [...fresh, ...(page.data?.items ?? [])];
  }, [fills, page.data]);
  return (
    <div className="table-wrap">
      <TradesTable trades={trades} accountId={accountId} testId="my-trades" />
      <ErrorNote error={page.error} />
    </div>
  );
}

export function Blotter() {
  const { accountId, feed } = useApp();
  const [tab, setTab] = useState('open');
  if (accountId === null || feed === null) return <p className="muted">No account to show.</p>;
  return (
    <div className="blotter">
      <Tabs label="Blotter" tabs={TABS} active={tab} onChange={setTab} />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'open' ? <OpenOrders feed={feed} /> : null}
        {tab === 'history' ? <OrderHistory accountId={accountId} feed={feed} /> : null}
        {tab === 'trades' ? <MyTrades accountId={accountId} feed={feed} /> : null}
      </div>
    </div>
  );
}
