/**
 * Prometheus metrics (prom-client), served at /metrics: requests and orders counted, per-stage latency histograms
 * (API receipt → core ack → durable ack → reply), WebSocket clients and frames, event-loop lag, queue depth and the
 * shard state. One registry per server (tests run several servers in one process).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Exchange } from '../host/exchange.ts';
import { FastHistogram } from './fast-histogram.ts';

const LATENCY_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly commands: Counter<'kind' | 'outcome' | 'via'>;
  /** Seconds from the API receiving a command to its core ack (applied), its durable ack, and the reply sent. */
  readonly stage: FastHistogram<'core_ack' | 'durable_ack' | 'reply'>;
  readonly httpDuration: FastHistogram;
  readonly wsClients: Gauge;
  readonly wsFrames: Counter<'direction'>;
  readonly wsDropped: Counter<'reason'>;
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(exchange: Exchange) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'deskex_process_' });
    this.requests = new Counter({
      name: 'deskex_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [r],
    });
    this.commands = new Counter({
      name: 'deskex_commands_total',
      help: 'Commands submitted through the API by kind and outcome (ok or the reject code)',
      labelNames: ['kind', 'outcome', 'via'],
      registers: [r],
    });
    // the two histograms observed on every order and request: kept by hand (fast-histogram.ts), shown as prom-client's
    this.stage = new FastHistogram(
      'deskex_stage_seconds',
      'Latency per pipeline stage: core_ack (received to applied), durable_ack (received to journaled), reply (received to the REST reply sent)',
      'stage',
      LATENCY_BUCKETS,
      r,
    );
    this.httpDuration = new FastHistogram(
      'deskex_http_request_seconds',
      'HTTP request duration by route',
      'route',
      LATENCY_BUCKETS,
      r,
    );
    this.wsClients = new Gauge({ name: 'deskex_ws_clients', help: 'Open WebSocket connections', registers: [r] });
    this.wsFrames = new Counter({
      name: 'deskex_ws_frames_total',
      help: 'WebSocket frames by direction (in, out)',
      labelNames: ['direction'],
      registers: [r],
    });
    this.wsDropped = new Counter({
      name: 'deskex_ws_disconnects_total',
      help: 'WebSocket clients disconnected by the server, by reason',
      labelNames: ['reason'],
      registers: [r],
    });
    this.loop.enable();
    const loop = this.loop;
    new Gauge({
      name: 'deskex_event_loop_lag_seconds',
      help: 'Main event-loop delay over the last scrape interval (p99)',
      registers: [r],
      collect() {
        this.set(loop.percentile(99) / 1e9);
        loop.reset();
      },
    });
    new Gauge({
      name: 'deskex_queue_depth',
      help: 'Commands sequenced but not yet applied',
      registers: [r],
      collect() {
        this.set(exchange.stats().queued);
      },
    });
    new Gauge({
      name: 'deskex_last_seq',
      help: 'The last sequence number assigned',
      registers: [r],
      collect() {
        this.set(exchange.lastSeq);
      },
    });
    new Gauge({
      name: 'deskex_shard_up',
      help: 'Matching shards: 1 up, 0 down',
      labelNames: ['shard'],
      registers: [r],
      collect() {
        this.reset();
        for (const s of exchange.shards()) this.set({ shard: String(s.shard) }, s.down === null ? 1 : 0);
      },
    });
    new Gauge({
      name: 'deskex_shard_instruments',
      help: 'Instruments per matching shard (shard load)',
      labelNames: ['shard'],
      registers: [r],
      collect() {
        this.reset();
        for (const s of exchange.shards()) this.set({ shard: String(s.shard) }, s.instruments.length);
      },
    });
  }

  close(): void {
    this.loop.disable();
  }
}
