#!/usr/bin/env node
/**
 * `npm start [-- options]`: the desktop app, built as needed; or, where Electron cannot start (DESKEX_HEADLESS=1, no
 * display, no Electron binary, or Electron exits before the app is up), the same exchange headless through
 * `deskex serve` with the same options, saying why. Options are serve's (--data-dir, --port, ...); the desktop app
 * takes --data-dir, --port, --shards and --durability.
 *
 * Steps: build the UI when it is missing or older than its sources (`npm run build:ui`, if that script exists);
 * for the desktop app also bundle src-main (build/build-main.mjs), stage dist/app and install its node_modules for
 * Electron (build/app-deps.mjs, once per Electron version), then run Electron on dist/app.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { desktopArgs, electronUnavailable, ROOT, runElectron, uiBuildReason } from '../build/launch.mjs';

const args = process.argv.slice(2);

function say(message) {
  process.stderr.write(`deskex: ${message}\n`);
}

function buildUi() {
  const reason = uiBuildReason();
  if (reason === null) return;
  say(`${reason}: npm run build:ui`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build:ui'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32',
  });
  if (r.status !== 0)
    say(`the UI build failed (${r.error?.message ?? `exit ${r.status}`}): the server will say so at /`);
}

/** Bundles, stages and installs what Electron needs; returns why it could not, or null. */
async function prepareDesktop() {
  try {
    const { buildMain, stageApp } = await import('../build/build-main.mjs');
    await buildMain();
    stageApp();
    const { installAppDeps } = await import('../build/app-deps.mjs');
    await installAppDeps({ log: (m) => say(m) });
    return null;
  } catch (e) {
    return `the desktop app could not be prepared: ${e.message}`;
  }
}

async function serveHeadless(why) {
  say(`${why}: starting headless instead (deskex serve); open the printed URL in a browser`);
  process.argv = [process.argv[0], join(ROOT, 'bin', 'deskex.mjs'), 'serve', ...args];
  await import(pathToFileURL(join(ROOT, 'bin', 'deskex.mjs')).href);
}

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    'npm start [-- options]: the desktop app, or headless (deskex serve) where Electron cannot start\n' +
      '  the desktop app takes --data-dir DIR, --port N, --shards N, --durability strict|batched|fast\n' +
      '  headless takes every `deskex serve` option (npm run serve -- --help); DESKEX_HEADLESS=1 forces it\n' +
      '  docs/desktop.md has the details\n',
  );
  process.exit(0);
}
buildUi();
let { binary, why } = electronUnavailable();
if (binary !== null) why = await prepareDesktop();
if (why === null) {
  const { desktop, ignored } = desktopArgs(args);
  if (ignored.length > 0)
    say(`the desktop app ignores ${ignored.join(' ')} (serve options; it listens on 127.0.0.1 only)`);
  const result = await runElectron(binary, join(ROOT, 'dist', 'app'), desktop);
  if (result.up) process.exit(result.code);
  why = result.why;
}
await serveHeadless(why);
