import { describe, expect, it } from 'vitest';
import { Exchange, TuningError } from '../../src-main/host/exchange.ts';
import { dataDirsPerTest, runFlow } from './exchange-helpers.ts';

const folder = dataDirsPerTest();

describe('Exchange tuning', () => {
  it('applies durability, batch size and snapshot interval at once, and shards at the next start', async () => {
    const dir = folder();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    expect(ex.tuning()).toMatchObject({ durability: 'batched', maxBatch: 4096, shards: 0, runningShards: 0 });
    const t = ex.tune({ durability: 'strict', maxBatch: 7, snapshotEvery: 1_000, shards: 1 });
    expect(t).toMatchObject({ durability: 'strict', maxBatch: 7, snapshotEvery: 1_000, shards: 1, runningShards: 0 });
    expect(ex.stats().durability).toBe('strict');
    expect(ex.database.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const before = ex.stats().batches;
    await runFlow(ex, 3, 5, 200);
    // at most 7 commands a batch now: 210 commands need at least 30 batches
    expect(ex.stats().batches - before).toBeGreaterThanOrEqual(30);
    // the snapshot interval took effect: 1,100 more commands write a snapshot (the default 200,000 would not)
    ex.tune({ maxBatch: 4096 });
    expect(ex.stats().snapshots).toBe(0);
    await runFlow(ex, 4, 5, 1_100, 100);
    expect(ex.stats().snapshots).toBeGreaterThanOrEqual(1);
    await ex.close();

    // saved: a start without options uses them, and the shard count now applies
    const again = await Exchange.open({ dataDir: dir });
    expect(again.tuning()).toMatchObject({
      durability: 'strict',
      maxBatch: 4096,
      snapshotEvery: 1_000,
      shards: 1,
      runningShards: 1,
    });
    expect(again.shards()).toHaveLength(1);
    await again.close();

    // options given to open win over the saved settings
    const flagged = await Exchange.open({ dataDir: dir, durability: 'batched', shards: 0 });
    expect(flagged.tuning()).toMatchObject({ durability: 'batched', runningShards: 0, snapshotEvery: 1_000 });
    await flagged.close();
  });

  it('leaving fast mode journals what fast mode held before acknowledging anything else', async () => {
    const dir = folder();
    const ex = await Exchange.open({ dataDir: dir, demo: true, durability: 'fast', fastFlushMs: 10_000 });
    const acks = await runFlow(ex, 5, 3, 50);
    expect(acks.length).toBe(50);
    expect(ex.stats().journaledSeq).toBeLessThan(ex.stats().lastSeq);
    const held = ex.stats().lastSeq;
    ex.tune({ durability: 'batched' });
    // the held batches went to the writer first: the next command's ack comes after they are all committed
    const next = await ex.submit({ kind: 'Deposit', accountId: 999_999, amount: 1 });
    expect(next.seq).toBe(held + 1);
    expect(ex.stats().journaledSeq).toBe(next.seq);
    const onDisk = ex.database.prepare('SELECT max(last_seq) AS last FROM journal').get() as { last: number };
    expect(onDisk.last).toBe(next.seq);
    expect(ex.database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    await ex.close();
  });

  it('refuses bad settings by name and changes nothing', async () => {
    const dir = folder();
    const ex = await Exchange.open({ dataDir: dir, demo: true });
    const before = ex.tuning();
    expect(() => ex.tune({ maxBatch: 0 })).toThrow(TuningError);
    expect(() => ex.tune({ maxBatch: 1.5 })).toThrow(/maxBatch must be a whole number/);
    expect(() => ex.tune({ durability: 'sometimes' })).toThrow(/durability must be one of/);
    expect(() => ex.tune({ colour: 'red' } as never)).toThrow(/colour is not a setting/);
    expect(ex.tuning()).toEqual(before);
    await ex.close();
  });
});
