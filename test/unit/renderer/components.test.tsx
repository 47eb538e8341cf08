// @vitest-environment happy-dom
/**
 * Component tests of the UI logic in a DOM: order entry (validation, API errors next to the field, keyboard, ladder
 * prefill), the price ladder (painted from the depth feed without React, own orders marked, click to prefill), the
 * blotter (one-click cancel, inline modify), the trade tape, the login form and the tuning controls.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src-renderer/api/client.ts';
import type { Order, Tuning } from '../../../src-renderer/api/types.ts';
import { Blotter } from '../../../src-renderer/components/blotter.tsx';
import { LoginView } from '../../../src-renderer/components/login-view.tsx';
import { OrderEntry } from '../../../src-renderer/components/order-entry.tsx';
import { PriceLadder } from '../../../src-renderer/components/price-ladder.tsx';
import { TradeTape } from '../../../src-renderer/components/trade-tape.tsx';
import { TuningView } from '../../../src-renderer/views/tuning-view.tsx';
import { byLabel, click, key, type Rendered, renderInApp, typeInto } from './app-harness.tsx';

let r: Rendered | null = null;
afterEach(() => {
  r?.unmount();
  r = null;
});

const order = (o: Partial<Order>): Order => ({
  orderId: 11,
  accountId: 7,
  instrumentId: 'IF2612',
  side: 'buy',
  type: 'limit',
  tif: 'GFD',
  offset: 'open',
  price: 37998,
  stopPrice: 0,
  volume: 2,
  filled: 0,
  remaining: 2,
  status: 'new',
  reason: null,
  forced: false,
  createdSeq: 1,
  createdTs: Date.now(),
  updatedSeq: 1,
  updatedTs: Date.now(),
  ...o,
});

describe('OrderEntry', () => {
  it('shows mistakes next to their field and sends nothing', async () => {
    const placeOrder = vi.fn();
    r = await renderInApp(<OrderEntry instrumentId="IF2612" />, { api: { placeOrder } });
    const c = r.container;
    await typeInto(byLabel(c, 'Price'), '3799.9');
    await typeInto(byLabel(c, 'Volume'), '0');
    await click(c.querySelector('button[type=submit]'));
    expect(placeOrder).not.toHaveBeenCalled();
    const price = byLabel(c, 'Price')!;
    expect(price.getAttribute('aria-invalid')).toBe('true');
    const describedBy = price.getAttribute('aria-describedby')!;
    expect(c.querySelector(`[id="${describedBy.split(' ')[0]}"]`)!.textContent).toMatch(/multiple of the tick 0\.2/);
    expect(c.textContent).toMatch(/volume is a whole number above zero/);
  });

  it('sends a valid order in price units and shows the result', async () => {
    const placeOrder = vi.fn(async () => ({ order: order({ orderId: 42 }), trades: [] }));
    r = await renderInApp(<OrderEntry instrumentId="IF2612" />, { api: { placeOrder } });
    const c = r.container;
    await typeInto(byLabel(c, 'Price'), '3799.8');
    await typeInto(byLabel(c, 'Volume'), '2');
    await typeInto(byLabel(c, 'Offset'), 'close');
    await click(c.querySelector('button[type=submit]'));
    expect(placeOrder).toHaveBeenCalledWith({
      accountId: 7,
      instrumentId: 'IF2612',
      side: 'buy',
      type: 'limit',
      tif: 'GFD',
      volume: 2,
      offset: 'close',
      price: 37998,
    });
    expect(c.querySelector('[data-testid=order-result]')!.textContent).toMatch(/Order 42 new/);
  });

  it("places the API's refusal next to the field it is about", async () => {
    const placeOrder = vi.fn(async () => {
      throw new ApiError(
        422,
        'VALIDATION_PRICE_OUT_OF_BAND',
        'The price is outside the limit-up / limit-down band.',
        1006,
      );
    });
    r = await renderInApp(<OrderEntry instrumentId="IF2612" />, { api: { placeOrder } });
    const c = r.container;
    await typeInto(byLabel(c, 'Price'), '3800');
    await click(c.querySelector('button[type=submit]'));
    const price = byLabel(c, 'Price')!;
    expect(price.getAttribute('aria-invalid')).toBe('true');
    expect(price.closest('.field')!.textContent).toMatch(/outside the limit-up .*VALIDATION_PRICE_OUT_OF_BAND/);
  });

  it('shows schema problems of API_VALIDATION_FAILED by their path', async () => {
    const placeOrder = vi.fn(async () => {
      throw new ApiError(400, 'API_VALIDATION_FAILED', 'body: /volume must be <= 1000000000', 6003, [
        { in: 'body', path: '/volume', message: 'must be <= 1000000000' },
      ]);
    });
    r = await renderInApp(<OrderEntry instrumentId="IF2612" />, { api: { placeOrder } });
    await typeInto(byLabel(r.container, 'Price'), '3800');
    await click(r.container.querySelector('button[type=submit]'));
    expect(byLabel(r.container, 'Volume')!.closest('.field')!.textContent).toMatch(/must be <= 1000000000/);
  });

  it('is keyboard operable: arrows step price and volume, Alt+S sells, types change the fields', async () => {
    r = await renderInApp(<OrderEntry instrumentId="IF2612" />, { api: {} });
    const c = r.container;
    const price = byLabel(c, 'Price')!;
    await typeInto(price, '3800');
    await key(price, 'ArrowUp');
    expect((byLabel(c, 'Price') as HTMLInputElement).value).toBe('3800.2');
    await key(byLabel(c, 'Price'), 'ArrowDown');
    await key(byLabel(c, 'Price'), 'ArrowDown');
    expect((byLabel(c, 'Price') as HTMLInputElement).value).toBe('3799.8');
    await key(byLabel(c, 'Volume'), 'ArrowUp');
    expect((byLabel(c, 'Volume') as HTMLInputElement).value).toBe('2');
    await key(byLabel(c, 'Volume'), 's', { altKey: true });
    expect((c.querySelector('input[value=sell]') as HTMLInputElement).checked).toBe(true);
    expect(c.querySelector('button[type=submit]')!.textContent).toBe('Sell 2 IF2612 @ 3799.8');
    await typeInto(byLabel(c, 'Type'), 'stopLimit');
    expect(byLabel(c, 'Stop price')).not.toBeNull();
    await typeInto(byLabel(c, 'Type'), 'market');
    expect(byLabel(c, 'Price')).toBeNull();
    expect([...(byLabel(c, 'Time in force') as HTMLSelectElement).options].map((o) => o.value)).toEqual(['IOC', 'FOK']);
  });

  it('takes a price and side from a ladder click', async () => {
    r = await renderInApp(<OrderEntry instrumentId="IF2612" />, { api: {} });
    r.state.ticket.set({ price: 38010, side: 'sell', n: 1 });
    await r.frame();
    expect((byLabel(r.container, 'Price') as HTMLInputElement).value).toBe('3801.0');
    expect((r.container.querySelector('input[value=sell]') as HTMLInputElement).checked).toBe(true);
  });
});

describe('PriceLadder', () => {
  it('paints the book from the depth feed, marks own orders, and prefills on click', async () => {
    r = await renderInApp(<PriceLadder instrumentId="IF2612" />, { api: {} });
    const sub = r.socket.sent.find((m) => m.op === 'subscribe' && m.channel === 'depth');
    expect(sub).toMatchObject({ instrumentId: 'IF2612' });
    await r.push(
      { id: sub!.id, ok: true, result: {} },
      {
        channel: 'depth',
        type: 'snapshot',
        instrumentId: 'IF2612',
        seq: 5,
        levels: 50,
        bids: [
          [37998, 3],
          [37996, 1],
        ],
        asks: [[38002, 4]],
      },
      { channel: 'orders', type: 'snapshot', accountId: 7, orders: [order({ price: 37996, remaining: 1 })] },
    );
    const table = r.container.querySelector('[data-testid=ladder]') as HTMLElement;
    const row = (p: number) => table.querySelector(`tr[data-price="${p}"]`) as HTMLTableRowElement;
    expect(row(37998).querySelector('.bid')!.textContent).toBe('3');
    expect(row(37998).className).toContain('best-bid');
    expect(row(38002).querySelector('.ask')!.textContent).toBe('4');
    expect(row(38000).querySelector('.price')!.textContent).toBe('3800.0');
    expect(row(38000).className).toContain('spread');
    expect(row(37996).querySelector('.own-buy')!.textContent).toBe('1');
    const paints = Number(table.dataset.paints);
    // a delta repaints the cells in place
    await r.push({
      channel: 'depth',
      type: 'delta',
      instrumentId: 'IF2612',
      seq: 6,
      prevSeq: 5,
      bids: [[37998, 0]],
      asks: [[38000, 2]],
    });
    expect(row(37998).querySelector('.bid')!.textContent).toBe('');
    expect(row(38000).querySelector('.ask')!.textContent).toBe('2');
    expect(Number(table.dataset.paints)).toBe(paints + 1);
    // a gap subscribes again
    const before = r.socket.sent.length;
    await r.push({ channel: 'depth', type: 'delta', instrumentId: 'IF2612', seq: 9, prevSeq: 8, bids: [], asks: [] });
    expect(r.socket.sent.slice(before).some((m) => m.op === 'subscribe' && m.channel === 'depth')).toBe(true);
    // click the bid cell of a row: a buy at that price
    await click(row(37996).querySelector('.bid button'));
    expect(r.state.ticket.get()).toMatchObject({ price: 37996, side: 'buy' });
    await click(row(38000).querySelector('.price button'));
    expect(r.state.ticket.get()).toMatchObject({ price: 38000 });
    expect(row(38000).querySelector('.price button')!.getAttribute('aria-label')).toBe(
      'Price 3800.0: fill in the order price',
    );
  });
});

describe('Blotter', () => {
  it('lists open orders live, cancels with one click and modifies inline', async () => {
    const cancelOrder = vi.fn(async () => ({ order: order({ status: 'canceled' }) }));
    const modifyOrder = vi.fn(async () => ({ order: order({ price: 38000 }) }));
    r = await renderInApp(<Blotter />, { api: { cancelOrder, modifyOrder } });
    await r.push({ channel: 'orders', type: 'snapshot', accountId: 7, orders: [order({})] });
    const c = r.container;
    const row = () => c.querySelector('[data-testid=open-orders] tr[data-order-id="11"]');
    expect(row()!.textContent).toContain('3799.8');
    await click(c.querySelector('button[aria-label="Cancel order 11"]'));
    expect(cancelOrder).toHaveBeenCalledWith(11);
    await click(c.querySelector('button[aria-label="Modify order 11"]'));
    const price = c.querySelector('input[aria-label="New price of order 11"]')!;
    await typeInto(price, '3800.0');
    await key(price, 'Enter');
    expect(modifyOrder).toHaveBeenCalledWith(11, 38000, 2);
    // the order leaves the list when the feed says it is done
    await r.push({
      channel: 'orders',
      accountId: 7,
      seq: 9,
      events: ['canceled'],
      order: order({ status: 'canceled', remaining: 0 }),
    });
    expect(row()).toBeNull();
    expect(c.textContent).toContain('No open orders.');
  });
});

describe('TradeTape', () => {
  it('shows pushed trades newest first', async () => {
    const trades = vi.fn(async () => []);
    r = await renderInApp(<TradeTape instrumentId="IF2612" />, { api: { trades } });
    // as the server sends them: the instrument is named inside the trade
    const t = (id: number, price: number, takerSide: 'buy' | 'sell') => ({
      channel: 'trades',
      trade: { tradeId: id, seq: id, ts: Date.now(), instrumentId: 'IF2612', price, volume: id, takerSide },
    });
    await r.push(t(1, 37998, 'sell'), t(2, 38002, 'buy'));
    const rows = r.container.querySelectorAll('[data-testid=tape] tbody tr');
    expect(rows[0]!.textContent).toContain('3800.2');
    expect(rows[0]!.className).toBe('buy');
    expect(rows[1]!.textContent).toContain('3799.8');
    expect((r.container.querySelector('[data-testid=tape]') as HTMLElement).dataset.trades).toBe('2');
  });
});

describe('LoginView', () => {
  it('logs in with the labelled fields and shows a refusal', async () => {
    const { act } = await import('react');
    const { createRoot } = await import('react-dom/client');
    const login = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError(401, 'API_LOGIN_FAILED', 'The username or password is wrong, or the user is disabled.'),
      )
      .mockResolvedValueOnce({ token: 't', expiresMs: 1, user: { userId: 1 } });
    const onLoggedIn = vi.fn();
    const container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    await act(async () => root.render(<LoginView api={{ login } as never} onLoggedIn={onLoggedIn} />));
    await typeInto(byLabel(container, 'Username'), 'alice');
    await typeInto(byLabel(container, 'Password'), 'wrong');
    await click(container.querySelector('button[type=submit]'));
    expect(container.querySelector('[role=alert]')!.textContent).toMatch(/API_LOGIN_FAILED/);
    await click(container.querySelector('button[type=submit]'));
    expect(login).toHaveBeenLastCalledWith('alice', 'wrong');
    expect(onLoggedIn).toHaveBeenCalledTimes(1);
    act(() => root.unmount());
    container.remove();
  });
});

describe('TuningView', () => {
  it('marks what applies live and what needs a restart, and sends the changes', async () => {
    const t = {
      settings: {
        durability: 'batched',
        snapshotEvery: 200000,
        maxBatch: 4096,
        fastFlushMs: 5,
        shards: 0,
        runningShards: 0,
      },
      appliesLive: { durability: true, snapshotEvery: true, maxBatch: true, fastFlushMs: true, shards: false },
      stats: { status: 'ready', lastSeq: 12, snapshots: 0 },
    } as unknown as Tuning;
    const tuning = vi.fn(async () => t);
    const setTuning = vi.fn(async (_c: unknown) => ({ ...t, settings: { ...t.settings!, maxBatch: 256 } }) as Tuning);
    r = await renderInApp(<TuningView />, { api: { tuning, setTuning }, session: { role: 'admin' } });
    const c = r.container;
    expect(c.querySelector('[data-testid=applies-shards]')!.textContent).toBe('needs a restart');
    expect(c.querySelector('[data-testid=applies-maxBatch]')!.textContent).toBe('applies live');
    expect((byLabel(c, 'Batch size') as HTMLInputElement).value).toBe('4096');
    await typeInto(byLabel(c, 'Batch size'), '256');
    await click(c.querySelector('button[type=submit]'));
    expect(setTuning).toHaveBeenCalledWith({ maxBatch: 256 });
    expect(c.querySelector('[data-testid=tuning-note]')!.textContent).toMatch(/batch size 256 \(in force now\)/);
    expect((byLabel(c, 'Batch size') as HTMLInputElement).value).toBe('256');
  });
});
