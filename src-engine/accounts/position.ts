import type { PositionSideSnapshot } from '../domain/events.ts';
import type { BucketState } from '../state.ts';
import { marginFor, profitFor } from './money-rules.ts';

/** A FIFO lot: volume opened at `openPrice`, carried at `positionPrice` (the settlement price after a settlement). */
export interface Lot {
  openPrice: number;
  positionPrice: number;
  volume: number;
  margin: number;
}

/** The result of closing volume out of a bucket of lots. */
export interface CloseResult {
  profit: number;
  marginReleased: number;
}

/** One bucket (today or yesterday) of one side of a position: FIFO lots plus running totals. */
export class Bucket {
  /** FIFO, oldest first. Not readonly only so that settlement can hand today's array to yesterday without a copy. */
  lots: Lot[] = [];
  volume = 0;
  frozen = 0;
  margin = 0;
  openCost = 0;
  positionCost = 0;

  add(price: number, volume: number, margin: number): void {
    const last = this.lots[this.lots.length - 1];
    if (last !== undefined && last.openPrice === price && last.positionPrice === price) {
      last.volume += volume;
      last.margin += margin;
    } else {
      this.lots.push({ openPrice: price, positionPrice: price, volume, margin });
    }
    this.volume += volume;
    this.margin += margin;
    this.openCost += price * volume;
    this.positionCost += price * volume;
  }

  /**
   * Closes `volume` FIFO at `price`; the remaining part of a partly closed lot keeps the margin of its remaining
   * volume at its position price (`rate` ppm), so margins stay a function of the lots.
   */
  close(volume: number, price: number, unitValue: number, dir: 1 | -1, ratePpm: number): CloseResult {
    let left = volume;
    let profit = 0;
    let marginReleased = 0;
    while (left > 0) {
      const lot = this.lots[0]!;
      const take = Math.min(left, lot.volume);
      profit += profitFor(lot.positionPrice, price, take, unitValue, dir);
      this.openCost -= lot.openPrice * take;
      this.positionCost -= lot.positionPrice * take;
      if (take === lot.volume) {
        marginReleased += lot.margin;
        this.lots.shift();
      } else {
        const kept = marginFor(lot.positionPrice, lot.volume - take, unitValue, ratePpm);
        marginReleased += lot.margin - kept;
        lot.margin = kept;
        lot.volume -= take;
      }
      left -= take;
    }
    this.volume -= volume;
    this.margin -= marginReleased;
    return { profit, marginReleased };
  }

  /** This bucket in a snapshot (src-engine/state.ts). */
  exportState(): BucketState {
    return {
      lots: this.lots.map((l) => ({
        openPrice: l.openPrice,
        positionPrice: l.positionPrice,
        volume: l.volume,
        margin: l.margin,
      })),
      volume: this.volume,
      frozen: this.frozen,
      margin: this.margin,
      openCost: this.openCost,
      positionCost: this.positionCost,
    };
  }

  /** Loads a snapshot's bucket into this empty one. */
  restoreState(s: BucketState): void {
    for (const l of s.lots) {
      this.lots.push({ openPrice: l.openPrice, positionPrice: l.positionPrice, volume: l.volume, margin: l.margin });
    }
    this.volume = s.volume;
    this.frozen = s.frozen;
    this.margin = s.margin;
    this.openCost = s.openCost;
    this.positionCost = s.positionCost;
  }
}

/** One side (long or short) of a position. */
export class PositionSide {
  readonly today = new Bucket();
  readonly yesterday = new Bucket();

  get volume(): number {
    return this.today.volume + this.yesterday.volume;
  }

  get margin(): number {
    return this.today.margin + this.yesterday.margin;
  }

  get positionCost(): number {
    return this.today.positionCost + this.yesterday.positionCost;
  }

  get openCost(): number {
    return this.today.openCost + this.yesterday.openCost;
  }

  /**
   * Settlement: every lot moves to yesterday (the ledger moves the close reservations itself, so frozen volumes are
   * not touched here); with `settle` given (futures) lots are re-priced at it, lots of one open price merge and margins
   * are recomputed at the settlement price. Returns the profit marked to market.
   */
  roll(settle: number | null, unitValue: number, dir: 1 | -1, ratePpm: number): number {
    const y = this.yesterday;
    const t = this.today;
    let ny = y.volume === 0 ? 0 : y.lots.length;
    let nt = t.volume === 0 ? 0 : t.lots.length;
    t.volume = 0;
    t.margin = 0;
    t.openCost = 0;
    t.positionCost = 0;
    if (ny + nt === 0) {
      // A bucket without volume has no lots (no lot has volume 0): nothing to roll, no array read.
      y.margin = 0;
      y.openCost = 0;
      y.positionCost = 0;
      return 0;
    }
    // In place, no allocation: yesterday's lots then today's, FIFO, are written back into yesterday's array (never
    // ahead of the lot being read), each lot object reused; a lot of the same open and position price as the lot
    // kept before it merges into that one. When yesterday holds nothing, today's array simply becomes yesterday's
    // (and today takes yesterday's empty one).
    if (ny === 0) {
      const empty = y.lots;
      y.lots = t.lots;
      t.lots = empty;
      ny = nt;
      nt = 0;
    }
    const lots = y.lots;
    const todayLots = t.lots;
    const n = ny + nt;
    let profit = 0;
    let volume = 0;
    let openCost = 0;
    let positionCost = 0;
    let kept = 0;
    let prev: Lot | null = null;
    for (let i = 0; i < n; i++) {
      const lot = i < ny ? lots[i]! : todayLots[i - ny]!;
      const v = lot.volume;
      let positionPrice = lot.positionPrice;
      if (settle !== null) {
        profit += profitFor(positionPrice, settle, v, unitValue, dir);
        positionPrice = settle;
      }
      if (prev !== null && prev.openPrice === lot.openPrice && prev.positionPrice === positionPrice) {
        prev.volume += v;
      } else {
        lot.positionPrice = positionPrice;
        lots[kept++] = lot;
        prev = lot;
      }
      volume += v;
      openCost += lot.openPrice * v;
      positionCost += positionPrice * v;
    }
    if (ny > kept) lots.length = kept;
    if (nt > 0) todayLots.length = 0;
    let margin = 0;
    for (let i = 0; i < kept; i++) {
      const lot = lots[i]!;
      const m = marginFor(lot.positionPrice, lot.volume, unitValue, ratePpm);
      lot.margin = m;
      margin += m;
    }
    y.volume = volume;
    y.margin = margin;
    y.openCost = openCost;
    y.positionCost = positionCost;
    return profit;
  }

  snapshot(mark: number, unitValue: number, dir: 1 | -1): PositionSideSnapshot {
    const v = this.volume;
    return {
      today: this.today.volume,
      yesterday: this.yesterday.volume,
      frozenToday: this.today.frozen,
      frozenYesterday: this.yesterday.frozen,
      openCost: this.openCost,
      positionCost: this.positionCost,
      margin: this.margin,
      // + 0 turns the −0 of an empty short side into 0
      positionProfit: (mark * v - this.positionCost) * unitValue * dir + 0,
      floatProfit: (mark * v - this.openCost) * unitValue * dir + 0,
    };
  }
}

/** What a position needs of its instrument to be valued. */
export interface Valued {
  readonly id: string;
  readonly unitValue: number;
  mark(): number;
}

/** An account's position in one instrument. */
export class Position {
  readonly long = new PositionSide();
  readonly short = new PositionSide();
  /**
   * Derived, not state (never in a snapshot or the hash): when the account last joined the instrument's holders
   * (Ledger.holders), from one rising counter, so holders sorted by it are in the set's own order. Intraday risk
   * visits the few accounts it must check in that order (src-engine/accounts/risk-filter.ts).
   */
  holderSeq = 0;
  constructor(readonly instrument: Valued) {}
}
