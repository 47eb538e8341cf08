import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The benchmark is a program, not a timed test: this only proves it runs end to end with small options (a real
// `deskex serve` child, autocannon, WebSocket clients) and prints the promised JSON keys.
describe('API benchmark smoke', () => {
  it('prints one JSON object with REST, baseline, WS entry, fan-out latency and RSS figures', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/bench/api-bench.ts',
        '--json',
        '--seconds',
        '1',
        '--connections',
        '4',
        '--ws-clients',
        '40',
        '--ws-seconds',
        '1',
        // enough accounts that the engine's per-account order-rate rule (1,000/s) never refuses the WS flood
        '--accounts',
        '30',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!);
    for (const k of ['rest_orders_per_sec', 'baseline_req_per_sec', 'rest_ratio', 'ws_orders_per_sec']) {
      expect(out[k], k).toBeGreaterThan(0);
    }
    expect(out.rest.non2xx).toBe(0);
    expect(out.ws.clients_1.rejected).toBe(0);
    expect(out.ws_clients).toBe(40);
    expect(out.fanout.connect_failures).toBe(0);
    expect(out.fanout.delivered_messages_per_sec).toBeGreaterThan(0);
    expect(out.fanout.push_samples).toBeGreaterThan(0);
    expect(out.ws_push_p99_ms).toBeGreaterThan(0);
    expect(out.ws_push_from_send_p99_ms).toBeGreaterThanOrEqual(out.fanout.push_latency_from_send.p50_ms);
    expect(out.rss_mb_10k_clients).toBeGreaterThan(0);
  });
});
