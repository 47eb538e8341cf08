/**
 * Matching shards (worker threads): shards 0, 1 and 2 give identical results, events and state hashes for the same
 * commands; snapshots restore across shard counts; a shard that stops is reported and its instruments refused.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-engine/engine.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { type Ack, Exchange, InstrumentUnavailableError } from '../../src-main/host/exchange.ts';
import { ShardPool } from '../../src-main/host/shards.ts';
import { RISK, Runner, streamArb } from '../property/accounts-stream.ts';
import { runFlow, tempDataDir } from './exchange-helpers.ts';

const pools: ShardPool[] = [];
const dirs: { remove: () => void }[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
  for (const d of dirs.splice(0)) d.remove();
});

async function pool(shards: number): Promise<ShardPool> {
  const p = await ShardPool.start({ shards });
  pools.push(p);
  return p;
}

describe('matching shards', () => {
  it('random command streams of every kind: shards 1 and 2 give the inline results, events and hashes', async () => {
    const streams = fc.sample(streamArb, { seed: 20261128, numRuns: 6 });
    let commands = 0;
    let trades = 0;
    for (const tpls of streams) {
      const inline = new Runner();
      inline.run(tpls);
      for (const shards of [1, 2]) {
        const p = await pool(shards);
        const engine = new Engine({ accounts: true, risk: RISK, matchers: p.factory });
        inline.cmds.forEach((cmd, i) => {
          const r = engine.apply(cmd);
          if (!isDeepStrictEqual(r, inline.results[i])) expect({ i, cmd, r }).toEqual({ i, cmd, r: inline.results[i] });
        });
        expect(engine.stateHash()).toBe(inline.hashes.at(-1));
        expect(engine.exportState()).toEqual((inline.fast as Engine).exportState());
        engine.validateInternalState();
      }
      commands += inline.cmds.length;
      trades += inline.stats.trades;
    }
    expect(commands).toBeGreaterThan(500);
    expect(trades).toBeGreaterThan(25);
  }, 120_000);

  it('a snapshot taken inline restores onto shards (and back) with the same hash and the same next results', async () => {
    const [tpls] = fc.sample(streamArb, { seed: 7, numRuns: 1 });
    const inline = new Runner();
    inline.run(tpls!);
    const original = inline.fast as Engine;
    const state = JSON.parse(JSON.stringify(original.exportState()));
    const p = await pool(2);
    const sharded = Engine.fromState(state, { matchers: p.factory });
    expect(sharded.stateHash()).toBe(inline.fast.stateHash());
    const back = Engine.fromState(JSON.parse(JSON.stringify(sharded.exportState())));
    expect(back.stateHash()).toBe(inline.fast.stateHash());
    const next = { kind: 'CancelOrder', seq: original.seq + 1, ts: 2_000_000_000_000, orderId: 3 } as const;
    expect(sharded.apply(next)).toEqual(back.apply(next));
  });

  it('the exchange with shards 0, 1 and 2: identical acknowledgements and state, and recovery across shard counts', async () => {
    const hashes: number[] = [];
    const acks: Ack[][] = [];
    let dir0 = '';
    for (const shards of [0, 1, 2]) {
      const d = tempDataDir();
      dirs.push(d);
      if (shards === 0) dir0 = d.dir;
      let t = 1_800_000_000_000;
      const ex = await Exchange.open({ dataDir: d.dir, demo: true, shards, clock: () => (t += 7) });
      acks.push(await runFlow(ex, 31, 12, 2_500));
      hashes.push(ex.engine.stateHash());
      expect(ex.shards().length).toBe(shards);
      await ex.close();
    }
    expect(acks[1]).toEqual(acks[0]);
    expect(acks[2]).toEqual(acks[0]);
    expect(hashes[1]).toBe(hashes[0]);
    expect(hashes[2]).toBe(hashes[0]);
    // the inline data folder reopened on two shards: snapshot restored into the workers
    const again = await Exchange.open({ dataDir: dir0, shards: 2 });
    expect(again.engine.stateHash()).toBe(hashes[0]);
    expect(
      again
        .shards()
        .flatMap((s) => s.instruments)
        .sort(),
    ).toEqual(DEMO_INSTRUMENTS.map((s) => s.id).sort());
    await again.close();
  }, 60_000);

  it('a shard that stops is reported, its instruments are refused, the others keep trading', async () => {
    const d = tempDataDir();
    dirs.push(d);
    const ex = await Exchange.open({ dataDir: d.dir, demo: true, shards: 2 });
    await runFlow(ex, 37, 4, 200);
    const [s0, s1] = ex.shards();
    const gone = new Promise((resolve) => ex.shardWorker(0)!.once('exit', resolve));
    await ex.shardWorker(0)!.terminate();
    await gone;
    const status = ex.shards();
    expect(status[0]!.down).toMatch(/exited/);
    expect(status[1]!.down).toBeNull();
    const order = (instrumentId: string) =>
      ex.submit({
        kind: 'PlaceOrder',
        accountId: 1,
        instrumentId,
        side: 'buy',
        type: 'limit',
        tif: 'GFD',
        price: DEMO_INSTRUMENTS.find((s) => s.id === instrumentId)!.referencePrice!,
        volume: 1,
      });
    const seqBefore = ex.stats().lastSeq;
    await expect(order(s0!.instruments[0]!)).rejects.toBeInstanceOf(InstrumentUnavailableError);
    await expect(order(s0!.instruments[0]!)).rejects.toThrow(/matching shard is down/);
    expect(ex.stats().lastSeq).toBe(seqBefore); // refused before sequencing: nothing journaled
    const ok = await order(s1!.instruments[0]!);
    expect(ok.ok).toBe(true);
    await expect(ex.submit({ kind: 'Settle' })).rejects.toThrow(/every shard/);
    await ex.close();
    // restarting brings every instrument back, from the snapshot written at close
    const again = await Exchange.open({ dataDir: d.dir, shards: 2 });
    expect(again.shards().every((s) => s.down === null)).toBe(true);
    expect((await again.submit({ kind: 'CancelOrder', orderId: ok.seq, accountId: 1 })).ok).toBe(true);
    await again.close();
  }, 60_000);
});
