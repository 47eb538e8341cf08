import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The benchmark is a program, not a timed test: this only proves it runs end to end and prints the promised JSON.
describe('settlement benchmark smoke', () => {
  it('prints one JSON object with settlement throughput, heap, pre-trade check and PlaceOrder latency', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--max-semi-space-size=64',
        '--import',
        'tsx',
        'test/bench/settlement-bench.ts',
        '--smoke',
        '--json',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!);
    for (const key of [
      'accounts_per_sec',
      'settle_10k_ms',
      'heap_mb_10k_accounts',
      'risk_check_p50_us',
      'risk_check_p99_us',
      'risk_check_p999_us',
      'risk_check_max_us',
      'check_baseline_p50_us',
      'check_baseline_p99_us',
      'place_apply_p50_us',
      'place_apply_p99_us',
      'place_apply_p999_us',
      'place_apply_max_us',
      'baseline_p50_us',
      'baseline_p99_us',
      'trade_p50_us',
      'trade_p99_us',
      'trade_baseline_p50_us',
      'trade_baseline_p99_us',
    ]) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key], key).toBeGreaterThan(0);
    }
    expect(out.risk_check_p50_us).toBeLessThanOrEqual(out.risk_check_p99_us);
    expect(out.risk_check_p99_us).toBeLessThanOrEqual(out.risk_check_p999_us);
    expect(out.risk_check_p999_us).toBeLessThanOrEqual(out.risk_check_max_us * 1.01);
    // both kinds of pre-trade check were measured, and nothing else happened; the same for the whole applies
    for (const part of [out.risk_check, out.place_apply]) {
      expect(part.outcomes).toEqual({
        RISK_INSUFFICIENT_FUNDS: part.rejected_by_funds.count,
        accepted: part.accepted_and_canceled.count,
      });
    }
    expect(out.settle.accounts).toBeGreaterThan(0);
    expect(out.heap.positions).toBe(out.settle.accounts * out.settle.positions_per_account);
    expect(out.machine.cpus).toBeGreaterThan(0);
  }, 150_000);
});
