import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/host/flow.ts';
import { crashRound } from '../crash/crash-harness.ts';
import { tempDataDir } from './exchange-helpers.ts';

describe('crash recovery (SIGKILL of a child under a steady order flow)', () => {
  for (const durability of ['batched', 'strict'] as const) {
    it(`keeps every acknowledged command through kills at random moments (${durability})`, async () => {
      const seed = 4242 + (durability === 'strict' ? 1 : 0);
      const rng = new Rng(seed);
      const dir = tempDataDir();
      try {
        const rounds = durability === 'batched' ? 5 : 2;
        let lastSeq = 0;
        for (let i = 0; i < rounds; i++) {
          const r = await crashRound(dir.dir, rng, durability);
          expect(r.acked).toBeGreaterThan(0);
          expect(r.recoveredSeq).toBeGreaterThanOrEqual(r.maxAckedSeq);
          expect(r.recoveredSeq).toBeGreaterThan(lastSeq);
          lastSeq = r.recoveredSeq;
        }
      } finally {
        dir.remove();
      }
    }, 120_000);
  }
});
