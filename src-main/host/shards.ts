/**
 * Matching shards: worker threads that own instruments' books. The engine keeps its stages (R1 on the main thread,
 * matching, R2) and calls each instrument's matcher synchronously; for an instrument on a shard that matcher is a
 * RemoteMatcher, whose calls go over a SharedArrayBuffer channel to the same InstrumentMatcher code in the worker.
 * The instrument's phase, last price, mark and best bid come back with every reply, so most reads stay local.
 * Instruments go to shards round-robin in the order they are added. See docs/running.md, "Shards".
 */
import type { Worker } from 'node:worker_threads';
import type { Depth, RestingOrder, RestingOrderRecord } from '../../src-engine/book/order-book.ts';
import type { ModifyOrder, PlaceOrder } from '../../src-engine/domain/commands.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { StateHasher } from '../../src-engine/domain/hash.ts';
import type { AccountId, OrderId } from '../../src-engine/domain/ids.ts';
import { type InstrumentSpec, type PriceBand, priceBand, unitValue } from '../../src-engine/domain/instrument.ts';
import type { CancelReason, Phase, Side, StpMode } from '../../src-engine/domain/order.ts';
import type { Reject } from '../../src-engine/domain/reject-codes.ts';
import { InstrumentMatcher, type MatcherHost, type PendingStop } from '../../src-engine/matching/instrument-matcher.ts';
import type { BookView, Matcher, MatcherFactory } from '../../src-engine/matching/matcher.ts';
import type { InstrumentState } from '../../src-engine/state.ts';
import type { ShardReply, ShardRequest } from './shard-protocol.ts';
import { ChannelTimeoutError, createChannelBuffers, RemoteError, SyncChannelClient } from './sync-channel.ts';
import { startWorker } from './worker-url.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Call = DistributiveOmit<ShardRequest, 'i' | 't'>;

/** A shard stopped (crashed, was terminated or stopped answering); its instruments take no more commands. */
export class ShardDownError extends Error {
  constructor(
    readonly shard: number,
    readonly why: string,
  ) {
    super(`matching shard ${shard} is down: ${why}`);
    this.name = 'ShardDownError';
  }
}

class Shard {
  readonly client: SyncChannelClient;
  down: string | null = null;
  readonly instruments: string[] = [];

  constructor(
    readonly index: number,
    readonly worker: Worker,
    client: SyncChannelClient,
  ) {
    this.client = client;
    worker.on('error', (e) => {
      this.down ??= `worker error: ${e.message}`;
    });
    worker.on('exit', (code) => {
      this.down ??= `worker exited (code ${code})`;
    });
  }

  call(req: ShardRequest): ShardReply {
    if (this.down !== null) throw new ShardDownError(this.index, this.down);
    try {
      return this.client.call(req) as ShardReply;
    } catch (e) {
      if (e instanceof ChannelTimeoutError) {
        this.down = `no answer: ${e.message}`;
        throw new ShardDownError(this.index, this.down);
      }
      if (e instanceof RemoteError) throw new Error(`matching shard ${this.index}: ${e.message}`);
      throw e;
    }
  }
}

export interface ShardPoolOptions {
  readonly shards: number;
  readonly book?: 'fast' | 'naive';
  /** How long a call may take before the shard is declared down (default 10 s). */
  readonly timeoutMs?: number;
  /** Bytes of each channel buffer (default 4 MiB); larger payloads go in chunks. */
  readonly bufferBytes?: number;
}

export class ShardPool {
  private readonly shards: Shard[] = [];
  /** Which shard owns each instrument (looked up for every submitted command). */
  private readonly owner = new Map<string, Shard>();
  private next = 0;

  private constructor() {}

  /** Starts the workers and waits until each is ready. */
  static async start(options: ShardPoolOptions): Promise<ShardPool> {
    const pool = new ShardPool();
    const ready: Promise<unknown>[] = [];
    for (let i = 0; i < options.shards; i++) {
      const buffers = createChannelBuffers(options.bufferBytes ?? 4 << 20);
      const worker = startWorker(new URL('./shard-worker.ts', import.meta.url), {
        workerData: { buffers, book: options.book ?? 'fast' },
        name: `deskex-shard-${i}`,
      });
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('online', resolve);
          worker.once('error', reject);
        }),
      );
      pool.shards.push(new Shard(i, worker, new SyncChannelClient(buffers, options.timeoutMs ?? 10_000)));
    }
    await Promise.all(ready);
    return pool;
  }

  get size(): number {
    return this.shards.length;
  }

  /** The engine's matcher factory: each new instrument on the next shard. */
  readonly factory: MatcherFactory = (spec, host) => {
    const shard = this.shards[this.next++ % this.shards.length]!;
    shard.instruments.push(spec.id);
    this.owner.set(spec.id, shard);
    return new RemoteMatcher(spec, host, shard);
  };

  /** Per shard: its instruments and whether it is down (and why). */
  status(): { shard: number; instruments: readonly string[]; down: string | null }[] {
    return this.shards.map((s) => ({ shard: s.index, instruments: [...s.instruments], down: s.down }));
  }

  isDown(instrumentId: string): string | null {
    return this.owner.get(instrumentId)?.down ?? null;
  }

  anyDown(): string | null {
    const s = this.shards.find((x) => x.down !== null);
    return s === undefined ? null : `shard ${s.index}: ${s.down}`;
  }

  /** The worker of a shard (tests use it to make a shard fail). */
  worker(index: number): Worker {
    return this.shards[index]!.worker;
  }

  async stop(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }
}

/** An instrument whose book lives on a shard. */
class RemoteMatcher implements Matcher {
  spec: InstrumentSpec;
  band: PriceBand | null;
  unitValue: number;
  phase: Phase = 'closed';
  lastPrice: number | null = null;
  private mark_: number | null = null;
  private bid: number | null = null;
  private count = 0;
  readonly book: BookView;

  constructor(
    spec: InstrumentSpec,
    private readonly host: MatcherHost,
    private readonly shard: Shard,
  ) {
    this.spec = spec;
    this.band = priceBand(spec);
    this.unitValue = unitValue(spec);
    this.call({ o: 'add', spec });
    const self = this;
    this.book = {
      get size() {
        return self.count;
      },
      get: (orderId: OrderId, into?: RestingOrderRecord) => {
        const o = this.call({ o: 'get', orderId }).r as RestingOrder | null;
        if (o === null) return undefined;
        return into === undefined ? o : Object.assign(into, o);
      },
      bestBid: () => this.bid ?? Number.NaN,
      fillable: (side: Side, limit: number, volume: number, accountId: AccountId, stp: StpMode) =>
        this.call({ o: 'fillable', side, limit: Number.isFinite(limit) ? limit : null, volume, accountId, stp })
          .r as number,
      depth: (levels: number) => this.call({ o: 'depth', levels: Number.isFinite(levels) ? levels : -1 }).r as Depth,
      orders: () => this.call({ o: 'orders' }).r as RestingOrder[],
      orderIds: () => this.call({ o: 'orderIds' }).r as OrderId[],
    };
  }

  private call(c: Call, out?: EngineEvent[]): ShardReply {
    const reply = this.shard.call({ ...c, i: this.spec.id, t: this.host.lastTradeId() } as ShardRequest);
    this.host.setLastTradeId(reply.t);
    for (const id of reply.g) this.host.orderGone(id);
    this.phase = reply.p;
    this.lastPrice = reply.l;
    this.mark_ = reply.k;
    this.bid = reply.b;
    this.count = reply.n;
    if (out !== undefined) for (const e of reply.e) out.push(e);
    return reply;
  }

  get id(): string {
    return this.spec.id;
  }

  get markPrice(): number | null {
    return this.mark_;
  }

  set markPrice(price: number | null) {
    this.call({ o: 'setMark', price });
  }

  get stops(): readonly PendingStop[] {
    return this.call({ o: 'stops' }).r as PendingStop[];
  }

  mark(): number {
    return this.mark_ ?? this.spec.referencePrice ?? this.lastPrice ?? 0;
  }

  setSpec(spec: InstrumentSpec): void {
    this.spec = spec;
    this.band = priceBand(spec);
    this.unitValue = unitValue(spec);
    this.call({ o: 'setSpec', spec });
  }

  // The field checks read only the spec, band and phase mirrored here: the matcher's own methods run on this object.
  checkVolume(volume: number): Reject | null {
    return InstrumentMatcher.prototype.checkVolume.call(this as unknown as InstrumentMatcher, volume);
  }

  checkPrice(price: number): Reject | null {
    return InstrumentMatcher.prototype.checkPrice.call(this as unknown as InstrumentMatcher, price);
  }

  checkPhase(cmd: PlaceOrder, postOnly: boolean): Reject | null {
    return InstrumentMatcher.prototype.checkPhase.call(this as unknown as InstrumentMatcher, cmd, postOnly);
  }

  checkCross(cmd: PlaceOrder, postOnly: boolean): Reject | null {
    if (!postOnly && cmd.type !== 'stop' && cmd.type !== 'stopLimit') return null;
    return this.call({ o: 'checkCross', cmd, postOnly }).r as Reject | null;
  }

  place(cmd: PlaceOrder, postOnly: boolean, stp: StpMode, out: EngineEvent[]): void {
    this.call({ o: 'place', cmd, postOnly, stp }, out);
  }

  cancel(orderId: OrderId, _o: RestingOrder | undefined, out: EngineEvent[], reason: CancelReason = 'canceled'): void {
    this.call({ o: 'cancel', orderId, reason }, out);
  }

  modify(cmd: ModifyOrder, _o: RestingOrder, out: EngineEvent[]): Reject | null {
    return this.call({ o: 'modify', cmd }, out).r as Reject | null;
  }

  setPhase(to: Phase, out: EngineEvent[]): Reject | null {
    return this.call({ o: 'setPhase', to }, out).r as Reject | null;
  }

  cancelAll(reason: CancelReason, out: EngineEvent[]): void {
    this.call({ o: 'cancelAll', reason }, out);
  }

  validateInternalState(): void {
    this.call({ o: 'validate' });
  }

  digest(): number {
    return this.call({ o: 'digest' }).r as number;
  }

  stateHash(h: StateHasher): void {
    h.num(this.digest());
  }

  /** The shard sends its rows (a packer is not taken: the encoder packs rows as well). */
  exportState(): InstrumentState {
    return this.call({ o: 'export' }).r as InstrumentState;
  }

  restoreState(s: InstrumentState): void {
    this.spec = s.spec;
    this.band = priceBand(s.spec);
    this.unitValue = unitValue(s.spec);
    this.call({ o: 'restore', state: s });
  }
}
