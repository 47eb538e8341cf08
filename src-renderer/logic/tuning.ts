/**
 * The tuning controls: which settings exist, how they are edited, and whether a change applies to the running
 * exchange or at the next start. GET /api/v1/tuning answers `{settings, appliesLive, server, stats}`; PUT takes the
 * changed settings (admin) and answers the same. Where the server does not say what applies live, the defaults
 * below hold: matching shards are worker threads fixed at start, the rest is read on every batch.
 */
import type { Tuning, TuningChange } from '../api/types.ts';

export type Applies = 'live' | 'restart';
export type TuningKey = 'shards' | 'maxBatch' | 'durability' | 'snapshotEvery' | 'fastFlushMs';

export interface TuningControl {
  readonly key: TuningKey;
  readonly label: string;
  readonly help: string;
  readonly kind: 'number' | 'choice';
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The `deskex serve` flag that sets it at start, where there is one. */
  readonly flag?: string;
  readonly defaultApplies: Applies;
}

export const DURABILITY_MODES = ['strict', 'batched', 'fast'] as const;

export const TUNING_CONTROLS: readonly TuningControl[] = [
  {
    key: 'shards',
    label: 'Matching shards',
    help: 'Worker threads that own the books (0: books on the main thread).',
    kind: 'number',
    min: 0,
    max: 64,
    flag: '--shards',
    defaultApplies: 'restart',
  },
  {
    key: 'maxBatch',
    label: 'Batch size',
    help: 'Most commands the sequencer cuts into one batch (one journal transaction).',
    kind: 'number',
    min: 1,
    max: 65_536,
    defaultApplies: 'live',
  },
  {
    key: 'durability',
    label: 'Durability mode',
    help: 'strict: synced to disk before the ack; batched: acked once the batch commits; fast: acked before the commit.',
    kind: 'choice',
    choices: DURABILITY_MODES,
    flag: '--durability',
    defaultApplies: 'live',
  },
  {
    key: 'snapshotEvery',
    label: 'Snapshot interval',
    help: 'Commands between state snapshots (recovery replays at most this many).',
    kind: 'number',
    min: 1_000,
    max: 100_000_000,
    defaultApplies: 'live',
  },
  {
    key: 'fastFlushMs',
    label: 'Fast-mode flush (ms)',
    help: 'In fast mode, how long acknowledged commands may wait before they are written.',
    kind: 'number',
    min: 1,
    max: 10_000,
    defaultApplies: 'live',
  },
];

function settingsOf(t: Tuning | null): Record<string, unknown> {
  if (t === null) return {};
  const s = t.settings;
  return typeof s === 'object' && s !== null
    ? (s as unknown as Record<string, unknown>)
    : (t as Record<string, unknown>);
}

/** Whether a setting applies live, as the server says (`appliesLive`, `applies` or a `live` list) or by default. */
export function appliesOf(t: Tuning | null, c: TuningControl): Applies {
  const al = t?.appliesLive;
  if (typeof al === 'object' && al !== null) {
    const v = (al as Record<string, unknown>)[c.key];
    if (typeof v === 'boolean') return v ? 'live' : 'restart';
  }
  const applies = t?.applies;
  if (typeof applies === 'object' && applies !== null) {
    const v = (applies as Record<string, unknown>)[c.key];
    if (v === 'live' || v === 'restart') return v;
  }
  const live = t?.live;
  if (Array.isArray(live)) return live.includes(c.key) ? 'live' : 'restart';
  return c.defaultApplies;
}

/** The value of a setting in force (for shards: what the next start uses), as text; '' when not reported. */
export function currentValue(t: Tuning | null, key: TuningKey): string {
  const v = settingsOf(t)[key];
  return v === undefined || v === null ? '' : String(v);
}

/** The shard count the exchange runs with now (differs from the setting until a restart), or null. */
export function runningShards(t: Tuning | null): number | null {
  const v = settingsOf(t).runningShards;
  return typeof v === 'number' ? v : null;
}

/** Whether the server reports settings it can change (a `settings` object): then PUT is expected to exist. */
export function serverCanTune(t: Tuning | null): boolean {
  return t !== null && typeof t.settings === 'object' && t.settings !== null;
}

/** The change to send for the edited values (unchanged ones left out) and what is wrong with the others. */
export function tuningChange(
  t: Tuning | null,
  edited: Readonly<Partial<Record<TuningKey, string>>>,
): { change: TuningChange; errors: Partial<Record<TuningKey, string>> } {
  const change: TuningChange = {};
  const errors: Partial<Record<TuningKey, string>> = {};
  for (const c of TUNING_CONTROLS) {
    const text = edited[c.key]?.trim();
    if (text === undefined || text === currentValue(t, c.key)) continue;
    if (c.kind === 'choice') {
      if (!c.choices!.includes(text)) errors[c.key] = `One of ${c.choices!.join(', ')}.`;
      else change[c.key as 'durability'] = text;
      continue;
    }
    const n = Number(text);
    if (text === '' || !Number.isInteger(n) || n < (c.min ?? 0) || n > (c.max ?? Number.MAX_SAFE_INTEGER)) {
      errors[c.key] = `A whole number from ${c.min ?? 0} to ${c.max ?? '∞'}.`;
      continue;
    }
    (change as Record<string, number>)[c.key] = n;
  }
  return { change, errors };
}
