import type { PositionSideSnapshot } from '../domain/events.ts';
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
  readonly lots: Lot[] = [];
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
   * Settlement: every lot moves to yesterday (the ledger takes close reservations off first and puts them back
   * after, so frozen volumes are not moved here); with `settle` given (futures) lots are re-priced at it, lots of one open
   * price merge and margins are recomputed at the settlement price. Returns the profit marked to market.
   */
  roll(settle: number | null, unitValue: number, dir: 1 | -1, ratePpm: number): number {
    const all = [...this.yesterday.lots, ...this.today.lots];
    let profit = 0;
    const y = this.yesterday;
    y.lots.length = 0;
    y.volume = 0;
    y.margin = 0;
    y.openCost = 0;
    y.positionCost = 0;
    const t = this.today;
    t.lots.length = 0;
    t.volume = 0;
    t.margin = 0;
    t.openCost = 0;
    t.positionCost = 0;
    for (const lot of all) {
      let positionPrice = lot.positionPrice;
      if (settle !== null) {
        profit += profitFor(lot.positionPrice, settle, lot.volume, unitValue, dir);
        positionPrice = settle;
      }
      const prev = y.lots[y.lots.length - 1];
      if (prev !== undefined && prev.openPrice === lot.openPrice && prev.positionPrice === positionPrice) {
        prev.volume += lot.volume;
      } else {
        y.lots.push({ openPrice: lot.openPrice, positionPrice, volume: lot.volume, margin: 0 });
      }
      y.volume += lot.volume;
      y.openCost += lot.openPrice * lot.volume;
      y.positionCost += positionPrice * lot.volume;
    }
    for (const lot of y.lots) {
      lot.margin = marginFor(lot.positionPrice, lot.volume, unitValue, ratePpm);
      y.margin += lot.margin;
    }
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
  constructor(readonly instrument: Valued) {}
}
