/**
 * Browser-test harness: builds the UI when dist/renderer is missing or older than src-renderer (one build at a
 * time across test files, by a lock folder), runs the real `deskex serve` on a temporary data folder and port 0,
 * drives Debian's Chromium with playwright-core (never a downloaded browser) on a fresh profile, and saves
 * screenshots under test-results/screenshots. Synchronisation is on process output, HTTP answers and page
 * conditions only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'deskex.mjs');
const UI_SRC = join(ROOT, 'src-renderer');
const UI_OUT = join(ROOT, 'dist', 'renderer');
const LOCK = join(ROOT, 'dist', '.build-ui.lock');
export const ARTIFACTS = join(ROOT, 'test-results');
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');

/** Debian's Chromium (apt-get install chromium); DESKEX_CHROMIUM overrides. */
export const CHROMIUM = process.env.DESKEX_CHROMIUM ?? '/usr/bin/chromium';

/** The flags every browser test runs Chromium with (DEVELOPERS.md lists them). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function uiIsFresh(): boolean {
  const index = join(UI_OUT, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestMtime(UI_SRC);
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Waits until `probe` is true, checking it every 50 ms (bounded): a condition, not a fixed sleep. */
async function waitFor(probe: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setTimeout(r, 50));
  }
}

/** Builds the UI unless dist/renderer is newer than every file of src-renderer. */
export async function ensureUiBuilt(): Promise<void> {
  if (uiIsFresh()) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  let mine = false;
  try {
    mkdirSync(LOCK);
    mine = true;
  } catch {
    // another test file is building: wait for its lock to go
    await waitFor(() => !existsSync(LOCK), 'the UI build of another test file', 180_000);
    if (uiIsFresh()) return;
    mkdirSync(LOCK);
    mine = true;
  }
  try {
    if (uiIsFresh()) return;
    const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const r = await run(process.execPath, [
      vite,
      'build',
      '--config',
      join(UI_SRC, 'vite.config.ts'),
      '--logLevel',
      'warn',
    ]);
    if (r.code !== 0) throw new Error(`npm run build:ui failed:\n${r.output}`);
  } finally {
    if (mine) rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface Serve {
  readonly url: string;
  readonly dir: string;
  readonly adminPassword: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** `deskex serve` on a new temporary data folder and a free port; resolves once it prints its URL. */
export async function startServe(extraArgs: string[] = []): Promise<Serve> {
  const dir = mkdtempSync(join(tmpdir(), 'deskex-e2e-'));
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dir, '--port', '0', '--status-every', '0', ...extraArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stdout!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: string) => {
      err += d;
      const m = /API and UI at (http:\/\/\S+)/.exec(err);
      if (m !== null) resolve(m[1]!);
    };
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`deskex serve exited (${code}) before it was ready:\n${err}`)));
  });
  const adminPassword = readFileSync(join(dir, 'admin-password.txt'), 'utf8').trim();
  return {
    url,
    dir,
    adminPassword,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: replies are untyped JSON in these tests, checked by their assertions
export type Json = any;

/** One REST call; throws with the error body unless the status is 2xx (or `expect` says otherwise). */
export async function rest<T = Json>(
  base: string,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; expect?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
  });
  const text = await res.text();
  const body = text === '' ? undefined : (JSON.parse(text) as T);
  if (o.expect !== undefined ? res.status !== o.expect : !res.ok) {
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  }
  return body as T;
}

export async function login(base: string, username: string, password: string): Promise<string> {
  return (await rest<{ token: string }>(base, 'POST', '/api/v1/session', { body: { username, password } })).token;
}

export interface Trader {
  readonly username: string;
  readonly password: string;
  readonly userId: number;
  readonly accountId: number;
}

/** A trader user with one futures account holding `deposit` minor units. */
export async function createTrader(
  base: string,
  adminToken: string,
  username: string,
  deposit: number,
): Promise<Trader> {
  const password = `${username}-password-1`;
  const { user } = await rest(base, 'POST', '/api/v1/users', {
    token: adminToken,
    body: { username, password, role: 'trader' },
  });
  const { account } = await rest(base, 'POST', '/api/v1/accounts', {
    token: adminToken,
    body: { userId: user.userId, kind: 'futures' },
  });
  await rest(base, 'POST', `/api/v1/accounts/${account.accountId}/deposit`, {
    token: adminToken,
    body: { amount: deposit },
  });
  return { username, password, userId: user.userId, accountId: account.accountId };
}

export interface Browser {
  /** Console errors and page errors of every page (CSP violations among them). */
  readonly problems: string[];
  /** A new browser context (its own cookies: one per user) with one page. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Chromium, headless, with the flags above. playwright-core starts it on a fresh temporary profile
 * (--user-data-dir) of its own and deletes it on close; each user gets a separate context (own cookies).
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    problems,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (m) => {
        // refused API calls (401 before login, a 422 the test provokes) are logged by Chromium as resource errors
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      return page;
    },
    async close() {
      for (const c of contexts) await c.close();
      await browser.close();
    },
  };
}

/** A full-page screenshot of a main view, kept as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Logs in through the login page. */
export async function uiLogin(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('ws-status').filter({ hasText: 'live' }).waitFor();
}

/** A nearest-rank percentile of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
