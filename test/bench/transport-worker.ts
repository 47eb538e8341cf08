/** Worker for transport-bench.ts: answers sync-channel requests, or echoes postMessage batches. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveSyncChannel } from '../../src-main/host/sync-channel.ts';

if (workerData.mode === 'post') {
  parentPort!.on('message', (m: { seq: number }[] | { cmd: { seq: number } }) =>
    parentPort!.postMessage(Array.isArray(m) ? m.map((x) => ({ ok: x.seq })) : { ok: m.cmd.seq }),
  );
} else {
  parentPort!.postMessage('ready');
  serveSyncChannel(workerData.buffers, (m) => ({
    events: [{ kind: 'OrderAccepted', orderId: (m as { cmd: { orderId: number } }).cmd.orderId }],
  }));
}
