/**
 * Running the real `bin/deskex.mjs` in child processes for the CLI tests: temporary data folders and children are
 * cleaned up after each test file (a test that failed half-way never leaves a serve running). Synchronisation is on
 * process output and exit events only.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { demoMarketCommands } from '../../src-main/host/demo-market.ts';
import { tempDataDir } from './exchange-helpers.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'deskex.mjs');
/** Commands the demo market takes on a new folder. */
export const DEMO = demoMarketCommands().length;

const dirs: { remove: () => void }[] = [];
const children = new Set<ChildProcessWithoutNullStreams>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});
afterAll(() => {
  for (const d of dirs.splice(0)) d.remove();
});

/** A fresh temporary data folder, removed after the test file. */
export function dataDir(): string {
  const d = tempDataDir();
  dirs.push(d);
  return d.dir;
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}
export type Started = ReturnType<typeof start>;

/** A running deskex; `exited` resolves once its streams are closed. A served API takes any free port. */
export function start(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const full = args[0] === 'serve' && !args.includes('--port') ? [...args, '--port', '0'] : args;
  const child = spawn(process.execPath, [BIN, ...full], { cwd: ROOT, env: { ...process.env, ...opts.env } });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out.stderr += d;
  });
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const exited = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ...out }));
  });
  return { child, out, exited };
}

export function deskex(...args: string[]): Promise<Run> {
  return start(args).exited;
}

/** Resolves when `stream`'s output so far satisfies `done`; rejects if the process ends first. */
export function waitFor(p: Started, stream: 'stdout' | 'stderr', done: (text: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (done(p.out[stream])) return resolve();
    const check = () => {
      if (!done(p.out[stream])) return;
      p.child[stream].off('data', check);
      p.child.off('close', early);
      resolve();
    };
    const early = () =>
      reject(new Error(`deskex ended before the expected ${stream}:\n${p.out.stdout}\n${p.out.stderr}`));
    // registered after start()'s own listener, so p.out already holds this chunk
    p.child[stream].on('data', check);
    p.child.on('close', early);
  });
}

export const lines = (s: string) => s.split('\n').filter((l) => l !== '');
export const jsonLines = (s: string) => lines(s).map((l) => JSON.parse(l) as Record<string, unknown>);
export const stoppedAt = (stderr: string) => Number(/deskex: stopped at seq (\d+)\n/.exec(stderr)?.[1] ?? Number.NaN);
