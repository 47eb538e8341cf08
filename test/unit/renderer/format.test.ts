import { describe, expect, it } from 'vitest';
import {
  formatFixed,
  formatMoney,
  formatPpm,
  formatPrice,
  formatPriceTick,
  formatSeconds,
  parseFixed,
  parseWhole,
  priceChange,
} from '../../../src-renderer/logic/format.ts';

describe('price and money formatting', () => {
  it('places prices by the instrument decimals', () => {
    expect(formatPrice(37998, 1)).toBe('3799.8');
    expect(formatPrice(3200, 0)).toBe('3200');
    expect(formatPrice(5, 2)).toBe('0.05');
    expect(formatPrice(-15, 1)).toBe('-1.5');
    expect(formatPrice(null, 1)).toBe('—');
  });

  it('labels chart axes in price decimals without a negative zero', () => {
    expect(formatPriceTick(37998.4, 1)).toBe('3799.8');
    expect(formatPriceTick(-0.01, 1)).toBe('0.0');
    expect(formatPriceTick(3200, 0)).toBe('3200');
  });

  it('groups money in minor units', () => {
    expect(formatMoney(123456789)).toBe('1,234,567.89');
    expect(formatMoney(-5)).toBe('-0.05');
    expect(formatMoney(0)).toBe('0.00');
    expect(formatFixed(1000, 0, true)).toBe('1,000');
  });

  it('shows ppm as a percentage', () => {
    expect(formatPpm(123456)).toBe('12.35%');
    expect(formatPpm(0)).toBe('0.00%');
    expect(formatPpm(1_000_000)).toBe('100.00%');
    expect(formatPpm(Number.MAX_SAFE_INTEGER)).toBe('∞');
  });

  it('shows latencies in fitting units', () => {
    expect(formatSeconds(0.000123)).toBe('123 µs');
    expect(formatSeconds(0.0456)).toBe('45.6 ms');
    expect(formatSeconds(2)).toBe('2.00 s');
    expect(formatSeconds(null)).toBe('—');
  });

  it('describes a price change', () => {
    expect(priceChange(38100, 38000, 1)).toEqual({ text: '+10.0 (+0.26%)', direction: 'up' });
    expect(priceChange(37900, 38000, 1).direction).toBe('down');
    expect(priceChange(null, 38000, 1).text).toBe('—');
  });
});

describe('parsing what users type', () => {
  it('parses decimals exactly into price units', () => {
    expect(parseFixed('3799.8', 1)).toBe(37998);
    expect(parseFixed('3799', 1)).toBe(37990);
    expect(parseFixed('3799.80', 1)).toBe(37998);
    expect(parseFixed(' 0.1 ', 2)).toBe(10);
    expect(parseFixed('3799.85', 1)).toBeNull();
    expect(parseFixed('-1', 0)).toBeNull();
    expect(parseFixed('1e3', 0)).toBeNull();
    expect(parseFixed('', 0)).toBeNull();
    expect(parseFixed('12.', 1)).toBe(120);
  });

  it('parses whole numbers with separators', () => {
    expect(parseWhole('1,000')).toBe(1000);
    expect(parseWhole('12')).toBe(12);
    expect(parseWhole('1.5')).toBeNull();
    expect(parseWhole('abc')).toBeNull();
  });
});
