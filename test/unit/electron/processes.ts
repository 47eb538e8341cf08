/**
 * Runs a deskex process for a test and waits for its "API and UI at URL" line (no sleeps: the line, or the process
 * ending first, settles the wait; the test's own timeout bounds it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Running {
  readonly child: ChildProcess;
  /** Every stderr line so far. */
  readonly stderr: string[];
  readonly stdout: string[];
  /** The served URL, once printed; rejects if the process ends first. */
  readonly url: Promise<string>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGTERM (once) and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const READY = /^deskex: API and UI at (http:\/\/\S+)/;

export function run(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Running {
  const child = spawn(process.execPath, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  const stdout: string[] = [];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr.push(line);
      const m = READY.exec(line);
      if (m) resolve(m[1]!);
    });
    void exit.then((e) =>
      reject(new Error(`exited (${e.signal ?? e.code}) before serving:\n${stderr.join('\n')}\n${stdout.join('\n')}`)),
    );
  });
  url.catch(() => {});
  createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  return {
    child,
    stderr,
    stdout,
    url,
    exit,
    stop() {
      if (stopping === null) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        stopping = exit;
      }
      return stopping;
    },
  };
}
