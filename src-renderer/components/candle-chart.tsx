/**
 * Candlesticks with volume (uPlot) for each K-line period: history from REST, then the live candle from the WS
 * feed, redrawn on the frame loop when the series changed. Candles are drawn by a draw hook on uPlot's canvas;
 * volume is a bar series on its own scale in the lower part of the plot.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import { KLINE_PERIODS } from '../api/types.ts';
import { formatPrice, formatPriceTick } from '../logic/format.ts';
import { useApp } from '../store/app-context.ts';
import { Tabs, usePainter } from './common.tsx';
import { AXIS, UPlotChart } from './u-plot.tsx';

const DRAWS_PER_SECOND = 5;
const PERIOD_LABELS: Record<number, string> = { 3: '3s', 60: '1m', 300: '5m', 900: '15m', 3600: '1h', 86400: '1d' };

function candlePlugin(): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const [t, o, h, l, c] = u.data as unknown as number[][];
          if (t === undefined || t.length === 0) return;
          const ctx = u.ctx;
          const xMin = u.scales.x!.min ?? t[0]!;
          const xMax = u.scales.x!.max ?? t[t.length - 1]!;
          const visible = t.filter((x) => x >= xMin && x <= xMax).length || 1;
          const body = Math.max(1, Math.min(24, (u.bbox.width / visible) * 0.6));
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
          ctx.clip();
          for (let i = 0; i < t.length; i++) {
            if (t[i]! < xMin || t[i]! > xMax) continue;
            const x = Math.round(u.valToPos(t[i]!, 'x', true));
            const yo = u.valToPos(o![i]!, 'y', true);
            const yc = u.valToPos(c![i]!, 'y', true);
            const yh = u.valToPos(h![i]!, 'y', true);
            const yl = u.valToPos(l![i]!, 'y', true);
            const up = c![i]! >= o![i]!;
            ctx.strokeStyle = up ? '#3fb950' : '#f85149';
            ctx.fillStyle = ctx.strokeStyle;
            ctx.beginPath();
            ctx.moveTo(x + 0.5, yh);
            ctx.lineTo(x + 0.5, yl);
            ctx.stroke();
            const top = Math.min(yo, yc);
            ctx.fillRect(x - body / 2, top, body, Math.max(1, Math.abs(yc - yo)));
          }
          ctx.restore();
        },
      ],
    },
  };
}

export function CandleChart({ instrumentId }: { instrumentId: string }) {
  const { market, loop, specs } = useApp();
  const [period, setPeriod] = useState<number>(60);
  const chart = useRef<uPlot | null>(null);
  const seen = useRef(-1);
  const spec = specs.get(instrumentId);
  const decimals = spec?.priceDecimals ?? 0;

  useEffect(() => {
    seen.current = -1;
    return market.watchCandles(instrumentId, period);
  }, [market, instrumentId, period]);

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const price = (_u: uPlot, v: number | null) => (v === null ? '—' : formatPrice(Math.round(v), decimals));
    const hidden = { paths: () => null, points: { show: false } } as unknown as uPlot.Series;
    return {
      scales: {
        x: {
          time: true,
          // uPlot widens a lone point's time axis by 86,400,000 s (years): show half an hour of periods instead
          range: (u, min, max) => {
            const xs = u.data[0] as ArrayLike<number> | undefined;
            if (xs === undefined || xs.length > 1) return [min - period, max + period];
            const t = xs.length === 1 ? xs[0]! : Date.now() / 1000;
            return [t - period * 30, t + period * 2];
          },
        },
        y: {
          auto: true,
          range: (_u, min, max) => {
            const pad = Math.max(1, (max - min) * 0.1);
            return [min - pad, max + pad];
          },
        },
        vol: { range: (_u, _min, max) => [0, Math.max(1, max) * 4] },
      },
      axes: [
        { ...AXIS },
        { ...AXIS, scale: 'y', values: (_u, vals) => vals.map((v) => formatPriceTick(v, decimals)), size: 70 },
      ],
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        {},
        { ...hidden, label: 'Open', value: price },
        { ...hidden, label: 'High', value: price },
        { ...hidden, label: 'Low', value: price },
        { ...hidden, label: 'Close', value: price },
        {
          label: 'Volume',
          scale: 'vol',
          stroke: '#58a6ff',
          fill: 'rgba(88,166,255,0.25)',
          paths: uPlot.paths.bars!({ size: [0.6, 24] }),
          points: { show: false },
        },
      ],
      plugins: [candlePlugin()],
    };
  }, [decimals, period]);

  const lastDraw = useRef(0);
  usePainter(
    loop,
    (now) => {
      const s = market.get(instrumentId).candles.get(period);
      const u = chart.current;
      if (s === undefined || u === null || s.version === seen.current) return;
      // a whole-chart redraw: at most DRAWS_PER_SECOND, however busy the market (the next frame retries)
      if (now - lastDraw.current < 1000 / DRAWS_PER_SECOND) {
        loop.invalidate();
        return;
      }
      lastDraw.current = now;
      seen.current = s.version;
      u.setData(s.columns() as unknown as uPlot.AlignedData);
    },
    [instrumentId, period, options],
  );

  return (
    <div className="candles">
      <Tabs
        label="Candle period"
        tabs={KLINE_PERIODS.map((p) => ({ id: String(p), label: PERIOD_LABELS[p] ?? `${p}s` }))}
        active={String(period)}
        onChange={(id) => setPeriod(Number(id))}
      />
      <UPlotChart
        options={options}
        chartRef={chart}
        height={260}
        label={`Candlesticks of ${instrumentId}, ${PERIOD_LABELS[period]} period, with volume`}
        testId="candles"
      />
    </div>
  );
}
