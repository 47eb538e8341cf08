import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkElectronAbi,
  electronInfo,
  electronNpmEnv,
  userConfigWithoutNodedir,
  // @ts-expect-error: a JavaScript build script without type declarations
} from '../../../build/app-deps.mjs';
// @ts-expect-error: a JavaScript build script without type declarations
import { ROOT } from '../../../build/launch.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskex-app-deps-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the Electron build settings for npm', () => {
  it('target Electron and the given platform and arch, and drop any nodedir unless Electron headers are given', () => {
    const env = electronNpmEnv({
      electronVersion: '45.5.0',
      platform: 'win32',
      arch: 'arm64',
      userconfig: '/tmp/x/npmrc',
      env: { PATH: '/bin', npm_config_nodedir: '/usr' },
    });
    expect(env).toMatchObject({
      PATH: '/bin',
      npm_config_runtime: 'electron',
      npm_config_target: '45.5.0',
      npm_config_disturl: 'https://electronjs.org/headers',
      npm_config_platform: 'win32',
      npm_config_arch: 'arm64',
      npm_config_userconfig: '/tmp/x/npmrc',
    });
    expect(env).not.toHaveProperty('npm_config_nodedir');
    const offline = electronNpmEnv({
      electronVersion: '45.5.0',
      platform: 'linux',
      arch: 'x64',
      env: { DESKEX_ELECTRON_HEADERS: '/opt/electron-headers' },
    });
    expect(offline.npm_config_nodedir).toBe('/opt/electron-headers');
  });

  it("keep the user's npm config but its nodedir (which would silently build for Node)", () => {
    const user = join(dir, 'user-npmrc');
    writeFileSync(user, 'registry=https://registry.example/\nnodedir=/usr\n  nodedir = /opt/node\nfund=false\n');
    const file = userConfigWithoutNodedir(dir, { npm_config_userconfig: user });
    expect(readFileSync(file, 'utf8')).toBe('registry=https://registry.example/\nfund=false\n');
  });

  it('know the installed Electron version and its ABI', () => {
    const { version, abi } = electronInfo();
    expect(version).toBe(JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version);
    expect(abi).toMatch(/^\d+$/);
    expect(abi).not.toBe(process.versions.modules);
  });
});

describe('checkElectronAbi', () => {
  it("rejects the Node build of better-sqlite3 (the repo's), which would crash the app", () => {
    const app = join(dir, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', 'better-sqlite3'), join(app, 'node_modules', 'better-sqlite3'), 'dir');
    expect(() => checkElectronAbi(app, electronInfo().abi)).toThrow(/was built for Node v\d+/);
  });

  function fakeAddon(abi: number): string {
    const app = join(dir, `app-${abi}`);
    const pkg = join(app, 'node_modules', 'better-sqlite3');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"better-sqlite3","main":"index.js"}');
    writeFileSync(
      join(pkg, 'index.js'),
      `throw new Error("The module 'better_sqlite3.node' was compiled against a different Node.js version using\\n` +
        `NODE_MODULE_VERSION ${abi}. This version of Node.js requires\\nNODE_MODULE_VERSION 115.");`,
    );
    return app;
  }

  it("accepts an add-on that Node refuses with Electron's ABI, and refuses another ABI", () => {
    expect(checkElectronAbi(fakeAddon(150), '150')).toBe(150);
    expect(() => checkElectronAbi(fakeAddon(140), '150')).toThrow('was built for ABI 140, Electron needs 150');
  });
});
