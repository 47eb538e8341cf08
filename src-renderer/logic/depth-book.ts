/**
 * An L2 book as the depth channel builds it: a snapshot, then deltas. A delta lists `[price, volume]` levels that
 * changed (volume 0: the level is gone) and carries `prevSeq`, the seq of the previous depth message sent to this
 * subscriber; a delta whose prevSeq is not the book's seq means something was missed, and the book must be
 * subscribed again (apply returns 'gap' and the book stays as it was until the next snapshot).
 */

export type Level = readonly [price: number, volume: number];

export interface DepthSnapshot {
  readonly seq: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface DepthDelta {
  readonly seq: number;
  readonly prevSeq: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export type ApplyResult = 'ok' | 'gap' | 'stale';

export class DepthBook {
  private readonly bidMap = new Map<number, number>();
  private readonly askMap = new Map<number, number>();
  private bidCache: Level[] | null = [];
  private askCache: Level[] | null = [];
  /** The seq of the last message applied; -1 before the first snapshot. */
  seq = -1;
  /** Bumped on every change (for painters that redraw only when something changed). */
  version = 0;
  /** Waiting for a snapshot after a gap: deltas are ignored until one arrives. */
  awaitingSnapshot = true;

  applySnapshot(s: DepthSnapshot): void {
    this.bidMap.clear();
    this.askMap.clear();
    for (const [p, v] of s.bids) if (v > 0) this.bidMap.set(p, v);
    for (const [p, v] of s.asks) if (v > 0) this.askMap.set(p, v);
    this.seq = s.seq;
    this.awaitingSnapshot = false;
    this.changed();
  }

  applyDelta(d: DepthDelta): ApplyResult {
    if (this.awaitingSnapshot) return 'gap';
    if (d.seq <= this.seq) return 'stale';
    if (d.prevSeq !== this.seq) {
      this.awaitingSnapshot = true;
      return 'gap';
    }
    for (const [p, v] of d.bids) {
      if (v > 0) this.bidMap.set(p, v);
      else this.bidMap.delete(p);
    }
    for (const [p, v] of d.asks) {
      if (v > 0) this.askMap.set(p, v);
      else this.askMap.delete(p);
    }
    this.seq = d.seq;
    this.changed();
    return 'ok';
  }

  clear(): void {
    this.bidMap.clear();
    this.askMap.clear();
    this.seq = -1;
    this.awaitingSnapshot = true;
    this.changed();
  }

  /** Bids, best (highest) first. */
  bids(): readonly Level[] {
    if (this.bidCache === null) this.bidCache = [...this.bidMap].sort((a, b) => b[0] - a[0]);
    return this.bidCache;
  }

  /** Asks, best (lowest) first. */
  asks(): readonly Level[] {
    if (this.askCache === null) this.askCache = [...this.askMap].sort((a, b) => a[0] - b[0]);
    return this.askCache;
  }

  bestBid(): number | null {
    return this.bids()[0]?.[0] ?? null;
  }

  bestAsk(): number | null {
    return this.asks()[0]?.[0] ?? null;
  }

  bidVolume(price: number): number {
    return this.bidMap.get(price) ?? 0;
  }

  askVolume(price: number): number {
    return this.askMap.get(price) ?? 0;
  }

  private changed(): void {
    this.bidCache = null;
    this.askCache = null;
    this.version++;
  }
}

/** Cumulative volume from the best price outwards, for a depth chart: [price, cumulative volume] per level. */
export function cumulative(levels: readonly Level[]): Level[] {
  let sum = 0;
  const out: Level[] = new Array(levels.length);
  for (let i = 0; i < levels.length; i++) {
    sum += levels[i]![1];
    out[i] = [levels[i]![0], sum];
  }
  return out;
}
