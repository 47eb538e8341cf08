import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript build script without type declarations
import { desktopArgs, electronUnavailable, findElectron, runElectron, uiBuildReason } from '../../../build/launch.mjs';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'deskex-launch-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function installElectron(o: { binary: boolean }) {
  const dir = join(root, 'node_modules', 'electron');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"electron","version":"45.5.0"}');
  writeFileSync(join(dir, 'path.txt'), 'electron');
  if (o.binary) writeFileSync(join(dir, 'dist', 'electron'), '');
  return join(dir, 'dist', 'electron');
}

describe('electronUnavailable', () => {
  it('honours DESKEX_HEADLESS before anything else', () => {
    installElectron({ binary: true });
    const env = { DESKEX_HEADLESS: '1', DISPLAY: ':0' };
    expect(electronUnavailable({ root, env, platform: 'linux' })).toEqual({
      binary: null,
      why: 'DESKEX_HEADLESS is set',
    });
    for (const off of ['', '0', 'false']) {
      expect(
        electronUnavailable({ root, env: { DESKEX_HEADLESS: off, DISPLAY: ':0' }, platform: 'linux' }).why,
      ).toBeNull();
    }
  });

  it('needs DISPLAY or WAYLAND_DISPLAY on Linux, not on Windows or macOS', () => {
    const binary = installElectron({ binary: true });
    expect(electronUnavailable({ root, env: {}, platform: 'linux' }).why).toBe(
      'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)',
    );
    expect(electronUnavailable({ root, env: { WAYLAND_DISPLAY: 'wayland-0' }, platform: 'linux' })).toEqual({
      binary,
      why: null,
    });
    expect(electronUnavailable({ root, env: { DISPLAY: ':1' }, platform: 'linux' }).binary).toBe(binary);
    expect(electronUnavailable({ root, env: {}, platform: 'win32' }).why).toBeNull();
  });

  it('needs the electron package and its binary, found without downloading', () => {
    expect(findElectron({ root, env: {}, platform: 'linux' }).why).toMatch(/electron package is not installed/);
    installElectron({ binary: false });
    expect(findElectron({ root, env: {}, platform: 'linux' }).why).toMatch(/Electron's binary is not installed/);
    const override = join(root, 'custom');
    mkdirSync(override);
    writeFileSync(join(override, 'electron'), '');
    expect(findElectron({ root, env: { ELECTRON_OVERRIDE_DIST_PATH: override }, platform: 'linux' })).toEqual({
      binary: join(override, 'electron'),
      why: null,
    });
  });
});

describe('uiBuildReason', () => {
  function project(scripts: Record<string, string>) {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts }));
    mkdirSync(join(root, 'src-renderer'), { recursive: true });
    writeFileSync(join(root, 'src-renderer', 'main.tsx'), 'x');
  }

  it('asks for a build when the UI is missing or older than its sources, only if build:ui exists', () => {
    project({});
    expect(uiBuildReason({ root })).toBeNull();
    project({ 'build:ui': 'vite build' });
    expect(uiBuildReason({ root })).toBe('the UI is not built');
    mkdirSync(join(root, 'dist', 'renderer'), { recursive: true });
    const index = join(root, 'dist', 'renderer', 'index.html');
    writeFileSync(index, '<html>');
    const now = Date.now() / 1000;
    utimesSync(join(root, 'src-renderer', 'main.tsx'), now, now);
    utimesSync(index, now - 60, now - 60);
    expect(uiBuildReason({ root })).toBe('the UI is older than its sources');
    utimesSync(index, now + 60, now + 60);
    expect(uiBuildReason({ root })).toBeNull();
  });
});

describe('desktopArgs', () => {
  it('passes the desktop options in either form and reports the serve-only ones', () => {
    expect(
      desktopArgs([
        '--data-dir',
        '/d',
        '--port=0',
        '--host',
        '0.0.0.0',
        '--shards',
        '2',
        '--exit',
        '--durability=fast',
      ]),
    ).toEqual({
      desktop: ['--data-dir', '/d', '--port=0', '--shards', '2', '--durability=fast'],
      ignored: ['--host', '0.0.0.0', '--exit'],
    });
    expect(desktopArgs([])).toEqual({ desktop: [], ignored: [] });
  });
});

describe('runElectron', () => {
  /** A stand-in Electron: a shell script that prints `lines` on stderr and exits with `code`. */
  function standIn(lines: string[], code: number): string {
    const file = join(root, `electron-${code}`);
    writeFileSync(file, `#!/bin/sh\n${lines.map((l) => `echo '${l}' >&2`).join('\n')}\nexit ${code}\n`);
    chmodSync(file, 0o755);
    return file;
  }
  const sink = { write: () => true };

  it('reports the exit code once the app was up', async () => {
    const binary = standIn(
      ['deskex: API and UI at http://127.0.0.1:4567 (desktop app, data /d)', 'deskex: stopped'],
      0,
    );
    expect(await runElectron(binary, root, [], { stderr: sink })).toEqual({ up: true, code: 0 });
  });

  it("reports why it never came up, with Electron's last words", async () => {
    const binary = standIn(['Running as root without --no-sandbox is not supported.'], 1);
    expect(await runElectron(binary, root, [], { stderr: sink })).toEqual({
      up: false,
      why: 'Electron exited before the app was up (exit 1): Running as root without --no-sandbox is not supported.',
    });
    const missing = await runElectron(join(root, 'nothing-here'), root, [], { stderr: sink });
    expect(missing.up).toBe(false);
    expect(missing.why).toMatch(/^Electron could not be run: /);
  });
});
