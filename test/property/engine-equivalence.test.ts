/**
 * Property tests of the engine (docs/matching.md): random streams of every command kind, applied to
 * Engine({ book: 'fast', accounts: false }) and Engine({ book: 'naive', accounts: false }): matching only, so no
 * account is needed and the risk checks of docs/accounts.md do not run, except the self-trade check of `stp: 'reject'`
 * (pre-trade check 13, which in matching-only mode comes right after the phase checks); account commands are refused.
 *
 * - equivalence: after every command both engines give deep-equal results, depths, phases, last prices and state
 *   hashes, and both pass validateInternalState();
 * - invariants seen from outside: an event-sourced model of every instrument's book (built only from the events)
 *   checks price-time priority (FIFO within a level, modifies that lose priority), fills at the resting price,
 *   volume conservation per trade, no events for finished orders, no crossed book while matching, self-trade
 *   prevention, FOK all-or-nothing, the fill volume every taker should get, the auction uncross price, stop
 *   triggers, and that the model's depth equals the engine's;
 * - validation: every accept / reject follows the validation order of docs/matching.md, and a rejected command
 *   changes nothing (state hash unchanged);
 * - determinism: the same stream replayed on fresh engines gives the same state hash after every command.
 *
 * Commands are generated as templates; a few fields (a modify's "same price", a cancel's "owner account") are
 * resolved against the event-sourced model while the stream runs, and the resolved stream is what is replayed.
 * On a failure the error message lists the resolved commands, so a shrunk counterexample is a ready repro.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src-engine/engine.ts';
import {
  ALL_IDS,
  type ApplyResult,
  Driver,
  failWith,
  follow,
  type Outcome,
  PRELUDE,
  place,
  streamArb,
  type Tpl,
  Violation,
} from './engine-stream.ts';

const NUM_RUNS = 500;

// ---------------------------------------------------------------------------------------------------------------

describe('engine: fast book and naive book give the same exchange', () => {
  it('gives identical results, depths, phases, last prices and state hashes after every command', () => {
    fc.assert(
      fc.property(streamArb, (tpls) => {
        const driver = new Driver();
        const fast = new Engine({ book: 'fast', accounts: false });
        const naive = new Engine({ book: 'naive', accounts: false });
        const state = { broken: false };
        try {
          for (const cmd of driver.commands(tpls)) {
            const rf = fast.apply(cmd);
            const rn = naive.apply(cmd);
            if (!isDeepStrictEqual(rf, rn)) expect(rn).toEqual(rf);
            for (const id of ALL_IDS) {
              const df = fast.depth(id, Number.POSITIVE_INFINITY);
              const dn = naive.depth(id, Number.POSITIVE_INFINITY);
              if (!isDeepStrictEqual(df, dn)) expect(dn).toEqual(df);
              if (naive.phase(id) !== fast.phase(id)) expect(naive.phase(id)).toBe(fast.phase(id));
              if (naive.lastPrice(id) !== fast.lastPrice(id)) expect(naive.lastPrice(id)).toBe(fast.lastPrice(id));
              const bid = df?.bids[0]?.price;
              const ask = df?.asks[0]?.price;
              if (fast.phase(id) === 'continuous' && bid !== undefined && ask !== undefined && !(bid < ask))
                throw new Violation(`${id} is crossed in continuous: bid ${bid} ask ${ask}`);
            }
            fast.validateInternalState();
            naive.validateInternalState();
            // the book's stateHash covers only observable state, so the engine's hash is book-independent
            const hf = fast.stateHash();
            const hn = naive.stateHash();
            if (hf !== hn) expect(hn).toBe(hf);
            follow(driver.tracker, cmd, rf, state);
          }
        } catch (err) {
          failWith(driver, err);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('replays deterministically: fresh engines given the same commands reach the same state hashes', () => {
    fc.assert(
      fc.property(streamArb, (tpls) => {
        const driver = new Driver();
        const first = new Engine({ book: 'fast', accounts: false });
        const state = { broken: false };
        const hashes: number[] = [];
        const results: ApplyResult[] = [];
        try {
          for (const cmd of driver.commands(tpls)) {
            const r = first.apply(cmd);
            results.push(r);
            hashes.push(first.stateHash());
            follow(driver.tracker, cmd, r, state);
          }
          for (const book of ['fast', 'naive'] as const) {
            const again = new Engine({ book, accounts: false });
            driver.cmds.forEach((cmd, i) => {
              const r = again.apply(cmd);
              if (!isDeepStrictEqual(r, results[i])) expect(r).toEqual(results[i]);
              const h = again.stateHash();
              if (h !== hashes[i]) expect(h).toBe(hashes[i]);
            });
          }
          // and the hash does depend on the state: the prelude's steps all differ
          expect(new Set(hashes.slice(0, PRELUDE.length)).size).toBe(PRELUDE.length);
        } catch (err) {
          failWith(driver, err);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('engine: the event stream keeps the matching rules', () => {
  function checkStream(tpls: readonly Tpl[], withOracle: boolean): void {
    const driver = new Driver();
    const engine = new Engine({ book: 'fast', accounts: false });
    const tracker = driver.tracker;
    try {
      for (const cmd of driver.commands(tpls)) {
        const allowed = withOracle ? tracker.expected(cmd) : 'any';
        const before = engine.stateHash();
        const res = engine.apply(cmd);
        if (allowed !== 'any') {
          const got: Outcome = res.ok ? 'ok' : res.reject.code;
          if (!allowed.has(got))
            throw new Violation(
              `${cmd.kind} gave ${got}${res.ok ? '' : ` (${res.reject.details ?? ''})`}, the rules allow ${[...allowed].join(' | ')}`,
            );
        }
        // "A rejected command changes nothing" (docs/matching.md); without the oracle, checkEngine below still
        // compares the engine's depth, phases and last prices with the model, which a reject leaves alone
        if (withOracle && !res.ok && engine.stateHash() !== before)
          throw new Violation(`rejected ${cmd.kind} (${res.reject.code}) changed the state hash`);
        tracker.apply(cmd, res);
        tracker.checkEngine(engine);
      }
    } catch (err) {
      failWith(driver, err);
    }
  }

  it('priority, fills, conservation, finished orders, stops, uncross and uncrossed books hold', () => {
    fc.assert(
      fc.property(streamArb, (tpls) => checkStream(tpls, false)),
      { numRuns: NUM_RUNS },
    );
  });

  it('every accept and reject follows the validation order, and a reject changes nothing', () => {
    fc.assert(
      fc.property(streamArb, (tpls) => checkStream(tpls, true)),
      {
        numRuns: NUM_RUNS,
        examples: [
          // a rejected order still uses up its sequence number: the same seq again is refused
          [[place({ volMod: 'zero' }), place({ seqStep: 0 })]],
          // well-formed fields are checked before the instrument exists (validation order 1 before 3)
          [[{ t: 'status', seqStep: 1, m: 5, status: 'gone' }]],
        ],
      },
    );
  });
});
