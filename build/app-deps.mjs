#!/usr/bin/env node
/**
 * The packaged app's own node_modules, built for Electron: `npm install --omit=dev` inside the staged app folder
 * (dist/app, from build/build-main.mjs --stage) with npm's Electron settings (runtime electron, the Electron version,
 * its headers, the target platform and arch), so better-sqlite3's install fetches the Electron prebuilt binary or
 * compiles against Electron's headers. Nothing here reads or writes the repository's node_modules, whose
 * better-sqlite3 stays built for Node (the tests and `deskex serve` use it).
 *
 * electron-builder calls this through build/before-pack.mjs for each platform and arch it packs; `npm start` calls
 * it for this machine before it launches Electron. A marker file records what the folder was built for, so a second
 * run with the same target does nothing.
 *
 *   node build/app-deps.mjs [--app-dir dist/app] [--platform P] [--arch A]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '.deskex-app-deps.json';
const HEADERS_URL = 'https://electronjs.org/headers';

/** The Electron version and its native-module ABI, from the installed `electron` package. */
export function electronInfo(root = ROOT) {
  const dir = join(root, 'node_modules', 'electron');
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const abiFile = join(dir, 'abi_version');
  const abi = existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : null;
  return { version, abi };
}

/**
 * The user's npm config without `nodedir`: a `nodedir` there (Node's own headers) makes node-gyp ignore the Electron
 * target and build for Node without a word, and an empty npm_config_nodedir does not override it. Everything else
 * (registry, proxy, auth) is kept. Returns the file to pass as npm_config_userconfig.
 */
export function userConfigWithoutNodedir(dir, env = process.env) {
  const source = env.npm_config_userconfig || join(homedir(), '.npmrc');
  let text = '';
  try {
    text = readFileSync(source, 'utf8');
  } catch {
    // no user config
  }
  const file = join(dir, 'npmrc');
  writeFileSync(
    file,
    text
      .split(/\r?\n/)
      .filter((line) => !/^\s*nodedir\s*=/.test(line))
      .join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/**
 * npm's settings for a native build against Electron: runtime, version, headers, target platform and arch.
 * DESKEX_ELECTRON_HEADERS may name a folder of unpacked Electron headers for an offline build.
 */
export function electronNpmEnv({ electronVersion, platform, arch, userconfig, env = process.env }) {
  const out = {
    ...env,
    npm_config_runtime: 'electron',
    npm_config_target: electronVersion,
    npm_config_disturl: env.npm_config_electron_mirror || HEADERS_URL,
    npm_config_platform: platform,
    npm_config_target_platform: platform,
    npm_config_arch: arch,
    npm_config_target_arch: arch,
    // optional native packages (piscina's @napi-rs/nice) for the target, not for this machine
    npm_config_os: platform,
    npm_config_cpu: arch,
  };
  delete out.npm_config_nodedir;
  if (env.DESKEX_ELECTRON_HEADERS) out.npm_config_nodedir = env.DESKEX_ELECTRON_HEADERS;
  if (userconfig !== undefined) out.npm_config_userconfig = userconfig;
  return out;
}

function npmCommand() {
  // under `npm run`, npm_execpath is npm's own script: run it with this Node (works on Windows without a shell)
  const execpath = process.env.npm_execpath;
  if (execpath !== undefined && /npm-cli\.c?js$/.test(execpath)) return { cmd: process.execPath, pre: [execpath] };
  return { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', pre: [] };
}

function run(cmd, args, options) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Loads the installed better-sqlite3 under this Node. Built for Electron, it must refuse with Electron's
 * NODE_MODULE_VERSION; if it loads, the build targeted Node and the app would crash at start.
 */
export function checkElectronAbi(appDir, abi) {
  const script =
    "const D = require(process.argv[1]); new D(':memory:').close(); process.stdout.write('loaded under node');";
  const r = spawnSync(process.execPath, ['-e', script, join(appDir, 'node_modules', 'better-sqlite3')], {
    encoding: 'utf8',
  });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status === 0) {
    throw new Error(`better-sqlite3 in ${appDir} was built for Node ${process.version}, not for Electron`);
  }
  const m = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires/.exec(out);
  if (m === null) throw new Error(`better-sqlite3 in ${appDir} does not load:\n${out.trim()}`);
  if (abi !== null && m[1] !== abi) {
    throw new Error(`better-sqlite3 in ${appDir} was built for ABI ${m[1]}, Electron needs ${abi}`);
  }
  return Number(m[1]);
}

/** Installs the app folder's dependencies for Electron on platform/arch (skipped when the marker says it is done). */
export async function installAppDeps({
  appDir = join(ROOT, 'dist', 'app'),
  electronVersion = electronInfo().version,
  abi = electronInfo().abi,
  platform = process.platform,
  arch = process.arch,
  log = (m) => process.stderr.write(`app-deps: ${m}\n`),
} = {}) {
  const pkg = readJson(join(appDir, 'package.json'));
  if (pkg === null) throw new Error(`${appDir}/package.json is missing: run node build/build-main.mjs --stage first`);
  const want = { electronVersion, platform, arch, dependencies: pkg.dependencies ?? {} };
  const markerFile = join(appDir, 'node_modules', MARKER);
  if (JSON.stringify(readJson(markerFile)) === JSON.stringify(want)) {
    log(`node_modules already built for Electron ${electronVersion} on ${platform}-${arch}`);
    return { installed: false };
  }
  log(`installing ${Object.keys(want.dependencies).join(', ')} for Electron ${electronVersion} on ${platform}-${arch}`);
  rmSync(join(appDir, 'node_modules'), { recursive: true, force: true });
  rmSync(join(appDir, 'package-lock.json'), { force: true });
  const { cmd, pre } = npmCommand();
  const scratch = mkdtempSync(join(tmpdir(), 'deskex-app-deps-'));
  try {
    await run(cmd, [...pre, 'install', '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock'], {
      cwd: appDir,
      env: electronNpmEnv({ electronVersion, platform, arch, userconfig: userConfigWithoutNodedir(scratch) }),
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (platform === process.platform && arch === process.arch) {
    const built = checkElectronAbi(appDir, abi);
    log(`better-sqlite3 is built for Electron (NODE_MODULE_VERSION ${built})`);
  }
  writeFileSync(markerFile, `${JSON.stringify(want, null, 2)}\n`);
  return { installed: true };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: { 'app-dir': { type: 'string' }, platform: { type: 'string' }, arch: { type: 'string' } },
  });
  await installAppDeps({
    ...(values['app-dir'] !== undefined ? { appDir: resolve(values['app-dir']) } : {}),
    ...(values.platform !== undefined ? { platform: values.platform } : {}),
    ...(values.arch !== undefined ? { arch: values.arch } : {}),
  });
}
