/**
 * Position figures at a live mark: float P&L (against the open price) and position P&L (against the settlement or
 * open price), exactly as the engine computes them (src-engine/accounts/position.ts), so the UI can revalue
 * positions on every ticker push without waiting for the account's next change.
 */
import type { InstrumentSpec, Position, PositionSide } from '../api/types.ts';

/** Minor units of money one price unit is worth for one volume unit. */
export function unitValue(spec: Pick<InstrumentSpec, 'multiplier' | 'priceDecimals'>): number {
  return (spec.multiplier * 100) / 10 ** spec.priceDecimals;
}

export function sideVolume(s: PositionSide): number {
  return s.today + s.yesterday;
}

/** Average open price (price units, may be fractional) of one side; null when flat. */
export function averageOpen(s: PositionSide): number | null {
  const v = sideVolume(s);
  return v === 0 ? null : s.openCost / v;
}

export interface LiveSide {
  readonly volume: number;
  readonly floatProfit: number;
  readonly positionProfit: number;
}

export function liveSide(s: PositionSide, mark: number | null, uv: number, dir: 1 | -1): LiveSide {
  const v = sideVolume(s);
  if (mark === null || v === 0) return { volume: v, floatProfit: s.floatProfit, positionProfit: s.positionProfit };
  return {
    volume: v,
    floatProfit: (mark * v - s.openCost) * uv * dir + 0,
    positionProfit: (mark * v - s.positionCost) * uv * dir + 0,
  };
}

export interface LivePosition {
  readonly instrumentId: string;
  readonly long: LiveSide;
  readonly short: LiveSide;
  readonly floatProfit: number;
  readonly positionProfit: number;
  readonly margin: number;
}

/** A position revalued at `mark` (the last price; the server's figures are kept when there is none). */
export function livePosition(p: Position, spec: InstrumentSpec | undefined, mark: number | null): LivePosition {
  const uv = spec === undefined ? 0 : unitValue(spec);
  const m = spec === undefined ? null : mark;
  const long = liveSide(p.long, m, uv, 1);
  const short = liveSide(p.short, m, uv, -1);
  return {
    instrumentId: p.instrumentId,
    long,
    short,
    floatProfit: long.floatProfit + short.floatProfit,
    positionProfit: long.positionProfit + short.positionProfit,
    margin: p.long.margin + p.short.margin,
  };
}

export function isFlat(p: Position): boolean {
  return sideVolume(p.long) === 0 && sideVolume(p.short) === 0 && p.long.frozenToday + p.short.frozenToday === 0;
}
