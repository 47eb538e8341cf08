/**
 * `npm start` where Electron cannot start: bin/start.mjs says why and serves headless (deskex serve) with the
 * options it was given, the UI built first when `npm run build:ui` exists.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript build script without type declarations
import { ROOT } from '../../../build/launch.mjs';
import { run } from './processes.ts';

const hasUiBuild = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts?.['build:ui'] !== undefined;
let tmp: string;
let noElectron: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'deskex-start-'));
  noElectron = mkdtempSync(join(tmpdir(), 'deskex-no-electron-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(noElectron, { recursive: true, force: true });
});

/** The environment without anything that could let Electron start, plus `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: noElectron };
  delete e.DESKEX_HEADLESS;
  delete e.DISPLAY;
  delete e.WAYLAND_DISPLAY;
  return { ...e, ...extra };
}

async function startHeadless(name: string, extra: Record<string, string>) {
  const dataDir = join(tmp, name);
  const p = run([join(ROOT, 'bin', 'start.mjs'), '--data-dir', dataDir, '--port', '0'], { env: env(extra), cwd: ROOT });
  try {
    const url = await p.url;
    return { p, url, dataDir };
  } catch (e) {
    await p.stop();
    throw e;
  }
}

async function expectUi(url: string): Promise<void> {
  const res = await fetch(`${url}/`);
  const type = res.headers.get('content-type') ?? '';
  if (hasUiBuild || type.startsWith('text/html')) {
    expect(res.status).toBe(200);
    expect(type).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<html/i);
  } else {
    // only while no build:ui script exists: the server's documented "not built" answer
    expect(await res.json()).toMatchObject({
      code: 'API_NOT_FOUND',
      message: expect.stringContaining('the UI is not built'),
    });
  }
}

describe('npm start without Electron', () => {
  it('DESKEX_HEADLESS=1: says so, serves /health and the UI from the given data folder, stops on SIGTERM', async () => {
    const { p, url, dataDir } = await startHeadless('headless', { DESKEX_HEADLESS: '1', DISPLAY: ':0' });
    try {
      expect(p.stderr).toContain(
        'deskex: DESKEX_HEADLESS is set: starting headless instead (deskex serve); open the printed URL in a browser',
      );
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      await expectUi(url);
      expect(existsSync(join(dataDir, 'deskex.db'))).toBe(true);
    } finally {
      expect(await p.stop()).toEqual({ code: 0, signal: null });
    }
  }, 180_000);

  it('no display: says so and serves headless', async () => {
    const { p, url } = await startHeadless('no-display', {});
    try {
      const why =
        process.platform === 'linux'
          ? 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)'
          : "Electron's binary";
      expect(p.stderr.find((l) => l.includes('starting headless instead'))).toContain(why);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      expect((await p.stop()).code).toBe(0);
    }
  }, 180_000);

  it('a display but no Electron binary: says so and serves headless', async () => {
    const { p, url } = await startHeadless('no-binary', { DISPLAY: ':0', WAYLAND_DISPLAY: 'wayland-0' });
    try {
      const line = p.stderr.find((l) => l.includes('starting headless instead'));
      expect(line).toContain("Electron's binary is not installed");
      expect(line).toContain(noElectron);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      await expectUi(url);
    } finally {
      expect((await p.stop()).code).toBe(0);
    }
  }, 180_000);
});
