import type { StpMode, TimeInForce } from '../domain/order.ts';

/** A resting order's time in force, post-only flag and self-trade mode, packed into the book's opaque flags. */
const TIF_CODE: Record<TimeInForce, number> = { GTC: 0, GFD: 1, IOC: 2, FOK: 3 };
const TIF_OF: readonly TimeInForce[] = ['GTC', 'GFD', 'IOC', 'FOK'];
const STP_CODE: Record<StpMode, number> = { none: 0, cancelTaker: 1, cancelMaker: 2, cancelBoth: 3, reject: 4 };
const STP_OF: readonly StpMode[] = ['none', 'cancelTaker', 'cancelMaker', 'cancelBoth', 'reject'];
const POST_ONLY = 4;

export function packFlags(tif: TimeInForce, postOnly: boolean, stp: StpMode): number {
  return TIF_CODE[tif] | (postOnly ? POST_ONLY : 0) | (STP_CODE[stp] << 3);
}

export function flagsTif(flags: number): TimeInForce {
  return TIF_OF[flags & 3]!;
}

export function flagsPostOnly(flags: number): boolean {
  return (flags & POST_ONLY) !== 0;
}

/**
 * The mode the book applies while matching: `reject` is decided before an order trades (a pre-trade check); if such an
 * order later meets its own account while matching (after a modify), it stops like cancelTaker.
 */
export function matchingStp(stp: StpMode): StpMode {
  return stp === 'reject' ? 'cancelTaker' : stp;
}

export function flagsStp(flags: number): StpMode {
  return STP_OF[(flags >> 3) & 7]!;
}
