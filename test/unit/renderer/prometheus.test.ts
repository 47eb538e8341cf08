import { describe, expect, it } from 'vitest';
import {
  bucketCounts,
  histogramDelta,
  histogramOf,
  histogramQuantile,
  MetricsSampler,
  parsePrometheus,
  sumOf,
} from '../../../src-renderer/logic/prometheus.ts';

function scrape(n: { core: number[]; commands: number; seq: number; clients: number }): string {
  // core: cumulative counts for le 0.001, 0.01, 0.1, +Inf
  const [a, b, c, d] = n.core;
  return `# HELP deskex_stage_seconds Latency per pipeline stage
# TYPE deskex_stage_seconds histogram
deskex_stage_seconds_bucket{le="0.001",stage="core_ack"} ${a}
deskex_stage_seconds_bucket{le="0.01",stage="core_ack"} ${b}
deskex_stage_seconds_bucket{le="0.1",stage="core_ack"} ${c}
deskex_stage_seconds_bucket{le="+Inf",stage="core_ack"} ${d}
deskex_stage_seconds_sum{stage="core_ack"} 0.5
deskex_stage_seconds_count{stage="core_ack"} ${d}
# TYPE deskex_commands_total counter
deskex_commands_total{kind="PlaceOrder",outcome="ok",via="ws"} ${n.commands - 10}
deskex_commands_total{kind="CancelOrder",outcome="ok",via="rest"} 10
# TYPE deskex_ws_clients gauge
deskex_ws_clients ${n.clients}
deskex_event_loop_lag_seconds 0.0123
deskex_queue_depth 4
deskex_last_seq ${n.seq}
deskex_shard_up{shard="1"} 1
deskex_shard_up{shard="0"} 0
deskex_shard_instruments{shard="0"} 2
deskex_shard_instruments{shard="1"} 4
`;
}

describe('Prometheus text parsing', () => {
  it('reads names, labels (with escapes), values and types', () => {
    const s = parsePrometheus(
      '# TYPE x counter\nx{a="1",b="q\\"uo\\\\te"} 3\ny 1.5e-3 1700000000000\nz +Inf\nbroken{a=1} 2\n\nw NaN\n',
    );
    expect(s.types.get('x')).toBe('counter');
    expect(s.samples[0]).toEqual({ name: 'x', labels: { a: '1', b: 'q"uo\\te' }, value: 3 });
    expect(s.samples[1]).toEqual({ name: 'y', labels: {}, value: 0.0015 });
    expect(s.samples[2]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(s.samples.map((x) => x.name)).toEqual(['x', 'y', 'z', 'w']);
    expect(sumOf(s, 'x', { a: '1' })).toBe(3);
    expect(sumOf(s, 'nope')).toBeNull();
  });

  it('computes histogram quantiles like histogram_quantile', () => {
    const h = histogramOf(
      parsePrometheus(scrape({ core: [50, 90, 100, 100], commands: 20, seq: 1, clients: 1 })),
      'deskex_stage_seconds',
      {
        stage: 'core_ack',
      },
    )!;
    expect(h.count).toBe(100);
    // the median is the 50th observation: the top of the first bucket
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.001, 9);
    // p90: the top of the second bucket; p95: halfway into the third
    expect(histogramQuantile(0.9, h)).toBeCloseTo(0.01, 9);
    expect(histogramQuantile(0.95, h)).toBeCloseTo(0.055, 9);
    expect(histogramQuantile(0.25, h)).toBeCloseTo(0.0005, 9);
    expect(bucketCounts(h).map((b) => b.count)).toEqual([50, 40, 10, 0]);
  });

  it('returns the highest finite bound for a quantile in the +Inf bucket, and null without observations', () => {
    const h = {
      buckets: [
        { le: 0.1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ],
      sum: 0,
      count: 10,
    };
    expect(histogramQuantile(0.99, h)).toBe(0.1);
    expect(histogramQuantile(0.5, { buckets: [{ le: 1, count: 0 }], sum: 0, count: 0 })).toBeNull();
  });

  it('takes the difference of two scrapes, or the later one after a reset', () => {
    const a = {
      buckets: [
        { le: 1, count: 5 },
        { le: Number.POSITIVE_INFINITY, count: 6 },
      ],
      sum: 2,
      count: 6,
    };
    const b = {
      buckets: [
        { le: 1, count: 9 },
        { le: Number.POSITIVE_INFINITY, count: 12 },
      ],
      sum: 5,
      count: 12,
    };
    expect(histogramDelta(b, a)).toEqual({
      buckets: [
        { le: 1, count: 4 },
        { le: Number.POSITIVE_INFINITY, count: 6 },
      ],
      sum: 3,
      count: 6,
    });
    expect(histogramDelta(a, b)).toBe(a);
  });
});

describe('MetricsSampler', () => {
  it('turns two scrapes into per-interval percentiles, rates, gauges and shard load', () => {
    const m = new MetricsSampler();
    const first = m.push(scrape({ core: [10, 10, 10, 10], commands: 100, seq: 1000, clients: 2 }), 10_000);
    expect(first.throughput).toBeNull();
    expect(first.stages.core_ack!.count).toBe(10);
    expect(first.stages.core_ack!.p50).toBeNull();
    const p = m.push(scrape({ core: [10, 110, 110, 110], commands: 600, seq: 3000, clients: 3 }), 12_000);
    expect(p.stages.core_ack!.count).toBe(100);
    // every new observation is in (0.001, 0.01]
    expect(p.stages.core_ack!.p50).toBeCloseTo(0.0055, 9);
    expect(p.stages.core_ack!.p99).toBeGreaterThan(0.009);
    expect(p.throughput).toBe(250);
    expect(p.seqRate).toBe(1000);
    expect(p.wsClients).toBe(3);
    expect(p.loopLag).toBeCloseTo(0.0123, 9);
    expect(p.queueDepth).toBe(4);
    expect(p.shards).toEqual([
      { shard: '0', up: false, instruments: 2 },
      { shard: '1', up: true, instruments: 4 },
    ]);
  });
});
