/**
 * Main <-> worker transports for matching shards, measured on this machine (docs/running.md, "Shards"):
 * - sync SharedArrayBuffer channel (src-main/host/sync-channel.ts): round trip of a small JSON request/answer,
 *   the main thread blocked (spin then Atomics.wait);
 * - postMessage: round trip of one small object, and of batches of 100 objects.
 *
 *   node --import tsx test/bench/transport-bench.ts [--json] [--n N]
 */
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { createChannelBuffers, SyncChannelClient } from '../../src-main/host/sync-channel.ts';
import { startWorker } from '../../src-main/host/worker-url.ts';
import { intOpt, log, machineInfo, round } from './bench-common.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, n: { type: 'string' } } });
const n = intOpt(values.n, 100_000);
const order = {
  op: 'place',
  cmd: {
    kind: 'PlaceOrder',
    seq: 1,
    ts: 1,
    orderId: 1,
    accountId: 7,
    instrumentId: 'IF2612',
    side: 'buy',
    type: 'limit',
    tif: 'GFD',
    price: 38000,
    volume: 1,
  },
};

function hist() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
}
function sum(h: ReturnType<typeof hist>, seconds: number, count: number) {
  return {
    p50_us: round(h.getValueAtPercentile(50) / 1000, 2),
    p99_us: round(h.getValueAtPercentile(99) / 1000, 2),
    p999_us: round(h.getValueAtPercentile(99.9) / 1000, 2),
    max_us: round(h.maxValue / 1000, 1),
    per_sec: Math.round(count / seconds),
  };
}

const WORKER = new URL('./transport-worker.ts', import.meta.url);

async function syncChannel() {
  const buffers = createChannelBuffers();
  const w = startWorker(WORKER, { workerData: { buffers } });
  await new Promise((resolve) => w.once('message', resolve));
  const c = new SyncChannelClient(buffers);
  for (let i = 0; i < 1_000; i++) c.call(order); // warm up (and wait for the worker to start)
  const h = hist();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    c.call(order);
    h.recordValue(Number(process.hrtime.bigint() - s));
  }
  const r = sum(h, (performance.now() - t0) / 1000, n);
  await w.terminate();
  return r;
}

async function post(batch: number) {
  const w = startWorker(WORKER, { workerData: { mode: 'post' } });
  const h = hist();
  const rounds = Math.max(1, Math.floor(n / batch / (batch === 1 ? 2 : 1)));
  const msg = batch === 1 ? order : Array.from({ length: batch }, (_, i) => ({ ...order.cmd, seq: i }));
  const once = () =>
    new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.postMessage(msg);
    });
  for (let i = 0; i < 200; i++) await once();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const s = process.hrtime.bigint();
    await once();
    h.recordValue(Number(process.hrtime.bigint() - s));
  }
  const seconds = (performance.now() - t0) / 1000;
  await w.terminate();
  return { ...sum(h, seconds, rounds * batch), batch };
}

log(`sync channel: ${n} round trips`);
const sync = await syncChannel();
log(`postMessage: single and batched`);
const single = await post(1);
const batched = await post(100);
const result = {
  bench: 'transport',
  n,
  machine: machineInfo(),
  sync_channel: sync,
  post_message: single,
  post_message_batch_100: batched,
};
if (!values.json) log(JSON.stringify(result, null, 2));
process.stdout.write(`${JSON.stringify(result)}\n`);
