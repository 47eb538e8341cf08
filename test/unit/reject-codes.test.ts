import { describe, expect, it } from 'vitest';
import { REJECTS, type RejectCode, reject } from '../../src-engine/domain/reject-codes.ts';

const RANGES: Record<string, [number, number]> = {
  VALIDATION: [1000, 1999],
  RISK: [2000, 2999],
  MATCHING: [3000, 3999],
  ACCOUNT: [4000, 4999],
  ADMIN: [5000, 5999],
};

const codes = Object.keys(REJECTS) as RejectCode[];

describe('reject catalog', () => {
  it('has entries', () => {
    expect(codes.length).toBeGreaterThan(20);
  });

  it.each(codes)('%s is SCREAMING_SNAKE with a known prefix and a number in its range', (code) => {
    expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
    const prefix = code.slice(0, code.indexOf('_'));
    const range = RANGES[prefix];
    expect(range, `prefix ${prefix}`).toBeDefined();
    const n = REJECTS[code].code;
    expect(Number.isInteger(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(range![0]);
    expect(n).toBeLessThanOrEqual(range![1]);
  });

  it('gives every code a unique number', () => {
    const numbers = codes.map((c) => REJECTS[c].code);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('gives every code a non-empty message', () => {
    for (const c of codes) {
      expect(typeof REJECTS[c].message, c).toBe('string');
      expect(REJECTS[c].message.trim().length, c).toBeGreaterThan(0);
    }
  });

  it('reject() builds a value from the catalog, with optional details', () => {
    expect(reject('MATCHING_UNKNOWN_ORDER')).toEqual({
      code: 'MATCHING_UNKNOWN_ORDER',
      number: REJECTS.MATCHING_UNKNOWN_ORDER.code,
      message: REJECTS.MATCHING_UNKNOWN_ORDER.message,
    });
    const r = reject('VALIDATION_PRICE_NOT_ON_TICK', 'price 1002, tick 5');
    expect(r.number).toBe(1005);
    expect(r.details).toBe('price 1002, tick 5');
    expect('details' in reject('ADMIN_DUPLICATE_INSTRUMENT')).toBe(false);
  });
});
