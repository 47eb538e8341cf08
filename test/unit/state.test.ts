/**
 * Whole-engine snapshots (docs/matching.md, "Snapshots"): exportState / Engine.fromState on hand-built states, the
 * round trip (a state exported right after a restore equals the one restored from), options and queue priority that
 * survive it, and the clear `engine state: ...` errors for a wrong version, malformed or inconsistent data.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src-engine/domain/commands.ts';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import { Engine, type EngineOptions } from '../../src-engine/engine.ts';
import type { EngineState } from '../../src-engine/state.ts';

type WithoutSeqTs<C> = C extends Command ? Omit<C, 'seq' | 'ts'> : never;
type Input = WithoutSeqTs<Command>;

const F: InstrumentSpec = {
  id: 'F',
  kind: 'future',
  priceTick: 1,
  priceDecimals: 0,
  lotSize: 1,
  multiplier: 10,
  maxOrderVolume: 100,
  band: { kind: 'percent', bps: 1000 },
  referencePrice: 1000,
  status: 'active',
  terms: {
    marginLongPpm: 100_000,
    marginShortPpm: 100_000,
    commission: { kind: 'rate', openPpm: 100, closePpm: 100, closeTodayPpm: 200 },
    closeRule: 'yesterdayFirst',
    settlement: { kind: 'vwap', minutes: 10 },
  },
};
/** Default terms (no `terms`), settled at the last price. */
const G: InstrumentSpec = {
  id: 'G',
  kind: 'future',
  priceTick: 1,
  priceDecimals: 0,
  lotSize: 1,
  multiplier: 10,
  maxOrderVolume: 100,
  band: { kind: 'ticks', ticks: 10 },
  referencePrice: 500,
  status: 'active',
};
const S: InstrumentSpec = {
  id: 'S',
  kind: 'stock',
  priceTick: 1,
  priceDecimals: 2,
  lotSize: 100,
  multiplier: 1,
  maxOrderVolume: 1000,
  band: { kind: 'none' },
  referencePrice: 1000,
  status: 'active',
};

const order = (
  orderId: number,
  accountId: number,
  instrumentId: string,
  side: 'buy' | 'sell',
  price: number,
  volume: number,
  more: Partial<Extract<Input, { kind: 'PlaceOrder' }>> = {},
): Input => ({
  kind: 'PlaceOrder',
  orderId,
  accountId,
  instrumentId,
  side,
  type: 'limit',
  tif: 'GTC',
  price,
  volume,
  ...more,
});

const phaseAll = (phase: 'continuous' | 'closed'): Input[] =>
  ['F', 'G', 'S'].map((instrumentId) => ({ kind: 'SetPhase', instrumentId, phase }));

/** Applies inputs with the next seq and ts (one second apart); every command must be accepted. */
class Driver {
  seq = 0;
  constructor(readonly engines: Engine[]) {}

  stamp(input: Input): Command {
    this.seq++;
    return { ...input, seq: this.seq, ts: 1_000_000 + this.seq * 1000 } as Command;
  }

  /** Applies to every engine, expects the same accepted result from each, returns it. */
  run(...inputs: Input[]): ReturnType<Engine['apply']>[] {
    return inputs.map((input) => {
      const cmd = this.stamp(input);
      const [first, ...others] = this.engines.map((e) => e.apply(cmd));
      if (!first!.ok) throw new Error(`${cmd.kind} refused: ${first!.reject.code} ${first!.reject.details ?? ''}`);
      for (const r of others) expect(r).toEqual(first);
      return first!;
    });
  }
}

/**
 * An engine with accounts after a day and a bit: positions of yesterday and today in two futures and a stock, a
 * resting close order partly filled, three orders queued at one price, a bid, a pending stop, VWAP trades of the
 * day and an admin settlement price.
 */
function fullEngine(book: 'fast' | 'naive' = 'fast', options: EngineOptions = {}): { engine: Engine; d: Driver } {
  const engine = new Engine({ book, ...options });
  const d = new Driver([engine]);
  d.run(
    { kind: 'AddInstrument', spec: F },
    { kind: 'AddInstrument', spec: G },
    { kind: 'AddInstrument', spec: S },
    { kind: 'CreateAccount', accountId: 1, userId: 1, accountKind: 'futures' },
    { kind: 'CreateAccount', accountId: 2, userId: 2, accountKind: 'futures' },
    { kind: 'CreateAccount', accountId: 3, userId: 3, accountKind: 'futures' },
    { kind: 'CreateAccount', accountId: 11, userId: 11, accountKind: 'stock' },
    { kind: 'Deposit', accountId: 1, amount: 10_000_000 },
    { kind: 'Deposit', accountId: 2, amount: 10_000_000 },
    { kind: 'Deposit', accountId: 3, amount: 10_000_000 },
    { kind: 'Deposit', accountId: 11, amount: 5_000_000 },
    { kind: 'DepositHoldings', accountId: 11, instrumentId: 'S', volume: 500, price: 990 },
    ...phaseAll('continuous'),
    order(1, 1, 'F', 'buy', 1000, 5),
    order(2, 2, 'F', 'sell', 1000, 5),
    ...phaseAll('closed'),
    { kind: 'Settle' },
    ...phaseAll('continuous'),
    order(3, 1, 'F', 'sell', 1010, 2, { offset: 'close' }),
    order(4, 2, 'F', 'sell', 1010, 1),
    order(5, 3, 'F', 'sell', 1010, 1),
    order(6, 3, 'F', 'buy', 1005, 1, { tif: 'GFD' }),
    order(7, 3, 'F', 'buy', 1010, 1, { tif: 'IOC' }),
    order(8, 2, 'F', 'buy', 0, 1, { type: 'stop', tif: 'IOC', stopPrice: 1020 }),
    order(9, 1, 'G', 'buy', 500, 2),
    order(10, 3, 'G', 'sell', 500, 2),
    order(11, 11, 'S', 'sell', 1000, 100),
    { kind: 'SetSettlementPrice', instrumentId: 'G', price: 502 },
  );
  return { engine, d };
}

/** A matching-only engine with a crossed pre-open book on one instrument and a continuous one on another. */
function matchingEngine(book: 'fast' | 'naive' = 'fast'): { engine: Engine; d: Driver } {
  const engine = new Engine({ book, accounts: false });
  const d = new Driver([engine]);
  d.run(
    { kind: 'AddInstrument', spec: F },
    { kind: 'AddInstrument', spec: G },
    { kind: 'SetPhase', instrumentId: 'F', phase: 'continuous' },
    { kind: 'SetPhase', instrumentId: 'G', phase: 'preOpen' },
    order(1, 1, 'F', 'buy', 999, 3),
    order(2, 2, 'F', 'sell', 1001, 3),
    order(3, 1, 'G', 'buy', 505, 2),
    order(4, 2, 'G', 'sell', 495, 1),
    order(5, 3, 'G', 'sell', 495, 1),
    order(6, 3, 'F', 'sell', 0, 1, { type: 'stopLimit', price: 990, stopPrice: 995 }),
  );
  return { engine, d };
}

const clone = (s: EngineState): EngineState => JSON.parse(JSON.stringify(s)) as EngineState;

describe('snapshots: the round trip', () => {
  it('a state exported right after restore deep-equals the state it was restored from, on both books', () => {
    for (const make of [fullEngine, matchingEngine]) {
      for (const from of ['fast', 'naive'] as const) {
        const state = make(from).engine.exportState();
        expect(state.version).toBe(1);
        for (const book of ['fast', 'naive'] as const) {
          const restored = Engine.fromState(clone(state), { book });
          expect(restored.exportState()).toEqual(state);
          // and once more: restoring what a restored engine exported changes nothing
          expect(Engine.fromState(restored.exportState(), { book }).exportState()).toEqual(state);
        }
      }
    }
  });

  it('the state covers what matters: positions, holds, queues, stops, day trades, settlement prices', () => {
    const s = fullEngine().engine.exportState();
    expect(s.options).toEqual({ defaultStp: 'cancelTaker', accounts: true, risk: expect.any(Object) });
    expect(s.lastSeq).toBe(34);
    expect(s.tradeSeq).toBe(3);
    const f = s.instruments.find((m) => m.spec.id === 'F')!;
    // FIFO at 1010: the close order of account 1 (one of two filled), then accounts 2 and 3
    expect(f.asks.map((o) => [o.orderId, o.accountId, o.price, o.remaining, o.filled])).toEqual([
      [3, 1, 1010, 1, 1],
      [4, 2, 1010, 1, 0],
      [5, 3, 1010, 1, 0],
    ]);
    expect(f.bids.map((o) => [o.orderId, o.tif])).toEqual([[6, 'GFD']]);
    expect(f.stops.map((o) => [o.orderId, o.type, o.stopPrice])).toEqual([[8, 'stop', 1020]]);
    expect(s.dayTrades).toEqual([{ instrumentId: 'F', trades: [1_029_000, 1010, 1] }]);
    expect(s.settlementPrices).toEqual([{ instrumentId: 'G', price: 502 }]);
    const l = s.ledger!;
    expect(l.tradingDay).toBe(2);
    expect(l.holds.map((h) => [h.orderId, h.offset, h.remaining, h.reservedYesterday])).toEqual([
      [3, 'close', 1, 1],
      [4, 'open', 1, 0],
      [5, 'open', 1, 0],
      [6, 'open', 1, 0],
      [8, 'open', 1, 0],
      [11, 'close', 100, 100],
    ]);
    expect(l.holders).toEqual([
      { instrumentId: 'S', accountIds: [11] },
      { instrumentId: 'F', accountIds: [1, 2, 3] },
      { instrumentId: 'G', accountIds: [1, 3] },
    ]);
    const a1 = l.accounts.find((a) => a.id === 1)!;
    expect(a1.positions.map((p) => p.instrumentId)).toEqual(['F', 'G']);
    expect(a1.positions[0]!.long.yesterday).toMatchObject({ volume: 4, frozen: 1 });
    expect(a1.tradesToday.map((t) => t.tradeId)).toEqual([2, 3]);
    expect(a1.recentOrders).toHaveLength(3);
  });

  it('restored engines answer the next commands exactly like the original, on both books', () => {
    for (const from of ['fast', 'naive'] as const) {
      const { engine, d } = fullEngine(from);
      const text = JSON.stringify(engine.exportState());
      const engines = [
        engine,
        ...(['fast', 'naive'] as const).map((book) => Engine.fromState(JSON.parse(text), { book })),
      ];
      for (const e of engines) expect(e.stateHash()).toBe(engine.stateHash());
      const next = new Driver(engines);
      next.seq = d.seq;
      const results = next.run(
        // takes the queue at 1010 in time priority (its own order too: stp none), rests 1 at 1020; the sell at 1020
        // moves the last price there and triggers the stop
        order(20, 3, 'F', 'buy', 1020, 4, { stp: 'none' }),
        order(21, 1, 'F', 'sell', 1020, 1),
        ...phaseAll('closed'),
        { kind: 'Settle' },
      );
      const fills = results[0]!.ok ? results[0]!.events.filter((ev) => ev.kind === 'TradeExecuted') : [];
      expect(fills.map((ev) => (ev.kind === 'TradeExecuted' ? ev.sellOrderId : 0))).toEqual([3, 4, 5]);
      const triggered = results[1]!.ok ? results[1]!.events.filter((ev) => ev.kind === 'StopTriggered') : [];
      expect(triggered.map((ev) => ev.orderId)).toEqual([8]);
      for (const e of engines) {
        e.validateInternalState();
        expect(e.stateHash()).toBe(engine.stateHash());
        expect(e.exportState()).toEqual(engine.exportState());
      }
    }
  });

  it('exportState is plain JSON data and shares nothing with the engine', () => {
    const { engine, d } = fullEngine();
    const state = engine.exportState();
    const copy = clone(state);
    expect(copy).toEqual(state);
    expect(isDeepStrictEqual(copy, state)).toBe(true);
    d.run(order(30, 2, 'F', 'buy', 1010, 3), { kind: 'Deposit', accountId: 1, amount: 5 });
    // the engine moved on; the state taken before did not
    expect(state).toEqual(copy);
    expect(engine.exportState()).not.toEqual(copy);
    // and changing a state changes no engine restored from it
    const restored = Engine.fromState(copy);
    const before = restored.exportState();
    (copy.ledger!.accounts[0]!.positions[0]!.long.yesterday.lots as unknown[]).length = 0;
    (copy.instruments[0]!.asks as unknown[]).length = 0;
    expect(restored.exportState()).toEqual(before);
  });

  it('the options survive: default self-trade prevention, risk limits, matching only', () => {
    const risk = { maxOpenOrders: 3, maxOrdersPerWindow: 50, rateWindowMs: 1000, riskRatioCapPpm: 1_000_000 };
    const { engine } = fullEngine('fast', { defaultStp: 'none', risk });
    const state = engine.exportState();
    expect(state.options.defaultStp).toBe('none');
    expect(state.options.risk).toMatchObject(risk);
    const engines = [engine, Engine.fromState(clone(state)), Engine.fromState(clone(state), { book: 'naive' })];
    const d = new Driver(engines);
    d.seq = state.lastSeq;
    // account 2 buys through the queue at 1010, which holds its own sell: with defaultStp none it trades with itself
    const [self] = d.run(order(41, 2, 'F', 'buy', 1010, 3));
    const trades = self!.ok ? self!.events.filter((e) => e.kind === 'TradeExecuted') : [];
    expect(trades.map((e) => (e.kind === 'TradeExecuted' ? [e.buyAccountId, e.sellAccountId] : []))).toEqual([
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
    // account 2 has its stop open; with one more order it is at the limit of three, and the next is refused
    d.run(order(42, 2, 'G', 'buy', 498, 1));
    d.run(order(43, 2, 'G', 'buy', 497, 1));
    const cmd = d.stamp(order(44, 2, 'G', 'buy', 496, 1));
    for (const e of engines) {
      const x = e.apply(cmd);
      expect(x.ok ? 'ok' : x.reject.code).toBe('RISK_TOO_MANY_OPEN_ORDERS');
    }

    const matching = matchingEngine().engine.exportState();
    expect(matching.options).toEqual({ defaultStp: 'cancelTaker', accounts: false, risk: null });
    expect(matching.ledger).toBeNull();
    const m = Engine.fromState(clone(matching));
    expect(
      m.apply({ kind: 'CreateAccount', seq: 100, ts: 1, accountId: 1, userId: 1, accountKind: 'futures' }),
    ).toEqual({ ok: false, seq: 100, reject: expect.objectContaining({ code: 'ADMIN_ACCOUNTS_DISABLED' }) });
  });

  it('an account whose negative balance was reported is not reported again after a restore', () => {
    const engine = new Engine();
    const d = new Driver([engine]);
    d.run(
      { kind: 'AddInstrument', spec: F },
      { kind: 'CreateAccount', accountId: 1, userId: 1, accountKind: 'futures' },
      { kind: 'CreateAccount', accountId: 2, userId: 2, accountKind: 'futures' },
      { kind: 'CreateAccount', accountId: 3, userId: 3, accountKind: 'futures' },
      { kind: 'Deposit', accountId: 1, amount: 1_100_000 },
      { kind: 'Deposit', accountId: 2, amount: 100_000_000 },
      { kind: 'Deposit', accountId: 3, amount: 100_000_000 },
      { kind: 'SetPhase', instrumentId: 'F', phase: 'continuous' },
      order(1, 2, 'F', 'sell', 1000, 10),
      order(2, 1, 'F', 'buy', 1000, 10),
      { kind: 'SetReferencePrice', instrumentId: 'F', price: 900 },
      order(3, 2, 'F', 'sell', 850, 1),
    );
    // a trade at 850 takes account 1 (long 10 from 1000) below zero; nobody bids, so liquidation closes nothing
    const [gap] = d.run(order(4, 3, 'F', 'buy', 850, 1));
    const kinds = (r: ReturnType<Engine['apply']> | undefined) => (r?.ok ? r.events.map((e) => e.kind) : []);
    expect(kinds(gap)).toContain('AccountNegative');
    const state = engine.exportState();
    expect(state.ledger!.negative).toEqual([1]);
    const engines = [engine, Engine.fromState(clone(state)), Engine.fromState(clone(state), { book: 'naive' })];
    // without the list, a restored engine would report account 1 again at the next price move
    const forgetful = clone(state);
    (forgetful.ledger!.negative as number[]).length = 0;
    const lost = Engine.fromState(forgetful);
    const next = new Driver(engines);
    next.seq = d.seq;
    const sell = next.stamp(order(5, 2, 'F', 'sell', 840, 1));
    const buy = next.stamp(order(6, 3, 'F', 'buy', 840, 1));
    for (const e of [...engines, lost]) expect(e.apply(sell).ok).toBe(true);
    const [again, ...others] = engines.map((e) => e.apply(buy));
    for (const r of others) expect(r).toEqual(again);
    expect(kinds(again)).toContain('ForceLiquidationStarted');
    expect(kinds(again)).not.toContain('AccountNegative');
    expect(kinds(lost.apply(buy))).toContain('AccountNegative');
  });

  it('a crossed pre-open book restores with its time priority and uncrosses alike', () => {
    for (const from of ['fast', 'naive'] as const) {
      const { engine, d } = matchingEngine(from);
      const state = engine.exportState();
      const g = state.instruments[1]!;
      expect(g.asks.map((o) => o.orderId)).toEqual([4, 5]);
      const engines = [engine, Engine.fromState(clone(state)), Engine.fromState(clone(state), { book: 'naive' })];
      const next = new Driver(engines);
      next.seq = d.seq;
      const [r] = next.run({ kind: 'SetPhase', instrumentId: 'G', phase: 'continuous' });
      expect(r!.ok && r!.events.map((e) => e.kind)).toEqual([
        'PhaseChanged',
        'AuctionUncrossed',
        'TradeExecuted',
        'TradeExecuted',
      ]);
    }
  });
});

describe('snapshots: a wrong version or malformed data is an error, not a reject', () => {
  const full = fullEngine().engine.exportState();
  const matching = matchingEngine().engine.exportState();

  /** Each case edits a copy of a good state; restoring it must throw exactly this message (a prefix or pattern). */
  // biome-ignore lint/suspicious/noExplicitAny: the edits reach into any part of a state, well-typed or not
  const cases: [string, EngineState, (s: any) => unknown, RegExp][] = [
    ['version 2', full, (s) => (s.version = 2), /^engine state: unsupported version 2 \(this engine reads 1\)$/],
    ['no version', full, (s) => delete s.version, /^engine state: unsupported version undefined/],
    ['version as a string', full, (s) => (s.version = '1'), /^engine state: unsupported version "1"/],
    ['lastSeq a fraction', full, (s) => (s.lastSeq = 1.5), /^engine state: lastSeq must be a safe integer$/],
    ['lastSeq a string', full, (s) => (s.lastSeq = '34'), /^engine state: lastSeq must be a safe integer$/],
    ['tradeSeq too big', full, (s) => (s.tradeSeq = 2 ** 60), /^engine state: tradeSeq must be a safe integer$/],
    ['negative lastSeq', full, (s) => (s.lastSeq = -1), /^engine state: lastSeq must be at least 0, got -1$/],
    [
      'an engine order id in the host range',
      full,
      (s) => (s.nextEngineOrderId = 5),
      /^engine state: nextEngineOrderId 5 is below 4503599627370496$/,
    ],
    [
      'a stop price off the tick',
      matching,
      (s) => {
        s.instruments[0].spec.priceTick = 2;
        s.instruments[0].bids = [];
        s.instruments[0].asks = [];
      },
      /^engine state: instrument F: stop 6 has a price off the tick$/,
    ],
    ['unknown defaultStp', full, (s) => (s.options.defaultStp = 'bogus'), /^engine state: options.defaultStp must be/],
    ['no risk with accounts', full, (s) => delete s.options.risk, /^engine state: options.risk must be an object$/],
    [
      'risk field missing',
      full,
      (s) => delete s.options.risk.rateWindowMs,
      /^engine state: options.risk.rateWindowMs must be a safe integer$/,
    ],
    ['no ledger with accounts', full, (s) => (s.ledger = null), /^engine state: ledger must be an object$/],
    [
      'a ledger without accounts',
      matching,
      (s) => (s.ledger = { tradingDay: 1 }),
      /^engine state: ledger must be null when options.accounts is false$/,
    ],
    ['instruments not an array', full, (s) => (s.instruments = {}), /^engine state: instruments must be an array$/],
    [
      'an invalid spec',
      full,
      (s) => (s.instruments[0].spec.priceTick = 0),
      /^engine state: instruments\[0\]\.spec: priceTick must be a positive integer$/,
    ],
    ['an unknown phase', full, (s) => (s.instruments[0].phase = 'lunch'), /^engine state: instruments\[0\]\.phase/],
    [
      'asks out of priority order',
      full,
      (s) => (s.instruments[0].asks[2].price = 1009),
      /^engine state: instruments\[0\]\.asks must be in priority order \(best price first\): 1009 after 1010$/,
    ],
    [
      'an order without open volume',
      full,
      (s) => (s.instruments[0].asks[0].remaining = 0),
      /^engine state: instruments\[0\]\.asks\[0\]\.remaining must be at least 1, got 0$/,
    ],
    ['a bad stop type', full, (s) => (s.instruments[0].stops[0].type = 'limit'), /stops\[0\]\.type must be one of/],
    ['a BigInt price', full, (s) => (s.instruments[0].lastPrice = 1010n), /lastPrice must be a safe integer$/],
    ['an undefined price', full, (s) => (s.instruments[0].markPrice = undefined), /markPrice must be a safe integer$/],
    [
      'day trades not in triples',
      full,
      (s) => s.dayTrades[0].trades.pop(),
      /^engine state: dayTrades\[0\]\.trades must hold triples/,
    ],
    [
      'bucket totals that differ from the lots',
      full,
      (s) => (s.ledger.accounts[0].positions[0].long.yesterday.volume = 5),
      /^engine state: ledger\.accounts\[0\]\.positions\[0\]\.long\.yesterday\.volume is 5 but its lots sum to 4$/,
    ],
    [
      'an instrument twice',
      matching,
      (s) => s.instruments.push({ ...s.instruments[0], bids: [], asks: [], stops: [] }),
      /^engine state: instrument F appears twice$/,
    ],
    [
      'an order in two books',
      matching,
      (s) => s.instruments[1].bids.push({ ...s.instruments[0].bids[0], price: 500 }),
      /^engine state: order 1 is open twice$/,
    ],
    [
      'an order twice in one book',
      matching,
      (s) => s.instruments[0].bids.push(s.instruments[0].bids[0]),
      /^engine state: instrument F: order 1 twice$/,
    ],
    [
      'a price off the tick',
      matching,
      (s) => {
        s.instruments[0].spec.priceTick = 2;
        s.instruments[0].spec.referencePrice = 1000;
        s.instruments[0].bids[0].price = 999;
      },
      /^engine state: instrument F: order 1 price 999 is off the tick$/,
    ],
    [
      'a crossed book in continuous trading',
      matching,
      (s) => (s.instruments[0].asks[0].price = 999),
      /^engine state: inconsistent: F: book crossed in continuous trading \(999 >= 999\)$/,
    ],
    [
      'a hold without its order',
      full,
      (s) => s.instruments[0].asks.splice(1, 1),
      /^engine state: hold of order 4: no such open order in F$/,
    ],
    [
      'an order without its hold',
      full,
      (s) => {
        s.ledger.holds.splice(1, 1);
        s.ledger.accounts[1].openOrders--;
      },
      /^engine state: 6 open orders and stops but 5 holds$/,
    ],
    [
      'a hold twice',
      full,
      (s) => s.ledger.holds.push({ ...s.ledger.holds[1] }),
      /^engine state: hold of order 4 appears twice$/,
    ],
    [
      'a hold of another account',
      full,
      (s) => (s.ledger.holds[1].accountId = 3),
      /^engine state: hold of order 4 differs from the order in account, side or open volume$/,
    ],
    [
      'a hold in an unknown account',
      full,
      (s) => (s.ledger.holds[1].accountId = 99),
      /^engine state: hold of order 4 names unknown account 99$/,
    ],
    [
      'holders naming an unknown account',
      full,
      (s) => s.ledger.holders[1].accountIds.push(99),
      /^engine state: holders of F names unknown account 99$/,
    ],
    [
      'a holder twice',
      full,
      (s) => s.ledger.holders[1].accountIds.push(1),
      /^engine state: holders of F list account 1 twice$/,
    ],
    [
      'a position in an unknown instrument',
      full,
      (s) => (s.ledger.accounts[0].positions[1].instrumentId = 'X'),
      /^engine state: account 1 has a position in unknown instrument X$/,
    ],
    [
      'an account twice',
      full,
      (s) => s.ledger.accounts.push(s.ledger.accounts[0]),
      /^engine state: account 1 appears twice$/,
    ],
    [
      'frozen volume no close order reserves',
      full,
      (s) => (s.ledger.accounts[0].positions[1].long.today.frozen = 1),
      /^engine state: account 1 G long today: frozen 1, its close orders reserve 0$/,
    ],
    [
      'margin that differs from the positions',
      full,
      (s) => (s.ledger.accounts[0].margin += 1),
      /^engine state: inconsistent: account 1: margin \d+ but positions hold \d+$/,
    ],
    [
      'money that is not conserved',
      full,
      (s) => (s.ledger.depositsTotal += 1),
      /^engine state: inconsistent: money not conserved/,
    ],
  ];

  it.each(cases)('%s', (_name, good, edit, message) => {
    const s = clone(good);
    edit(s);
    expect(() => Engine.fromState(s)).toThrow(message);
    expect(() => Engine.fromState(s, { book: 'naive' })).toThrow(message);
  });

  it('the good states themselves restore (so each case above fails for its own edit)', () => {
    expect(Engine.fromState(clone(full)).exportState()).toEqual(full);
    expect(Engine.fromState(clone(matching)).exportState()).toEqual(matching);
  });

  it('a state that is not an object at all', () => {
    for (const bad of [null, undefined, [], 'state', 42]) {
      expect(() => Engine.fromState(bad as unknown as EngineState)).toThrow(
        /^engine state: the state must be an object$/,
      );
    }
  });
});
