import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Backend, BackendOptions } from '../../../src-main/electron/backend.ts';
import { DESKTOP_CHANNELS } from '../../../src-main/electron/bridge.ts';
import { type DesktopDeps, portsToTry, runDesktop, STATE_FILE } from '../../../src-main/electron/desktop.ts';
import { contentSecurityPolicy } from '../../../src-main/electron/security.ts';
import { createShutdown } from '../../../src-main/electron/shutdown.ts';
import { FakeWindow, fakeElectron } from './fake-electron.ts';

const URL_ = 'http://127.0.0.1:45678';

let userData: string;
beforeEach(() => {
  userData = mkdtempSync(join(tmpdir(), 'deskex-desktop-'));
});
afterEach(() => {
  rmSync(userData, { recursive: true, force: true });
});

/** A backend whose shutdown steps are recorded; `gate` holds the exchange step until released. */
function fakeBackend(o: { firstAdmin?: string | null; gate?: Promise<void> } = {}) {
  const steps: string[] = [];
  const started: BackendOptions[] = [];
  const stop = createShutdown([
    { name: 'server', run: () => void steps.push('server closed') },
    {
      name: 'exchange',
      run: async () => {
        await o.gate;
        steps.push('exchange closed');
      },
    },
    { name: 'jobs', run: () => void steps.push('jobs stopped') },
  ]);
  const stopSpy = vi.fn(stop);
  const startBackend = vi.fn(async (options: BackendOptions): Promise<Backend> => {
    started.push(options);
    return {
      url: URL_,
      port: 45678,
      dataDir: options.dataDir,
      firstAdminPasswordFile: o.firstAdmin ?? null,
      stop: stopSpy,
    };
  });
  return { startBackend, steps, started, stop: stopSpy };
}

function deps(electron: ReturnType<typeof fakeElectron>, over: Partial<DesktopDeps> = {}): DesktopDeps {
  return {
    electron,
    options: {},
    preloadPath: '/app/main/preload.cjs',
    electronVersion: '45.5.0',
    platform: 'linux',
    startBackend: fakeBackend().startBackend,
    log: () => {},
    ...over,
  };
}

describe('runDesktop: start', () => {
  it('starts the exchange in the user-data folder and opens one locked-down window on the served UI', async () => {
    const electron = fakeElectron(userData);
    const backend = fakeBackend();
    const desktop = await runDesktop(deps(electron, { startBackend: backend.startBackend }));
    expect(desktop).not.toBeNull();
    expect(electron.app.sandboxed).toBe(true);
    expect(backend.started).toEqual([expect.objectContaining({ dataDir: join(userData, 'data'), ports: [0] })]);
    expect(FakeWindow.all).toHaveLength(1);
    const win = FakeWindow.all[0]!;
    expect(win.options.webPreferences).toMatchObject({
      preload: '/app/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      devTools: true,
    });
    expect(win.loaded).toEqual([`${URL_}/`]);
    expect(win.shown).toBe(0);
    win.emit('ready-to-show');
    expect(win.shown).toBe(1);
    expect(electron.dialog.showMessageBox).not.toHaveBeenCalled();
  });

  it('hides the developer tools in the packaged app', async () => {
    const electron = fakeElectron(userData);
    electron.app.isPackaged = true;
    await runDesktop(deps(electron));
    expect(FakeWindow.all[0]!.options.webPreferences.devTools).toBe(false);
  });

  it('takes --data-dir, --port, --shards and --durability', async () => {
    const electron = fakeElectron(userData);
    const backend = fakeBackend();
    const options = { dataDir: '/srv/deskex', port: 9000, shards: 2, durability: 'strict' as const };
    const desktop = await runDesktop(deps(electron, { startBackend: backend.startBackend, options }));
    expect(desktop!.dataDir).toBe('/srv/deskex');
    expect(backend.started[0]).toMatchObject({
      dataDir: '/srv/deskex',
      ports: [9000],
      shards: 2,
      durability: 'strict',
    });
  });

  it('remembers the port and tries it first next time, then any free port', async () => {
    const first = fakeElectron(userData);
    await runDesktop(deps(first));
    expect(JSON.parse(readFileSync(join(userData, STATE_FILE), 'utf8'))).toEqual({ port: 45678 });
    const second = fakeElectron(userData);
    const backend = fakeBackend();
    await runDesktop(deps(second, { startBackend: backend.startBackend }));
    expect(backend.started[0]!.ports).toEqual([45678, 0]);
    writeFileSync(join(userData, STATE_FILE), '{"port": "nonsense"}');
    const third = fakeBackend();
    await runDesktop(deps(fakeElectron(userData), { startBackend: third.startBackend }));
    expect(third.started[0]!.ports).toEqual([0]);
    expect(portsToTry(undefined, undefined)).toEqual([0]);
    expect(portsToTry(8470, 45678)).toEqual([8470]);
  });

  it('shows where the first admin password is, once, and can show the file', async () => {
    const electron = fakeElectron(userData);
    electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 0 });
    const shown = new Promise<string>((resolve) => electron.shell.showItemInFolder.mockImplementation(resolve));
    const file = join(userData, 'data', 'admin-password.txt');
    await runDesktop(deps(electron, { startBackend: fakeBackend({ firstAdmin: file }).startBackend }));
    const win = FakeWindow.all[0]!;
    win.emit('ready-to-show');
    win.emit('ready-to-show');
    expect(electron.dialog.showMessageBox).toHaveBeenCalledOnce();
    expect(electron.dialog.showMessageBox.mock.calls[0]![0].detail).toContain(file);
    expect(await shown).toBe(file);
  });

  it('reports a failed start in an error box and exits with 1, opening no window', async () => {
    const electron = fakeElectron(userData);
    const startBackend = vi.fn(async () => {
      throw new Error('the data folder /x is in use by another deskex');
    });
    expect(await runDesktop(deps(electron, { startBackend }))).toBeNull();
    expect(electron.dialog.showErrorBox).toHaveBeenCalledWith(
      'deskex could not start',
      expect.stringContaining('in use by another deskex'),
    );
    expect(electron.app.exits).toEqual([1]);
    expect(FakeWindow.all).toHaveLength(0);
  });
});

describe('runDesktop: one instance', () => {
  it('quits a second instance before starting anything', async () => {
    const electron = fakeElectron(userData);
    electron.app.lock = false;
    const backend = fakeBackend();
    expect(await runDesktop(deps(electron, { startBackend: backend.startBackend }))).toBeNull();
    expect(electron.app.quits).toBe(1);
    expect(backend.startBackend).not.toHaveBeenCalled();
    expect(FakeWindow.all).toHaveLength(0);
  });

  it('brings the window back when a second instance starts', async () => {
    const electron = fakeElectron(userData);
    await runDesktop(deps(electron));
    const win = FakeWindow.all[0]!;
    win.minimized = true;
    electron.app.emit('second-instance');
    expect(win.restored).toBe(1);
    expect(win.focused).toBe(1);
  });
});

describe('runDesktop: security wiring', () => {
  it('locks down the window page: no new windows, no navigation away, links to the system browser', async () => {
    const electron = fakeElectron(userData);
    await runDesktop(deps(electron));
    const page = FakeWindow.all[0]!.webContents;
    expect(page.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/');
    expect(page.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(page.navigate('will-navigate', `${URL_}/settlement`)).toBe(false);
    expect(page.navigate('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
  });

  it('locks down the session: permissions, foreign requests, the CSP', async () => {
    const electron = fakeElectron(userData);
    await runDesktop(deps(electron));
    const h = electron.session.defaultSession.handlers;
    const granted = vi.fn();
    h.request!(null, 'notifications', granted, { requestingUrl: `${URL_}/` });
    expect(granted).toHaveBeenCalledWith(false);
    const decide = vi.fn();
    h.before!({ url: 'https://cdn.example.com/lib.js' }, decide);
    expect(decide).toHaveBeenCalledWith({ cancel: true });
    const respond = vi.fn();
    h.headers!({ url: `${URL_}/`, responseHeaders: {} }, respond);
    expect(respond).toHaveBeenCalledWith({
      responseHeaders: { 'Content-Security-Policy': [contentSecurityPolicy(URL_)] },
    });
  });

  it('answers the two bridge calls to the app window only, without arguments', async () => {
    const electron = fakeElectron(userData);
    const desktop = await runDesktop(deps(electron));
    const page = FakeWindow.all[0]!.webContents;
    expect([...page.handlers.keys()].sort()).toEqual(Object.values(DESKTOP_CHANNELS).sort());

    expect(page.invoke(DESKTOP_CHANNELS.appInfo)).toEqual({
      version: '9.8.7',
      electron: '45.5.0',
      dataDir: desktop!.dataDir,
      apiUrl: URL_,
      firstAdminPasswordFile: null,
    });
    const refused = [
      () => page.invoke(DESKTOP_CHANNELS.appInfo, ['extra']),
      () => page.invoke(DESKTOP_CHANNELS.appInfo, [], { sender: { id: page.id + 1 } }),
      () => page.invoke(DESKTOP_CHANNELS.appInfo, [], { senderFrame: { url: `${URL_}/`, parent: page.mainFrame } }),
      () => page.invoke(DESKTOP_CHANNELS.appInfo, [], { senderFrame: { url: 'https://evil.example/', parent: null } }),
    ];
    for (const call of refused) expect(call).toThrow(/refused/);

    await page.invoke(DESKTOP_CHANNELS.openDataFolder);
    expect(electron.shell.openPath).toHaveBeenCalledWith(desktop!.dataDir);
    await expect(page.invoke(DESKTOP_CHANNELS.openDataFolder, [], { sender: { id: -1 } })).rejects.toThrow(/refused/);
    electron.shell.openPath.mockResolvedValueOnce('no such folder');
    await expect(page.invoke(DESKTOP_CHANNELS.openDataFolder)).rejects.toThrow('no such folder');
    expect(electron.shell.openPath).toHaveBeenCalledTimes(2);
  });
});

describe('runDesktop: quitting', () => {
  it('holds the quit until the API server, the exchange and the jobs are stopped, in that order, then exits 0', async () => {
    const electron = fakeElectron(userData);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const backend = fakeBackend({ gate });
    const desktop = await runDesktop(deps(electron, { startBackend: backend.startBackend }));
    electron.app.quit();
    electron.app.quit(); // a second request while stopping waits for the same shutdown
    expect(backend.steps).toEqual(['server closed']);
    expect(electron.app.exits).toEqual([]);
    release();
    expect(await electron.app.exitCode).toBe(0);
    expect(backend.steps).toEqual(['server closed', 'exchange closed', 'jobs stopped']);
    expect(backend.stop).toHaveBeenCalledTimes(1);
    expect(electron.app.exits).toEqual([0]);
    expect((await desktop!.stopping())!.ok).toBe(true);
  });

  it('exits 1 when a shutdown step failed', async () => {
    const electron = fakeElectron(userData);
    const stop = createShutdown([
      {
        name: 'server',
        run: () => {
          throw new Error('boom');
        },
      },
    ]);
    const startBackend = async (o: BackendOptions): Promise<Backend> => ({
      url: URL_,
      port: 1,
      dataDir: o.dataDir,
      firstAdminPasswordFile: null,
      stop,
    });
    await runDesktop(deps(electron, { startBackend }));
    electron.app.quit();
    expect(await electron.app.exitCode).toBe(1);
  });

  it('exits anyway when the shutdown hangs past its limit', async () => {
    vi.useFakeTimers();
    try {
      const electron = fakeElectron(userData);
      const startBackend = async (o: BackendOptions): Promise<Backend> => ({
        url: URL_,
        port: 1,
        dataDir: o.dataDir,
        firstAdminPasswordFile: null,
        stop: () => new Promise(() => {}),
      });
      await runDesktop(deps(electron, { startBackend, shutdownTimeoutMs: 5_000 }));
      electron.app.quit();
      await vi.advanceTimersByTimeAsync(4_999);
      expect(electron.app.exits).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(electron.app.exits).toEqual([1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a quit during start-up stops the exchange once it is up, and opens no window', async () => {
    const electron = fakeElectron(userData);
    const backend = fakeBackend();
    let proceed!: () => void;
    const held = new Promise<void>((r) => {
      proceed = r;
    });
    const startBackend = async (o: BackendOptions) => {
      await held;
      return backend.startBackend(o);
    };
    const running = runDesktop(deps(electron, { startBackend }));
    expect(electron.app.count('before-quit')).toBe(1);
    electron.app.quit();
    expect(electron.app.exits).toEqual([]);
    proceed();
    await running;
    expect(await electron.app.exitCode).toBe(0);
    expect(backend.steps).toEqual(['server closed', 'exchange closed', 'jobs stopped']);
    expect(FakeWindow.all).toHaveLength(0);
  });

  it('quits when the last window closes, except on macOS where it serves on and reopens the window', async () => {
    const linux = fakeElectron(userData);
    await runDesktop(deps(linux));
    FakeWindow.all[0]!.close();
    linux.app.emit('window-all-closed');
    expect(await linux.app.exitCode).toBe(0);

    const mac = fakeElectron(userData);
    const desktop = await runDesktop(deps(mac, { platform: 'darwin' }));
    FakeWindow.all[0]!.close();
    mac.app.emit('window-all-closed');
    expect(mac.app.quits).toBe(0);
    expect(desktop!.window()).toBeNull();
    mac.app.emit('activate');
    expect(FakeWindow.all).toHaveLength(2);
    expect(desktop!.window()).toBe(FakeWindow.all[1]);
  });

  it('quits on SIGINT / SIGTERM through the registered handler', async () => {
    const electron = fakeElectron(userData);
    let signal: (() => void) | null = null;
    await runDesktop(deps(electron, { onSignal: (quit) => (signal = quit) }));
    signal!();
    expect(await electron.app.exitCode).toBe(0);
  });
});
