import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastBook } from '../../src-engine/book/fast-book.ts';
import { NaiveBook } from '../../src-engine/book/naive-book.ts';
import { bookContract, bookOpsArb, checkAndDrain, runAgainstModel } from './book-contract.ts';

bookContract('FastBook', () => new FastBook());
// the smallest pool, so that slot reuse and pool growth are exercised by every test
bookContract('FastBook (initial capacity 1)', () => new FastBook(1));
bookContract('NaiveBook', () => new NaiveBook());

describe('FastBook and NaiveBook side by side', () => {
  it('the state hash covers only observable state, so equal histories hash equally in both books', () => {
    fc.assert(
      fc.property(bookOpsArb, (ops) => {
        const fast = new FastBook(1);
        const naive = new NaiveBook();
        const fastHashes = runAgainstModel(fast, ops);
        const naiveHashes = runAgainstModel(naive, ops);
        expect(fastHashes).toEqual(naiveHashes);
        expect(fast.orders()).toEqual(naive.orders());
        checkAndDrain(fast);
        checkAndDrain(naive);
        expect(fast.stateHash()).toBe(naive.stateHash());
      }),
      { numRuns: 150 },
    );
  });
});
