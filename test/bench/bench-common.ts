/** Helpers shared by the benchmark programs: options, progress log, GC, machine facts, small statistics. */
import { cpus, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A non-negative integer option (underscores allowed: 2_000_000), or the default. */
export function intOpt(v: string | undefined, dflt: number): number {
  const n = numOpt(v, dflt);
  if (!Number.isSafeInteger(n)) throw new Error(`bad integer option: ${v}`);
  return n;
}

/** A non-negative numeric option (fractions allowed: 0.5), or the default. */
export function numOpt(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`bad numeric option: ${v}`);
  return n;
}

export const startedAt = performance.now();

/** A progress line on stderr, stamped with the seconds since the program started. */
export function log(msg: string): void {
  const t = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${t}s] ${msg}\n`);
}

/** Was the program started with --expose-gc (otherwise gc is exposed at run time)? */
export const gcExposedByFlag = typeof globalThis.gc === 'function';

export const gc: () => void = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu_model: c[0]?.model ?? 'unknown',
    cpus: c.length,
    total_mem_gb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    exec_argv: process.execArgv,
    gc_exposed_by_flag: gcExposedByFlag,
  };
}
