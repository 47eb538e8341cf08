/**
 * `npm start` (bin/start.mjs): can Electron start here, is the UI built and current, which of the given options the
 * desktop app takes (functions of their arguments), and running Electron until the app is up. Nothing here downloads
 * or builds. Tested in test/unit/electron/launch.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The options of `deskex serve` (npm start passes them through); the desktop app takes the first four. */
export const SERVE_OPTIONS = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  shards: { type: 'string' },
  durability: { type: 'string' },
  orders: { type: 'string' },
  exit: { type: 'boolean' },
  'status-every': { type: 'string' },
  host: { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'self-service-funds': { type: 'boolean' },
  'rate-limit': { type: 'string' },
  'no-api': { type: 'boolean' },
};

export const DESKTOP_OPTIONS = ['data-dir', 'port', 'shards', 'durability'];

/** The Electron executable inside node_modules/electron/dist, as electron's own index.js finds it (without downloading). */
function electronExecutable(platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron';
  return platform === 'win32' ? 'electron.exe' : 'electron';
}

/** The Electron binary, or why there is none. */
export function findElectron({ root = ROOT, env = process.env, platform = process.platform } = {}) {
  const dir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(dir, 'package.json'))) {
    return { binary: null, why: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = join(dir, 'path.txt');
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : electronExecutable(platform);
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, exe) : join(dir, 'dist', exe);
  if (!existsSync(binary)) {
    return {
      binary: null,
      why: `Electron's binary is not installed (no ${binary}; \`node node_modules/electron/install.js\` downloads it)`,
    };
  }
  return { binary, why: null };
}

/**
 * Why the desktop app cannot start here, or null when it may: DESKEX_HEADLESS=1 asks for headless; on Linux (and
 * the BSDs) a window needs DISPLAY (X11) or WAYLAND_DISPLAY; and the Electron binary must be installed.
 */
export function electronUnavailable({ root = ROOT, env = process.env, platform = process.platform } = {}) {
  const headless = env.DESKEX_HEADLESS;
  if (headless !== undefined && headless !== '' && headless !== '0' && headless.toLowerCase() !== 'false') {
    return { binary: null, why: 'DESKEX_HEADLESS is set' };
  }
  if (platform !== 'win32' && platform !== 'darwin' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { binary: null, why: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  return findElectron({ root, env, platform });
}

function newestFile(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Whether `npm run build:ui` should run: null when the UI is current or cannot be built by a script (then the
 * server answers / with its "not built" error), else the reason.
 */
export function uiBuildReason({ root = ROOT } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (pkg.scripts?.['build:ui'] === undefined) return null;
  const index = join(root, 'dist', 'renderer', 'index.html');
  if (!existsSync(index)) return 'the UI is not built';
  const sources = join(root, 'src-renderer');
  if (existsSync(sources) && newestFile(sources) > statSync(index).mtimeMs) return 'the UI is older than its sources';
  return null;
}

/** The arguments the desktop app takes, and the serve options it does not (reported, not passed). */
export function desktopArgs(args) {
  const { tokens } = parseArgs({ args, options: SERVE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const desktop = [];
  const ignored = [];
  for (const t of tokens) {
    if (t.kind === 'option') {
      const raw = t.inlineValue ? [args[t.index]] : args.slice(t.index, t.index + (t.value === undefined ? 1 : 2));
      (DESKTOP_OPTIONS.includes(t.name) ? desktop : ignored).push(...raw);
    } else if (t.kind === 'positional') {
      ignored.push(t.value);
    }
  }
  return { desktop, ignored };
}

/** The line `deskex serve` and the desktop app print once they serve (on stderr). */
export const READY_LINE = /^deskex: API and UI at (http:\/\/\S+)/;

/**
 * Runs Electron on the app folder, passing its stderr through and SIGINT/SIGTERM on. Resolves with
 * `{ up: true, code }` when the app printed its ready line and then ended, or `{ up: false, why }` when it ended (or
 * could not be run) before that, with Electron's last words (e.g. Chromium refusing to run as root).
 */
export function runElectron(binary, appDir, electronArgs, { stderr = process.stderr } = {}) {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const child = spawn(binary, [appDir, ...electronArgs], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let up = false;
    const tail = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.write(`${line}\n`);
      if (READY_LINE.test(line)) up = true;
      tail.push(line);
      if (tail.length > 5) tail.shift();
    });
    const onInt = () => child.kill('SIGINT');
    const onTerm = () => child.kill('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
    child.on('error', (e) => {
      done();
      resolve({ up: false, why: `Electron could not be run: ${e.message}` });
    });
    child.on('exit', (code, signal) => {
      done();
      if (up) resolve({ up: true, code: code ?? 1 });
      else {
        const last = tail.filter((l) => l.trim() !== '').at(-1);
        const said = last === undefined ? '' : `: ${last.trim().slice(0, 200)}`;
        resolve({ up: false, why: `Electron exited before the app was up (${signal ?? `exit ${code}`})${said}` });
      }
    });
  });
}
