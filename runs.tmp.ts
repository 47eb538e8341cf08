import { Engine } from './src-engine/engine.ts';
import { generateOrderStream } from './test/bench/order-stream.ts';
const s = generateOrderStream({ ops: 2_000_000 } as any);
for (let r = 0; r < 8; r++) {
  const e = new Engine({ book: 'fast' });
  for (const c of s.setup) e.apply(c);
  (globalThis as any).gc();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (const c of s.ops) e.apply(c);
  const ms = performance.now() - t0; const cu = process.cpuUsage(c0); const cpums = (cu.user + cu.system) / 1000;
  console.log(r, Math.round(s.ops.length / ms * 1000), Math.round(s.ops.length / cpums * 1000));
}
