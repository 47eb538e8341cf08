/**
 * A small parser of the Prometheus text format (what GET /metrics answers), histogram percentiles computed the way
 * PromQL's histogram_quantile does (linear inside the bucket), and a sampler that turns successive scrapes into
 * per-interval figures: latency percentiles per pipeline stage, throughput, event-loop lag, queue depth, shards.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly samples: readonly Sample[];
  /** Metric family types from `# TYPE` lines. */
  readonly types: ReadonlyMap<string, string>;
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
    default:
      return Number(text);
  }
}

/** Parses `{a="x",b="y\"z"}` starting at `i` (the '{'); returns the labels and the index after '}'. */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  i++; // '{'
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) return null;
    const key = line.slice(i, eq).trim();
    i = eq + 1;
    if (line[i] !== '"') return null;
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) return null;
      if (c === '\\') {
        const n = line[i + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        i += 2;
        continue;
      }
      if (c === '"') {
        i++;
        break;
      }
      value += c;
      i++;
    }
    labels[key] = value;
  }
}

/** Parses the text exposition format; lines it cannot read are skipped. */
export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m !== null) types.set(m[1]!, m[2]!);
      continue;
    }
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
    const name = line.slice(0, i);
    let labels: Record<string, string> = {};
    if (line[i] === '{') {
      const l = parseLabels(line, i);
      if (l === null) continue;
      labels = l.labels;
      i = l.end;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (name === '' || rest[0] === undefined || rest[0] === '') continue;
    const value = parseValue(rest[0]);
    if (Number.isNaN(value) && rest[0] !== 'NaN') continue;
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

function matches(labels: Readonly<Record<string, string>>, filter: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(filter)) if (labels[k] !== v) return false;
  return true;
}

/** The sum of every sample of `name` whose labels include `filter`; null when there is none. */
export function sumOf(s: Scrape, name: string, filter: Readonly<Record<string, string>> = {}): number | null {
  let total: number | null = null;
  for (const x of s.samples) {
    if (x.name === name && matches(x.labels, filter)) total = (total ?? 0) + x.value;
  }
  return total;
}

/** Every sample of `name`, by the value of one label. */
export function byLabel(s: Scrape, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of s.samples) {
    if (x.name === name && x.labels[label] !== undefined)
      out.set(x.labels[label]!, (out.get(x.labels[label]!) ?? 0) + x.value);
  }
  return out;
}

export interface Bucket {
  /** Upper bound (le); +Infinity for the last. */
  readonly le: number;
  /** Cumulative count of observations <= le. */
  readonly count: number;
}

export interface Histogram {
  readonly buckets: readonly Bucket[];
  readonly sum: number;
  readonly count: number;
}

/** The histogram `name` for the series whose labels include `filter` (other series are added together). */
export function histogramOf(s: Scrape, name: string, filter: Readonly<Record<string, string>> = {}): Histogram | null {
  const byLe = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let seen = false;
  for (const x of s.samples) {
    if (!matches(x.labels, filter)) continue;
    if (x.name === `${name}_bucket`) {
      const le = parseValue(x.labels.le ?? '');
      if (Number.isNaN(le)) continue;
      byLe.set(le, (byLe.get(le) ?? 0) + x.value);
      seen = true;
    } else if (x.name === `${name}_sum`) sum += x.value;
    else if (x.name === `${name}_count`) count += x.value;
  }
  if (!seen) return null;
  const buckets = [...byLe].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, sum, count };
}

/** What was observed between two scrapes of one histogram (counters reset: the later one alone). */
export function histogramDelta(now: Histogram, before: Histogram | null): Histogram {
  if (before === null || now.count < before.count) return now;
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: now.buckets.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) })),
    sum: now.sum - before.sum,
    count: now.count - before.count,
  };
}

/**
 * The q-quantile (0..1) of a histogram, as PromQL's histogram_quantile: linear interpolation inside the bucket that
 * holds it, the lower bound of the first bucket being 0; a quantile in the +Inf bucket is the highest finite bound.
 * null without observations.
 */
export function histogramQuantile(q: number, h: Histogram): number | null {
  const b = h.buckets;
  const total = b.length === 0 ? 0 : b[b.length - 1]!.count;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < b.length; i++) {
    if (b[i]!.count >= rank) {
      const upper = b[i]!.le;
      const lower = i === 0 ? 0 : b[i - 1]!.le;
      if (upper === Number.POSITIVE_INFINITY) return lower;
      const below = i === 0 ? 0 : b[i - 1]!.count;
      const inBucket = b[i]!.count - below;
      if (inBucket <= 0) return upper;
      return lower + (upper - lower) * ((rank - below) / inBucket);
    }
  }
  return b[b.length - 1]!.le;
}

/** Observations per bucket (not cumulative), for drawing a histogram. */
export function bucketCounts(h: Histogram): { le: number; count: number }[] {
  let prev = 0;
  return h.buckets.map((b) => {
    const c = b.count - prev;
    prev = b.count;
    return { le: b.le, count: Math.max(0, c) };
  });
}

export const STAGES = ['core_ack', 'durable_ack', 'reply'] as const;
export type Stage = (typeof STAGES)[number];

export interface StagePoint {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  /** Observations per bucket in this interval. */
  readonly buckets: { le: number; count: number }[];
}

export interface MetricsPoint {
  /** ms since the epoch of the scrape. */
  readonly t: number;
  readonly stages: Readonly<Record<string, StagePoint>>;
  readonly httpP99: number | null;
  /** Commands per second over the interval (all kinds and outcomes). */
  readonly throughput: number | null;
  /** Commands sequenced per second (from deskex_last_seq). */
  readonly seqRate: number | null;
  readonly wsClients: number | null;
  readonly loopLag: number | null;
  readonly queueDepth: number | null;
  readonly shards: { shard: string; up: boolean; instruments: number }[];
}

/** Turns successive scrapes into per-interval points. */
export class MetricsSampler {
  private prev: { t: number; scrape: Scrape } | null = null;

  push(text: string, t: number): MetricsPoint {
    const scrape = parsePrometheus(text);
    const prev = this.prev;
    this.prev = { t, scrape };
    const dt = prev === null ? 0 : (t - prev.t) / 1000;
    const stages: Record<string, StagePoint> = {};
    const stageNames = new Set<string>(STAGES);
    for (const x of scrape.samples)
      if (x.name === 'deskex_stage_seconds_count' && x.labels.stage) stageNames.add(x.labels.stage);
    for (const stage of stageNames) {
      const now = histogramOf(scrape, 'deskex_stage_seconds', { stage });
      if (now === null) continue;
      const d = histogramDelta(now, prev === null ? null : histogramOf(prev.scrape, 'deskex_stage_seconds', { stage }));
      // the first scrape holds everything since the server started: no percentiles for an interval from it
      const q = (x: number) => (prev === null ? null : histogramQuantile(x, d));
      stages[stage] = { count: d.count, p50: q(0.5), p90: q(0.9), p99: q(0.99), buckets: bucketCounts(d) };
    }
    const http = histogramOf(scrape, 'deskex_http_request_seconds');
    const httpD =
      http === null
        ? null
        : histogramDelta(http, prev === null ? null : histogramOf(prev.scrape, 'deskex_http_request_seconds'));
    const rate = (name: string): number | null => {
      if (prev === null || dt <= 0) return null;
      const a = sumOf(scrape, name);
      const b = sumOf(prev.scrape, name);
      if (a === null) return null;
      const d = a - (b ?? 0);
      return d < 0 ? null : d / dt;
    };
    const up = byLabel(scrape, 'deskex_shard_up', 'shard');
    const load = byLabel(scrape, 'deskex_shard_instruments', 'shard');
    const shards = [...new Set([...up.keys(), ...load.keys()])]
      .sort((a, b) => Number(a) - Number(b))
      .map((shard) => ({ shard, up: (up.get(shard) ?? 0) > 0, instruments: load.get(shard) ?? 0 }));
    return {
      t,
      stages,
      httpP99: httpD === null ? null : histogramQuantile(0.99, httpD),
      throughput: rate('deskex_commands_total'),
      seqRate: rate('deskex_last_seq'),
      wsClients: sumOf(scrape, 'deskex_ws_clients'),
      loopLag: sumOf(scrape, 'deskex_event_loop_lag_seconds'),
      queueDepth: sumOf(scrape, 'deskex_queue_depth'),
      shards,
    };
  }
}
