/**
 * FastHistogram (src-main/api/fast-histogram.ts) against prom-client's Histogram: the same observations give the same
 * /metrics text and the same JSON, for any values (on the bounds, between them, below the first, above the last,
 * negative, not finite) over several label values, and after a reset.
 */
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from '../../src-main/api/fast-histogram.ts';

const BUCKETS = [0.00001, 0.001, 0.0025, 0.1, 1];
const STAGES = ['core_ack', 'durable_ack', 'reply', 'a "quoted"\\ value'] as const;

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const fast = new FastHistogram<string>('x_seconds', 'help text', 'stage', BUCKETS, ours);
  const prom = new Histogram({
    name: 'x_seconds',
    help: 'help text',
    labelNames: ['stage'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  return {
    fast,
    observe(stage: string, v: number) {
      fast.observe(stage, v);
      // prom-client throws on values that are not finite; FastHistogram ignores them
      if (Number.isFinite(v)) prom.observe({ stage }, v);
    },
    reset() {
      fast.reset();
      prom.reset();
    },
    async texts() {
      return [await ours.metrics(), await theirs.metrics()];
    },
    async jsons() {
      // prom-client adds `exemplar` (null or undefined) to each value; exemplars are off in both
      const strip = (ms: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
        ms.map((m) => ({
          ...m,
          values: (m.values as { value: number; labels: object; metricName?: string }[]).map(
            ({ value, labels, metricName }) => ({ value, labels, metricName }),
          ),
        }));
      return [strip(await ours.getMetricsAsJSON()), strip(await theirs.getMetricsAsJSON())];
    },
  };
}

const value = fc.oneof(
  fc.constantFrom(...BUCKETS, 0, -1, 2, Number.NaN, Number.POSITIVE_INFINITY),
  fc.double({ min: -0.01, max: 2, noNaN: true }),
);

describe('FastHistogram', () => {
  it('shows the same /metrics text and JSON as prom-client for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...STAGES), value), { maxLength: 200 }), async (obs) => {
        const h = pair();
        for (const [stage, v] of obs) h.observe(stage, v);
        const [ours, theirs] = await h.texts();
        expect(ours).toBe(theirs);
        const [ourJson, theirJson] = await h.jsons();
        expect(ourJson).toEqual(theirJson);
        h.reset();
        h.observe('reply', 0.002);
        const [afterOurs, afterTheirs] = await h.texts();
        expect(afterOurs).toBe(afterTheirs);
      }),
      { numRuns: 200 },
    );
  });

  it('counts an observation on a bound in that bound', async () => {
    const h = pair();
    h.observe('core_ack', 0.001);
    const [text] = await h.texts();
    expect(text).toContain('x_seconds_bucket{le="0.00001",stage="core_ack"} 0');
    expect(text).toContain('x_seconds_bucket{le="0.001",stage="core_ack"} 1');
    expect(text).toContain('x_seconds_count{stage="core_ack"} 1');
  });

  it('refuses buckets that do not rise', () => {
    expect(() => new FastHistogram('y', 'h', 'l', [0.1, 0.1], new Registry())).toThrow(/rise/);
  });
});
