/**
 * Metrics, live from GET /metrics (Prometheus text, admin) polled every second: per-stage latency histograms of
 * the last interval and their percentiles over time, throughput, event-loop lag, queue depth, WebSocket clients and
 * shard load. A rolling window of points feeds the uPlot charts.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { ErrorNote, errorText, Section } from '../components/common.tsx';
import { AXIS, UPlotChart } from '../components/u-plot.tsx';
import { formatRate, formatSeconds } from '../logic/format.ts';
import { type MetricsPoint, MetricsSampler, STAGES } from '../logic/prometheus.ts';
import { useApp } from '../store/app-context.ts';

const WINDOW = 180;
/** A chart value in milliseconds as a latency. */
const ms = (v: number | null) => (v === null ? '—' : formatSeconds(v / 1000));
const POLL_MS = 1000;
const STAGE_COLOURS: Record<string, [string, string]> = {
  core_ack: ['#3fb950', '#238636'],
  durable_ack: ['#58a6ff', '#1f6feb'],
  reply: ['#d29922', '#9e6a03'],
};

function lineOptions(
  series: { label: string; stroke: string; dash?: number[] }[],
  value: (v: number | null) => string,
  yRange?: uPlot.Range.MinMax,
): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    scales: { x: { time: true }, y: yRange === undefined ? {} : { range: yRange } },
    axes: [{ ...AXIS }, { ...AXIS, size: 70, values: (_u, vals) => vals.map((v) => value(v)) }],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 1.5,
        spanGaps: false,
        ...(s.dash ? { dash: s.dash } : {}),
        value: (_u: uPlot, v: number | null) => value(v),
      })),
    ],
  };
}

/** A bar whose width is set through the CSSOM (no inline style attribute: the CSP forbids those). */
function Bar({ className, percent }: { className: string; percent: number }) {
  return (
    <span
      className={className}
      ref={(el) => {
        if (el !== null) el.style.width = `${percent}%`;
      }}
    />
  );
}

function Histogram({ point, stage }: { point: MetricsPoint | null; stage: string }) {
  const s = point?.stages[stage];
  const buckets = s?.buckets ?? [];
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return (
    <figure className="histogram" aria-label={`Latency histogram of ${stage} in the last second`}>
      <figcaption>
        <strong>{stage}</strong>{' '}
        {s ? `${s.count} in the last interval · p50 ${formatSeconds(s.p50)} · p99 ${formatSeconds(s.p99)}` : '—'}
      </figcaption>
      <table>
        <tbody>
          {buckets.map((b) => (
            <tr key={b.le}>
              <th scope="row" className="bucket">
                ≤ {b.le === Number.POSITIVE_INFINITY ? '∞' : formatSeconds(b.le)}
              </th>
              <td>
                <Bar className={`hbar ${stage}`} percent={(b.count * 100) / max} />
              </td>
              <td className="num">{b.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function MetricsView() {
  const { api, isAdmin } = useApp();
  const [points, setPoints] = useState<MetricsPoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const sampler = useRef(new MetricsSampler());

  useEffect(() => {
    if (!isAdmin) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poll = async () => {
      try {
        const text = await api.metricsText();
        if (!live) return;
        const p = sampler.current.push(text, Date.now());
        setPoints((xs) => [...xs, p].slice(-WINDOW));
        setError(null);
      } catch (e) {
        if (live) setError(errorText(e));
      }
      if (live) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, isAdmin]);

  const latest = points[points.length - 1] ?? null;
  const t = useMemo(() => points.map((p) => p.t / 1000), [points]);
  const latencyOptions = useMemo(
    () =>
      lineOptions(
        STAGES.flatMap((s) => [
          { label: `${s} p50`, stroke: STAGE_COLOURS[s]![0] },
          { label: `${s} p99`, stroke: STAGE_COLOURS[s]![1], dash: [4, 3] },
        ]),
        ms,
      ),
    [],
  );
  const latencyData = useMemo<uPlot.AlignedData>(
    () => [
      t,
      ...STAGES.flatMap((s) => [
        points.map((p) => ((p.stages[s]?.p50 ?? null) === null ? null : p.stages[s]!.p50! * 1000)),
        points.map((p) => ((p.stages[s]?.p99 ?? null) === null ? null : p.stages[s]!.p99! * 1000)),
      ]),
    ],
    [points, t],
  );
  const rateOptions = useMemo(
    () =>
      lineOptions(
        [
          { label: 'commands/s (API)', stroke: '#3fb950' },
          { label: 'sequenced/s', stroke: '#58a6ff' },
        ],
        (v) => formatRate(v),
      ),
    [],
  );
  const rateData = useMemo<uPlot.AlignedData>(
    () => [t, points.map((p) => p.throughput), points.map((p) => p.seqRate)],
    [points, t],
  );
  const loopOptions = useMemo(
    () =>
      lineOptions(
        [
          { label: 'event-loop lag p99', stroke: '#f85149' },
          { label: 'HTTP p99', stroke: '#d29922' },
        ],
        ms,
      ),
    [],
  );
  const loopData = useMemo<uPlot.AlignedData>(
    () => [
      t,
      points.map((p) => (p.loopLag === null ? null : p.loopLag * 1000)),
      points.map((p) => (p.httpP99 === null ? null : p.httpP99 * 1000)),
    ],
    [points, t],
  );
  const countOptions = useMemo(
    () =>
      lineOptions(
        [
          { label: 'WS clients', stroke: '#a371f7' },
          { label: 'queue depth', stroke: '#d29922' },
        ],
        (v) => (v === null ? '—' : String(Math.round(v))),
      ),
    [],
  );
  const countData = useMemo<uPlot.AlignedData>(
    () => [t, points.map((p) => p.wsClients), points.map((p) => p.queueDepth)],
    [points, t],
  );

  if (!isAdmin) return <p className="muted">Metrics are for admins (GET /metrics).</p>;

  return (
    <div className="metrics-grid" data-testid="metrics-view">
      <Section title="Now">
        <dl className="stats" data-testid="metrics-now">
          <div>
            <dt>Throughput</dt>
            <dd>{formatRate(latest?.throughput)}</dd>
          </div>
          <div>
            <dt>Sequenced</dt>
            <dd>{formatRate(latest?.seqRate)}</dd>
          </div>
          <div>
            <dt>Event-loop lag (p99)</dt>
            <dd>{formatSeconds(latest?.loopLag)}</dd>
          </div>
          <div>
            <dt>Queue depth</dt>
            <dd>{latest?.queueDepth ?? '—'}</dd>
          </div>
          <div>
            <dt>WS clients</dt>
            <dd data-testid="ws-clients">{latest?.wsClients ?? '—'}</dd>
          </div>
          <div>
            <dt>Samples</dt>
            <dd data-testid="metrics-samples">{points.length}</dd>
          </div>
        </dl>
        <ErrorNote error={error} />
      </Section>
      <Section title="Latency percentiles over time">
        <UPlotChart
          options={latencyOptions}
          data={latencyData}
          height={240}
          label="Latency percentiles per stage over time"
          testId="latency-chart"
        />
      </Section>
      <Section title="Latency histograms (last interval)">
        <div className="histograms">
          {STAGES.map((s) => (
            <Histogram key={s} point={latest} stage={s} />
          ))}
        </div>
      </Section>
      <Section title="Throughput">
        <UPlotChart options={rateOptions} data={rateData} height={180} label="Commands per second over time" />
      </Section>
      <Section title="Event-loop lag and HTTP latency">
        <UPlotChart options={loopOptions} data={loopData} height={180} label="Event-loop lag over time" />
      </Section>
      <Section title="WebSocket clients and queue">
        <UPlotChart
          options={countOptions}
          data={countData}
          height={180}
          label="WebSocket clients and queue depth over time"
        />
      </Section>
      <Section title="Shard load">
        <table className="grid" data-testid="shards" aria-label="Matching shards">
          <thead>
            <tr>
              <th scope="col">Shard</th>
              <th scope="col">State</th>
              <th scope="col">Instruments</th>
              <th scope="col">Load</th>
            </tr>
          </thead>
          <tbody>
            {(latest?.shards ?? []).length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  No shards: the books run on the main thread (--shards 0).
                </td>
              </tr>
            ) : (
              latest!.shards.map((s) => {
                const total = Math.max(
                  1,
                  latest!.shards.reduce((n, x) => n + x.instruments, 0),
                );
                return (
                  <tr key={s.shard}>
                    <td>{s.shard}</td>
                    <td className={s.up ? 'up' : 'down'}>{s.up ? 'up' : 'down'}</td>
                    <td className="num">{s.instruments}</td>
                    <td>
                      <Bar className="hbar core_ack" percent={(s.instruments * 100) / total} />
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </Section>
    </div>
  );
}
