/**
 * The desktop bridge: the only functions the preload exposes to the UI (as `window.deskex`), and the IPC channels
 * behind them. Each call takes no arguments, so there is no payload to validate; the main process checks who sent it
 * (security.ts `isTrustedSender`). The UI talks to the exchange through the HTTP/WebSocket API like any client; this
 * bridge only gives what a browser page cannot know. The renderer may `import type` from this file.
 */

export const DESKTOP_CHANNELS = {
  appInfo: 'deskex:app-info',
  openDataFolder: 'deskex:open-data-folder',
} as const;

export type DesktopChannel = (typeof DESKTOP_CHANNELS)[keyof typeof DESKTOP_CHANNELS];

/** What the desktop shell tells the UI about itself. */
export interface AppInfo {
  /** The app's version (package.json). */
  readonly version: string;
  /** Electron's version. */
  readonly electron: string;
  /** The folder holding the exchange's database (under the app's user-data folder unless --data-dir was given). */
  readonly dataDir: string;
  /** The API's base URL, for bots on this machine (http://127.0.0.1:PORT). */
  readonly apiUrl: string;
  /** On the first start, the file holding the generated password of the "admin" user; null afterwards. */
  readonly firstAdminPasswordFile: string | null;
}

/** `window.deskex` in the desktop app (absent in a browser). */
export interface DesktopBridge {
  appInfo(): Promise<AppInfo>;
  /** Opens the data folder in the system's file manager. */
  openDataFolder(): Promise<void>;
}
