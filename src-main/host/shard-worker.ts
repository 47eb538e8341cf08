/**
 * A matching shard: a worker thread that owns the books of some instruments and runs the engine's InstrumentMatcher
 * on them, answering the main thread's synchronous calls (src-main/host/shards.ts) over a SharedArrayBuffer channel.
 */
import { workerData } from 'node:worker_threads';
import { FastBook } from '../../src-engine/book/fast-book.ts';
import { NaiveBook } from '../../src-engine/book/naive-book.ts';
import type { OrderBook } from '../../src-engine/book/order-book.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import { InstrumentMatcher, type MatcherHost } from '../../src-engine/matching/instrument-matcher.ts';
import type { ShardReply, ShardRequest } from './shard-protocol.ts';
import { type ChannelBuffers, serveSyncChannel } from './sync-channel.ts';

const { buffers, book } = workerData as { buffers: ChannelBuffers; book: 'fast' | 'naive' };
const makeBook = (): OrderBook => (book === 'naive' ? new NaiveBook() : new FastBook());

let tradeSeq = 0;
const gone: number[] = [];
const host: MatcherHost = {
  nextTradeId: () => ++tradeSeq,
  orderGone: (orderId) => {
    gone.push(orderId);
  },
  lastTradeId: () => tradeSeq,
  setLastTradeId: (id) => {
    tradeSeq = id;
  },
};
const matchers = new Map<string, InstrumentMatcher>();

function matcher(id: string): InstrumentMatcher {
  const m = matchers.get(id);
  if (m === undefined) throw new Error(`shard has no instrument ${id}`);
  return m;
}

function handle(req: ShardRequest): ShardReply {
  tradeSeq = req.t;
  gone.length = 0;
  const out: EngineEvent[] = [];
  let r: unknown = null;
  if (req.o === 'add') matchers.set(req.spec.id, new InstrumentMatcher(req.spec, makeBook(), host));
  const m = matcher(req.i);
  switch (req.o) {
    case 'add':
      break;
    case 'setSpec':
      m.setSpec(req.spec);
      break;
    case 'setMark':
      m.markPrice = req.price;
      break;
    case 'checkCross':
      r = m.checkCross(req.cmd, req.postOnly);
      break;
    case 'place':
      m.place(req.cmd, req.postOnly, req.stp, out);
      break;
    case 'cancel':
      m.cancel(req.orderId, m.book.get(req.orderId), out, req.reason);
      break;
    case 'modify': {
      const o = m.book.get(req.cmd.orderId);
      if (o === undefined) throw new Error(`modify: order ${req.cmd.orderId} is not on the book`);
      r = m.modify(req.cmd, o, out);
      break;
    }
    case 'setPhase':
      r = m.setPhase(req.to, out);
      break;
    case 'cancelAll':
      m.cancelAll(req.reason, out);
      break;
    case 'get':
      r = m.book.get(req.orderId) ?? null;
      break;
    case 'fillable':
      r = m.book.fillable(
        req.side,
        req.limit ?? (req.side === 'buy' ? Infinity : -Infinity),
        req.volume,
        req.accountId,
        req.stp,
      );
      break;
    case 'depth':
      r = m.book.depth(req.levels < 0 ? Number.POSITIVE_INFINITY : req.levels);
      break;
    case 'orders':
      r = m.book.orders();
      break;
    case 'orderIds':
      r = m.book.orderIds();
      break;
    case 'stops':
      r = m.stops;
      break;
    case 'validate':
      m.validateInternalState();
      break;
    case 'digest':
      r = m.digest();
      break;
    case 'export':
      r = m.exportState();
      break;
    case 'restore':
      m.restoreState(req.state);
      break;
  }
  const bid = m.book.bestBid();
  return {
    r,
    e: out,
    t: tradeSeq,
    g: gone,
    p: m.phase,
    l: m.lastPrice,
    k: m.markPrice,
    b: Number.isNaN(bid) ? null : bid,
    n: m.book.size,
  };
}

serveSyncChannel(buffers, (msg) => handle(msg as ShardRequest));
