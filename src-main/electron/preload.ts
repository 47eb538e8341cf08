/**
 * The window's preload (sandboxed; built to dist/main/preload.cjs). It exposes `window.deskex` with the named
 * functions of bridge.ts and nothing else: no ipcRenderer, no channel names, no arguments passed through.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_CHANNELS, type DesktopBridge } from './bridge.ts';

const bridge: DesktopBridge = {
  appInfo: () => ipcRenderer.invoke(DESKTOP_CHANNELS.appInfo),
  openDataFolder: () => ipcRenderer.invoke(DESKTOP_CHANNELS.openDataFolder),
};

contextBridge.exposeInMainWorld('deskex', bridge);
