/** `deskex serve` (the exchange headless, with the API and UI) and `deskex replay --verify`. */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ApiServer } from '../api/server.ts';
import { type CommandInput, Exchange } from '../host/exchange.ts';
import { closeJobs, verifyInWorker } from '../host/jobs.ts';
import { DURABILITIES, type Durability, openDatabase } from '../store/database.ts';
import { intOption, parseCommand, progressBar, SettingError, say, UsageError } from './common.ts';
import { databaseInUse, dbFile, inUseError } from './folder.ts';
import { REPLAY_USAGE, SERVE_DEFAULT_PORT, SERVE_USAGE } from './usage.ts';

const SERVE_OPTIONS = {
  'data-dir': { type: 'string', default: 'data' },
  // no defaults here: without the flag the data folder's saved tuning applies (then batched, 0)
  durability: { type: 'string' },
  shards: { type: 'string' },
  orders: { type: 'string' },
  exit: { type: 'boolean', default: false },
  'status-every': { type: 'string', default: '10' },
  port: { type: 'string', default: String(SERVE_DEFAULT_PORT) },
  host: { type: 'string', default: '127.0.0.1' },
  'allowed-host': { type: 'string', multiple: true, default: [] as string[] },
  'self-service-funds': { type: 'boolean', default: false },
  'rate-limit': { type: 'string', default: '1000' },
  'no-api': { type: 'boolean', default: false },
} as const;

/** Runs until a signal (or the end of --orders with --exit); returns -1 (the process exits on its own). */
export async function serve(args: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(args, SERVE_OPTIONS, SERVE_USAGE);
  if (o.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, SERVE_USAGE);
  const durabilityFlag = o.durability as Durability | undefined;
  if (durabilityFlag !== undefined && !DURABILITIES.includes(durabilityFlag))
    throw new UsageError(`--durability must be one of ${DURABILITIES.join(', ')}`, SERVE_USAGE);
  const shardsFlag = o.shards === undefined ? undefined : Number(o.shards);
  if (shardsFlag !== undefined && (!Number.isInteger(shardsFlag) || shardsFlag < 0))
    throw new UsageError('--shards must be a whole number >= 0', SERVE_USAGE);
  const statusEvery = Number(o['status-every']);
  if (!Number.isFinite(statusEvery) || statusEvery < 0)
    throw new UsageError('--status-every must be >= 0', SERVE_USAGE);
  const port = intOption(o.port, 'port', SERVE_USAGE, 0, 65535)!;
  const rateLimit = Number(o['rate-limit']);
  if (!Number.isFinite(rateLimit) || rateLimit <= 0) throw new UsageError('--rate-limit must be > 0', SERVE_USAGE);
  const dataDir = resolve(o['data-dir']);
  // two exchanges journaling into one file would corrupt it; a file that is not SQLite is left to Exchange.open
  if (databaseInUse(dbFile(dataDir))) throw inUseError(dbFile(dataDir), 'stop it, or pick another --data-dir');
  const recovering = progressBar('recovering');
  const ex = await Exchange.open({
    dataDir,
    ...(durabilityFlag === undefined ? {} : { durability: durabilityFlag }),
    ...(shardsFlag === undefined ? {} : { shards: shardsFlag }),
    demo: true,
    onRecoveryProgress: (p) => recovering(p.batchesDone, p.batchesTotal),
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await api?.close();
    await ex.close();
    say(`stopped at seq ${ex.stats().lastSeq}`);
    process.exit(code);
  };
  let api: ApiServer | null = null;
  if (!o['no-api']) {
    try {
      // loaded only when serving HTTP: the API server (fastify and its plugins) is most of deskex's start-up time
      const { startServer } = await import('../api/server.ts');
      api = await startServer(ex, dataDir, {
        host: o.host,
        port,
        policy: { allowedHosts: o['allowed-host'] },
        selfServiceFunds: o['self-service-funds'],
        rateLimit: { perSecond: rateLimit, burst: rateLimit * 2 },
        tuning: () => ({ dataDir, host: o.host, port }),
      });
    } catch (e) {
      await ex.close();
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new SettingError(`port ${port} is in use: pick another with --port`);
      if (code === 'EADDRNOTAVAIL') throw new SettingError(`${o.host} is not an address of this machine (--host)`);
      throw e;
    }
  }
  let lastSeq = ex.stats().lastSeq;
  let lastAt = performance.now();
  // the timer also keeps the process serving until a signal (nothing else holds the event loop open)
  const timer = setInterval(
    () => {
      if (statusEvery === 0) return;
      const s = ex.stats();
      const now = performance.now();
      const rate = Math.round(((s.lastSeq - lastSeq) * 1000) / Math.max(1, now - lastAt)); // over the real interval
      lastSeq = s.lastSeq;
      lastAt = now;
      say(`seq ${s.lastSeq}, journaled ${s.journaledSeq}, ${rate} commands/s, ${s.status}`);
    },
    statusEvery === 0 ? 2 ** 30 : Math.max(1, statusEvery) * 1000,
  );
  // the handlers are in place before "ready" is printed: a supervisor may stop deskex as soon as it reads it
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const r = ex.recovery;
  say(
    `ready, data ${dataDir}, durability ${ex.tuning().durability}, shards ${ex.tuning().runningShards}, seq ${ex.stats().lastSeq} ` +
      `(snapshot ${r.snapshotSeq} + ${r.commandsReplayed} replayed in ${Math.round(r.ms)} ms)` +
      (r.droppedBatch ? `; dropped a torn last batch (seq ${r.droppedBatch.firstSeq}..${r.droppedBatch.lastSeq})` : ''),
  );
  for (const s of r.snapshotsSkipped) say(`snapshot at seq ${s.lastSeq} not used: ${s.why}`);
  if (api !== null) {
    say(`API and UI at ${api.url} (docs ${api.url}/api/v1/docs, WebSocket ${api.url.replace('http', 'ws')}/ws)`);
    if (api.firstAdmin?.passwordFile) {
      say(`first start: user "admin" created, its password is in ${api.firstAdmin.passwordFile}`);
    }
    if (o.host !== '127.0.0.1' && o.host !== 'localhost' && o.host !== '::1') {
      say('listening beyond this machine: only /health and the login are open without credentials');
    }
  }
  if (o.orders !== undefined) {
    const lines = createInterface({ input: createReadStream(resolve(o.orders)), crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    for await (const line of lines) {
      if (stopping) break; // a signal arrived: submit nothing more
      n++;
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      let cmd: CommandInput;
      try {
        cmd = JSON.parse(line) as CommandInput;
      } catch (e) {
        process.stdout.write(`${JSON.stringify({ line: n, ok: false, error: `not JSON: ${(e as Error).message}` })}\n`);
        continue;
      }
      if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) {
        process.stdout.write(`${JSON.stringify({ line: n, ok: false, error: 'not a command: a JSON object' })}\n`);
        continue;
      }
      if (stopping) break;
      const ack = await ex.submit(cmd);
      process.stdout.write(
        `${JSON.stringify(ack.ok ? { line: n, ok: true, seq: ack.seq, events: ack.events } : { line: n, ...ack })}\n`,
      );
    }
    if (o.exit) await stop(0);
  }
  return -1;
}

export async function replay(args: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(
    args,
    { 'data-dir': { type: 'string', default: 'data' }, verify: { type: 'boolean', default: false } },
    REPLAY_USAGE,
  );
  if (o.help) {
    process.stdout.write(REPLAY_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, REPLAY_USAGE);
  if (!o.verify)
    throw new UsageError('replay needs --verify (it only checks; it never changes the data folder)', REPLAY_USAGE);
  const dataDir = resolve(o['data-dir']);
  // a folder without a deskex database is refused here (exit 3): the worker's DataFileError loses its class
  openDatabase(dataDir, { readonly: true }).close();
  const report = await verifyInWorker(dataDir, progressBar('verifying'));
  await closeJobs();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (!report.ok) {
    for (const p of report.problems) say(p);
    return 1;
  }
  say(
    `journal verified: ${report.batches} batches, ${report.commands} commands, ` +
      `${report.snapshotsChecked} snapshot hashes match, state hash ${report.stateHash}`,
  );
  return 0;
}
