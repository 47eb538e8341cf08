/**
 * `deskex bench NAME [-- ARGS]`: runs one of the benchmarks exactly as `npm run bench:NAME` does (the command line,
 * node flags included, is read from package.json's scripts), with its output passed through and its exit code
 * returned. The benchmarks live in test/bench of a source checkout; an installed app has none.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, SettingError, UsageError } from './common.ts';
import { BENCH_USAGE, BENCHES } from './usage.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function bench(args: string[]): Promise<number> {
  const cut = args.indexOf('--');
  const own = cut < 0 ? args : args.slice(0, cut);
  const passed = cut < 0 ? [] : args.slice(cut + 1);
  const parsed = (() => {
    try {
      return parseCommand(own, {}, BENCH_USAGE);
    } catch (e) {
      const m = /^Unknown option '([^']+)'/.exec((e as Error).message);
      if (m === null) throw e;
      throw new UsageError(`Unknown option '${m[1]}': a benchmark's own options go after --`, BENCH_USAGE);
    }
  })();
  if (parsed.values.help) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) throw new UsageError(`bench needs a benchmark: ${BENCHES.join(', ')}`, BENCH_USAGE);
  if (!(BENCHES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown benchmark ${name} (${BENCHES.join(', ')})`, BENCH_USAGE);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}: options go after --`, BENCH_USAGE);
  const argv = benchCommand(name);
  const child = spawn(process.execPath, [...argv, ...passed], { cwd: ROOT, stdio: 'inherit' });
  // Ctrl-C reaches the benchmark too (same process group); deskex waits for it to end
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}

/** node's arguments for a benchmark, from package.json's bench:NAME script (`node FLAGS... FILE`) under `root`. */
export function benchCommand(name: string, root = ROOT): string[] {
  const missing = new SettingError(
    `the benchmarks are not part of this installation (no ${join(root, 'test', 'bench')}): ` +
      'run them from a source checkout of deskex',
  );
  if (!existsSync(join(root, 'test', 'bench'))) throw missing;
  let script: string | undefined;
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    script = pkg.scripts?.[`bench:${name}`];
  } catch {
    throw missing;
  }
  const words = script?.trim().split(/\s+/) ?? [];
  const file = words.at(-1);
  if (words[0] !== 'node' || file === undefined || !existsSync(join(root, file))) throw missing;
  return words.slice(1);
}
