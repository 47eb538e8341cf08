import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src-engine/domain/hash.ts';

const digest = (feed: (h: StateHasher) => void): number => {
  const h = new StateHasher();
  feed(h);
  return h.digest();
};

describe('StateHasher', () => {
  it('gives the same digest for the same inputs', () => {
    const feed = (h: StateHasher) =>
      h
        .num(1)
        .num(2 ** 40 + 3)
        .str('IF2501')
        .bool(true)
        .num(-7);
    const a = digest(feed);
    expect(digest(feed)).toBe(a);
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(a).toBeGreaterThanOrEqual(0);
  });

  it('has a fixed value for the empty input (stable across runs)', () => {
    expect(digest(() => {})).toBe(new StateHasher().digest());
    expect(digest((h) => h.num(0))).not.toBe(digest(() => {}));
  });

  it('depends on the order of inputs', () => {
    expect(digest((h) => h.num(1).num(2))).not.toBe(digest((h) => h.num(2).num(1)));
    expect(digest((h) => h.str('a').str('b'))).not.toBe(digest((h) => h.str('b').str('a')));
    expect(digest((h) => h.bool(true).bool(false))).not.toBe(digest((h) => h.bool(false).bool(true)));
  });

  it('distinguishes values that share low bits or split differently', () => {
    expect(digest((h) => h.num(0))).not.toBe(digest((h) => h.num(2 ** 32)));
    expect(digest((h) => h.num(-1))).not.toBe(digest((h) => h.num(2 ** 32 - 1)));
    expect(digest((h) => h.str('ab'))).not.toBe(digest((h) => h.str('a').str('b')));
    expect(digest((h) => h.str(''))).not.toBe(digest(() => {}));
    expect(digest((h) => h.num(Number.MAX_SAFE_INTEGER))).not.toBe(digest((h) => h.num(Number.MAX_SAFE_INTEGER - 1)));
  });

  it('gives every integer the digest of its two 32-bit halves (the definition snapshots were hashed with)', () => {
    // the definition written out: lo = n >>> 0, hi = floor(n / 2^32) | 0, each mixed into both lanes, then cyrb53's
    // finish; num() takes a shorter path for 0 .. 2^32 - 1 and must agree with it
    const reference = (values: readonly number[]): number => {
      let h1 = 0xdeadbeef;
      let h2 = 0x41c6ce57;
      for (const n of values) {
        for (const v of [n >>> 0, Math.floor(n / 4294967296) | 0]) {
          h1 = Math.imul(h1 ^ v, 2654435761);
          h2 = Math.imul(h2 ^ v, 1597334677);
        }
      }
      h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
      h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
      h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
      h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
      return 4294967296 * (2097151 & h2) + (h1 >>> 0);
    };
    const int = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.constantFrom(0, -0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -1, -(2 ** 31), Number.MAX_SAFE_INTEGER),
      fc.maxSafeInteger(),
    );
    fc.assert(
      fc.property(fc.array(int, { maxLength: 20 }), (values) => {
        expect(
          digest((h) => {
            for (const n of values) h.num(n);
          }),
        ).toBe(reference(values));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects non-integers', () => {
    expect(() => new StateHasher().num(1.5)).toThrow(RangeError);
    expect(() => new StateHasher().num(2 ** 53)).toThrow(RangeError);
    expect(() => new StateHasher().num(-0.25)).toThrow(RangeError);
  });

  it('gives NaN and the infinities fixed, distinct codes', () => {
    const nan = digest((h) => h.num(Number.NaN));
    const pos = digest((h) => h.num(Number.POSITIVE_INFINITY));
    const neg = digest((h) => h.num(Number.NEGATIVE_INFINITY));
    expect(digest((h) => h.num(Number.NaN))).toBe(nan);
    expect(new Set([nan, pos, neg]).size).toBe(3);
  });
});
