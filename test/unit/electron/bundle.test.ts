/**
 * The built app without Electron: build/build-main.mjs bundles src-main into plain JavaScript, the bundle's entry
 * runs under plain Node far enough to serve the exchange (workers included), and electron-builder packs the staged
 * app with the real electron-builder.yml around a stand-in Electron binary (the real one cannot be downloaded here).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript build script without type declarations
import { buildMain, ROOT, stageApp, uiDirPlugin } from '../../../build/build-main.mjs';
import { run } from './processes.ts';

const base = join(ROOT as string, 'dist', `.test-bundle-${process.pid}`);
const mainDir = join(base, 'main');
const rendererDir = join(base, 'renderer');
const MARKER = `deskex bundle test ${process.pid}`;
let externals: string[] = [];
let dataRoot: string;

beforeAll(async () => {
  ({ externals } = await buildMain({ outDir: mainDir }));
  // a stand-in UI beside the bundle: the bundle must find ../renderer from main/main.js
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), `<!doctype html><title>${MARKER}</title>`);
  dataRoot = mkdtempSync(join(tmpdir(), 'deskex-bundle-'));
}, 120_000);

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(dataRoot, { recursive: true, force: true });
});

describe('the bundle', () => {
  it('is the entry, the four workers and the preload, loading only the runtime packages from node_modules', () => {
    for (const f of [
      'main.js',
      'shard-worker.js',
      'job-worker.js',
      'checkpoint-worker.js',
      'writer-worker.js',
      'preload.cjs',
      'package.json',
    ]) {
      expect(existsSync(join(mainDir, f))).toBe(true);
    }
    expect(externals).toEqual(['better-sqlite3', 'bufferutil', 'electron', 'piscina', 'utf-8-validate']);
    const main = readFileSync(join(mainDir, 'main.js'), 'utf8');
    // electron is only imported when running inside Electron, never at load time
    expect(main).not.toMatch(/^import\s[^;]*["']electron["']/m);
    expect(main).toContain('import("electron")');
    expect(main).not.toContain('tsx/esm/api');
    const preload = readFileSync(join(mainDir, 'preload.cjs'), 'utf8');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
  });

  it('finds the UI at ../renderer from the bundle (dist/renderer, or renderer/ in the app)', async () => {
    await esbuild({
      stdin: {
        contents: "export { DEFAULT_UI_DIR } from './src-main/api/routes/ui.ts';",
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: join(mainDir, 'ui-dir-probe.mjs'),
      plugins: [uiDirPlugin],
      logLevel: 'silent',
    });
    const { DEFAULT_UI_DIR } = await import(join(mainDir, 'ui-dir-probe.mjs'));
    rmSync(join(mainDir, 'ui-dir-probe.mjs'));
    expect(DEFAULT_UI_DIR).toBe(`${rendererDir}/`);
  });

  it('runs under plain Node: serves /health and the UI with a shard worker, stops cleanly on SIGTERM', async () => {
    const p = run([join(mainDir, 'main.js'), '--data-dir', join(dataRoot, 'serve'), '--port', '0', '--shards', '1']);
    try {
      const url = await p.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const ui = await fetch(`${url}/`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await ui.text()).toContain(MARKER);
    } finally {
      const e = await p.stop();
      expect(e).toEqual({ code: 0, signal: null });
    }
    expect(p.stderr).toContain('deskex: stopped');
  });

  it('--self-check: the shutdown writes a snapshot that the journal verification (a job worker) confirms', async () => {
    const p = run([join(mainDir, 'main.js'), '--data-dir', join(dataRoot, 'check'), '--port', '0', '--self-check']);
    const e = await p.exit;
    expect(e.code).toBe(0);
    const report = JSON.parse(p.stdout.at(-1)!);
    expect(report).toMatchObject({ ok: true, health: 200, verify: { ok: true, problems: [] } });
    expect(report.shutdown.every((s: { error: string | null }) => s.error === null)).toBe(true);
    expect(report.verify.lastSeq).toBeGreaterThan(0);
    expect(report.verify.snapshotsChecked).toBeGreaterThanOrEqual(1);
  });

  it('refuses a bad option with exit code 2', async () => {
    const p = run([join(mainDir, 'main.js'), '--data-dir', join(dataRoot, 'bad'), '--port', 'eighty']);
    expect((await p.exit).code).toBe(2);
    expect(p.stderr.join('\n')).toContain('--port must be a whole number');
  });
});

// the fuse wire electron-builder flips: @electron/fuses' sentinel, version 1, 8 fuses ('0' off, '1' on)
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSES = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
];

function readFuses(binary: string): Record<string, boolean> {
  const bytes = readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  return Object.fromEntries(FUSES.map((name, i) => [name, bytes[at + 2 + i] === 0x31]));
}

interface AsarEntry {
  files?: Record<string, AsarEntry>;
}

/** The paths in an asar archive: its header is a Chromium pickle holding a JSON tree of { files: { name: ... } }. */
function listAsar(file: string): string[] {
  const bytes = readFileSync(file);
  const jsonLength = bytes.readUInt32LE(12);
  const tree = JSON.parse(bytes.subarray(16, 16 + jsonLength).toString('utf8')) as AsarEntry;
  const out: string[] = [];
  const walk = (node: AsarEntry, prefix: string) => {
    for (const [name, child] of Object.entries(node.files ?? {})) {
      out.push(`${prefix}/${name}`);
      walk(child, `${prefix}/${name}`);
    }
  };
  walk(tree, '');
  return out;
}

describe('packaging (electron-builder.yml, a stand-in Electron binary)', () => {
  it('packs only built output into app.asar, unpacks the native module, and sets the fuses', async () => {
    const appDir = join(base, 'app');
    const { dependencies } = stageApp({ mainDir, rendererDir, appDir, requireRenderer: true });
    // node_modules as build/app-deps.mjs leaves them (here Node's build: the layout is what is checked)
    for (const p of ['better-sqlite3', 'bindings', 'file-uri-to-path', 'piscina']) {
      cpSync(join(ROOT, 'node_modules', p), join(appDir, 'node_modules', p), { recursive: true });
    }
    const electronVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version;
    writeFileSync(
      join(appDir, 'node_modules', '.deskex-app-deps.json'),
      `${JSON.stringify({ electronVersion, platform: process.platform, arch: process.arch, dependencies }, null, 2)}\n`,
    );
    // every fuse starts opposite to what electron-builder.yml asks, so each must be flipped
    const electronDist = join(base, 'electron');
    mkdirSync(electronDist, { recursive: true });
    const wire = Buffer.concat([
      Buffer.from(`#!/bin/sh\n# ${FUSE_SENTINEL}`),
      Buffer.from([1, 8]),
      Buffer.from('10110011\n'),
    ]);
    writeFileSync(join(electronDist, 'electron'), wire, { mode: 0o755 });

    const { build, Platform } = await import('electron-builder');
    const out = join(base, 'out');
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir'),
      config: {
        extends: join(ROOT, 'electron-builder.yml'),
        directories: { app: appDir, output: out, buildResources: 'build' },
        electronDist,
      },
    });
    const resources = join(out, 'linux-unpacked', 'resources');
    const files = listAsar(join(resources, 'app.asar'));
    for (const f of [
      '/package.json',
      '/main/main.js',
      '/main/preload.cjs',
      '/main/shard-worker.js',
      '/main/job-worker.js',
      '/main/checkpoint-worker.js',
      '/main/writer-worker.js',
    ]) {
      expect(files).toContain(f);
    }
    expect(files).toContain('/renderer/index.html');
    expect(files).toContain('/node_modules/piscina/package.json');
    expect(files.filter((f) => /\.(ts|tsx|map)$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^\/(src-|test|build\/|docs|examples|bin)/.test(f))).toEqual([]);
    expect(files.filter((f) => /tsconfig|biome|vitest|electron-builder|\.deskex-app-deps/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('/node_modules/better-sqlite3/deps/'))).toEqual([]);
    expect(
      existsSync(join(resources, 'app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node')),
    ).toBe(true);
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ main: 'main/main.js', type: 'module' });
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['better-sqlite3', 'piscina']);
    expect(readFuses(join(out, 'linux-unpacked', 'deskex'))).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    });
  }, 120_000);
});
