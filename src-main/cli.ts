/**
 * The deskex command line.
 *
 *   deskex serve [--data-dir DIR] [--durability strict|batched|fast] [--shards N] [--orders FILE] [--exit]
 *   deskex replay --verify [--data-dir DIR]
 *
 * Exit codes: 0 done, 1 failed (a check failed or the exchange stopped), 2 wrong usage, 3 data folder refused.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type CommandInput, Exchange } from './host/exchange.ts';
import { closeJobs, verifyInWorker } from './host/jobs.ts';
import { RecoveryError } from './host/recovery.ts';
import { DataFileError, DURABILITIES, type Durability, openDatabase } from './store/database.ts';

const USAGE = `deskex: a desktop exchange

usage:
  deskex serve [options]          run the exchange headless (creates the demo market in a new data folder)
  deskex replay --verify [options] replay the whole journal in a worker and check every digest and snapshot hash
  deskex help                     this text

options:
  --data-dir DIR        data folder (default ./data); the database is DIR/deskex.db
  --durability MODE     strict | batched (default) | fast   (serve)
  --shards N            matching shards (worker threads); 0 = books on the main thread (default)
  --orders FILE         serve: submit the commands in FILE (one JSON object per line), print each result
  --exit                serve: stop after the --orders file is done
  --status-every SEC    serve: print a status line every SEC seconds (default 10; 0 = never)
`;

class UsageError extends Error {}

function fail(code: number, message: string): never {
  process.stderr.write(`deskex: ${message}\n`);
  process.exit(code);
}

function options(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string', default: 'data' },
        durability: { type: 'string', default: 'batched' },
        shards: { type: 'string', default: '0' },
        orders: { type: 'string' },
        exit: { type: 'boolean', default: false },
        'status-every': { type: 'string', default: '10' },
        verify: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function progressLine(label: string, done: number, total: number): void {
  const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
  const width = 30;
  const filled = Math.round((pct * width) / 100);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% (${done}/${total})`);
  if (done >= total) process.stderr.write('\n');
}

async function serve(o: ReturnType<typeof options>['values']): Promise<void> {
  const durability = o.durability as Durability;
  if (!DURABILITIES.includes(durability))
    throw new UsageError(`--durability must be one of ${DURABILITIES.join(', ')}`);
  const shards = Number(o.shards);
  if (!Number.isInteger(shards) || shards < 0) throw new UsageError('--shards must be a whole number >= 0');
  const statusEvery = Number(o['status-every']);
  if (!Number.isFinite(statusEvery) || statusEvery < 0) throw new UsageError('--status-every must be >= 0');
  const dataDir = resolve(o['data-dir']!);
  const ex = await Exchange.open({
    dataDir,
    durability,
    shards,
    demo: true,
    onRecoveryProgress: (p) => progressLine('recovering', p.batchesDone, p.batchesTotal),
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await ex.close();
    process.stderr.write(`deskex: stopped at seq ${ex.stats().lastSeq}\n`);
    process.exit(code);
  };
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
      process.stderr.write(`deskex: seq ${s.lastSeq}, journaled ${s.journaledSeq}, ${rate} commands/s, ${s.status}\n`);
    },
    statusEvery === 0 ? 2 ** 30 : Math.max(1, statusEvery) * 1000,
  );
  // the handlers are in place before "ready" is printed: a supervisor may stop deskex as soon as it reads it
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const r = ex.recovery;
  process.stderr.write(
    `deskex: ready, data ${dataDir}, durability ${durability}, shards ${shards}, seq ${ex.stats().lastSeq} ` +
      `(snapshot ${r.snapshotSeq} + ${r.commandsReplayed} replayed in ${Math.round(r.ms)} ms)` +
      (r.droppedBatch
        ? `; dropped a torn last batch (seq ${r.droppedBatch.firstSeq}..${r.droppedBatch.lastSeq})`
        : '') +
      '\n',
  );
  for (const s of r.snapshotsSkipped) process.stderr.write(`deskex: snapshot at seq ${s.lastSeq} not used: ${s.why}\n`);
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
}

async function replay(o: ReturnType<typeof options>['values']): Promise<number> {
  if (!o.verify) throw new UsageError('replay needs --verify (it only checks; it never changes the data folder)');
  const dataDir = resolve(o['data-dir']!);
  // a folder without a deskex database is refused here (exit 3): the worker's DataFileError loses its class
  openDatabase(dataDir, { readonly: true }).close();
  const report = await verifyInWorker(dataDir, (done, total) => progressLine('verifying', done, total));
  await closeJobs();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (!report.ok) {
    for (const p of report.problems) process.stderr.write(`deskex: ${p}\n`);
    return 1;
  }
  process.stderr.write(
    `deskex: journal verified: ${report.batches} batches, ${report.commands} commands, ` +
      `${report.snapshotsChecked} snapshot hashes match, state hash ${report.stateHash}\n`,
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const o = options(argv);
  const [command, ...rest] = o.positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (o.values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !o.values.help ? 2 : 0;
  }
  switch (command) {
    case 'serve':
      await serve(o.values);
      return -1;
    case 'replay':
      return replay(o.values);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    if (e instanceof UsageError) fail(2, `${e.message}\n\n${USAGE}`);
    if (e instanceof DataFileError) fail(3, e.message);
    if (e instanceof RecoveryError) fail(3, e.message);
    fail(1, (e as Error).stack ?? String(e));
  },
);
