import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DESKTOP_CHANNELS, type DesktopBridge } from '../../../src-main/electron/bridge.ts';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (channel: string, ...args: unknown[]) => ({ channel, args }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: { invoke, send: vi.fn(), on: vi.fn() },
}));

describe('preload', () => {
  beforeEach(async () => {
    exposed.clear();
    invoke.mockClear();
    vi.resetModules();
    await import('../../../src-main/electron/preload.ts');
  });

  it('exposes window.deskex with the bridge functions and nothing else', () => {
    expect([...exposed.keys()]).toEqual(['deskex']);
    const api = exposed.get('deskex') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['appInfo', 'openDataFolder']);
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
  });

  it('invokes each function on its own channel and passes no argument through', async () => {
    const api = exposed.get('deskex') as DesktopBridge;
    await (api.appInfo as (...a: unknown[]) => Promise<unknown>)('injected', { channel: 'x' });
    await (api.openDataFolder as (...a: unknown[]) => Promise<unknown>)('../../etc');
    expect(invoke.mock.calls).toEqual([[DESKTOP_CHANNELS.appInfo], [DESKTOP_CHANNELS.openDataFolder]]);
  });

  it('uses only the channels of the bridge, all under deskex:', () => {
    for (const c of Object.values(DESKTOP_CHANNELS)) expect(c).toMatch(/^deskex:[a-z-]+$/);
    expect(new Set(Object.values(DESKTOP_CHANNELS)).size).toBe(Object.values(DESKTOP_CHANNELS).length);
  });
});
