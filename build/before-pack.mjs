/**
 * electron-builder's beforePack hook (electron-builder.yml), run for each platform and arch before the app's files
 * are collected: installs the staged app folder's node_modules for Electron on that target (build/app-deps.mjs).
 * electron-builder's own install/rebuild is off (npmRebuild: false): @electron/rebuild walks up from the app folder
 * to the project root and would rebuild the repository's better-sqlite3 for Electron, breaking the tests.
 */
import { electronInfo, installAppDeps } from './app-deps.mjs';

// builder-util's Arch enum, by value
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];
// npm's names for them
const NPM_ARCH = { ia32: 'ia32', x64: 'x64', armv7l: 'arm', arm64: 'arm64' };

export default async function beforePack(context) {
  const name = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : String(context.arch);
  const arch = NPM_ARCH[name];
  if (arch === undefined)
    throw new Error(`cannot build the native modules for arch ${name}: pack each arch on its own`);
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const { version, abi } = electronInfo();
  await installAppDeps({
    appDir: context.packager.info.appDir,
    electronVersion: context.packager.config.electronVersion ?? version,
    abi,
    platform,
    arch,
  });
}
