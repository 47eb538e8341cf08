/**
 * The parts of Electron's main-process API that deskex uses, as narrow structural types. The desktop logic
 * (desktop.ts, security.ts) takes an object of this shape instead of importing 'electron', so it runs in tests
 * against a fake; main.ts passes the real module. electron-like-check.ts makes the compiler prove that the real
 * module (electron.d.ts) fits these types, so a rename in Electron fails `tsc`, not the packaged app.
 */

export interface PreventableEvent {
  preventDefault(): void;
}

/** A navigation about to happen (will-navigate, will-redirect). */
export interface NavigationEvent extends PreventableEvent {
  readonly url: string;
}

/** A frame of a page (Electron's WebFrameMain). */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

/** The event of an `ipc.handle` call. */
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  /** null when the frame navigated away or was destroyed before the handler looked. */
  readonly senderFrame: FrameLike | null;
}

export type InvokeHandler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

export interface WebContentsLike {
  readonly id: number;
  /** IPC scoped to this page: handlers registered here never see messages from other pages. */
  readonly ipc: { handle(channel: string, listener: InvokeHandler): void };
  setWindowOpenHandler(handler: (details: { readonly url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}

/** The BrowserWindow options deskex sets (every security-relevant preference explicitly). */
export interface WindowOptions {
  readonly width: number;
  readonly height: number;
  readonly minWidth: number;
  readonly minHeight: number;
  readonly show: boolean;
  readonly title: string;
  readonly backgroundColor: string;
  readonly autoHideMenuBar: boolean;
  readonly webPreferences: {
    readonly preload: string;
    readonly contextIsolation: true;
    readonly sandbox: true;
    readonly nodeIntegration: false;
    readonly nodeIntegrationInWorker: false;
    readonly nodeIntegrationInSubFrames: false;
    readonly webSecurity: true;
    readonly allowRunningInsecureContent: false;
    readonly webviewTag: false;
    readonly experimentalFeatures: false;
    readonly navigateOnDragDrop: false;
    readonly safeDialogs: true;
    readonly spellcheck: false;
    readonly devTools: boolean;
  };
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
}

export interface BrowserWindowClassLike {
  new (options: WindowOptions): BrowserWindowLike;
  getAllWindows(): BrowserWindowLike[];
}

export interface WebRequestLike {
  onBeforeRequest(
    listener: (details: { readonly url: string }, callback: (response: { cancel: boolean }) => void) => void,
  ): void;
  onHeadersReceived(
    listener: (
      details: { readonly url: string; readonly responseHeaders?: Record<string, string[]> },
      callback: (response: { responseHeaders: Record<string, string[]> }) => void,
    ) => void,
  ): void;
}

export interface SessionLike {
  readonly webRequest: WebRequestLike;
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { readonly requestingUrl: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
}

export interface AppLike {
  readonly isPackaged: boolean;
  getVersion(): string;
  getPath(name: 'userData'): string;
  enableSandbox(): void;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  quit(): void;
  exit(code?: number): void;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
}

export interface MessageBoxOptionsLike {
  readonly type: 'info' | 'warning' | 'error';
  readonly title: string;
  readonly message: string;
  readonly detail: string;
  readonly buttons: string[];
  readonly defaultId: number;
  readonly cancelId: number;
  readonly noLink: boolean;
}

export interface ElectronLike {
  readonly app: AppLike;
  readonly BrowserWindow: BrowserWindowClassLike;
  readonly session: { readonly defaultSession: SessionLike };
  readonly shell: {
    openExternal(url: string): Promise<void>;
    openPath(path: string): Promise<string>;
    showItemInFolder(path: string): void;
  };
  readonly dialog: {
    showErrorBox(title: string, content: string): void;
    showMessageBox(options: MessageBoxOptionsLike): Promise<{ response: number }>;
  };
}
