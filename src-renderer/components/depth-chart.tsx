/**
 * The depth chart: cumulative bid and ask volume outwards from the inside market, drawn on a canvas by the frame
 * loop whenever the book changed.
 */
import { useEffect, useRef } from 'react';
import { cumulative, type Level } from '../logic/depth-book.ts';
import { formatPrice, formatVolume } from '../logic/format.ts';
import { useApp } from '../store/app-context.ts';
import { usePainter } from './common.tsx';

const LEVELS = 30;
const DRAWS_PER_SECOND = 15;

export function DepthChart({ instrumentId }: { instrumentId: string }) {
  const { market, loop, specs } = useApp();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const seen = useRef({ version: -1, w: 0, h: 0 });
  const lastDraw = useRef(0);
  const spec = specs.get(instrumentId);

  useEffect(() => market.watchDepth(instrumentId), [market, instrumentId]);
  // the canvas size comes from the observer, never from clientWidth in the painter (that would force a layout of
  // the page on every frame, after the other painters changed it)
  const size = useRef({ w: 0, h: 0 });
  useEffect(() => {
    const c = canvas.current;
    if (c === null) return;
    const ro = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box === undefined) return;
      const dpr = window.devicePixelRatio || 1;
      size.current = { w: Math.max(1, Math.round(box.width * dpr)), h: Math.max(1, Math.round(box.height * dpr)) };
      loop.invalidate();
    });
    ro.observe(c);
    return () => ro.disconnect();
  }, [loop]);

  usePainter(
    loop,
    (now) => {
      const c = canvas.current;
      if (c === null || spec === undefined) return;
      const m = market.get(instrumentId);
      const dpr = window.devicePixelRatio || 1;
      const { w, h } = size.current;
      if (w === 0) return; // not laid out yet
      const s = seen.current;
      if (s.version === m.depth.version && s.w === w && s.h === h) return;
      if (now - lastDraw.current < 1000 / DRAWS_PER_SECOND && s.w === w && s.h === h) {
        loop.invalidate(); // drawn recently: the next frame looks again
        return;
      }
      lastDraw.current = now;
      seen.current = { version: m.depth.version, w, h };
      if (c.width !== w) c.width = w;
      if (c.height !== h) c.height = h;
      const ctx = c.getContext('2d');
      if (ctx === null) return;
      ctx.clearRect(0, 0, w, h);
      const bids = cumulative(m.depth.bids().slice(0, LEVELS));
      const asks = cumulative(m.depth.asks().slice(0, LEVELS));
      if (bids.length === 0 && asks.length === 0) {
        ctx.fillStyle = '#6e7681';
        ctx.font = `${12 * dpr}px system-ui, sans-serif`;
        ctx.fillText('No orders in the book', 10 * dpr, 20 * dpr);
        return;
      }
      const lo = bids.length > 0 ? bids[bids.length - 1]![0] : asks[0]![0];
      const hi = asks.length > 0 ? asks[asks.length - 1]![0] : bids[0]![0];
      const span = Math.max(spec.priceTick, hi - lo);
      const maxV = Math.max(1, bids[bids.length - 1]?.[1] ?? 0, asks[asks.length - 1]?.[1] ?? 0);
      const padBottom = 16 * dpr;
      const x = (p: number) => ((p - lo) / span) * (w - 2) + 1;
      const y = (v: number) => h - padBottom - (v / maxV) * (h - padBottom - 4 * dpr);
      const area = (levels: Level[], stroke: string, fill: string, dir: 1 | -1) => {
        if (levels.length === 0) return;
        ctx.beginPath();
        const x0 = x(levels[0]![0]);
        ctx.moveTo(x0, y(0));
        let prevY = y(0);
        for (const [p, v] of levels) {
          const px = x(p);
          ctx.lineTo(px, prevY);
          prevY = y(v);
          ctx.lineTo(px, prevY);
        }
        const end = dir === 1 ? w : 0;
        ctx.lineTo(end, prevY);
        ctx.lineTo(end, y(0));
        ctx.closePath();
        ctx.fillStyle = fill;
        ctx.fill();
        ctx.strokeStyle = stroke;
        ctx.lineWidth = dpr;
        ctx.stroke();
      };
      area(bids, '#3fb950', 'rgba(63,185,80,0.25)', -1);
      area(asks, '#f85149', 'rgba(248,81,73,0.25)', 1);
      ctx.fillStyle = '#9aa4b2';
      ctx.font = `${11 * dpr}px system-ui, sans-serif`;
      ctx.textBaseline = 'bottom';
      ctx.textAlign = 'left';
      ctx.fillText(formatPrice(lo, spec.priceDecimals), 2 * dpr, h);
      ctx.textAlign = 'right';
      ctx.fillText(formatPrice(hi, spec.priceDecimals), w - 2 * dpr, h);
      ctx.textBaseline = 'top';
      ctx.fillText(`max ${formatVolume(maxV)}`, w - 2 * dpr, 2 * dpr);
    },
    [instrumentId, spec],
  );

  return (
    <canvas
      className="depth-chart"
      ref={canvas}
      role="img"
      aria-label={`Depth chart of ${instrumentId}: cumulative bid and ask volume`}
      data-testid="depth-chart"
    />
  );
}
