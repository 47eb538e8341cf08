/**
 * A Prometheus histogram with one label, for the per-order hot path. prom-client's Histogram spends 0.6 to 0.9 µs on
 * each `observe` here: it checks and hashes the label object every time. This one keeps a Float64Array of bucket
 * counts per label value, found in a Map, in about 35 ns. It registers with a prom-client Registry as a metric object
 * (`get` / `getForPromString`, what the registry reads of every metric). /metrics shows it exactly as prom-client's
 * Histogram with the same name, buckets and observations: test/unit/fast-histogram.test.ts compares the two.
 */
import type { Metric, Registry } from 'prom-client';

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; counts[bounds.length]: above the last bound */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface Value {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Readonly<Record<string, string>>;
  metricName: string;
}

export class FastHistogram<L extends string = string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<L, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`${name}: buckets must rise`);
    }
    registry.registerMetric(this as unknown as Metric);
  }

  /** One observation for the series `labelValue`. Values that are not finite are ignored (prom-client throws). */
  observe(labelValue: L, value: number): void {
    if (!Number.isFinite(value)) return;
    let s = this.series.get(labelValue);
    if (s === undefined) {
      s = {
        labels: Object.freeze({ [this.labelName]: labelValue }),
        counts: new Float64Array(this.bounds.length + 1),
        sum: 0,
        count: 0,
      };
      this.series.set(labelValue, s);
    }
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  reset(): void {
    this.series.clear();
  }

  /** As prom-client's Histogram.getForPromString: bucket labels `le`, the series label shared. */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }> {
    const name = this.name;
    const values: Value[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({
          value: acc,
          labels: { le: this.bounds[i]! },
          sharedLabels: s.labels,
          metricName: `${name}_bucket`,
        });
      }
      values.push(
        { value: s.count, labels: { le: '+Inf' }, sharedLabels: s.labels, metricName: `${name}_bucket` },
        { value: s.sum, labels: {}, sharedLabels: s.labels, metricName: `${name}_sum` },
        { value: s.count, labels: {}, sharedLabels: s.labels, metricName: `${name}_count` },
      );
    }
    return { name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's Histogram.get: each value's labels with the series label merged in. */
  async get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));
    return data;
  }
}
