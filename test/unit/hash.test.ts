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
