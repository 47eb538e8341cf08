/**
 * Many crash rounds in one data folder (the test suite runs a few):
 *   node --import tsx test/crash/crash-loop.ts [--rounds 200] [--durability batched|strict] [--seed N]
 */
import { parseArgs } from 'node:util';
import { Rng } from '../../src-main/host/flow.ts';
import { tempDataDir } from '../integration/exchange-helpers.ts';
import { crashRound } from './crash-harness.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '200' },
    durability: { type: 'string', default: 'batched' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const rounds = Number(values.rounds);
const seed = Number(values.seed);
const durability = values.durability === 'strict' ? 'strict' : 'batched';
const rng = new Rng(seed);
const dir = tempDataDir();
process.stderr.write(`crash loop: ${rounds} rounds, ${durability}, seed ${seed}, data ${dir.dir}\n`);
try {
  for (let i = 1; i <= rounds; i++) {
    const r = await crashRound(dir.dir, rng, durability);
    process.stderr.write(
      `round ${i}: ${r.acked} acked (max seq ${r.maxAckedSeq}), recovered seq ${r.recoveredSeq}, ` +
        `${r.replayedCommands} replayed${r.droppedBatch ? ', torn batch dropped' : ''}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ rounds, durability, seed, ok: true })}\n`);
  dir.remove();
} catch (e) {
  process.stderr.write(`crash loop FAILED (seed ${seed}, data kept in ${dir.dir}): ${(e as Error).message}\n`);
  process.exit(1);
}
