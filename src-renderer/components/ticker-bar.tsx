/**
 * The ticker bar: one button per instrument with its last price and change from the reference price, and the
 * selected instrument's inside market, day range, volume and phase. Text is painted on the frame loop from the
 * ticker channel; React renders the bar only when the instrument list changes.
 */
import { useEffect, useRef } from 'react';
import { formatPrice, formatVolume, priceChange } from '../logic/format.ts';
import { setClass, setText } from '../logic/frame-loop.ts';
import { useApp } from '../store/app-context.ts';
import { usePainter } from './common.tsx';

export function TickerBar() {
  const { instruments, market, loop, instrumentId, setInstrumentId, specs } = useApp();
  const cells = useRef(new Map<string, { last: HTMLElement | null; change: HTMLElement | null; seen: number }>());
  const detail = useRef<HTMLDListElement | null>(null);
  const detailSeen = useRef({ id: '', version: -1 });

  useEffect(() => {
    const stops = instruments.map((i) => market.watchTicker(i.spec.id));
    return () => {
      for (const stop of stops) stop();
    };
  }, [instruments, market]);

  usePainter(loop, () => {
    for (const i of instruments) {
      const id = i.spec.id;
      const m = market.get(id);
      const c = cells.current.get(id);
      if (c === undefined || m.ticker === null || c.seen === m.tickerVersion) continue;
      c.seen = m.tickerVersion;
      const d = i.spec.priceDecimals;
      const ch = priceChange(m.ticker.last, i.spec.referencePrice, d);
      setText(c.last, formatPrice(m.ticker.last, d));
      setText(c.change, ch.text);
      setClass(c.change, `chg ${ch.direction}`);
    }
    const id = instrumentId ?? '';
    const m = market.get(id);
    const dl = detail.current;
    const spec = specs.get(id);
    if (dl === null || spec === undefined || m.ticker === null) return;
    if (detailSeen.current.id === id && detailSeen.current.version === m.tickerVersion) return;
    detailSeen.current = { id, version: m.tickerVersion };
    const t = m.ticker;
    const d = spec.priceDecimals;
    const set = (k: string, v: string) => {
      setText(dl.querySelector(`[data-k="${k}"]`), v);
    };
    set('bid', t.bestBid === null ? '—' : `${formatPrice(t.bestBid, d)} × ${formatVolume(t.bestBidVolume)}`);
    set('ask', t.bestAsk === null ? '—' : `${formatPrice(t.bestAsk, d)} × ${formatVolume(t.bestAskVolume)}`);
    set('range', t.low === null ? '—' : `${formatPrice(t.low, d)} – ${formatPrice(t.high, d)}`);
    set('open', formatPrice(t.open, d));
    set('volume', formatVolume(t.volume));
    set('phase', t.phase ?? '—');
  }, [instruments, instrumentId, specs]);

  return (
    <div className="ticker-bar">
      <nav aria-label="Instruments" className="ticker-list">
        {instruments.map((i) => (
          <button
            key={i.spec.id}
            type="button"
            className={`ticker${i.spec.id === instrumentId ? ' selected' : ''}`}
            aria-pressed={i.spec.id === instrumentId}
            onClick={() => setInstrumentId(i.spec.id)}
            data-testid={`ticker-${i.spec.id}`}
          >
            <span className="sym">{i.spec.id}</span>
            <span
              className="last"
              ref={(el) => {
                const c = cells.current.get(i.spec.id) ?? { last: null, change: null, seen: -1 };
                c.last = el;
                c.seen = -1;
                cells.current.set(i.spec.id, c);
              }}
            >
              {formatPrice(i.lastPrice, i.spec.priceDecimals)}
            </span>
            <span
              className="chg"
              ref={(el) => {
                const c = cells.current.get(i.spec.id) ?? { last: null, change: null, seen: -1 };
                c.change = el;
                c.seen = -1;
                cells.current.set(i.spec.id, c);
              }}
            />
          </button>
        ))}
      </nav>
      <dl className="ticker-detail" ref={detail} aria-label="Selected instrument" aria-live="off">
        <div>
          <dt>Bid</dt>
          <dd data-k="bid">—</dd>
        </div>
        <div>
          <dt>Ask</dt>
          <dd data-k="ask">—</dd>
        </div>
        <div>
          <dt>Open</dt>
          <dd data-k="open">—</dd>
        </div>
        <div>
          <dt>Low – high</dt>
          <dd data-k="range">—</dd>
        </div>
        <div>
          <dt>Volume</dt>
          <dd data-k="volume">—</dd>
        </div>
        <div>
          <dt>Phase</dt>
          <dd data-k="phase">—</dd>
        </div>
      </dl>
    </div>
  );
}
