/**
 * The app's command-line options (main.ts), the same in the desktop app and the headless bundle:
 * --data-dir DIR, --port N, --shards N, --durability strict|batched|fast, and --self-check (headless only).
 * Unknown arguments are left alone: Electron's argv also holds Chromium switches and, unpackaged, the app's path.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DURABILITIES, type Durability } from '../store/database.ts';
import type { DesktopOptions } from './desktop.ts';

export interface AppOptions extends DesktopOptions {
  readonly selfCheck: boolean;
}

/** The options the desktop app takes (bin/start.mjs passes only these to Electron). */
export const APP_OPTIONS = ['data-dir', 'port', 'shards', 'durability'] as const;

/** A bad command-line option (exit code 2). */
export class OptionError extends Error {}

function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new OptionError(`--${name} must be a whole number ${min}..${max}`);
  return n;
}

export function parseAppArgs(argv: readonly string[]): AppOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      shards: { type: 'string' },
      durability: { type: 'string' },
      'self-check': { type: 'boolean', default: false },
    },
    strict: false,
    allowPositionals: true,
  });
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const durability = str(values.durability);
  if (durability !== undefined && !DURABILITIES.includes(durability as Durability)) {
    throw new OptionError(`--durability must be one of ${DURABILITIES.join(', ')}`);
  }
  const dataDir = str(values['data-dir']);
  const port = intOption(str(values.port), 'port', 0, 65535);
  const shards = intOption(str(values.shards), 'shards', 0, 64);
  return {
    ...(dataDir !== undefined ? { dataDir: resolve(dataDir) } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(shards !== undefined ? { shards } : {}),
    ...(durability !== undefined ? { durability: durability as Durability } : {}),
    selfCheck: values['self-check'] === true,
  };
}
