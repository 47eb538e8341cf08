import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker on a module next to the caller: the .ts source through the tsx bootstrap when running from
 * sources, the built .js when it exists instead.
 */
export function startWorker(tsModule: URL, options: WorkerOptions & { workerData?: Record<string, unknown> }): Worker {
  const path = fileURLToPath(tsModule);
  if (path.endsWith('.ts') && existsSync(path)) {
    return new Worker(new URL('./ts-worker.mjs', import.meta.url), {
      ...options,
      workerData: { ...options.workerData, entry: tsModule.href },
    });
  }
  return new Worker(new URL(tsModule.href.replace(/\.ts$/, '.js')), options);
}
