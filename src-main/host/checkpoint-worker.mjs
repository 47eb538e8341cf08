/**
 * WAL checkpoints off the main thread (src-main/host/checkpointer.ts): its own connection to the exchange's database
 * runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`, copying committed WAL frames into the database file while
 * the main thread goes on committing batches. PASSIVE never blocks the writer or readers; frames newer than the
 * oldest reader's view wait for the next round. Each checkpoint that moved frames is reported to the main thread.
 * Plain JavaScript, so the thread starts without a TypeScript loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, intervalMs: number }} */
const { path, intervalMs } = workerData;
const db = new Database(path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
// a checkpoint copies WAL frames to the file: it needs no page cache to speak of
db.pragma('cache_size = -128');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

/** @type {NodeJS.Timeout | null} */
let timer = null;
const run = () => {
  const r = checkpoint.get();
  if (r.checkpointed > 0) parentPort.postMessage({ kind: 'checkpointed', frames: r.checkpointed });
  timer = setTimeout(run, intervalMs);
};

parentPort.on('message', (m) => {
  if (m.kind !== 'stop') return;
  if (timer !== null) clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ kind: 'ready' });
timer = setTimeout(run, intervalMs);
