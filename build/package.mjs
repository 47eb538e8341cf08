#!/usr/bin/env node
/**
 * `npm run package [-- electron-builder options]`: the installable app.
 *
 * 1. The UI (`npm run build:ui` → dist/renderer).
 * 2. The process side bundled (build/build-main.mjs → dist/main) and the app folder staged (dist/app).
 * 3. electron-builder with electron-builder.yml; its beforePack hook (build/before-pack.mjs) installs dist/app's
 *    node_modules for Electron on each target. Installers land in dist/release/.
 *
 * Without options electron-builder builds this OS's targets (Linux: AppImage and deb; Windows: NSIS; macOS: dmg).
 * Examples: `npm run package -- --linux deb`, `npm run package -- --dir` (unpacked, quickest to try).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMain, ROOT, stageApp } from './build-main.mjs';

function say(message) {
  process.stderr.write(`package: ${message}\n`);
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts ?? {};
try {
  if (scripts['build:ui'] !== undefined) {
    say('building the UI');
    await run(npm, ['run', 'build:ui']);
  }
  const { externals, servesUi } = await buildMain();
  if (!servesUi) throw new Error('the API server does not serve the UI (src-main/api/routes/ui.ts is not registered)');
  say(`dist/main built (loads ${externals.join(', ')} at run time)`);
  stageApp({ requireRenderer: true });
  say('dist/app staged; electron-builder takes over');
  const builder = join(
    ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder',
  );
  await run(builder, ['--config', 'electron-builder.yml', ...process.argv.slice(2)]);
} catch (e) {
  say(e.message);
  process.exit(1);
}
