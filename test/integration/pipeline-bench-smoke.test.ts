import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The benchmark is a program, not a timed test: this only proves it runs end to end, with small options, and prints
// the promised JSON keys.
describe('pipeline benchmark smoke', () => {
  it('prints one JSON object with throughput per shard setting, baseline, latency, recovery and RSS', () => {
    const resting = 5_000;
    const run = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        'test/bench/pipeline-bench.ts',
        '--smoke',
        '--json',
        '--orders',
        '5000',
        '--resting',
        String(resting),
        '--resting-accounts',
        '500',
        '--seconds',
        '0.3',
        '--rates',
        '5000',
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!);
    expect(out.bench).toBe('pipeline');
    expect(out.orders).toBe(5_000);
    for (const shards of ['0', '1', '2']) {
      expect(typeof out.orders_per_sec[shards], shards).toBe('number');
      expect(out.orders_per_sec[shards], shards).toBeGreaterThan(0);
    }
    expect(Object.keys(out.orders_per_sec).sort()).toEqual(['0', '1', '2']);
    expect(out.sqlite_baseline_rows_per_sec).toBeGreaterThan(0);
    expect(Object.keys(out.latency)).toEqual(['5000']);
    const l = out.latency['5000'];
    expect(l.count).toBe(1_500); // 5,000/s for 0.3 s
    expect(l.core_p99_us).toBeGreaterThan(0);
    expect(l.durable_p99_us).toBeGreaterThan(0);
    expect(l.core_p50_us).toBeGreaterThan(0);
    // each order's durable acknowledgement comes after its core one
    expect(l.durable_p50_us).toBeGreaterThanOrEqual(l.core_p50_us);
    expect(l.core_p50_us).toBeLessThanOrEqual(l.core_p99_us);
    expect(l.durable_p50_us).toBeLessThanOrEqual(l.durable_p99_us);
    expect(typeof out.recovery_1m_ms).toBe('number');
    expect(out.recovery_1m_ms).toBeGreaterThanOrEqual(0);
    expect(out.full_replay_1m_ms).toBeGreaterThan(0);
    expect(out.recovery.full_replay_commands).toBeGreaterThan(out.orders);
    // three snapshots timed after recovery, each after one more (rejected) command; the newest restores from its bytes
    // to the live hash, and the full replay checks every stored snapshot's hash against the replayed state
    expect(out.recovery.snapshots).toHaveLength(3);
    expect(out.recovery.snapshot_restores).toBe(true);
    expect(out.recovery.full_replay_commands).toBe(out.recovery.from_snapshot_seq + 3);
    for (const s of out.recovery.snapshots) {
      expect(s.block_ms).toBeGreaterThan(0);
      expect(s.committed_ms).toBeGreaterThanOrEqual(s.block_ms);
      expect(s.rows_then_pack_ms).toBeGreaterThan(0);
    }
    expect(out.snapshot_block_ms).toBeGreaterThan(0);
    expect(out.rss_mb_10k_accounts_1m_resting).toBeGreaterThan(0);
    expect(out.rss.accounts).toBe(500);
    expect(out.rss.resting).toBe(resting);
  }, 120_000);
});
