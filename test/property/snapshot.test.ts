/**
 * Property tests of whole-engine snapshots (docs/matching.md, "Snapshots"), on the random command streams of the
 * accounts and the matching property tests (test/property/accounts-stream.ts, test/property/engine-stream.ts):
 *
 * run a stream on an engine (fast or naive book); at a random cut point export its state, JSON.stringify and
 * JSON.parse it, and restore it on both book kinds; then apply the rest of the stream to the original and to both
 * restored engines. After the restore: validateInternalState passes, the state hashes are the original's, and the
 * state exported from a restored engine deep-equals the state it was restored from. After every later command: the
 * results (events included) and state hashes are identical. At the end the three engines export deep-equal states
 * (which also covers what the state hash leaves out: holder order, today's trades, the rate-limit timestamps, ...).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src-engine/domain/commands.ts';
import { Engine, type EngineOptions } from '../../src-engine/engine.ts';
import type { EngineState } from '../../src-engine/state.ts';
import { decodeState, encodeExport, encodeState } from '../../src-main/store/snapshot-codec.ts';
import { streamArb as accountsStreamArb, RISK, runStream } from './accounts-stream.ts';
import { Driver, follow, streamArb as matchingStreamArb } from './engine-stream.ts';

type BookKind = 'fast' | 'naive';
const BOOKS: readonly BookKind[] = ['fast', 'naive'];

/** Time budget per property; the whole file stays well under 20 s. */
const BUDGET_MS = Number(process.env.SNAPSHOT_BUDGET_MS ?? 6_000);

/** Throws unless `x` is plain JSON data whose numbers are safe integers (no Map, Set, BigInt, undefined, ...). */
function checkJsonSafe(x: unknown, path: string): void {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return;
  if (typeof x === 'number') {
    if (!Number.isSafeInteger(x) || Object.is(x, -0)) throw new Error(`${path} is ${x}, not a safe integer`);
    return;
  }
  if (Array.isArray(x)) {
    x.forEach((v, i) => {
      checkJsonSafe(v, `${path}[${i}]`);
    });
    return;
  }
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    for (const [k, v] of Object.entries(x)) checkJsonSafe(v, `${path}.${k}`);
    return;
  }
  throw new Error(`${path} is not JSON data (${typeof x} ${Object.prototype.toString.call(x)})`);
}

/** What the cut states held, to show the property looks at full states and not only empty ones. */
interface Coverage {
  cuts: number;
  resting: number;
  stops: number;
  holds: number;
  closeHolds: number;
  yesterdayLots: number;
  tradesToday: number;
  multiHolders: number;
  dayTrades: number;
  settlementPrices: number;
  laterDays: number;
  laterTrades: number;
}

function newCoverage(): Coverage {
  return {
    cuts: 0,
    resting: 0,
    stops: 0,
    holds: 0,
    closeHolds: 0,
    yesterdayLots: 0,
    tradesToday: 0,
    multiHolders: 0,
    dayTrades: 0,
    settlementPrices: 0,
    laterDays: 0,
    laterTrades: 0,
  };
}

function count(c: Coverage, s: EngineState): void {
  c.cuts++;
  const some = (b: boolean) => (b ? 1 : 0);
  c.resting += some(s.instruments.some((m) => m.bids.length + m.asks.length > 0));
  c.stops += some(s.instruments.some((m) => m.stops.length > 0));
  c.dayTrades += some(s.dayTrades.some((d) => d.trades.length > 0));
  c.settlementPrices += some(s.settlementPrices.length > 0);
  const l = s.ledger;
  if (l === null) return;
  c.holds += some(l.holds.length > 0);
  c.closeHolds += some(l.holds.some((h) => h.offset !== 'open'));
  c.yesterdayLots += some(l.accounts.some((a) => a.positions.some((p) => p.long.yesterday.lots.length > 0)));
  c.tradesToday += some(l.accounts.some((a) => a.tradesToday.length > 0));
  c.multiHolders += some(l.holders.some((h) => h.accountIds.length > 1));
  c.laterDays += some(l.tradingDay > 1);
}

/**
 * Runs `cmds` up to `cut` on a `book` engine, snapshots it through JSON (and checks that the stored encoding, of the
 * exported rows and packed during the export, gives the same state back), restores it on both book kinds and runs
 * the rest on all three, comparing after every command.
 */
function checkCut(options: EngineOptions, book: BookKind, cmds: readonly Command[], cut: number, c: Coverage): void {
  const original = new Engine({ ...options, book });
  for (const cmd of cmds.slice(0, cut)) original.apply(cmd);
  const state = original.exportState();
  checkJsonSafe(state, 'state');
  const text = JSON.stringify(state);
  if (!isDeepStrictEqual(JSON.parse(text), state)) expect(JSON.parse(text)).toEqual(state);
  // the stored form (snapshot-codec.ts) gives back exactly what JSON does
  const stored = encodeState(state);
  const decoded = decodeState(stored.format, stored.bytes);
  if (!isDeepStrictEqual(decoded, state)) expect(decoded).toEqual(state);
  // and so does the engine's export packed as it goes (what the exchange stores)
  const direct = encodeExport((packer) => original.exportState(packer));
  const decodedDirect = decodeState(direct.format, direct.bytes);
  if (!isDeepStrictEqual(decodedDirect, state)) expect(decodedDirect).toEqual(state);
  count(c, state);
  const restored = BOOKS.map((b) => Engine.fromState(JSON.parse(text) as EngineState, { book: b }));
  const hash = original.stateHash();
  for (const e of restored) {
    e.validateInternalState();
    if (e.stateHash() !== hash) expect(e.stateHash()).toBe(hash);
    expect(e.seq).toBe(original.seq);
    const again = e.exportState();
    if (!isDeepStrictEqual(again, state)) expect(again).toEqual(state);
  }
  for (const cmd of cmds.slice(cut)) {
    const want = original.apply(cmd);
    if (want.ok && want.events.some((ev) => ev.kind === 'TradeExecuted')) c.laterTrades++;
    const h = original.stateHash();
    for (const e of restored) {
      const got = e.apply(cmd);
      if (!isDeepStrictEqual(got, want)) expect(got).toEqual(want);
      if (e.stateHash() !== h) expect(e.stateHash()).toBe(h);
    }
  }
  const end = original.exportState();
  for (const e of restored) {
    e.validateInternalState();
    expect(e.stateHash()).toBe(original.stateHash());
    const got = e.exportState();
    if (!isDeepStrictEqual(got, end)) expect(got).toEqual(end);
  }
}

function repro(cmds: readonly Command[], cut: number, book: BookKind, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  const list = cmds.map((cmd, i) => `${i === cut ? '--- cut ---\n' : ''}${JSON.stringify(cmd)}`).join('\n');
  return new Error(`${msg}\noriginal book ${book}, cut after ${cut} of ${cmds.length} commands:\n${list}`, {
    cause: err,
  });
}

const ACCOUNTS_OPTIONS: EngineOptions = { accounts: true, risk: RISK };
const MATCHING_OPTIONS: EngineOptions = { accounts: false };

/** One accounts stream, resolved (and checked) by the accounts property tests' runner, then cut. */
function accountsCase(tpls: Parameters<typeof runStream>[0], cutPick: number, book: BookKind, c: Coverage): void {
  const cmds = runStream(tpls, false).cmds;
  const cut = cutPick % (cmds.length + 1);
  try {
    checkCut(ACCOUNTS_OPTIONS, book, cmds, cut, c);
  } catch (err) {
    throw repro(cmds, cut, book, err);
  }
}

/** One matching-only stream, resolved by the matching property tests' driver against its model, then cut. */
function matchingCase(tpls: Parameters<Driver['commands']>[0], cutPick: number, book: BookKind, c: Coverage): void {
  const driver = new Driver();
  const engine = new Engine({ ...MATCHING_OPTIONS, book: 'fast' });
  const followState = { broken: false };
  for (const cmd of driver.commands(tpls)) follow(driver.tracker, cmd, engine.apply(cmd), followState);
  const cmds = driver.cmds;
  const cut = cutPick % (cmds.length + 1);
  try {
    checkCut(MATCHING_OPTIONS, book, cmds, cut, c);
  } catch (err) {
    throw repro(cmds, cut, book, err);
  }
}

const cutArb = fc.nat();
const bookArb = fc.constantFrom<BookKind>('fast', 'naive');

describe('snapshots: export, JSON, restore on both books, and the rest of the stream runs alike', () => {
  it('accounts streams: identical results and hashes after every command, deep-equal states at the end', {
    timeout: BUDGET_MS + 30_000,
  }, () => {
    const c = newCoverage();
    fc.assert(
      fc.property(accountsStreamArb, cutArb, bookArb, (tpls, cut, book) => accountsCase(tpls, cut, book, c)),
      { numRuns: 400, interruptAfterTimeLimit: BUDGET_MS },
    );
    expect(c.cuts).toBeGreaterThan(0);
  });

  it('matching-only streams: identical results and hashes after every command, deep-equal states at the end', {
    timeout: BUDGET_MS + 30_000,
  }, () => {
    const c = newCoverage();
    fc.assert(
      fc.property(matchingStreamArb, cutArb, bookArb, (tpls, cut, book) => matchingCase(tpls, cut, book, c)),
      { numRuns: 400, interruptAfterTimeLimit: BUDGET_MS },
    );
    expect(c.cuts).toBeGreaterThan(0);
  });

  it('the cut points land on full states: resting orders, stops, holds, positions of earlier days, VWAP trades', () => {
    // fixed seeds, so what the streams cover does not depend on the machine's speed
    const acc = newCoverage();
    fc.assert(
      fc.property(accountsStreamArb, cutArb, bookArb, (tpls, cut, book) => accountsCase(tpls, cut, book, acc)),
      { numRuns: 15, seed: 7 },
    );
    const mat = newCoverage();
    fc.assert(
      fc.property(matchingStreamArb, cutArb, bookArb, (tpls, cut, book) => matchingCase(tpls, cut, book, mat)),
      { numRuns: 30, seed: 7 },
    );
    if (process.env.SNAPSHOT_STATS) console.log(JSON.stringify({ acc, mat }));
    for (const k of ['resting', 'holds', 'closeHolds', 'yesterdayLots', 'tradesToday', 'multiHolders'] as const) {
      expect(acc[k], k).toBeGreaterThan(0);
    }
    expect(acc.laterTrades).toBeGreaterThan(0);
    expect(mat.resting).toBeGreaterThan(0);
    expect(mat.stops).toBeGreaterThan(0);
    expect(mat.laterTrades).toBeGreaterThan(0);
  });
});
