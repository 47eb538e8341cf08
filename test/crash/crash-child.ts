/**
 * The process the crash tests kill: opens the exchange in DATA_DIR and sends a steady seeded order flow forever,
 * printing one line per acknowledged command: "A <seq> <digest of its result>". Killed with SIGKILL by the parent.
 *
 *   node --import tsx test/crash/crash-child.ts <dataDir> <seed> <durability>
 */
import { StateHasher } from '../../src-engine/domain/hash.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { type Ack, Exchange } from '../../src-main/host/exchange.ts';
import { OrderFlow, Rng } from '../../src-main/host/flow.ts';
import type { Durability } from '../../src-main/store/database.ts';
import { digestResult } from '../../src-main/store/journal.ts';

const [dataDir, seedArg, durability] = process.argv.slice(2);
const seed = Number(seedArg);
const ex = await Exchange.open({
  dataDir: dataDir!,
  demo: true,
  durability: durability as Durability,
  snapshotEvery: 2_000,
  maxBatch: 256,
});
const flow = new OrderFlow({ seed, accounts: 20, instruments: DEMO_INSTRUMENTS.filter((s) => s.kind === 'future') });
let out = '';
const report = (a: Ack) => {
  const h = new StateHasher();
  digestResult(h, a);
  out += `A ${a.seq} ${h.digest()}\n`;
};
process.stdout.write(`R ${ex.stats().lastSeq}\n`);
for (const c of flow.setup()) void ex.submit(c).then(report);
// Each turn: now and then (a seeded coin) print what was acknowledged so far, then keep about 1,000 commands in
// flight. The parent kills this process as soon as it has read enough acknowledgements, so the kill lands at varied
// points of the work behind them (mid-batch, mid-commit, mid-snapshot).
const coin = new Rng(seed ^ 0x5bd1e995);
const tick = () => {
  if (out.length > 0 && coin.chance(0.3)) {
    process.stdout.write(out); // synchronous on a pipe
    out = '';
  }
  if (ex.stats().queued < 1_000) {
    for (let i = 0; i < 100; i++) {
      const cmd = flow.next();
      void ex.submit(cmd).then(report);
      if (cmd.kind === 'PlaceOrder') flow.placedOrder(ex.lastSeq);
    }
  }
  setImmediate(tick);
};
tick();
