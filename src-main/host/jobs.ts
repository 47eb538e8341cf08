/**
 * Stateless jobs off the main thread (piscina): journal verification today. Workers load the TypeScript sources
 * through tsx, so they run the same code as the main thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { VerifyReport } from './verify.ts';

function workerFile(): string {
  const ts = fileURLToPath(new URL('./job-worker.ts', import.meta.url));
  if (existsSync(ts)) return ts;
  return fileURLToPath(new URL('./job-worker.js', import.meta.url));
}

let pool: Piscina | null = null;

function jobs(): Piscina {
  if (pool === null) {
    const filename = workerFile();
    pool = new Piscina({
      filename,
      maxThreads: 1,
      idleTimeout: 1_000,
      execArgv: filename.endsWith('.ts') ? ['--import', 'tsx'] : [],
    });
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

export async function closeJobs(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.destroy();
}
