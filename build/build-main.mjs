#!/usr/bin/env node
/**
 * Builds the process side of the app into plain JavaScript with esbuild (no tsx at run time):
 *
 *   dist/main/main.js          the entry (src-main/electron/main.ts): the desktop app under Electron, headless under Node
 *   dist/main/shard-worker.js  matching shards (worker threads); host/worker-url.ts starts the built .js beside the
 *   dist/main/job-worker.js    piscina jobs; host/jobs.ts finds it beside the bundle  (bundle when no .ts is there)
 *   dist/main/checkpoint-worker.js  WAL checkpoints (a worker thread); host/checkpointer.ts finds it beside the bundle
 *   dist/main/writer-worker.js  the database writer (a worker thread); host/writer.ts finds it beside the bundle
 *   dist/main/preload.cjs      the window's sandboxed preload (CommonJS: sandboxed preloads cannot be ES modules)
 *
 * Everything is bundled but better-sqlite3 (native) and piscina (starts its own worker file), which stay packages,
 * and `electron`, which the runtime provides.
 *
 * With --stage it also lays out the packaged app's folder, dist/app: package.json (type module, main, the two runtime
 * dependencies at the versions installed here), main/ and renderer/ (the built UI). Only built output goes there;
 * build/app-deps.mjs then installs its node_modules for Electron, electron-builder packs it.
 *
 *   node build/build-main.mjs [--out-dir DIR] [--stage]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages the app loads at run time from node_modules (shipped in the app's own node_modules). */
export const RUNTIME_PACKAGES = ['better-sqlite3', 'piscina'];

/** Never bundled: provided by Electron, or optional native add-ons of ws that it does without. */
const EXTERNAL = ['electron', ...RUNTIME_PACKAGES, 'bufferutil', 'utf-8-validate'];

// CommonJS packages bundled into an ES module still call require() and read __dirname
const BANNER = [
  "import { createRequire as __deskexCreateRequire } from 'node:module';",
  "import { fileURLToPath as __deskexFileURLToPath } from 'node:url';",
  "import { dirname as __deskexDirname } from 'node:path';",
  'const require = __deskexCreateRequire(import.meta.url);',
  'const __filename = __deskexFileURLToPath(import.meta.url);',
  'const __dirname = __deskexDirname(__filename);',
].join('\n');

/**
 * src-main/api/routes/ui.ts finds the built UI relative to its own source file (../../../dist/renderer). In the
 * bundle, import.meta.url is main/main.js, and the UI is ../renderer from there (dist/renderer, or renderer/ in the
 * packaged app). The build fails if that line changes, rather than shipping an app that cannot find its UI.
 */
const UI_DIR_FROM_SOURCE = "new URL('../../../dist/renderer/', import.meta.url)";
const UI_DIR_FROM_BUNDLE = "new URL('../renderer/', import.meta.url)";

export const uiDirPlugin = {
  name: 'deskex-ui-dir',
  setup(b) {
    b.onLoad({ filter: /[\\/]src-main[\\/]api[\\/]routes[\\/]ui\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const count = source.split(UI_DIR_FROM_SOURCE).length - 1;
      if (count !== 1) {
        throw new Error(
          `${relative(ROOT, args.path)}: expected the UI folder as ${UI_DIR_FROM_SOURCE} once (found ${count}); ` +
            'update build/build-main.mjs',
        );
      }
      return { contents: source.replace(UI_DIR_FROM_SOURCE, UI_DIR_FROM_BUNDLE), loader: 'ts' };
    });
  },
};

/** Bundles main, the workers and the preload into outDir (emptied first). */
export async function buildMain({ outDir = join(ROOT, 'dist', 'main'), minify = false } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    minify,
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  };
  const main = await build({
    ...common,
    entryPoints: {
      main: 'src-main/electron/main.ts',
      'shard-worker': 'src-main/host/shard-worker.ts',
      'job-worker': 'src-main/host/job-worker.ts',
      'checkpoint-worker': 'src-main/host/checkpoint-worker.mjs',
      'writer-worker': 'src-main/host/writer-worker.mjs',
    },
    outdir: outDir,
    format: 'esm',
    banner: { js: BANNER },
    plugins: [uiDirPlugin],
    metafile: true,
  });
  await build({
    ...common,
    entryPoints: ['src-main/electron/preload.ts'],
    outfile: join(outDir, 'preload.cjs'),
    format: 'cjs',
    target: 'chrome120',
  });
  // the bundle is an ES module wherever it is copied (main/ in the app; package.json there says so too)
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  const builtins = new Set(builtinModules);
  const externals = new Set();
  for (const out of Object.values(main.metafile.outputs)) {
    for (const imp of out.imports) {
      if (imp.external && !imp.path.startsWith('node:') && !builtins.has(imp.path)) externals.add(imp.path);
    }
  }
  const servesUi = Object.keys(main.metafile.inputs).some((p) => /(^|\/)src-main\/api\/routes\/ui\.ts$/.test(p));
  return { outDir, externals: [...externals].sort(), servesUi };
}

function installedVersion(name) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * Lays out the app folder electron-builder packs (directories.app): package.json, main/, renderer/. An existing
 * node_modules there is kept (build/app-deps.mjs decides whether it still fits).
 */
export function stageApp({
  mainDir = join(ROOT, 'dist', 'main'),
  rendererDir = join(ROOT, 'dist', 'renderer'),
  appDir = join(ROOT, 'dist', 'app'),
  requireRenderer = false,
} = {}) {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const hasRenderer = existsSync(join(rendererDir, 'index.html'));
  if (!hasRenderer && requireRenderer) {
    throw new Error(`the UI is not built (${relative(ROOT, rendererDir)}/index.html is missing): npm run build:ui`);
  }
  mkdirSync(appDir, { recursive: true });
  for (const d of ['main', 'renderer']) rmSync(join(appDir, d), { recursive: true, force: true });
  cpSync(mainDir, join(appDir, 'main'), { recursive: true });
  if (hasRenderer) cpSync(rendererDir, join(appDir, 'renderer'), { recursive: true });
  const pkg = {
    name: root.name,
    productName: 'deskex',
    version: root.version,
    description: root.description,
    license: root.license,
    author: root.author ?? { name: 'deskex' },
    private: true,
    type: 'module',
    main: 'main/main.js',
    dependencies: Object.fromEntries(RUNTIME_PACKAGES.map((n) => [n, installedVersion(n)])),
  };
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return { appDir, hasRenderer, dependencies: pkg.dependencies };
}

function say(message) {
  process.stderr.write(`build-main: ${message}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: { 'out-dir': { type: 'string' }, stage: { type: 'boolean', default: false } },
  });
  const outDir = values['out-dir'] === undefined ? undefined : resolve(values['out-dir']);
  const t0 = performance.now();
  const { outDir: built, externals, servesUi } = await buildMain({ outDir });
  const unexpected = externals.filter((e) => !EXTERNAL.includes(e));
  if (unexpected.length > 0) say(`warning: unbundled imports ${unexpected.join(', ')}`);
  if (!servesUi) say('warning: the API server does not register the UI routes (src-main/api/routes/ui.ts)');
  say(`${relative(ROOT, built)} built in ${Math.round(performance.now() - t0)} ms (external: ${externals.join(', ')})`);
  if (values.stage) {
    const { appDir, hasRenderer } = stageApp({ mainDir: built });
    say(`${relative(ROOT, appDir)} staged${hasRenderer ? '' : ' (without the UI: dist/renderer is not built)'}`);
  }
}
