import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorQuotient } from '../../src-engine/accounts/risk-filter.ts';

const MAX = Number.MAX_SAFE_INTEGER;

describe('floorQuotient (the risk filter splits a cushion over its positions)', () => {
  it('is floor(c / w) exactly for safe integers, also where the float quotient is within rounding of an integer', () => {
    const exact = (c: number, w: number) => Number(BigInt(c) / BigInt(w));
    for (const [c, w] of [
      [0, 1],
      [MAX, 1],
      [MAX, MAX],
      [MAX - 1, MAX],
      [MAX, 2 ** 52 + 1],
      [MAX, 3],
      [2 ** 53 - 2, 2 ** 26 + 1],
      [999_999, 1_000_000],
      [7, 7],
      [6, 7],
    ] as const) {
      expect(floorQuotient(c, w), `${c} / ${w}`).toBe(exact(c, w));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 1, max: MAX }), (c, w) => {
        expect(floorQuotient(c, w)).toBe(exact(c, w));
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 13 }), (k, w) => {
        // just below, at and above a multiple of w
        for (const c of [k * w - 1, k * w, k * w + 1]) if (c <= MAX) expect(floorQuotient(c, w)).toBe(exact(c, w));
      }),
      { numRuns: 2_000 },
    );
  });
});
