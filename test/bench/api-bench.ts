/**
 * The API benchmark: `npm run bench:api -- --json`.
 *
 * In one run, servers in child processes (so the load generator here does not share their thread):
 *  - baseline: a bare node:http server that parses a JSON body and echoes it, under autocannon (-c 50, 10 s);
 *  - deskex REST order placement under the same autocannon load (crossing pairs over many accounts);
 *  - REST batch placement (100 orders a request), orders/s;
 *  - WS order entry, 1 and 10 clients, each keeping a window of orders in flight, orders/s;
 *  - 10,000 WS clients subscribed to depth and trades of one instrument while orders flow: how many connected,
 *    messages delivered per second, push latency from the order's ack to each subscriber's receipt of its trade
 *    (p50/p99/p99.9/max), and the server's RSS.
 * Prints progress on stderr and one JSON object last on stdout. `--only rest` (baseline and REST placement),
 * `--only ws` (WS order entry) or `--only fanout` (the 10,000 subscribers) run one part, e.g. to profile the server
 * (DESKEX_SERVER_NODE_ARGS).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { intOpt, log, machineInfo, round } from './bench-common.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'ws-clients': { type: 'string', default: '10000' },
    'ws-seconds': { type: 'string', default: '5' },
    'fanout-rate': { type: 'string', default: '20' },
    accounts: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
const SECONDS = intOpt(args.seconds, 10);
const CONNECTIONS = intOpt(args.connections, 50);
const WS_CLIENTS = intOpt(args['ws-clients'], 10_000);
const WS_SECONDS = intOpt(args['ws-seconds'], 5);
const FANOUT_RATE = intOpt(args['fanout-rate'], 20);
const ACCOUNTS = intOpt(args.accounts, 50);
const ROOT = new URL('../..', import.meta.url).pathname;
const INSTRUMENT = 'IF2612';
const REF = 38_000;

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts a child and resolves with the first match of `ready` on its stderr or stdout. */
function startChild(argv: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += String(d);
      const m = ready.exec(text);
      if (m !== null) resolve({ child, match: m });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${text}`)));
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? 0 : round(Number(m[1]) / 1024, 1);
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await done;
}

function cannon(o: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(o, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const ECHO_SERVER = `
import { createServer } from 'node:http';
const s = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    let out;
    try { out = JSON.stringify({ ok: true, echo: JSON.parse(body) }); res.writeHead(201, { 'content-type': 'application/json' }); }
    catch { out = '{"code":"API_INVALID_JSON"}'; res.writeHead(400, { 'content-type': 'application/json' }); }
    res.end(out);
  });
});
s.listen(0, '127.0.0.1', () => console.log('listening ' + s.address().port));
`;

interface Setup {
  base: string;
  adminToken: string;
  keys: string[];
  accountIds: number[];
  viewerToken: string;
  /** A session of the user who owns every bench account (may trade any of them). */
  traderToken: string;
}

async function call<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const j = (await r.json()) as T;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

async function setup(base: string, dataDir: string): Promise<Setup> {
  const password = readFileSync(join(dataDir, 'admin-password.txt'), 'utf8').trim();
  const login = async (username: string, pw: string) =>
    (
      (await (
        await fetch(`${base}/api/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: pw }),
        })
      ).json()) as { token: string }
    ).token;
  const adminToken = await login('admin', password);
  const { user } = await call<{ user: { userId: number } }>(base, adminToken, 'POST', '/api/v1/users', {
    username: 'bench',
    password: 'bench-password',
    role: 'trader',
  });
  await call(base, adminToken, 'POST', '/api/v1/users', {
    username: 'watcher',
    password: 'watcher-password',
    role: 'viewer',
  });
  const viewerToken = await login('watcher', 'watcher-password');
  const traderToken = await login('bench', 'bench-password');
  const keys: string[] = [];
  const accountIds: number[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const { account } = await call<{ account: { accountId: number } }>(base, adminToken, 'POST', '/api/v1/accounts', {
      userId: user.userId,
      kind: 'futures',
    });
    await call(base, adminToken, 'POST', `/api/v1/accounts/${account.accountId}/deposit`, {
      amount: 10_000_000_000_000,
    });
    const { key } = await call<{ key: string }>(
      base,
      adminToken,
      'POST',
      `/api/v1/accounts/${account.accountId}/api-keys`,
      {
        label: 'bench',
      },
    );
    keys.push(key);
    accountIds.push(account.accountId);
  }
  return { base, adminToken, keys, accountIds, viewerToken, traderToken };
}

/**
 * Each account alternates buy and sell (whatever connection sends its orders), so its own orders cross each other and
 * no account piles up resting orders (the engine allows 1,000 open orders an account).
 */
const sides = new Map<number, number>();
function nextSide(k: number): 'buy' | 'sell' {
  const n = (sides.get(k) ?? 0) + 1;
  sides.set(k, n);
  return n % 2 === 0 ? 'buy' : 'sell';
}

/** An account's buys and sells at the reference price cross each other (self-trade prevention off). */
function orderBody(accountId: number, side: 'buy' | 'sell'): string {
  return JSON.stringify({
    accountId,
    instrumentId: INSTRUMENT,
    side,
    type: 'limit',
    tif: 'GFD',
    price: REF,
    volume: 1,
    stp: 'none',
  });
}

function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function pct(h: hdr.Histogram): Record<string, number> {
  return {
    p50_ms: round(h.getValueAtPercentile(50) / 1000, 3),
    p99_ms: round(h.getValueAtPercentile(99) / 1000, 3),
    p99_9_ms: round(h.getValueAtPercentile(99.9) / 1000, 3),
    max_ms: round(h.maxValue / 1000, 3),
  };
}

interface WsReply {
  id?: number;
  ok?: boolean;
  channel?: string;
  type?: string;
  trade?: { buyOrderId: number; sellOrderId: number };
  error?: { code: string };
}

function openWs(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Every message of a frame (the server coalesces a turn's messages into one JSON array). */
function messages(data: WebSocket.RawData): WsReply[] {
  const parsed = JSON.parse(String(data)) as WsReply | WsReply[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Clients each keep `window` place ops in flight for `seconds`; returns acknowledged orders/s. */
async function wsOrderEntry(
  s: Setup,
  clients: number,
  seconds: number,
  window = 256,
): Promise<{ orders_per_sec: number; rejected: number; rejected_codes: Record<string, number> }> {
  const url = `${s.base.replace('http', 'ws')}/ws`;
  // a session of the owner of every account: orders go round the accounts (the engine limits each account's order
  // rate), buys and sells at one price crossing each other (stp none)
  const sockets = await Promise.all(Array.from({ length: clients }, () => openWs(url, s.traderToken)));
  let acked = 0;
  let rejected = 0;
  const codes: Record<string, number> = {};
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    sockets.map(
      (ws, c) =>
        new Promise<void>((resolve) => {
          let id = 0;
          let inFlight = 0;
          let next = c;
          const send = () => {
            while (inFlight < window && performance.now() < until) {
              id++;
              inFlight++;
              const k = next++ % s.accountIds.length;
              const accountId = s.accountIds[k]!;
              const buy = nextSide(k) === 'buy';
              ws.send(
                JSON.stringify({
                  op: 'place',
                  id,
                  order: {
                    accountId,
                    instrumentId: INSTRUMENT,
                    side: buy ? 'buy' : 'sell',
                    price: REF,
                    volume: 1,
                    stp: 'none',
                  },
                }),
              );
            }
            if (inFlight === 0 && performance.now() >= until) resolve();
          };
          ws.on('message', (data) => {
            for (const m of messages(data)) {
              if (m.id === undefined) continue;
              inFlight--;
              if (m.ok) acked++;
              else {
                rejected++;
                const c = m.error?.code ?? 'unknown';
                codes[c] = (codes[c] ?? 0) + 1;
              }
            }
            send();
          });
          send();
        }),
    ),
  );
  for (const ws of sockets) ws.close();
  return { orders_per_sec: Math.round(acked / seconds), rejected, rejected_codes: codes };
}

/** Starts `deskex serve` on a temporary data folder (rate limit off) and sets up the bench's accounts and keys. */
async function startDeskex() {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskex-api-bench-'));
  const server = await startChild(
    [
      ...(process.env.DESKEX_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      'bin/deskex.mjs',
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--status-every',
      '0',
      '--rate-limit',
      '1000000000',
    ],
    /API and UI at (http:\/\/[^ ]+) /,
  );
  const base = server.match[1]!;
  const pid = server.child.pid!;
  log(`deskex at ${base}, pid ${pid}; setting up ${ACCOUNTS} accounts`);
  const s = await setup(base, dataDir);
  return { dataDir, server, base, pid, s };
}

/** WS order entry with 1 and 10 clients. */
async function wsEntry(s: Setup): Promise<Record<string, Awaited<ReturnType<typeof wsOrderEntry>>>> {
  log('WS order entry, 1 client');
  const ws1 = await wsOrderEntry(s, 1, WS_SECONDS);
  log(`WS 1 client ${ws1.orders_per_sec} orders/s`);
  log('WS order entry, 10 clients');
  const ws10 = await wsOrderEntry(s, 10, WS_SECONDS);
  log(`WS 10 clients ${ws10.orders_per_sec} orders/s`);
  return { clients_1: ws1, clients_10: ws10 };
}

/** Fan-out: WS_CLIENTS subscribers of depth and trades while crossing orders flow at FANOUT_RATE pairs/s. */
async function fanoutSection(base: string, pid: number, s: Setup) {
  // the trader connects first: the server takes at most 10,000 connections
  const url = `${base.replace('http', 'ws')}/ws`;
  const trader = await openWs(url, s.keys[0]!);
  const rssBeforeClients = rssMb(pid);
  log(`fan-out: connecting ${WS_CLIENTS} WebSocket clients (server RSS ${rssBeforeClients} MB)`);
  const subs: WebSocket[] = [];
  let connectFailures = 0;
  const ackAt = new Map<number, number>(); // order id -> when the trader got its ack
  const receipts: number[] = []; // pairs: taker order id, receipt time (latency computed once every ack is in)
  const push = histogram();
  let delivered = 0;
  for (let i = 0; i < WS_CLIENTS; i += 500) {
    const n = Math.min(500, WS_CLIENTS - i);
    const got = await Promise.allSettled(Array.from({ length: n }, () => openWs(url, s.viewerToken)));
    for (const g of got) {
      if (g.status === 'rejected') {
        connectFailures++;
        continue;
      }
      const ws = g.value;
      subs.push(ws);
      ws.on('message', (data) => {
        const now = performance.now();
        for (const m of messages(data)) {
          if (m.channel === undefined) continue;
          delivered++;
          if (m.channel === 'trades') {
            const t = m.trade;
            if (t !== undefined) receipts.push(Math.max(t.buyOrderId, t.sellOrderId), now);
          }
        }
      });
      ws.send(JSON.stringify({ op: 'subscribe', id: 1, channel: 'depth', instrumentId: INSTRUMENT, levels: 10 }));
      ws.send(JSON.stringify({ op: 'subscribe', id: 2, channel: 'trades', instrumentId: INSTRUMENT }));
    }
    if (i % 2000 === 0) log(`  ${subs.length} connected`);
  }
  const rssConnected = rssMb(pid);
  const rssBefore = rssBeforeClients;
  log(
    `${subs.length} connected (${connectFailures} failed), server RSS ${rssConnected} MB; trading for ${WS_SECONDS} s`,
  );
  const sentAt = new Map<number, number>(); // request id -> when it was sent
  const sentOf = new Map<number, number>(); // order id -> when its request was sent
  trader.on('message', (data) => {
    const now = performance.now();
    for (const m of messages(data)) {
      const r = m as WsReply & { result?: { order?: { orderId: number } } };
      if (r.id !== undefined && r.ok && r.result?.order !== undefined && sentAt.has(r.id)) {
        ackAt.set(r.result.order.orderId, now);
        sentOf.set(r.result.order.orderId, sentAt.get(r.id)!);
      }
    }
  });
  delivered = 0;
  const t0 = performance.now();
  let id = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(
      () => {
        if (performance.now() - t0 >= WS_SECONDS * 1000) {
          clearInterval(tick);
          resolve();
          return;
        }
        for (const side of ['sell', 'buy'] as const) {
          id++;
          sentAt.set(id, performance.now());
          trader.send(
            JSON.stringify({
              op: 'place',
              id,
              order: { accountId: s.accountIds[0], instrumentId: INSTRUMENT, side, price: REF, volume: 1, stp: 'none' },
            }),
          );
        }
      },
      Math.max(1, Math.round(1000 / FANOUT_RATE)),
    );
  });
  const elapsed = (performance.now() - t0) / 1000;
  const rssLoaded = rssMb(pid);
  // a trade's taker is the later order (the buy of each pair). Two views of each push: after the taker's ack (a
  // push that reached its subscriber before the ack reached the trader counts as 1 µs), and from the moment the
  // order was sent (the whole path: request, sequencing, matching, journal commit, fan-out to every socket)
  const fromSend = histogram();
  for (let i = 0; i < receipts.length; i += 2) {
    const at = ackAt.get(receipts[i]!);
    if (at !== undefined) push.recordValue(Math.max(1, Math.round((receipts[i + 1]! - at) * 1000)));
    const sent = sentOf.get(receipts[i]!);
    if (sent !== undefined) fromSend.recordValue(Math.max(1, Math.round((receipts[i + 1]! - sent) * 1000)));
  }
  const fanout = {
    clients_requested: WS_CLIENTS,
    clients_connected: subs.length,
    connect_failures: connectFailures,
    pairs_per_sec: FANOUT_RATE,
    delivered_messages_per_sec: Math.round(delivered / elapsed),
    push_latency: push.totalCount > 0 ? pct(push) : null,
    push_latency_from_send: fromSend.totalCount > 0 ? pct(fromSend) : null,
    push_samples: push.totalCount,
    server_rss_mb_before_clients: rssBefore,
    server_rss_mb_connected: rssConnected,
    server_rss_mb: rssLoaded,
  };
  log(
    `fan-out: ${Math.round(delivered / elapsed)} messages/s, push p99 ${push.totalCount > 0 ? pct(push).p99_ms : 'n/a'} ms, RSS ${rssLoaded} MB`,
  );
  trader.close();
  for (const ws of subs) ws.terminate();
  return {
    fanout,
    clients: subs.length,
    pushP99: push.totalCount > 0 ? pct(push).p99_ms : null,
    fromSendP99: fromSend.totalCount > 0 ? pct(fromSend).p99_ms : null,
    rss: rssLoaded,
  };
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { machine: machineInfo() };
  // one WS section alone, on a server of its own
  const alone = async (name: string, section: (d: Awaited<ReturnType<typeof startDeskex>>) => Promise<unknown>) => {
    const d = await startDeskex();
    const result = await section(d);
    await stopChild(d.server.child);
    rmSync(d.dataDir, { recursive: true, force: true });
    process.stdout.write(`${JSON.stringify({ [name]: result })}\n`);
  };
  if (args.only === 'fanout') return alone('fanout', async (d) => (await fanoutSection(d.base, d.pid, d.s)).fanout);
  if (args.only === 'ws') return alone('ws', (d) => wsEntry(d.s));

  // 1. baseline: bare node:http JSON echo
  log('baseline: bare node:http JSON echo');
  const echo = await startChild(['--input-type=module', '-e', ECHO_SERVER], /listening (\d+)/);
  const echoUrl = `http://127.0.0.1:${echo.match[1]}`;
  const baseline = await cannon({
    url: `${echoUrl}/api/v1/orders`,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: orderBody(1, 'buy'),
  });
  await stopChild(echo.child);
  out.baseline = {
    req_per_sec: Math.round(baseline.requests.average),
    p50_ms: baseline.latency.p50,
    p99_ms: baseline.latency.p99,
    errors: baseline.errors,
    non2xx: baseline.non2xx,
  };
  log(`baseline ${Math.round(baseline.requests.average)} req/s`);

  // 2. deskex server
  const { dataDir, server, base, pid, s } = await startDeskex();

  // 3. REST order placement under autocannon: one connection per account key, crossing its own buys and sells
  log('REST order placement');
  const statsOf = async () =>
    (await call<{ stats: { batches: number; lastSeq: number } }>(base, s.adminToken, 'GET', '/api/v1/tuning')).stats;
  const before = await statsOf();
  const rest = await cannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/orders',
        setupRequest: (req, context) => {
          const c = context as { n?: number; k?: number };
          c.n = (c.n ?? 0) + 1;
          if (c.k === undefined) c.k = Math.floor(Math.random() * s.keys.length);
          const k = c.k;
          return {
            ...req,
            headers: { authorization: `Bearer ${s.keys[k]}`, 'content-type': 'application/json' },
            body: orderBody(s.accountIds[k]!, nextSide(k)),
          };
        },
      },
    ],
  });
  const restOk = rest['2xx'];
  const after = await statsOf();
  out.rest = {
    commands_per_batch:
      Math.round(((after.lastSeq - before.lastSeq) / Math.max(1, after.batches - before.batches)) * 10) / 10,
    orders_per_sec: Math.round(restOk / SECONDS),
    req_per_sec: Math.round(rest.requests.average),
    p50_ms: rest.latency.p50,
    p99_ms: rest.latency.p99,
    non2xx: rest.non2xx,
    errors: rest.errors,
  };
  log(`REST ${Math.round(restOk / SECONDS)} orders/s (${rest.non2xx} non-2xx)`);

  if (args.only === 'rest') {
    await stopChild(server.child);
    rmSync(dataDir, { recursive: true, force: true });
    process.stdout.write(`${JSON.stringify({ baseline: out.baseline, rest: out.rest })}\n`);
    return;
  }

  // 4. REST batch placement
  log('REST batch placement');
  let batchOrders = 0;
  const batchUntil = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      // each account of a batch buys once and sells once
      const orders = Array.from({ length: 100 }, (_, i) => ({
        accountId: s.accountIds[(w * 50 + (i % 50)) % s.accountIds.length]!,
        instrumentId: INSTRUMENT,
        side: i < 50 ? 'buy' : 'sell',
        price: REF,
        volume: 1,
      }));
      while (performance.now() < batchUntil) {
        const r = await call<{ results: { ok: boolean }[] }>(base, s.traderToken, 'POST', '/api/v1/orders/batch', {
          orders: orders.map((o) => ({ ...o, stp: 'none' })),
        });
        batchOrders += r.results.filter((x) => x.ok).length;
      }
    }),
  );
  out.rest_batch = { orders_per_sec: Math.round(batchOrders / SECONDS) };
  log(`REST batch ${Math.round(batchOrders / SECONDS)} orders/s`);

  // 5. WS order entry
  out.ws = await wsEntry(s);

  // 6. fan-out
  const f = await fanoutSection(base, pid, s);
  out.fanout = f.fanout;
  await stopChild(server.child);
  rmSync(dataDir, { recursive: true, force: true });

  const restOps = (out.rest as { orders_per_sec: number }).orders_per_sec;
  const base_ = (out.baseline as { req_per_sec: number }).req_per_sec;
  const summary = {
    ...out,
    rest_orders_per_sec: restOps,
    baseline_req_per_sec: base_,
    rest_ratio: round(restOps / Math.max(1, base_), 3),
    ws_orders_per_sec: Math.max(
      ...Object.values(out.ws as Record<string, { orders_per_sec: number }>).map((w) => w.orders_per_sec),
    ),
    ws_clients: f.clients,
    ws_push_p99_ms: f.pushP99,
    ws_push_from_send_p99_ms: f.fromSendP99,
    rss_mb_10k_clients: f.rss,
  };
  process.stdout.write(`${JSON.stringify(summary, null, args.json ? 0 : 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`api bench failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
