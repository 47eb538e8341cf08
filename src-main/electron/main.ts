/**
 * The app's entry point (dist/main/main.js when built by build/build-main.mjs).
 *
 * - In Electron's main process: the desktop app (desktop.ts), with the real `electron` module.
 * - Under plain Node: the same exchange and API server headless, so the built bundle can be run and tested without
 *   Electron (`node dist/main/main.js --data-dir D --port 0`); `--self-check` starts, answers /health, stops (journal
 *   flushed, snapshot written), verifies the journal in a job worker, prints a JSON report and exits.
 *
 * Options (both modes): --data-dir DIR, --port N, --shards N, --durability strict|batched|fast.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT } from '../api/server.ts';
import { DataDirInUseError, startBackend } from './backend.ts';
import type { DesktopOptions } from './desktop.ts';
import type { ElectronLike } from './electron-like.ts';
import { type AppOptions, OptionError, parseAppArgs } from './options.ts';

function log(message: string): void {
  process.stderr.write(`deskex: ${message}\n`);
}

async function runElectron(options: DesktopOptions): Promise<void> {
  const mod = await import('electron');
  const electron = ((mod as { default?: unknown }).default ?? mod) as ElectronLike;
  const { runDesktop } = await import('./desktop.ts');
  await runDesktop({
    electron,
    options,
    preloadPath: fileURLToPath(new URL('./preload.cjs', import.meta.url)),
    electronVersion: process.versions.electron ?? 'unknown',
    platform: process.platform,
    startBackend,
    log,
    onSignal: (quit) => {
      process.on('SIGINT', quit);
      process.on('SIGTERM', quit);
    },
  });
}

async function runHeadless(o: AppOptions): Promise<void> {
  const dataDir = o.dataDir ?? resolve('data');
  const backend = await startBackend({
    dataDir,
    ports: [o.port ?? DEFAULT_PORT],
    log,
    ...(o.shards !== undefined ? { shards: o.shards } : {}),
    ...(o.durability !== undefined ? { durability: o.durability } : {}),
  });
  log(`API and UI at ${backend.url} (headless, data ${dataDir})`);
  if (o.selfCheck) {
    const health = await fetch(`${backend.url}/health`);
    const ui = await fetch(`${backend.url}/`);
    const shutdown = await backend.stop();
    const { closeJobs, verifyInWorker } = await import('../host/jobs.ts');
    const verify = await verifyInWorker(dataDir);
    await closeJobs();
    const ok = health.status === 200 && shutdown.ok && verify.ok;
    const report = {
      ok,
      url: backend.url,
      health: health.status,
      ui: { status: ui.status, type: ui.headers.get('content-type') },
      shutdown: shutdown.steps.map((s) => ({ step: s.name, error: s.error?.message ?? null })),
      verify: {
        ok: verify.ok,
        batches: verify.batches,
        lastSeq: verify.lastSeq,
        snapshotsChecked: verify.snapshotsChecked,
        problems: verify.problems,
      },
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(ok ? 0 : 1);
  }
  const stop = () => {
    void backend.stop().then((r) => {
      log(r.ok ? 'stopped' : 'stopped, with errors (see above)');
      process.exit(r.ok ? 0 : 1);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const isElectronMain = (process as { type?: string }).type === 'browser';

try {
  const options = parseAppArgs(process.argv.slice(isElectronMain ? 1 : 2));
  if (isElectronMain) await runElectron(options);
  else await runHeadless(options);
} catch (e) {
  const expected = e instanceof DataDirInUseError || (e as { code?: string }).code === 'EADDRINUSE';
  if (e instanceof OptionError) log(e.message);
  else log(`could not start: ${expected ? (e as Error).message : ((e as Error).stack ?? e)}`);
  process.exit(e instanceof OptionError ? 2 : 1);
}
