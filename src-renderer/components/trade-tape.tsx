/**
 * The trade tape: the latest trades of an instrument, newest on top, coloured by the taker's side. A fixed set of
 * rows repainted on the frame loop; `data-paints` counts repaints and `data-trades` the trades received.
 */
import { useEffect, useRef } from 'react';
import { formatClock, formatPrice, formatVolume } from '../logic/format.ts';
import { useApp } from '../store/app-context.ts';
import { usePainter } from './common.tsx';

const ROWS = 30;

export function TradeTape({ instrumentId }: { instrumentId: string }) {
  const { market, loop, specs } = useApp();
  const body = useRef<HTMLTableSectionElement | null>(null);
  const table = useRef<HTMLTableElement | null>(null);
  const seen = useRef(-1);
  const paints = useRef(0);
  const spec = specs.get(instrumentId);

  useEffect(() => {
    seen.current = -1;
    return market.watchTrades(instrumentId);
  }, [market, instrumentId]);

  usePainter(loop, () => {
    const m = market.get(instrumentId);
    const tb = body.current;
    if (tb === null || spec === undefined || seen.current === m.tradesVersion) return;
    seen.current = m.tradesVersion;
    for (let i = 0; i < ROWS; i++) {
      const tr = tb.children[i] as HTMLTableRowElement | undefined;
      if (tr === undefined) continue;
      const t = m.trades[i];
      const cells = tr.children; // (not .cells: the same in every DOM)
      if (t === undefined) {
        if (tr.className !== 'empty') {
          tr.className = 'empty';
          delete tr.dataset.id;
          for (const c of cells) c.textContent = '';
        }
        continue;
      }
      if (tr.dataset.id === String(t.tradeId)) continue;
      tr.dataset.id = String(t.tradeId);
      tr.className = t.takerSide === 'buy' ? 'buy' : t.takerSide === 'sell' ? 'sell' : '';
      cells[0]!.textContent = formatClock(t.ts);
      cells[1]!.textContent = formatPrice(t.price, spec.priceDecimals);
      cells[2]!.textContent = formatVolume(t.volume);
      cells[3]!.textContent = t.takerSide ?? 'auction';
    }
    paints.current++;
    if (table.current !== null) {
      table.current.dataset.paints = String(paints.current);
      table.current.dataset.trades = String(m.tradeCount);
    }
  }, [instrumentId, spec]);

  return (
    <table className="tape" ref={table} data-testid="tape" data-paints="0" aria-label={`Trades of ${instrumentId}`}>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Price</th>
          <th scope="col">Volume</th>
          <th scope="col">Taker</th>
        </tr>
      </thead>
      <tbody ref={body}>
        {Array.from({ length: ROWS }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: fixed slots repainted in place
          <tr key={i} className="empty">
            <td />
            <td />
            <td />
            <td />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
