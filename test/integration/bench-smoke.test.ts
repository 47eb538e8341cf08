import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The benchmark is a program, not a timed test: this only proves it runs end to end and prints the promised JSON.
describe('engine benchmark smoke', () => {
  it('prints one JSON object with throughput, peer ratio, latency per rate and heap', () => {
    const run = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'test/bench/engine-bench.ts', '--smoke', '--json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!);
    expect(out.ops_per_sec).toBeGreaterThan(0);
    expect(out.peer_ops_per_sec).toBeGreaterThan(0);
    expect(out.ratio_vs_peer).toBeCloseTo(out.ops_per_sec / out.peer_ops_per_sec, 1);
    for (const rate of ['100000', '500000', '1000000']) {
      const l = out.latency[rate];
      expect(l.p50_us).toBeGreaterThan(0);
      expect(l.p50_us).toBeLessThanOrEqual(l.p99_us);
      expect(l.p99_us).toBeLessThanOrEqual(l.p999_us);
      expect(l.p999_us).toBeLessThanOrEqual(l.max_us * 1.01);
    }
    expect(out.heap_mb_1m_resting).toBeGreaterThan(0);
    // The engine's own outcome on the stream agrees with the generator's model and with the naive book.
    expect(out.engine_outcome.model_agrees).toBe(true);
    expect(out.naive_check.results_equal).toBe(true);
  }, 150_000);
});
