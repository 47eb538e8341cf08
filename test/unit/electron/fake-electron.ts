/**
 * A stand-in for the parts of Electron the desktop app uses (ElectronLike), recording what the app did. Events are
 * fired by the tests (`app.emit('before-quit')`, `win.emit('ready-to-show')`), like Electron would.
 */
import { vi } from 'vitest';
import type {
  AppLike,
  BrowserWindowLike,
  ElectronLike,
  FrameLike,
  InvokeEventLike,
  InvokeHandler,
  MessageBoxOptionsLike,
  NavigationEvent,
  SessionLike,
  WebContentsLike,
  WindowOptions,
} from '../../../src-main/electron/electron-like.ts';

type Listener = (...args: never[]) => unknown;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapped = ((...args: never[]) => {
      this.off(event, wrapped);
      return listener(...args);
    }) as Listener;
    return this.on(event, wrapped);
  }

  off(event: string, listener: Listener): void {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
  }

  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args);
  }

  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

export class FakeWebContents extends Emitter implements WebContentsLike {
  static nextId = 100;
  readonly id = FakeWebContents.nextId++;
  readonly handlers = new Map<string, InvokeHandler>();
  readonly ipc = {
    handle: (channel: string, listener: InvokeHandler) => {
      if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
      this.handlers.set(channel, listener);
    },
  };
  openHandler: ((d: { readonly url: string }) => { action: 'deny' }) | null = null;
  /** The page's top frame, as IPC events from it carry it. */
  mainFrame: FrameLike = { url: 'about:blank', parent: null };

  setWindowOpenHandler(handler: (d: { readonly url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }

  /** Calls an IPC handler as the page would, from `frame` (default: the top frame) with `args`. */
  invoke(channel: string, args: unknown[] = [], event: Partial<InvokeEventLike> = {}): unknown {
    const h = this.handlers.get(channel);
    if (h === undefined) throw new Error(`no handler for ${channel}`);
    return h({ sender: event.sender ?? { id: this.id }, senderFrame: event.senderFrame ?? this.mainFrame }, ...args);
  }

  /** Fires will-navigate / will-redirect; returns whether the app prevented it. */
  navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
    let prevented = false;
    const e: NavigationEvent = {
      url,
      preventDefault: () => {
        prevented = true;
      },
    };
    this.emit(event, e);
    return prevented;
  }
}

export class FakeWindow extends Emitter implements BrowserWindowLike {
  static readonly all: FakeWindow[] = [];
  static getAllWindows(): BrowserWindowLike[] {
    return FakeWindow.all.filter((w) => !w.destroyed);
  }

  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  shown = 0;
  focused = 0;
  restored = 0;
  minimized = false;
  destroyed = false;

  constructor(readonly options: WindowOptions) {
    super();
    FakeWindow.all.push(this);
  }

  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.mainFrame = { url, parent: null };
  }
  show(): void {
    this.shown++;
  }
  focus(): void {
    this.focused++;
  }
  restore(): void {
    this.restored++;
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    this.emit('closed');
  }
}

export class FakeApp extends Emitter implements AppLike {
  isPackaged = false;
  lock = true;
  readonly exits: number[] = [];
  quits = 0;
  sandboxed = false;
  private exited: (code: number) => void = () => {};
  /** Resolves with the code of the first app.exit call. */
  readonly exitCode = new Promise<number>((resolve) => {
    this.exited = resolve;
  });

  constructor(readonly userData: string) {
    super();
  }

  getVersion(): string {
    return '9.8.7';
  }
  getPath(_name: 'userData'): string {
    return this.userData;
  }
  enableSandbox(): void {
    this.sandboxed = true;
  }
  requestSingleInstanceLock(): boolean {
    return this.lock;
  }
  whenReady(): Promise<unknown> {
    return Promise.resolve();
  }
  /** Like Electron: fires before-quit; quits only when nobody prevented it. */
  quit(): void {
    this.quits++;
    let prevented = false;
    this.emit('before-quit', {
      preventDefault: () => {
        prevented = true;
      },
    });
    if (!prevented) this.exit(0);
  }
  exit(code = 0): void {
    this.exits.push(code);
    this.exited(code);
  }
}

export interface FakeElectron extends ElectronLike {
  readonly app: FakeApp;
  readonly session: { readonly defaultSession: FakeSession };
}

export interface FakeSession extends SessionLike {
  readonly handlers: {
    request?: Parameters<SessionLike['setPermissionRequestHandler']>[0];
    check?: Parameters<SessionLike['setPermissionCheckHandler']>[0];
    before?: Parameters<SessionLike['webRequest']['onBeforeRequest']>[0];
    headers?: Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];
  };
}

export function fakeElectron(userData: string) {
  FakeWindow.all.length = 0;
  const handlers: FakeSession['handlers'] = {};
  const defaultSession: FakeSession = {
    handlers,
    setPermissionRequestHandler: (h) => {
      handlers.request = h;
    },
    setPermissionCheckHandler: (h) => {
      handlers.check = h;
    },
    webRequest: {
      onBeforeRequest: (h) => {
        handlers.before = h;
      },
      onHeadersReceived: (h) => {
        handlers.headers = h;
      },
    },
  };
  const shell = {
    openExternal: vi.fn(async (_url: string) => {}),
    openPath: vi.fn(async (_path: string) => ''),
    showItemInFolder: vi.fn((_path: string) => {}),
  };
  const dialog = {
    showErrorBox: vi.fn((_title: string, _content: string) => {}),
    showMessageBox: vi.fn(async (_o: MessageBoxOptionsLike) => ({ response: 1 })),
  };
  const app = new FakeApp(userData);
  // like Electron, a new window's page is announced on the app
  class BrowserWindow extends FakeWindow {
    constructor(options: WindowOptions) {
      super(options);
      app.emit('web-contents-created', {}, this.webContents);
    }
  }
  const electron = {
    app,
    BrowserWindow,
    session: { defaultSession },
    shell,
    dialog,
  } satisfies FakeElectron;
  return electron;
}
