/** Determinism: replaying the same command stream gives the same events and the same state hash. */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src-engine/domain/commands.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import { Engine } from '../../src-engine/engine.ts';
import { A, B, BOOKS, type BookKind, C, D, Scenario, SYM, trades } from './helpers.ts';

/** A session touching every kind of command, rejects included. */
function session(book: BookKind): Scenario {
  const s = new Scenario(book);
  s.instrument(SYM, { referencePrice: 100, band: { kind: 'ticks', ticks: 20 } }, 'preOpen');
  s.instrument('OTHER', { priceTick: 5, lotSize: 10 }, 'continuous');
  s.buy(1, A, 102, 10);
  s.buy(2, B, 101, 5, { tif: 'GFD' });
  s.sell(3, C, 100, 8);
  s.sell(4, D, 103, 6);
  s.stop(5, C, 'buy', 103, 4);
  s.stopLimit(6, D, 'sell', 95, 94, 3, { tif: 'GFD' });
  s.phase('auction');
  s.apply(s.placeInput(7, A, 'buy', 100, 1)); // rejected: auction
  s.phase('continuous');
  s.sell(8, A, 101, 3, { stp: 'cancelMaker' });
  s.buy(9, B, 103, 2, { tif: 'IOC' });
  s.market(10, C, 'sell', 6);
  s.buy(11, D, 99, 5, { postOnly: true });
  s.apply(s.placeInput(12, A, 'sell', 99, 5, { postOnly: true })); // rejected: would cross
  s.modify(11, 99, 3);
  s.modify(11, 98, 3);
  s.sell(13, A, 98, 2, { tif: 'FOK' });
  s.buy(14, A, 500, 20, { instrumentId: 'OTHER' });
  s.sell(15, B, 495, 10, { instrumentId: 'OTHER' });
  s.apply({ kind: 'CancelOrder', orderId: 999 }); // rejected: unknown
  s.cancel(14);
  s.ok({ kind: 'SetReferencePrice', instrumentId: SYM, price: 98 });
  s.phase('halted');
  s.phase('closed');
  s.ok({ kind: 'SetInstrumentStatus', instrumentId: 'OTHER', status: 'suspended' });
  return s;
}

function replay(
  book: BookKind,
  log: readonly Command[],
): { events: (readonly EngineEvent[] | string)[]; hash: number } {
  const e = new Engine({ book, accounts: false });
  const events = log.map((cmd) => {
    const r = e.apply(cmd);
    return r.ok ? r.events : r.reject.code;
  });
  e.validateInternalState();
  return { events, hash: e.stateHash() };
}

describe.each(BOOKS)('replay (%s book)', (book) => {
  it('the session really trades, so the comparison means something', () => {
    const s = session(book);
    const all = replay(book, s.log).events.flatMap((x) => (typeof x === 'string' ? [] : x));
    expect(trades(all).length).toBeGreaterThan(4);
    expect(replay(book, s.log).events.filter((x) => typeof x === 'string')).toHaveLength(3);
    s.validate();
  });

  it('the same command stream twice gives the same events and state hash', () => {
    const s = session(book);
    const first = replay(book, s.log);
    const second = replay(book, s.log);
    expect(second.events).toEqual(first.events);
    expect(second.hash).toBe(first.hash);
    expect(first.hash).toBe(s.engine.stateHash());
    s.validate();
  });

  it('the state hash tells different states apart', () => {
    const s = session(book);
    const shorter = replay(book, s.log.slice(0, -1));
    const full = replay(book, s.log);
    expect(shorter.hash).not.toBe(full.hash);
    const before = s.engine.stateHash();
    s.ok({ kind: 'SetPhase', instrumentId: SYM, phase: 'continuous' });
    s.buy(100, A, 99, 1);
    expect(s.engine.stateHash()).not.toBe(before);
    s.validate();
  });
});

describe('fast and naive books', () => {
  it('give identical events for the same stream', () => {
    const log = session('fast').log;
    expect(replay('naive', log).events).toEqual(replay('fast', log).events);
  });
});
