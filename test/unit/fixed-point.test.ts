import { describe, expect, it } from 'vitest';
import {
  ceilToTick,
  floorToTick,
  formatFixed,
  isPositiveInt,
  isSafeInt,
  mulDivCeil,
  mulDivFloor,
  mulExact,
  parseFixed,
} from '../../src-engine/domain/fixed-point.ts';

const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1

describe('isSafeInt / isPositiveInt', () => {
  it('accepts safe integers and refuses everything else', () => {
    expect(isSafeInt(0)).toBe(true);
    expect(isSafeInt(-7)).toBe(true);
    expect(isSafeInt(MAX)).toBe(true);
    expect(isSafeInt(MAX + 1)).toBe(false);
    expect(isSafeInt(1.5)).toBe(false);
    expect(isSafeInt(Number.NaN)).toBe(false);
    expect(isSafeInt('1')).toBe(false);
    expect(isPositiveInt(1)).toBe(true);
    expect(isPositiveInt(0)).toBe(false);
    expect(isPositiveInt(-1)).toBe(false);
    expect(isPositiveInt(2.5)).toBe(false);
  });
});

describe('mulExact', () => {
  it('returns exact products in range and throws when the product leaves the safe range', () => {
    expect(mulExact(123_456, 789)).toBe(97_406_784);
    expect(mulExact(MAX, 1)).toBe(MAX);
    expect(() => mulExact(MAX, 2)).toThrow(RangeError);
    expect(() => mulExact(2 ** 27, 2 ** 27)).toThrow(RangeError);
  });
});

describe('mulDivFloor / mulDivCeil', () => {
  it('rounds down and up on small numbers', () => {
    expect(mulDivFloor(7, 3, 2)).toBe(10); // 10.5
    expect(mulDivCeil(7, 3, 2)).toBe(11);
    expect(mulDivFloor(1003, 11_000, 10_000)).toBe(1103); // 1103.3
    expect(mulDivCeil(1003, 9_000, 10_000)).toBe(903); // 902.7
  });

  it('is exact when the division has no remainder', () => {
    expect(mulDivFloor(6, 5, 3)).toBe(10);
    expect(mulDivCeil(6, 5, 3)).toBe(10);
    expect(mulDivFloor(0, 5, 3)).toBe(0);
    expect(mulDivCeil(0, 5, 3)).toBe(0);
    expect(mulDivCeil(1, 1, 1)).toBe(1);
  });

  it('is exact when the intermediate product exceeds 2^53', () => {
    // (2^53 - 1) * 9999 / 10000 = 9006298534815516.9009
    expect(mulDivFloor(MAX, 9_999, 10_000)).toBe(9_006_298_534_815_516);
    expect(mulDivCeil(MAX, 9_999, 10_000)).toBe(9_006_298_534_815_517);
    // (2^53 - 1) * 2 / 3 = 6004799503160660.67; plain float arithmetic gets the floor wrong here
    expect(Math.floor((MAX * 2) / 3)).not.toBe(6_004_799_503_160_660);
    expect(mulDivFloor(MAX, 2, 3)).toBe(6_004_799_503_160_660);
    expect(mulDivCeil(MAX, 2, 3)).toBe(6_004_799_503_160_661);
    // exact division with a huge intermediate
    expect(mulDivFloor(MAX, 3, 3)).toBe(MAX);
    expect(mulDivCeil(MAX, 3, 3)).toBe(MAX);
    expect(mulDivFloor(2 ** 52 + 1, 4, 4)).toBe(2 ** 52 + 1);
  });

  it('agrees with BigInt arithmetic on a grid of large operands', () => {
    const as = [MAX, MAX - 1, 2 ** 50 + 12_345, 987_654_321_987];
    const nums = [9_999, 10_001, 7, 3, 1_000_003];
    const dens = [10_000, 7, 3, 1_000_033];
    for (const a of as) {
      for (const num of nums) {
        for (const den of dens) {
          const big = BigInt(a) * BigInt(num);
          const floor = big / BigInt(den);
          const ceil = (big + BigInt(den) - 1n) / BigInt(den);
          if (floor > BigInt(MAX) || ceil > BigInt(MAX)) continue;
          expect(mulDivFloor(a, num, den)).toBe(Number(floor));
          expect(mulDivCeil(a, num, den)).toBe(Number(ceil));
        }
      }
    }
  });
});

describe('floorToTick / ceilToTick', () => {
  it('rounds to multiples of the tick', () => {
    expect(floorToTick(1003, 5)).toBe(1000);
    expect(floorToTick(1000, 5)).toBe(1000);
    expect(floorToTick(1004, 5)).toBe(1000);
    expect(floorToTick(4, 5)).toBe(0);
    expect(floorToTick(0, 5)).toBe(0);
    expect(ceilToTick(1003, 5)).toBe(1005);
    expect(ceilToTick(1001, 5)).toBe(1005);
    expect(ceilToTick(1005, 5)).toBe(1005);
    expect(ceilToTick(1, 5)).toBe(5);
    expect(ceilToTick(0, 5)).toBe(0);
    expect(floorToTick(17, 1)).toBe(17);
    expect(ceilToTick(17, 1)).toBe(17);
  });
});

describe('formatFixed', () => {
  it('renders implied decimals', () => {
    expect(formatFixed(123_450, 2)).toBe('1234.50');
    expect(formatFixed(5, 2)).toBe('0.05');
    expect(formatFixed(0, 2)).toBe('0.00');
    expect(formatFixed(-5, 2)).toBe('-0.05');
    expect(formatFixed(-123_450, 2)).toBe('-1234.50');
    expect(formatFixed(42, 0)).toBe('42');
    expect(formatFixed(-42, 0)).toBe('-42');
    expect(formatFixed(1, 4)).toBe('0.0001');
    expect(formatFixed(MAX, 2)).toBe('90071992547409.91');
  });

  it('refuses non-integers and unsafe integers', () => {
    expect(() => formatFixed(1.5, 2)).toThrow(RangeError);
    expect(() => formatFixed(MAX + 1, 2)).toThrow(RangeError);
    expect(() => formatFixed(Number.NaN, 2)).toThrow(RangeError);
  });
});

describe('parseFixed', () => {
  it('parses exact decimals into integer units', () => {
    expect(parseFixed('1234.50', 2)).toBe(123_450);
    expect(parseFixed('1234.5', 2)).toBe(123_450);
    expect(parseFixed('1234', 2)).toBe(123_400);
    expect(parseFixed('0.05', 2)).toBe(5);
    expect(parseFixed('-0.05', 2)).toBe(-5);
    expect(parseFixed('1.500', 2)).toBe(150); // extra zero places are exact
    expect(parseFixed('42', 0)).toBe(42);
    expect(parseFixed('007', 0)).toBe(7);
    expect(parseFixed('90071992547409.91', 2)).toBe(MAX);
  });

  it('refuses inexact, malformed and out-of-range text', () => {
    const bad: [string, number][] = [
      ['1.505', 2], // more places than allowed, not zeros
      ['0.001', 2],
      ['1.5', 0],
      ['', 2],
      ['abc', 2],
      ['1e3', 2],
      [' 1', 2],
      ['1 ', 2],
      ['1.', 2],
      ['.5', 2],
      ['+1', 2],
      ['1,5', 2],
      ['--1', 2],
      ['1.2.3', 2],
      ['90071992547409.92', 2], // 2^53 is not a safe integer
      ['99999999999999999999', 0],
    ];
    for (const [text, decimals] of bad) expect(parseFixed(text, decimals), `${text}/${decimals}`).toBeUndefined();
  });

  it('round-trips with formatFixed', () => {
    const values = [0, 1, 5, 99, 100, 101, 123_450, -1, -123_450, 10 ** 12 + 7, MAX, -MAX];
    for (const decimals of [0, 1, 2, 4, 8]) {
      for (const v of values) {
        const text = formatFixed(v, decimals);
        expect(parseFixed(text, decimals), `${v}/${decimals}`).toBe(v);
        expect(formatFixed(parseFixed(text, decimals)!, decimals)).toBe(text);
      }
    }
  });
});
