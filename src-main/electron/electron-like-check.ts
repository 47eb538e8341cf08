/**
 * Compile-time only: proves that the real 'electron' module fits ElectronLike (electron-like.ts). `tsc` fails here
 * when an Electron upgrade renames or retypes anything the desktop code uses. Nothing imports this file.
 */
import type * as RealElectron from 'electron';
import type { ElectronLike } from './electron-like.ts';

type Fits<T extends ElectronLike> = T;

export type RealElectronFits = Fits<typeof RealElectron>;
