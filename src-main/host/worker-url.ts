import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Flags (each with its value) that load code or hooks, which a worker needs as the main thread did. */
const HOOK_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);

/**
 * The Node flags for a worker: undefined (Node's own default: inherit the process's, ignoring those that apply to
 * the process alone) unless the process ran a script given inline (`-e` / `--eval` / `-p` with `--input-type`), whose
 * flags a worker refuses to start with; then only the flags that load code or hooks.
 */
export function workerExecArgv(): string[] | undefined {
  const a = process.execArgv;
  const inline = (x: string) =>
    x === '-e' ||
    x === '--eval' ||
    x === '-p' ||
    x === '--print' ||
    x === '--input-type' ||
    x.startsWith('--input-type=');
  if (!a.some(inline)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const eq = x.indexOf('=');
    const name = eq > 0 ? x.slice(0, eq) : x;
    if (!HOOK_FLAGS.has(name)) continue;
    out.push(x);
    if (eq < 0 && i + 1 < a.length) out.push(a[++i]!);
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

/**
 * Starts a plain-JavaScript worker (it needs no loader): `<name>.mjs` beside this module when running from sources,
 * the built `<name>.js` beside the bundle otherwise.
 */
export function startPlainWorker(name: string, workerData: unknown): Worker {
  const source = new URL(`./${name}.mjs`, import.meta.url);
  const file = existsSync(fileURLToPath(source)) ? source : new URL(`./${name}.js`, import.meta.url);
  return new Worker(file, { execArgv: workerExecArgv(), workerData });
}
