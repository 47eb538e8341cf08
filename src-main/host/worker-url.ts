import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The process's Node flags as a worker should inherit them: without those that belong to the main script alone
 * (`--input-type`, `-e` / `--eval`, `-p` / `--print` and their values), which a worker refuses to start with.
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x === '-e' || x === '--eval' || x === '-p' || x === '--print' || x === '--input-type') {
      i++;
      continue;
    }
    if (x.startsWith('--input-type=') || x.startsWith('--eval=') || x.startsWith('--print=')) continue;
    out.push(x);
  }
  return out;
}

/**
 * Starts a worker on a module next to the caller: the .ts source through the tsx bootstrap when running from
 * sources, the built .js when it exists instead.
 */
export function startWorker(tsModule: URL, options: WorkerOptions & { workerData?: Record<string, unknown> }): Worker {
  const path = fileURLToPath(tsModule);
  if (path.endsWith('.ts') && existsSync(path)) {
    return new Worker(new URL('./ts-worker.mjs', import.meta.url), {
      execArgv: workerExecArgv(),
      ...options,
      workerData: { ...options.workerData, entry: tsModule.href },
    });
  }
  return new Worker(new URL(tsModule.href.replace(/\.ts$/, '.js')), { execArgv: workerExecArgv(), ...options });
}
