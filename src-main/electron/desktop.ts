/**
 * The desktop app's main process, given an Electron-like object (electron-like.ts) so it runs in tests without
 * Electron: one instance per user, the exchange and API server in this process, one locked-down window on the served
 * UI, two IPC calls (bridge.ts) for that window only, and a graceful shutdown on quit (stop taking orders, flush the
 * journal, write a snapshot, close the database) before the process exits.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Durability } from '../store/database.ts';
import type { Backend, BackendOptions } from './backend.ts';
import { type AppInfo, DESKTOP_CHANNELS } from './bridge.ts';
import type { BrowserWindowLike, ElectronLike, InvokeEventLike } from './electron-like.ts';
import { isTrustedSender, lockDownContents, lockDownSession, originOf, windowOptions } from './security.ts';
import type { ShutdownReport } from './shutdown.ts';

export interface DesktopOptions {
  /** The exchange's data folder (default: `data` in the app's user-data folder). */
  readonly dataDir?: string;
  /** The API's port (default: the one used last time while it is free, else any free port). */
  readonly port?: number;
  readonly shards?: number;
  readonly durability?: Durability;
}

export interface DesktopDeps {
  readonly electron: ElectronLike;
  readonly options: DesktopOptions;
  /** The sandboxed preload (preload.cjs beside the main bundle). */
  readonly preloadPath: string;
  readonly electronVersion: string;
  readonly platform: NodeJS.Platform;
  readonly startBackend: (options: BackendOptions) => Promise<Backend>;
  readonly log: (message: string) => void;
  /** Arranges for `quit` to run on SIGINT / SIGTERM (main.ts: process.on). */
  readonly onSignal?: (quit: () => void) => void;
  /** How long a shutdown may take before the app exits anyway, with code 1 (default 60 s). */
  readonly shutdownTimeoutMs?: number;
}

export interface Desktop {
  readonly backend: Backend;
  readonly dataDir: string;
  /** The main window; null while none is open (on macOS the app keeps serving without one). */
  window(): BrowserWindowLike | null;
  /** The shutdown in progress (after a quit request), else null. Resolves once the exit code was given to app.exit. */
  stopping(): Promise<ShutdownReport> | null;
}

/** Where the desktop app remembers the API port between starts, in the user-data folder. */
export const STATE_FILE = 'desktop-state.json';

/** Title of the error box shown when the app cannot start. */
export const START_FAILED_TITLE = 'deskex could not start';

function readState(userData: string): { port?: number } {
  try {
    const s = JSON.parse(readFileSync(join(userData, STATE_FILE), 'utf8')) as { port?: unknown };
    const port = s.port;
    return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? { port } : {};
  } catch {
    return {};
  }
}

function writeState(userData: string, state: { port: number }, log: (m: string) => void): void {
  try {
    mkdirSync(userData, { recursive: true });
    writeFileSync(join(userData, STATE_FILE), `${JSON.stringify(state)}\n`);
  } catch (e) {
    log(`could not remember the port: ${(e as Error).message}`);
  }
}

/**
 * The ports to try: the one asked for; else the one used last time (bots and the UI's stored settings keep their
 * address) and, if it is taken, any free port.
 */
export function portsToTry(asked: number | undefined, remembered: number | undefined): number[] {
  if (asked !== undefined) return [asked];
  return remembered === undefined ? [0] : [remembered, 0];
}

/** Runs the desktop app. Returns null when another instance already runs (this one quits) or the start failed. */
export async function runDesktop(deps: DesktopDeps): Promise<Desktop | null> {
  const { app, BrowserWindow, session, shell, dialog } = deps.electron;
  const { log } = deps;
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    log('deskex is already running: its window is brought to the front');
    app.quit();
    return null;
  }

  let origin: string | null = null;
  let win: BrowserWindowLike | null = null;
  let backend: Backend | null = null;
  let quitRequested = false;
  let stopping: Promise<ShutdownReport> | null = null;

  const openExternal = (url: string) => {
    shell.openExternal(url).catch((e: Error) => log(`could not open ${url}: ${e.message}`));
  };
  // every page the app ever creates gets the same lock-down, whatever created it
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, () => origin, openExternal));
  app.on('second-instance', () => {
    if (win === null || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });

  const stopAndExit = (b: Backend): Promise<ShutdownReport> => {
    stopping ??= (async () => {
      log('stopping: no more orders, flushing the journal, writing a snapshot');
      const timeoutMs = deps.shutdownTimeoutMs ?? 60_000;
      const watchdog = setTimeout(() => {
        log(
          `the shutdown did not finish within ${timeoutMs} ms: exiting anyway (the journal is replayed on the next start)`,
        );
        app.exit(1);
      }, timeoutMs);
      watchdog.unref?.();
      const report = await b.stop();
      clearTimeout(watchdog);
      log(report.ok ? 'stopped' : 'stopped, with errors (see above)');
      app.exit(report.ok ? 0 : 1);
      return report;
    })();
    return stopping;
  };

  // quitting waits for the shutdown; app.exit (not quit) ends the process afterwards, so this runs once
  app.on('before-quit', (event) => {
    event.preventDefault();
    quitRequested = true;
    if (backend !== null) void stopAndExit(backend);
  });
  app.on('window-all-closed', () => {
    if (deps.platform !== 'darwin') app.quit();
  });
  deps.onSignal?.(() => app.quit());

  await app.whenReady();
  const userData = app.getPath('userData');
  const dataDir = deps.options.dataDir ?? join(userData, 'data');
  lockDownSession(session.defaultSession, () => origin);

  try {
    backend = await deps.startBackend({
      dataDir,
      ports: portsToTry(deps.options.port, readState(userData).port),
      log,
      ...(deps.options.shards !== undefined ? { shards: deps.options.shards } : {}),
      ...(deps.options.durability !== undefined ? { durability: deps.options.durability } : {}),
    });
  } catch (e) {
    const message = (e as Error).message;
    log(`could not start: ${message}`);
    dialog.showErrorBox(START_FAILED_TITLE, `${message}\n\nData folder: ${dataDir}`);
    app.exit(1);
    return null;
  }
  const started = backend;
  origin = originOf(started.url);
  writeState(userData, { port: started.port }, log);
  // the same line as `deskex serve`: bin/start.mjs (npm start) reads it to know the app is up
  log(`API and UI at ${started.url} (desktop app, data ${dataDir})`);

  const info = (): AppInfo => ({
    version: app.getVersion(),
    electron: deps.electronVersion,
    dataDir,
    apiUrl: started.url,
    firstAdminPasswordFile: started.firstAdminPasswordFile,
  });
  let welcomed = false;

  const createWindow = (): BrowserWindowLike => {
    const w = new BrowserWindow(windowOptions({ preload: deps.preloadPath, devTools: !app.isPackaged }));
    win = w;
    const checked = (event: InvokeEventLike, args: readonly unknown[]) => {
      if (origin === null || !isTrustedSender(event, { webContentsId: w.webContents.id, origin })) {
        throw new Error('refused: not the app window');
      }
      if (args.length > 0) throw new Error('refused: this call takes no arguments');
    };
    w.webContents.ipc.handle(DESKTOP_CHANNELS.appInfo, (event, ...args) => {
      checked(event, args);
      return info();
    });
    w.webContents.ipc.handle(DESKTOP_CHANNELS.openDataFolder, async (event, ...args) => {
      checked(event, args);
      const error = await shell.openPath(dataDir);
      if (error !== '') throw new Error(error);
    });
    w.once('ready-to-show', () => {
      w.show();
      if (!welcomed && started.firstAdminPasswordFile !== null) {
        welcomed = true;
        void welcome(started.firstAdminPasswordFile);
      }
    });
    w.on('closed', () => {
      if (win === w) win = null;
    });
    w.loadURL(`${started.url}/`).catch((e: Error) => log(`the window could not load ${started.url}/: ${e.message}`));
    return w;
  };

  const welcome = async (passwordFile: string) => {
    const r = await dialog.showMessageBox({
      type: 'info',
      title: 'deskex',
      message: 'Welcome to deskex',
      detail:
        `Sign in as "admin" with the password in\n${passwordFile}\n\n` +
        `Bots on this machine reach the API at ${started.url}.`,
      buttons: ['Show the file', 'OK'],
      defaultId: 1,
      cancelId: 1,
      noLink: true,
    });
    if (r.response === 0) shell.showItemInFolder(passwordFile);
  };

  if (quitRequested) {
    void stopAndExit(started);
  } else {
    createWindow();
    app.on('activate', () => {
      if (win === null && stopping === null) createWindow();
    });
  }

  return {
    backend: started,
    dataDir,
    window: () => win,
    stopping: () => stopping,
  };
}
