import { describe, expect, it, vi } from 'vitest';
import type {
  InvokeEventLike,
  NavigationEvent,
  SessionLike,
  WebContentsLike,
} from '../../../src-main/electron/electron-like.ts';
import {
  contentSecurityPolicy,
  isAllowedRequest,
  isAppUrl,
  isExternalLink,
  isPermissionGranted,
  isTrustedSender,
  lockDownContents,
  lockDownSession,
  originOf,
  windowOptions,
  withCsp,
} from '../../../src-main/electron/security.ts';

const ORIGIN = 'http://127.0.0.1:41234';

describe('window options', () => {
  it('turn on isolation and the sandbox and keep Node.js out of every page', () => {
    const o = windowOptions({ preload: '/app/main/preload.cjs', devTools: false });
    expect(o.webPreferences).toMatchObject({
      preload: '/app/main/preload.cjs',
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
      devTools: false,
    });
    expect(o.show).toBe(false);
    expect(windowOptions({ preload: 'p', devTools: true }).webPreferences.devTools).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  const csp = contentSecurityPolicy(ORIGIN);
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));

  it('denies by default and allows only the app origin for code, styles and connections', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:41234']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('never allows inline or evaluated code', () => {
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('*');
  });

  it('is added beside a policy the server sent, never replacing it', () => {
    const server = "default-src 'self'";
    expect(withCsp({ 'content-security-policy': [server], 'x-a': ['1'] }, csp)).toEqual({
      'content-security-policy': [server, csp],
      'x-a': ['1'],
    });
    expect(withCsp(undefined, csp)).toEqual({ 'Content-Security-Policy': [csp] });
  });
});

describe('URLs', () => {
  it('knows the app origin from the server URL', () => {
    expect(originOf('http://127.0.0.1:41234')).toBe(ORIGIN);
    expect(() => originOf('file:///etc/passwd')).toThrow();
  });

  it('treats only the same origin as the app', () => {
    expect(isAppUrl(`${ORIGIN}/`, ORIGIN)).toBe(true);
    expect(isAppUrl(`${ORIGIN}/api/v1/docs?x=1#y`, ORIGIN)).toBe(true);
    expect(isAppUrl('http://127.0.0.1:41235/', ORIGIN)).toBe(false);
    expect(isAppUrl('http://localhost:41234/', ORIGIN)).toBe(false);
    expect(isAppUrl('https://127.0.0.1:41234/', ORIGIN)).toBe(false);
    expect(isAppUrl('file:///app/index.html', ORIGIN)).toBe(false);
    expect(isAppUrl(`${ORIGIN}/`, null)).toBe(false);
    expect(isAppUrl('not a url', ORIGIN)).toBe(false);
  });

  it('hands only http(s) links to the system browser', () => {
    expect(isExternalLink('https://example.com/x')).toBe(true);
    expect(isExternalLink('http://example.com/')).toBe(true);
    for (const u of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://host/share', 'vscode://x', 'garbage']) {
      expect(isExternalLink(u)).toBe(false);
    }
  });

  it('lets the window load from its own server (HTTP and WebSocket) only', () => {
    expect(isAllowedRequest(`${ORIGIN}/assets/index.js`, ORIGIN)).toBe(true);
    expect(isAllowedRequest('ws://127.0.0.1:41234/ws', ORIGIN)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', ORIGIN)).toBe(true);
    expect(isAllowedRequest('devtools://devtools/bundled/x.js', ORIGIN)).toBe(true);
    expect(isAllowedRequest('https://example.com/track.js', ORIGIN)).toBe(false);
    expect(isAllowedRequest('ws://127.0.0.1:9999/ws', ORIGIN)).toBe(false);
    expect(isAllowedRequest('http://192.168.1.10:41234/', ORIGIN)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', ORIGIN)).toBe(false);
    expect(isAllowedRequest(`${ORIGIN}/`, null)).toBe(false);
  });

  it('grants the clipboard write to the app and nothing else to anyone', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', `${ORIGIN}/`, ORIGIN)).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://example.com/', ORIGIN)).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'hid', 'unknown']) {
      expect(isPermissionGranted(p, `${ORIGIN}/`, ORIGIN)).toBe(false);
    }
  });
});

describe('IPC sender checks', () => {
  const top = { url: `${ORIGIN}/`, parent: null };
  const event = (over: Partial<{ id: number; frame: InvokeEventLike['senderFrame'] }> = {}): InvokeEventLike => ({
    sender: { id: over.id ?? 7 },
    senderFrame: over.frame === undefined ? top : over.frame,
  });
  const expected = { webContentsId: 7, origin: ORIGIN };

  it('trusts the top frame of the app window on the app origin', () => {
    expect(isTrustedSender(event(), expected)).toBe(true);
  });

  it('refuses another window, a sub-frame, a page elsewhere and a gone frame', () => {
    expect(isTrustedSender(event({ id: 8 }), expected)).toBe(false);
    expect(isTrustedSender(event({ frame: { url: `${ORIGIN}/`, parent: top } }), expected)).toBe(false);
    expect(isTrustedSender(event({ frame: { url: 'https://evil.example/', parent: null } }), expected)).toBe(false);
    expect(isTrustedSender(event({ frame: { url: 'http://127.0.0.1:1/', parent: null } }), expected)).toBe(false);
    expect(isTrustedSender(event({ frame: null }), expected)).toBe(false);
  });
});

type Listener = (...args: never[]) => void;

function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  const contents: WebContentsLike = {
    id: 1,
    ipc: { handle: () => {} },
    setWindowOpenHandler: (h) => {
      openHandler = h;
    },
    on: (name: string, l: Listener) => {
      listeners.set(name, l);
      return contents;
    },
  };
  const navigate = (name: string, url: string) => {
    const e: NavigationEvent = { url, preventDefault: vi.fn() };
    (listeners.get(name) as (e: NavigationEvent) => void)(e);
    return e.preventDefault;
  };
  return { contents, navigate, open: (url: string) => openHandler!({ url }), listeners };
}

describe('page lock-down', () => {
  it('denies every new window and sends http(s) links to the system browser', () => {
    const f = fakeContents();
    const openExternal = vi.fn();
    lockDownContents(f.contents, () => ORIGIN, openExternal);
    expect(f.open('https://example.com/docs')).toEqual({ action: 'deny' });
    expect(f.open(`${ORIGIN}/api/v1/docs`)).toEqual({ action: 'deny' });
    expect(f.open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(f.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://example.com/docs'], [`${ORIGIN}/api/v1/docs`]]);
  });

  it('lets the page move within the app and stops every other navigation or redirect', () => {
    const f = fakeContents();
    const openExternal = vi.fn();
    lockDownContents(f.contents, () => ORIGIN, openExternal);
    expect(f.navigate('will-navigate', `${ORIGIN}/index.html`)).not.toHaveBeenCalled();
    expect(f.navigate('will-navigate', 'https://example.com/')).toHaveBeenCalledOnce();
    expect(f.navigate('will-navigate', 'file:///etc/passwd')).toHaveBeenCalledOnce();
    expect(openExternal.mock.calls).toEqual([['https://example.com/']]);
    expect(f.navigate('will-redirect', `${ORIGIN}/`)).not.toHaveBeenCalled();
    expect(f.navigate('will-redirect', 'https://example.com/')).toHaveBeenCalledOnce();
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('stops navigation while the server is not up yet, and every webview', () => {
    const f = fakeContents();
    lockDownContents(f.contents, () => null, vi.fn());
    expect(f.navigate('will-navigate', `${ORIGIN}/`)).toHaveBeenCalledOnce();
    const e = { preventDefault: vi.fn() };
    (f.listeners.get('will-attach-webview') as (e: unknown) => void)(e);
    expect(e.preventDefault).toHaveBeenCalledOnce();
  });
});

describe('session lock-down', () => {
  function fakeSession() {
    const h: {
      request?: Parameters<SessionLike['setPermissionRequestHandler']>[0];
      check?: Parameters<SessionLike['setPermissionCheckHandler']>[0];
      before?: Parameters<SessionLike['webRequest']['onBeforeRequest']>[0];
      headers?: Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];
    } = {};
    const session: SessionLike = {
      setPermissionRequestHandler: (x) => {
        h.request = x;
      },
      setPermissionCheckHandler: (x) => {
        h.check = x;
      },
      webRequest: {
        onBeforeRequest: (x) => {
          h.before = x;
        },
        onHeadersReceived: (x) => {
          h.headers = x;
        },
      },
    };
    return { session, h };
  }

  it('answers permission requests and checks, cancels foreign requests, adds the CSP to app responses', () => {
    const { session, h } = fakeSession();
    lockDownSession(session, () => ORIGIN);
    const granted = vi.fn();
    h.request!(null, 'media', granted, { requestingUrl: `${ORIGIN}/` });
    h.request!(null, 'clipboard-sanitized-write', granted, { requestingUrl: `${ORIGIN}/` });
    expect(granted.mock.calls).toEqual([[false], [true]]);
    expect(h.check!(null, 'geolocation', ORIGIN)).toBe(false);
    expect(h.check!(null, 'clipboard-sanitized-write', ORIGIN)).toBe(true);

    const decide = vi.fn();
    h.before!({ url: 'https://cdn.example.com/x.js' }, decide);
    h.before!({ url: `${ORIGIN}/assets/a.js` }, decide);
    expect(decide.mock.calls).toEqual([[{ cancel: true }], [{ cancel: false }]]);

    const respond = vi.fn();
    h.headers!({ url: `${ORIGIN}/`, responseHeaders: { 'content-type': ['text/html'] } }, respond);
    expect(respond.mock.calls[0]![0].responseHeaders).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': [contentSecurityPolicy(ORIGIN)],
    });
    h.headers!({ url: 'http://127.0.0.1:1/', responseHeaders: { a: ['b'] } }, respond);
    expect(respond.mock.calls[1]![0].responseHeaders).toEqual({ a: ['b'] });
  });
});
