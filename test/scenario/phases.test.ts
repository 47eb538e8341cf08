/** Trading phases per instrument (docs/matching.md, "Phases" and GFD expiry). */
import { describe, expect, it } from 'vitest';
import type { Phase } from '../../src-engine/domain/order.ts';
import { PHASES } from '../../src-engine/domain/order.ts';
import { A, B, BOOKS, C, cancelInput, cancels, kinds, makeSpec, one, Scenario, SYM, trades } from './helpers.ts';

const ALLOWED: Record<Phase, Phase[]> = {
  closed: ['preOpen', 'continuous'],
  preOpen: ['auction', 'continuous', 'halted', 'closed'],
  auction: ['continuous', 'halted', 'closed'],
  continuous: ['halted', 'preOpen', 'closed'],
  halted: ['continuous', 'preOpen', 'closed'],
};

const pairs = PHASES.flatMap((from) => PHASES.map((to) => [from, to, ALLOWED[from].includes(to)] as const));

describe.each(BOOKS)('phases (%s book)', (book) => {
  it('instruments start closed, and a closed instrument refuses orders', () => {
    const s = new Scenario(book);
    s.ok({ kind: 'AddInstrument', spec: makeSpec(SYM) });
    expect(s.engine.phase(SYM)).toBe('closed');
    expect(s.rejected(s.placeInput(1, A, 'buy', 100, 1))).toBe('MATCHING_PHASE_REJECTS_ORDERS');
    expect(s.rejected(s.placeInput(1, A, 'buy', 0, 1, { type: 'stop', tif: 'IOC', stopPrice: 100 }))).toBe(
      'MATCHING_PHASE_REJECTS_ORDERS',
    );
    s.validate();
  });

  it.each(pairs)('%s -> %s allowed: %s', (from, to, allowed) => {
    const s = new Scenario(book).instrument(SYM, {}, from);
    expect(s.engine.phase(SYM)).toBe(from);
    if (allowed) {
      const ev = s.phase(to);
      expect(kinds(ev)).toEqual(['PhaseChanged']);
      expect(one(ev, 'PhaseChanged')).toEqual({ kind: 'PhaseChanged', instrumentId: SYM, from, to });
      expect(s.engine.phase(SYM)).toBe(to);
    } else {
      expect(s.rejected({ kind: 'SetPhase', instrumentId: SYM, phase: to })).toBe('ADMIN_INVALID_PHASE_TRANSITION');
      expect(s.engine.phase(SYM)).toBe(from);
    }
    s.validate();
  });

  it('phases are per instrument; an unknown instrument is refused', () => {
    const s = new Scenario(book).instrument('X1', {}, 'continuous').instrument('X2', {}, 'preOpen');
    expect(s.engine.phase('X1')).toBe('continuous');
    expect(s.engine.phase('X2')).toBe('preOpen');
    expect(s.rejected({ kind: 'SetPhase', instrumentId: 'NOPE', phase: 'preOpen' })).toBe(
      'VALIDATION_UNKNOWN_INSTRUMENT',
    );
    s.validate();
  });

  it('pre-open accepts limit GTC/GFD and stop orders, without matching, and refuses the rest', () => {
    const s = new Scenario(book).instrument(SYM, {}, 'preOpen');
    expect(kinds(s.buy(1, A, 101, 10))).toEqual(['OrderAccepted', 'OrderRested']);
    expect(kinds(s.sell(2, B, 100, 10, { tif: 'GFD' }))).toEqual(['OrderAccepted', 'OrderRested']); // crosses
    expect(kinds(s.stop(3, C, 'buy', 120, 1))).toEqual(['OrderAccepted']);
    expect(kinds(s.stopLimit(4, C, 'sell', 80, 79, 1))).toEqual(['OrderAccepted']);
    const refused = [
      s.placeInput(10, A, 'buy', 100, 1, { tif: 'IOC' }),
      s.placeInput(11, A, 'buy', 100, 1, { tif: 'FOK' }),
      s.placeInput(12, A, 'buy', 0, 1, { type: 'market', tif: 'IOC' }),
      s.placeInput(13, A, 'buy', 0, 1, { type: 'market', tif: 'FOK' }),
      s.placeInput(14, A, 'buy', 90, 1, { postOnly: true }),
      s.placeInput(15, A, 'sell', 110, 1, { postOnly: true, tif: 'GFD' }),
    ];
    for (const cmd of refused) expect(s.rejected(cmd)).toBe('MATCHING_ORDER_TYPE_NOT_IN_PHASE');
    expect(s.depth()).toEqual({ bids: [[101, 10, 1]], asks: [[100, 10, 1]] });
    expect(s.lastPrice()).toBeNull();
    s.validate();
  });

  it('auction accepts no orders', () => {
    const s = new Scenario(book).instrument(SYM, {}, 'auction');
    expect(s.rejected(s.placeInput(1, A, 'buy', 100, 1))).toBe('MATCHING_PHASE_REJECTS_ORDERS');
    expect(s.rejected(s.placeInput(1, A, 'buy', 0, 1, { type: 'market', tif: 'IOC' }))).toBe(
      'MATCHING_PHASE_REJECTS_ORDERS',
    );
    s.validate();
  });

  it('halted refuses orders but accepts cancels; continuous resumes with the book kept', () => {
    const s = new Scenario(book).instrument();
    s.buy(1, A, 99, 5);
    s.buy(2, A, 98, 5);
    s.sell(3, B, 101, 5);
    s.phase('halted');
    expect(s.rejected(s.placeInput(4, B, 'sell', 99, 5))).toBe('MATCHING_PHASE_REJECTS_ORDERS');
    expect(s.rejected(s.placeInput(4, B, 'sell', 0, 5, { type: 'market', tif: 'IOC' }))).toBe(
      'MATCHING_PHASE_REJECTS_ORDERS',
    );
    expect(cancels(s.cancel(2, A))).toEqual([[2, 'canceled', 5]]);
    s.phase('continuous');
    expect(s.depth()).toEqual({ bids: [[99, 5, 1]], asks: [[101, 5, 1]] });
    expect(trades(s.sell(4, B, 99, 5))).toEqual([[99, 5, 1, 4, 0, 0, 'sell']]);
    s.validate();
  });

  it('entering closed expires GFD orders and GFD stops; GTC orders and stops stay', () => {
    const s = new Scenario(book).instrument();
    s.buy(1, A, 99, 5, { tif: 'GFD' });
    s.buy(2, B, 98, 5); // GTC
    s.sell(3, C, 105, 5, { tif: 'GFD' });
    s.sell(4, C, 106, 5);
    s.stopLimit(5, A, 'sell', 90, 90, 3, { tif: 'GFD' });
    s.stopLimit(6, A, 'buy', 120, 120, 2); // GTC stop-limit
    s.stop(7, B, 'buy', 130, 1); // stop (market) orders are IOC: not GFD, so they stay
    s.sell(8, B, 99, 2); // partially fills GFD order 1: 3 open
    const ev = s.phase('closed');
    expect(kinds(ev)).toEqual(['PhaseChanged', 'OrderCanceled', 'OrderCanceled', 'OrderCanceled']);
    expect(
      cancels(ev).sort((x, y) => x[0] - y[0]),
      'expired orders (any order)',
    ).toEqual([
      [1, 'expired', 3],
      [3, 'expired', 5],
      [5, 'expired', 3],
    ]);
    expect(s.depth()).toEqual({ bids: [[98, 5, 1]], asks: [[106, 5, 1]] });
    expect(s.rejected(cancelInput(1))).toBe('MATCHING_UNKNOWN_ORDER');
    expect(s.rejected(cancelInput(5))).toBe('MATCHING_UNKNOWN_ORDER');
    s.phase('continuous');
    expect(cancels(s.cancel(6))).toEqual([[6, 'canceled', 2]]);
    expect(cancels(s.cancel(7))).toEqual([[7, 'canceled', 1]]);
    expect(trades(s.sell(9, A, 98, 5))).toEqual([[98, 5, 2, 9, 0, 0, 'sell']]);
    s.validate();
  });

  it('halted -> continuous with a book crossed by a modify runs the uncross first', () => {
    const s = new Scenario(book).instrument();
    s.buy(1, A, 100, 10);
    s.sell(2, B, 102, 10);
    s.phase('halted');
    s.modify(1, 103, 10, A); // no trading while halted
    expect(s.depth()).toEqual({ bids: [[103, 10, 1]], asks: [[102, 10, 1]] });
    const ev = s.phase('continuous');
    // candidates 102 and 103 both execute 10 with imbalance 0; no reference and no last price: the lower
    expect(kinds(ev)).toEqual(['PhaseChanged', 'AuctionUncrossed', 'TradeExecuted']);
    expect(one(ev, 'AuctionUncrossed')).toMatchObject({ price: 102, volume: 10, imbalance: 0 });
    expect(trades(ev)).toEqual([[102, 10, 1, 2, 0, 0, null]]);
    expect(s.lastPrice()).toBe(102);
    expect(s.depth()).toEqual({ bids: [], asks: [] });
    s.validate();
  });
});
