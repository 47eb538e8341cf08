/**
 * A small market-making bot that uses only deskex's public API (REST + WebSocket), as any outside bot would.
 *
 *   DESKEX_URL=http://127.0.0.1:8470 DESKEX_KEY=dkk_... npx tsx examples/market-maker.ts --account 2 --instrument IF2612
 *
 * Every --every ms it quotes one bid and one ask --spread ticks either side of the mid (the last price, else the
 * instrument's reference), replacing its previous quotes; it keeps its position within --max-position lots by
 * quoting only the side that reduces it, and prints each fill it receives on the WebSocket `fills` channel.
 * Stops after --seconds (0 = until Ctrl-C), cancelling what it left on the book.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: o } = parseArgs({
  options: {
    account: { type: 'string' },
    instrument: { type: 'string', default: 'IF2612' },
    spread: { type: 'string', default: '2' },
    size: { type: 'string', default: '1' },
    every: { type: 'string', default: '500' },
    'max-position': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '0' },
  },
});

const base = process.env.DESKEX_URL ?? 'http://127.0.0.1:8470';
const key = process.env.DESKEX_KEY;
if (key === undefined || o.account === undefined) {
  console.error('set DESKEX_KEY to an API key of the account and pass --account ID (see docs/api.md, "API keys")');
  process.exit(2);
}
const accountId = Number(o.account);
const instrumentId = o.instrument!;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

interface ApiErrorBody {
  code: string;
  message: string;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(
    `${base}${path}`,
    body === undefined ? { method, headers } : { method, headers, body: JSON.stringify(body) },
  );
  const json = (await r.json()) as T | ApiErrorBody;
  if (!r.ok) {
    const e = json as ApiErrorBody;
    throw new Error(`${method} ${path}: ${r.status} ${e.code}: ${e.message}`);
  }
  return json as T;
}

interface Spec {
  id: string;
  priceTick: number;
  referencePrice?: number;
}

const { spec } = await api<{ spec: Spec }>('GET', `/api/v1/instruments/${instrumentId}`);
const tick = spec.priceTick;
let position = 0; // long minus short, from our fills
let quotes: number[] = [];

const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${key}` } });
ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', id: 1, channel: 'fills', accountId })));
ws.on('message', (data) => {
  const parsed: unknown = JSON.parse(String(data));
  for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
    const msg = m as { channel?: string; side?: 'buy' | 'sell'; trade?: { volume: number; price: number } };
    if (msg.channel !== 'fills' || msg.trade === undefined) continue;
    const t = msg.trade;
    const signed = msg.side === 'buy' ? t.volume : -t.volume;
    position += signed;
    console.log(`fill ${signed > 0 ? 'bought' : 'sold'} ${t.volume} @ ${t.price}; position ${position}`);
  }
});

async function requote(): Promise<void> {
  if (quotes.length > 0) {
    await api('POST', '/api/v1/orders/cancel-batch', { orderIds: quotes });
    quotes = [];
  }
  const t = await api<{ last: number | null }>('GET', `/api/v1/market/${instrumentId}/ticker`);
  const mid = t.last ?? spec.referencePrice ?? tick * 1000;
  const spread = Number(o.spread) * tick;
  const size = Number(o.size);
  const max = Number(o['max-position']);
  const orders = [];
  if (position < max) orders.push({ accountId, instrumentId, side: 'buy', price: mid - spread, volume: size });
  if (position > -max) orders.push({ accountId, instrumentId, side: 'sell', price: mid + spread, volume: size });
  const r = await api<{
    results: { ok: boolean; order?: { orderId: number; status: string }; error?: ApiErrorBody }[];
  }>('POST', '/api/v1/orders/batch', { orders });
  for (const x of r.results) {
    if (x.ok && x.order !== undefined && (x.order.status === 'new' || x.order.status === 'partial'))
      quotes.push(x.order.orderId);
    else if (!x.ok) console.log(`quote refused: ${x.error?.code} ${x.error?.message}`);
  }
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  if (quotes.length > 0) await api('POST', '/api/v1/orders/cancel-batch', { orderIds: quotes }).catch(() => undefined);
  ws.close();
  console.log(`stopped; position ${position}`);
}

let busy = false;
const timer = setInterval(() => {
  if (busy || stopping) return;
  busy = true;
  requote()
    .catch((e: Error) => console.error(e.message))
    .finally(() => {
      busy = false;
    });
}, Number(o.every));
process.on('SIGINT', () => void stop());
if (Number(o.seconds) > 0) setTimeout(() => void stop(), Number(o.seconds) * 1000);
