import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntMap } from '../../src-engine/book/int-map.ts';

describe('IntMap', () => {
  it('behaves like a Map under random set / delete / get, including keys beyond 2^32 and heavy collisions', () => {
    const key = fc.oneof(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }),
    );
    const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), key, fc.integer({ min: 0, max: 2 ** 31 - 1 }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const m = new IntMap(2);
        const ref = new Map<number, number>();
        for (const [kind, k, v] of ops) {
          if (kind === 'set') {
            m.set(k, v);
            ref.set(k, v);
          } else if (kind === 'delete') {
            expect(m.delete(k)).toBe(ref.delete(k));
          } else {
            expect(m.get(k)).toBe(ref.get(k) ?? -1);
          }
          expect(m.size).toBe(ref.size);
        }
        for (const [k, v] of ref) expect(m.get(k)).toBe(v);
        const seen = new Map<number, number>();
        m.forEach((k, v) => {
          seen.set(k, v);
        });
        expect(seen).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every entry across reserve(), and grows no further until it is half full', () => {
    const m = new IntMap(16);
    for (let k = 1; k <= 20; k++) m.set(k * 7919, k);
    m.reserve(5_000);
    m.reserve(10); // smaller than what it has: nothing changes
    for (let k = 1; k <= 20; k++) expect(m.get(k * 7919)).toBe(k);
    expect(m.size).toBe(20);
    const table = (m as unknown as { keys: Float64Array }).keys;
    expect(table.length).toBeGreaterThanOrEqual(10_000);
    const full = table.length / 2; // the most entries a table holds before it doubles
    for (let k = 21; k <= full; k++) m.set(k * 7919, k);
    expect((m as unknown as { keys: Float64Array }).keys).toBe(table);
    for (let k = 1; k <= full; k++) expect(m.get(k * 7919)).toBe(k);
    m.set((full + 1) * 7919, 1); // one past: the table doubles
    expect((m as unknown as { keys: Float64Array }).keys.length).toBe(table.length * 2);
    expect(m.get(17 * 7919)).toBe(17);
  });

  it('finds every key after many deletions in one probe run (backward shift keeps runs intact)', () => {
    const m = new IntMap(1024);
    for (let k = 1; k <= 600; k++) m.set(k * 1024, k);
    for (let k = 1; k <= 600; k += 2) expect(m.delete(k * 1024)).toBe(true);
    for (let k = 1; k <= 600; k++) expect(m.get(k * 1024)).toBe(k % 2 === 0 ? k : -1);
    expect(m.size).toBe(300);
  });
});
