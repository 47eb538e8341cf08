/**
 * The price ladder: one row per tick around the inside market with bid and ask volume (and a bar for each), the
 * user's own open volume marked, the best prices and the last trade price highlighted. Clicking (or Enter on) a
 * bid cell prefills a buy at that price, an ask cell a sell, the price cell the price only.
 *
 * React renders the table once; the painter rewrites cell text on the frame loop when the book, the own orders or
 * the last price changed. `data-paints` on the table counts those repaints.
 */
import { useEffect, useRef } from 'react';
import { formatPrice, formatVolume } from '../logic/format.ts';
import { setClass, setText } from '../logic/frame-loop.ts';
import { type LadderRow, ladderRows, ladderTop, NO_OWN, type OwnVolumes, ownVolumes } from '../logic/ladder.ts';
import { useApp } from '../store/app-context.ts';
import { usePainter } from './common.tsx';

const ROWS = 25;

/** A bar's width in whole tenths of a percent, written only when it changes. */
function setWidth(el: HTMLElement, percent: number): void {
  const w = `${Math.round(percent * 10) / 10}%`;
  if (el.style.width !== w) el.style.width = w;
}

interface RowEls {
  tr: HTMLTableRowElement | null;
  ownBuy: HTMLElement | null;
  bid: HTMLButtonElement | null;
  bidBar: HTMLElement | null;
  price: HTMLButtonElement | null;
  ask: HTMLButtonElement | null;
  askBar: HTMLElement | null;
  ownSell: HTMLElement | null;
  shownPrice: number;
}

export function PriceLadder({ instrumentId }: { instrumentId: string }) {
  const { market, loop, specs, accounts, accountId, ticket } = useApp();
  const spec = specs.get(instrumentId);
  const els = useRef<RowEls[]>(
    Array.from({ length: ROWS }, () => ({
      tr: null,
      ownBuy: null,
      bid: null,
      bidBar: null,
      price: null,
      ask: null,
      askBar: null,
      ownSell: null,
      shownPrice: Number.NaN,
    })),
  );
  const table = useRef<HTMLTableElement | null>(null);
  const rows = useRef<LadderRow[]>([]);
  const top = useRef<number | null>(null);
  const seen = useRef({ depth: -1, own: -1, ticker: -1, top: Number.NaN });
  const paints = useRef(0);

  useEffect(() => market.watchDepth(instrumentId), [market, instrumentId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new instrument starts a new window
  useEffect(() => {
    top.current = null;
    seen.current = { depth: -1, own: -1, ticker: -1, top: Number.NaN };
  }, [instrumentId]);

  usePainter(loop, () => {
    if (spec === undefined) return;
    const m = market.get(instrumentId);
    // the selected account's feed is held by the app; it may appear after this mounted, so look it up each frame
    const f = accountId === null ? null : (accounts.peek(accountId) ?? null);
    const ownVersion = f?.openOrders.version ?? -1;
    const last = m.ticker?.last ?? null;
    const tick = spec.priceTick;
    const bestBid = m.depth.bestBid();
    const bestAsk = m.depth.bestAsk();
    const newTop = ladderTop(top.current, ROWS, tick, bestBid, bestAsk, last ?? spec.referencePrice);
    const s = seen.current;
    if (s.depth === m.depth.version && s.own === ownVersion && s.ticker === m.tickerVersion && s.top === newTop) return;
    s.depth = m.depth.version;
    s.own = ownVersion;
    s.ticker = m.tickerVersion;
    s.top = newTop ?? Number.NaN;
    top.current = newTop;
    if (newTop === null) return;
    const own: OwnVolumes = f === null ? NO_OWN : ownVolumes(f.openOrders.get().values(), instrumentId);
    const r = ladderRows(rows.current, newTop, ROWS, tick, m.depth, own, last);
    let maxVol = 1;
    for (const row of r) maxVol = Math.max(maxVol, row.bid, row.ask);
    const d = spec.priceDecimals;
    for (let i = 0; i < ROWS; i++) {
      const row = r[i]!;
      const e = els.current[i]!;
      if (e.tr === null) continue;
      if (e.shownPrice !== row.price) {
        e.shownPrice = row.price;
        const p = formatPrice(row.price, d);
        e.price!.textContent = p;
        e.price!.setAttribute('aria-label', `Price ${p}: fill in the order price`);
        e.bid!.setAttribute('aria-label', `Buy at ${p}`);
        e.ask!.setAttribute('aria-label', `Sell at ${p}`);
        e.tr.dataset.price = String(row.price);
      }
      setText(e.bid!.firstChild, row.bid > 0 ? formatVolume(row.bid) : '');
      setText(e.ask!.firstChild, row.ask > 0 ? formatVolume(row.ask) : '');
      setWidth(e.bidBar!, (row.bid * 100) / maxVol);
      setWidth(e.askBar!, (row.ask * 100) / maxVol);
      setText(e.ownBuy, row.ownBuy > 0 ? formatVolume(row.ownBuy) : '');
      setText(e.ownSell, row.ownSell > 0 ? formatVolume(row.ownSell) : '');
      const cls = `${row.best === 'bid' ? 'best-bid' : row.best === 'ask' ? 'best-ask' : ''}${row.last ? ' last' : ''}${
        row.ownBuy > 0 || row.ownSell > 0 ? ' own' : ''
      }${row.price > (bestBid ?? Number.POSITIVE_INFINITY) && row.price < (bestAsk ?? Number.NEGATIVE_INFINITY) ? ' spread' : ''}`;
      setClass(e.tr, cls);
    }
    paints.current++;
    if (table.current !== null) table.current.dataset.paints = String(paints.current);
  }, [instrumentId, spec, accountId]);

  const prefill = (i: number, side: 'buy' | 'sell' | null) => {
    const price = rows.current[i]?.price;
    if (price === undefined) return;
    const prev = ticket.get();
    ticket.set({ price, ...(side === null ? {} : { side }), n: (prev?.n ?? 0) + 1 });
  };

  return (
    <div className="ladder-wrap">
      <table
        className="ladder"
        ref={table}
        data-testid="ladder"
        data-paints="0"
        aria-label={`Price ladder of ${instrumentId}`}
      >
        <thead>
          <tr>
            <th scope="col" title="My open buy volume">
              Mine
            </th>
            <th scope="col">Bid</th>
            <th scope="col">Price</th>
            <th scope="col">Ask</th>
            <th scope="col" title="My open sell volume">
              Mine
            </th>
          </tr>
        </thead>
        <tbody>
          {els.current.map((e, i) => (
            <tr
              // biome-ignore lint/suspicious/noArrayIndexKey: the rows are fixed slots repainted in place
              key={i}
              ref={(el) => {
                e.tr = el;
              }}
            >
              <td
                className="own-buy"
                ref={(el) => {
                  e.ownBuy = el;
                }}
              />
              <td className="bid">
                <button
                  type="button"
                  ref={(el) => {
                    e.bid = el;
                  }}
                  onClick={() => prefill(i, 'buy')}
                >
                  <span className="vol" />
                  <span
                    className="bar"
                    ref={(el) => {
                      e.bidBar = el;
                    }}
                  />
                </button>
              </td>
              <td className="price">
                <button
                  type="button"
                  ref={(el) => {
                    e.price = el;
                  }}
                  onClick={() => prefill(i, null)}
                />
              </td>
              <td className="ask">
                <button
                  type="button"
                  ref={(el) => {
                    e.ask = el;
                  }}
                  onClick={() => prefill(i, 'sell')}
                >
                  <span className="vol" />
                  <span
                    className="bar"
                    ref={(el) => {
                      e.askBar = el;
                    }}
                  />
                </button>
              </td>
              <td
                className="own-sell"
                ref={(el) => {
                  e.ownSell = el;
                }}
              />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
