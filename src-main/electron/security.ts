/**
 * The desktop window's security rules, as plain functions (tested without Electron): the window's web preferences,
 * the Content-Security-Policy added to every response of the served UI, which navigations, windows, requests and
 * permissions are allowed, and which IPC senders are trusted. The window shows one thing: the UI served by the
 * in-process API server at http://127.0.0.1:PORT. Everything else is refused; http(s) links open in the system's
 * browser instead.
 */
import type { InvokeEventLike, NavigationEvent, SessionLike, WebContentsLike, WindowOptions } from './electron-like.ts';

/** The window's options: contextIsolation and sandbox on, no Node.js anywhere in the page, no webviews. */
export function windowOptions(o: { readonly preload: string; readonly devTools: boolean }): WindowOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'deskex',
    backgroundColor: '#0f1115',
    autoHideMenuBar: true,
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: o.devTools,
    },
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The served UI's origin from the server's URL (http://127.0.0.1:PORT). */
export function originOf(serverUrl: string): string {
  const u = parse(serverUrl);
  if (u === null || u.protocol !== 'http:') throw new Error(`not an http URL: ${serverUrl}`);
  return u.origin;
}

/**
 * The policy every page of the app gets, on top of the one the API server sends: scripts, styles, fonts and images
 * from the app's origin only, fetches and WebSockets to the app's server only, no plugins, frames, or inline code.
 */
export function contentSecurityPolicy(origin: string): string {
  const { host } = new URL(origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://${host}`,
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Response headers with `csp` added. A policy the server already sent is kept: the browser enforces every policy
 * it is given, so adding can only make the page stricter.
 */
export function withCsp(
  headers: Readonly<Record<string, string[]>> | undefined,
  csp: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = { ...headers };
  const key = Object.keys(out).find((k) => k.toLowerCase() === 'content-security-policy') ?? 'Content-Security-Policy';
  out[key] = [...(out[key] ?? []), csp];
  return out;
}

/** A page of the app itself: same origin as the served UI. */
export function isAppUrl(url: string, origin: string | null): boolean {
  if (origin === null) return false;
  const u = parse(url);
  return u !== null && u.protocol === 'http:' && u.origin === origin;
}

/** A link that may be handed to the system's browser: http or https only (never file:, javascript:, custom schemes). */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return u !== null && (u.protocol === 'http:' || u.protocol === 'https:');
}

/**
 * Whether the window may load `url` at all: the app's own server (HTTP and its WebSocket) and in-page data. Any
 * other request (another host, another port, https, file:) is cancelled before it leaves.
 */
export function isAllowedRequest(url: string, origin: string | null): boolean {
  const u = parse(url);
  if (u === null) return false;
  if (u.protocol === 'devtools:' || u.protocol === 'data:' || u.protocol === 'blob:') return true;
  if (origin === null) return false;
  const { host } = new URL(origin);
  return (u.protocol === 'http:' || u.protocol === 'ws:') && u.host === host;
}

/** Permissions the UI may have: writing text to the clipboard (copy an API key), from the app's origin only. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function isPermissionGranted(permission: string, requestingUrl: string, origin: string | null): boolean {
  return GRANTED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, origin);
}

/**
 * An IPC call is trusted only from the app's window (its webContents id), from the top frame, showing a page of
 * the app's origin. Anything else (a frame, a page that navigated away, another window) is refused.
 */
export function isTrustedSender(
  event: InvokeEventLike,
  expected: { readonly webContentsId: number; readonly origin: string },
): boolean {
  if (event.sender.id !== expected.webContentsId) return false;
  const frame = event.senderFrame;
  if (frame === null || frame.parent !== null) return false;
  return isAppUrl(frame.url, expected.origin);
}

/**
 * Locks down one page (every webContents the app creates): no new windows (http(s) links go to the system's
 * browser), no navigation or redirect away from the app's origin, no webviews.
 */
export function lockDownContents(
  contents: WebContentsLike,
  origin: () => string | null,
  openExternal: (url: string) => void,
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event: NavigationEvent) => {
    if (isAppUrl(event.url, origin())) return;
    event.preventDefault();
    if (isExternalLink(event.url)) openExternal(event.url);
  });
  contents.on('will-redirect', (event: NavigationEvent) => {
    if (!isAppUrl(event.url, origin())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Session-wide rules: permissions denied (but the clipboard write), requests outside the app's server cancelled,
 * and the CSP added to every response of the app's origin.
 */
export function lockDownSession(session: SessionLike, origin: () => string | null): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionGranted(permission, details.requestingUrl, origin()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionGranted(permission, requestingOrigin, origin()),
  );
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url, origin()) });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    const o = origin();
    const headers = details.responseHeaders ?? {};
    callback({
      responseHeaders: o !== null && isAppUrl(details.url, o) ? withCsp(headers, contentSecurityPolicy(o)) : headers,
    });
  });
}
