/**
 * A short demonstration of the engine in a terminal: one futures instrument goes through pre-open, the call auction
 * and continuous trading under a seeded order flow; prints the uncross, the book and the throughput.
 * (`npm run demo`; `npm start` runs the exchange itself.)
 */
import type { Command } from '../src-engine/domain/commands.ts';
import { formatFixed } from '../src-engine/domain/fixed-point.ts';
import type { Phase } from '../src-engine/domain/order.ts';
import { Engine } from '../src-engine/engine.ts';
import { DEMO_INSTRUMENTS } from './host/demo-market.ts';

// The demo shows matching; accounts and risk are covered by the tests and the settlement benchmark.
const engine = new Engine({ accounts: false });
let seq = 0;
const send = (cmd: Record<string, unknown>) => engine.apply({ seq: ++seq, ts: seq, ...cmd } as unknown as Command);

const spec = DEMO_INSTRUMENTS[0]!; // the index future IF2612
send({ kind: 'AddInstrument', spec });
const phase = (p: Phase) => send({ kind: 'SetPhase', instrumentId: spec.id, phase: p });

// A small seeded generator (xorshift32): the demo prints the same story every time.
let state = 2463534242;
const rand = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
};
const price = (mid: number, spread: number) => Math.round((mid + (rand() - 0.5) * spread) / 2) * 2;

phase('preOpen');
let orderId = 0;
for (let i = 0; i < 40; i++) {
  const side = rand() < 0.5 ? 'buy' : 'sell';
  send({
    kind: 'PlaceOrder',
    orderId: ++orderId,
    accountId: 1 + (i % 8),
    instrumentId: spec.id,
    side,
    type: 'limit',
    tif: 'GFD',
    price: price(38_000 + (side === 'buy' ? 10 : -10), 80),
    volume: 1 + Math.floor(rand() * 10),
  });
}
const auction = phase('auction');
if (auction.ok) {
  for (const e of auction.events) {
    if (e.kind === 'AuctionUncrossed') {
      console.log(
        `auction uncross at ${formatFixed(e.price, 1)}: ${e.volume} lots, imbalance ${e.imbalance} (${auction.events.length - 2} fills)`,
      );
    }
  }
}
phase('continuous');

const flow = 200_000;
let trades = 0;
const t0 = performance.now();
for (let i = 0; i < flow; i++) {
  const r = rand();
  const res =
    r < 0.1 && orderId > 1
      ? send({ kind: 'CancelOrder', orderId: orderId - Math.floor(rand() * 50) })
      : send({
          kind: 'PlaceOrder',
          orderId: ++orderId,
          accountId: 1 + Math.floor(rand() * 100),
          instrumentId: spec.id,
          side: rand() < 0.5 ? 'buy' : 'sell',
          type: 'limit',
          tif: r < 0.15 ? 'IOC' : 'GTC',
          price: price(38_000, 60),
          volume: 1 + Math.floor(rand() * 5),
        });
  if (res.ok) for (const e of res.events) if (e.kind === 'TradeExecuted') trades++;
}
const ms = performance.now() - t0;
engine.validateInternalState();

const depth = engine.depth(spec.id, 5)!;
console.log(
  `\n${flow.toLocaleString()} commands in ${ms.toFixed(0)} ms (${Math.round(flow / (ms / 1000)).toLocaleString()} commands/s), ${trades.toLocaleString()} trades`,
);
console.log(`last price ${formatFixed(engine.lastPrice(spec.id) ?? 0, 1)}\n\n   bid vol     price   ask vol`);
for (const a of [...depth.asks].reverse())
  console.log(`${''.padStart(10)}  ${formatFixed(a.price, 1).padStart(8)}  ${String(a.volume).padStart(8)}`);
for (const b of depth.bids) console.log(`${String(b.volume).padStart(10)}  ${formatFixed(b.price, 1).padStart(8)}`);
console.log(`\nstate hash ${engine.stateHash().toString(16)}`);
