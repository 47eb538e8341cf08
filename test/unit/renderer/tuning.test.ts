import { describe, expect, it } from 'vitest';
import type { Tuning } from '../../../src-renderer/api/types.ts';
import {
  appliesOf,
  currentValue,
  runningShards,
  serverCanTune,
  TUNING_CONTROLS,
  tuningChange,
} from '../../../src-renderer/logic/tuning.ts';

const control = (k: string) => TUNING_CONTROLS.find((c) => c.key === k)!;

const SERVER: Tuning = {
  settings: {
    durability: 'batched',
    snapshotEvery: 200000,
    maxBatch: 4096,
    fastFlushMs: 5,
    shards: 2,
    runningShards: 0,
  },
  appliesLive: { durability: true, snapshotEvery: true, maxBatch: true, fastFlushMs: true, shards: false },
  server: { port: 0 },
};

describe('tuning controls', () => {
  it('has a control for shards, batch size, durability and snapshot interval', () => {
    expect(TUNING_CONTROLS.map((c) => c.key)).toEqual(
      expect.arrayContaining(['shards', 'maxBatch', 'durability', 'snapshotEvery']),
    );
  });

  it('says what applies live as the server reports it, else by default', () => {
    expect(appliesOf(SERVER, control('shards'))).toBe('restart');
    expect(appliesOf(SERVER, control('maxBatch'))).toBe('live');
    expect(appliesOf({ appliesLive: { maxBatch: false } }, control('maxBatch'))).toBe('restart');
    expect(appliesOf({ live: ['shards'] }, control('shards'))).toBe('live');
    expect(appliesOf(null, control('shards'))).toBe('restart');
    expect(appliesOf(null, control('durability'))).toBe('live');
  });

  it('reads the values in force and the running shard count', () => {
    expect(currentValue(SERVER, 'maxBatch')).toBe('4096');
    expect(currentValue(SERVER, 'shards')).toBe('2');
    expect(runningShards(SERVER)).toBe(0);
    expect(currentValue({ durability: 'fast' }, 'durability')).toBe('fast');
    expect(currentValue(null, 'maxBatch')).toBe('');
    expect(serverCanTune(SERVER)).toBe(true);
    expect(serverCanTune({ durability: 'fast' })).toBe(false);
  });

  it('sends only what changed, and refuses out-of-range values', () => {
    expect(
      tuningChange(SERVER, { maxBatch: '4096', snapshotEvery: '5000', durability: 'strict', shards: '1' }),
    ).toEqual({
      change: { snapshotEvery: 5000, durability: 'strict', shards: 1 },
      errors: {},
    });
    const bad = tuningChange(SERVER, { snapshotEvery: '10', durability: 'sometimes', maxBatch: 'x' });
    expect(bad.change).toEqual({});
    expect(Object.keys(bad.errors).sort()).toEqual(['durability', 'maxBatch', 'snapshotEvery']);
  });
});
