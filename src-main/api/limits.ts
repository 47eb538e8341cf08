/**
 * Per-principal rate limits: a token bucket per API key or user, refilled continuously. Shared by REST and WS so a
 * bot cannot double its rate by using both. Buckets idle for a minute are dropped (memory stays bounded).
 */
export interface RateLimitOptions {
  /** Sustained requests per second. */
  readonly perSecond: number;
  /** Burst size (bucket capacity). */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 1000, burst: 2000 };

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweepMs = 0;

  constructor(
    private readonly o: RateLimitOptions = DEFAULT_RATE_LIMIT,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes `cost` tokens; returns 0 when allowed, else the seconds to wait before a retry (at least 1). */
  take(key: string, cost = 1): number {
    const now = this.clock();
    if (now - this.lastSweepMs > 60_000) this.sweep(now);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.o.burst, atMs: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.o.burst, b.tokens + ((now - b.atMs) * this.o.perSecond) / 1000);
      b.atMs = now;
    }
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - b.tokens) / this.o.perSecond));
  }

  private sweep(now: number): void {
    this.lastSweepMs = now;
    for (const [k, b] of this.buckets) if (now - b.atMs > 60_000) this.buckets.delete(k);
  }
}
