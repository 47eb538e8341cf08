/**
 * What every deskex command shares: the error classes that decide the exit code, option parsing that answers with
 * the command's own usage, the progress bar, and writing a result to a file or stdout.
 *
 * Exit codes: 0 done; 1 failed (a check failed, the exchange stopped, or the command was refused on its merits: a
 * username taken, an unknown account); 2 wrong usage or a setting that cannot work here; 3 a data folder or
 * database file refused (not deskex's, damaged, in use by a running deskex, or there already without --force).
 */
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Wrong usage: the message, then the usage text of the command that was misused (exit 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A setting that cannot work here (a port in use, an address not on this machine): one line, no usage (exit 2). */
export class SettingError extends Error {}

/** The command could not be done, for a reason a person can act on: one line, no stack trace (exit 1). */
export class Failure extends Error {}

/** A data folder or file refused (in use, or there already without --force): one line (exit 3). */
export class Refused extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's arguments strictly; a mistake is a UsageError carrying that command's usage. */
export function parseCommand<T extends Options>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
}

/** A whole number option within [min, max]; undefined stays undefined. */
export function intOption(
  value: string | undefined,
  name: string,
  usage: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a whole number${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` from ${min} to ${max}`}`,
      usage,
    );
  }
  return n;
}

let barOpen = false;

/**
 * A progress bar on stderr for long work. At a terminal: `label [#####.....] 42% (done/total)`, rewritten in place
 * whenever the percentage moves, its line ended when done reaches total. Into a file or a pipe (a log, a test):
 * nothing for work that ends within 5 s, then a plain line every 5 s, so logs show long work without a wall of
 * carriage returns.
 */
export function progressBar(label: string, tty = process.stderr.isTTY === true): (done: number, total: number) => void {
  let shown = -1;
  const t0 = performance.now();
  let lastLine = t0;
  return (done, total) => {
    const pct = total <= 0 ? 100 : Math.min(100, Math.floor((done * 100) / total));
    if (!tty) {
      const now = performance.now();
      if (now - lastLine < 5_000 || pct === shown) return;
      lastLine = now;
      shown = pct;
      process.stderr.write(`deskex: ${label}: ${pct}% (${done}/${total})\n`);
      return;
    }
    if (pct === shown && done < total) return;
    shown = pct;
    const width = 30;
    const filled = Math.round((pct * width) / 100);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% (${done}/${total})`);
    barOpen = done < total;
    if (!barOpen) process.stderr.write('\n');
  };
}

/** Ends a progress bar's line cut short (an error is about to be printed). */
export function endProgressLine(): void {
  if (barOpen) process.stderr.write('\n');
  barOpen = false;
}

/** One line for the person at the terminal (stderr), prefixed like every deskex message. */
export function say(message: string): void {
  process.stderr.write(`deskex: ${message}\n`);
}

/** Where a command's result goes: a file (written beside itself, then renamed into place) or stdout. */
export interface Sink {
  /** The file name, or "stdout". */
  readonly name: string;
  /** Resolves once the chunk is buffered (waits while the destination is full). */
  write(chunk: string): Promise<void>;
  /** Flushes; a file is renamed into place only now, so a reader never sees half a file. */
  done(): Promise<void>;
  /** Drops a partial file (the old file, if any, stays). */
  abort(): void;
}

/** A sink for `--out FILE`; undefined or "-" is stdout. */
export function openSink(out: string | undefined): Sink {
  if (out === undefined || out === '-') {
    const w = process.stdout;
    // the reader went away (`deskex export trades | head`): it has what it wanted
    w.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
    return {
      name: 'stdout',
      write: (chunk) => new Promise((resolve) => (w.write(chunk) ? resolve() : w.once('drain', resolve))),
      done: () => new Promise((resolve) => (w.writableNeedDrain ? w.once('drain', resolve) : resolve())),
      abort: () => {},
    };
  }
  const target = resolve(out);
  if (!existsSync(dirname(target))) throw new Refused(`${dirname(target)}: no such folder (for --out ${out})`);
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  const w = createWriteStream(partial);
  let error: Error | null = null;
  w.on('error', (e) => {
    error = e;
  });
  const failed = () => new Failure(`cannot write ${target}: ${error?.message}`);
  return {
    name: target,
    write: (chunk) =>
      new Promise((res, rej) => {
        if (error !== null) return rej(failed());
        if (w.write(chunk)) return res();
        const onDrain = () => {
          w.off('error', onError);
          res();
        };
        const onError = () => {
          w.off('drain', onDrain);
          rej(failed());
        };
        w.once('drain', onDrain);
        w.once('error', onError);
      }),
    done: () =>
      new Promise((res, rej) => {
        w.end(() => {
          if (error !== null) {
            rmSync(partial, { force: true });
            return rej(failed());
          }
          try {
            renameSync(partial, target);
            res();
          } catch (e) {
            rmSync(partial, { force: true });
            error = e as Error;
            rej(failed());
          }
        });
      }),
    abort: () => {
      w.destroy();
      rmSync(partial, { force: true });
    },
  };
}

/** One CSV field, quoted as RFC 4180 says when it holds a comma, a quote or a line break (null is empty). */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A timestamp for file names: 2026-01-31T09-05-07Z. */
export function fileStamp(ms = Date.now()): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}
