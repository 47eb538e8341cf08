/**
 * Stateless jobs off the main thread (piscina): journal verification and statement CSV rendering. Workers load the TypeScript sources
 * through tsx, so they run the same code as the main thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { VerifyReport } from './verify.ts';

/** The built job-worker.js, or from sources a bootstrap that loads job-worker.ts through tsx. */
function workerFile(): string {
  const ts = fileURLToPath(new URL('./job-worker.ts', import.meta.url));
  if (existsSync(ts)) return fileURLToPath(new URL('./job-worker-tsx.mjs', import.meta.url));
  return fileURLToPath(new URL('./job-worker.js', import.meta.url));
}

let pool: Piscina | null = null;

function jobs(): Piscina {
  if (pool === null) {
    pool = new Piscina({ filename: workerFile(), maxThreads: 1, idleTimeout: 1_000 });
  }
  return pool;
}

/** Verifies a data folder's journal in a worker; `onProgress` gets (batches done, total). */
export async function verifyInWorker(
  dataDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyReport> {
  const { port1, port2 } = new MessageChannel();
  if (onProgress) port1.on('message', (m: { done: number; total: number }) => onProgress(m.done, m.total));
  try {
    return (await jobs().run({ dataDir, port: port2 }, { name: 'verify', transferList: [port2] })) as VerifyReport;
  } finally {
    port1.close();
  }
}

/** A trading day's settlement statements as CSV, rendered in a worker from the read models. */
export async function statementsCsvInWorker(
  dataDir: string,
  tradingDay: number,
): Promise<{ csv: string; rows: number }> {
  return (await jobs().run({ dataDir, tradingDay }, { name: 'statements' })) as { csv: string; rows: number };
}

export async function closeJobs(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.destroy();
}
