/**
 * Property tests of accounts, pre-trade risk and settlement (docs/accounts.md): random streams over several trading
 * days, applied in lockstep to Engine({ book: 'fast' }) and Engine({ book: 'naive' }) with accounts on.
 *
 * Traders: four futures accounts and three stock accounts (deposits, withdrawals, allotted holdings, freezing);
 * five instruments with different terms (rate and per-lot commission, long/short margin rates, closeRule
 * yesterdayFirst and separate, settlement by last price, VWAP and admin price; one instrument without a band);
 * orders of every type with offsets open / close / closeToday, cancels, modifies, phase changes, reference price
 * moves (price gaps), and trading days that close every instrument, sometimes set a settlement price, settle and
 * reopen.
 *
 * An independent model, built only from the commands and the events, follows every account: positions as FIFO lots
 * per bucket (long/short × today/yesterday, with the volumes pending closes froze), the hold of every open order
 * (margin + commission + allowance at the hold price), every fill's commission and close profit, deposits and
 * withdrawals, marks and settlement prices. After EVERY command it checks:
 *
 * - fast and naive engines: deep-equal results, snapshots, positions and state hashes; validateInternalState();
 * - money conservation: Σ futures balances + Σ stock cash + Σ all commission ever charged = deposits − withdrawals;
 * - QIFI identities of every snapshot (queried, and in AccountChanged / AccountSettled); snapshot = Σ positions;
 * - position volumes ≥ frozen ≥ 0, and equal to the model's buckets; open/position costs equal the model's lots;
 * - the frozen funds of an account equal the holds of its open orders; each fill's commission and close profit;
 * - available never goes negative through the account's own opening order (unless a price moved under it);
 * - the pre-trade checks in the order of docs/accounts.md, account commands, Settle; a reject changes nothing;
 * - settlement: prices by rule, mark to market, today → yesterday, daily fields reset, statements, atRisk;
 * - intraday risk: force liquidation exactly when the risk ratio reaches the threshold after a price move;
 * - a replay of the same stream on a fresh engine gives the same results and state hashes.
 *
 * On a failure the message lists the resolved commands, so a shrunk counterexample is a ready reproduction.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limit, runCommands, runStream, streamArb } from './accounts-stream.ts';

const NUM_RUNS = Number(process.env.ACCOUNTS_RUNS ?? 250);
const TIME_BUDGET_MS = Number(process.env.ACCOUNTS_BUDGET_MS ?? 150_000);

describe('accounts: hand-picked streams through the same checks', () => {
  it('a stop-limit sell on an instrument without a band is refused', () => {
    // F3 has no band: nothing bounds the bids a stop-limit sell may trigger into (RISK_MARKET_ORDER_NEEDS_BAND)
    runCommands([
      limit(1, 2, 'F3', 'buy', 196, 1),
      limit(2, 3, 'F3', 'sell', 198, 1),
      { ...limit(3, 1, 'F3', 'sell', 194, 1), type: 'stopLimit', stopPrice: 198, offset: 'open' },
      { kind: 'Withdraw', accountId: 1, amount: 400_000 },
      { ...limit(4, 4, 'F3', 'buy', 198, 1), tif: 'IOC' },
    ]);
  });

  it('a sell collected for an auction keeps holding at the band upper when its volume is modified', () => {
    // F1's band is [900, 1100]. A sell placed in pre-open holds at 1100 (it may fill at the uncross price); a lower
    // volume at the same price is the same order with less volume, so its hold is hold(2) at 1100. Held at its limit
    // 950 instead, withdrawing all that is available and an uncross at 1040 leave available below zero.
    runCommands([
      { kind: 'SetPhase', instrumentId: 'F1', phase: 'preOpen' },
      { ...limit(1, 1, 'F1', 'sell', 950, 3), offset: 'open' },
      { kind: 'ModifyOrder', orderId: 1, accountId: 1, price: 950, volume: 2 },
      { kind: 'Withdraw', accountId: 1, amount: 400_000 },
      { ...limit(2, 2, 'F1', 'buy', 1040, 2), offset: 'open' },
      { kind: 'SetPhase', instrumentId: 'F1', phase: 'auction' },
    ]);
  });
  it('a stop held at the band of its acceptance fills beyond it after a settlement moved the band: a gap', () => {
    // F2's band is ±10 ticks of 5 around the reference: [450, 550]. Account 4's stop buy (market on trigger) is
    // accepted in pre-open and holds at 550. An auction uncross at 545 meets its stop price outside continuous
    // trading, so it stays pending through the close; the settlement re-centres the band on 545 ([495, 595]), and
    // when F2 reopens the stop fills at 590, beyond its hold, with nothing left available: a gap like a price move.
    const others = ['F1', 'F3', 'S1', 'S2'];
    const before = [
      { kind: 'SetPhase', instrumentId: 'F2', phase: 'closed' },
      { kind: 'SetPhase', instrumentId: 'F2', phase: 'preOpen' },
      { ...limit(1, 4, 'F2', 'buy', 0, 2), type: 'stop', tif: 'IOC', stopPrice: 540, offset: 'open' },
      { ...limit(2, 1, 'F2', 'sell', 545, 2), offset: 'open' },
      { ...limit(3, 2, 'F2', 'buy', 545, 2), offset: 'open' },
      { kind: 'SetPhase', instrumentId: 'F2', phase: 'auction' },
      { kind: 'SetPhase', instrumentId: 'F2', phase: 'closed' },
      ...others.map((id) => ({ kind: 'SetPhase', instrumentId: id, phase: 'closed' })),
      { kind: 'Settle' },
      { kind: 'SetPhase', instrumentId: 'F2', phase: 'preOpen' },
      { ...limit(4, 3, 'F2', 'sell', 590, 2), offset: 'open' },
    ];
    const available = runCommands(before).fast.account(4)!.available;
    const r = runCommands([
      ...before,
      { kind: 'Withdraw', accountId: 4, amount: available },
      { kind: 'SetPhase', instrumentId: 'F2', phase: 'continuous' },
    ]);
    const last = r.results.at(-1)!;
    const fills = last.ok ? last.events.filter((e) => e.kind === 'TradeExecuted') : [];
    expect(fills.map((e) => e.price)).toEqual([590]);
    // margin 15% of 590 × 300 × 2 against the hold at 550 (less the 2-unit allowance): 3,598 below zero
    expect(r.fast.account(4)!.available).toBe(-3_598);
  });

  it('a buy filled in an uncross loses when a stop it triggers trades lower in the same command: a price move', () => {
    // (a soak counterexample) F1 collects orders in pre-open: account 3 bids 999 with nothing else available, account
    // 2 offers 998, account 4 bids 997, account 1 has a stop sell at 999. The reopen uncrosses account 3's bid; the
    // uncross price triggers the stop, which sells into account 4's bid at 997: F1's mark falls under the lot account
    // 3 has just bought, and its available goes below zero, as with any price move under a position.
    const before = [
      { kind: 'SetPhase', instrumentId: 'F1', phase: 'preOpen' },
      { ...limit(1, 2, 'F1', 'sell', 998, 1), offset: 'open' },
      { ...limit(2, 3, 'F1', 'buy', 999, 1), offset: 'open' },
      { ...limit(3, 4, 'F1', 'buy', 997, 1), offset: 'open' },
      { ...limit(4, 1, 'F1', 'sell', 0, 1), type: 'stop', tif: 'IOC', stopPrice: 999, offset: 'open' },
    ];
    const r = runCommands([
      ...before,
      { kind: 'Withdraw', accountId: 3, amount: runCommands(before).fast.account(3)!.available },
      { kind: 'SetPhase', instrumentId: 'F1', phase: 'continuous' },
    ]);
    const last = r.results.at(-1)!;
    const events = last.ok ? last.events : [];
    expect(events.some((e) => e.kind === 'AuctionUncrossed')).toBe(true);
    expect(
      events
        .filter((e) => e.kind === 'TradeExecuted')
        .map((e) => e.price)
        .at(-1),
    ).toBe(997);
    expect(r.fast.account(3)!.available).toBeLessThan(0);
  });

  it('a holder passed before a liquidation moved the mark is checked again in the same command', () => {
    // (a soak counterexample) On F1, account 2 is short 1 and account 3 long 1 at 997, each with nothing available.
    // Account 1 sells 2 at 994: 1 fills account 4's bid at 1000 and 1 rests at 994. F1's pass reaches account 3 first
    // (long, safe at 1000), then liquidates account 2, whose forced buy fills the 994 ask: the mark falls to 994 and
    // account 3 is at 103%. F1's mark moved since its pass began, so it gets a second pass, which liquidates account 3
    // (no bid left: its IOC sell fills nothing).
    const before = [
      { ...limit(1, 2, 'F1', 'sell', 997, 1), offset: 'open', postOnly: true },
      { ...limit(2, 3, 'F1', 'buy', 1003, 1), tif: 'GFD', offset: 'open', stp: 'none' },
    ];
    const setup = runCommands(before);
    const r = runCommands([
      ...before.slice(0, 1),
      { kind: 'Withdraw', accountId: 2, amount: runCommands(before.slice(0, 1)).fast.account(2)!.available },
      before[1]!,
      { kind: 'Withdraw', accountId: 3, amount: setup.fast.account(3)!.available },
      { ...limit(3, 4, 'F1', 'buy', 1000, 1), offset: 'open', stp: 'reject', postOnly: true },
      { ...limit(4, 1, 'F1', 'sell', 994, 2), offset: 'open' },
    ]);
    const last = r.results.at(-1)!;
    const events = last.ok ? last.events : [];
    expect(events.filter((e) => e.kind === 'TradeExecuted').map((e) => e.price)).toEqual([1000, 994]);
    expect(events.flatMap((e) => (e.kind === 'ForceLiquidationStarted' ? [e.accountId] : []))).toEqual([2, 3]);
    expect(r.fast.account(3)!.riskRatioPpm).toBeGreaterThanOrEqual(1_000_000);
  });
});

describe('accounts: money, positions, holds and settlement follow docs/accounts.md', () => {
  it('the streams really trade, close, settle and get rejected by risk checks', () => {
    const totals = { trades: 0, settlements: 0, closes: 0, accepted: 0, liquidations: 0 };
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(streamArb, (tpls) => {
        const r = runStream(tpls, false);
        if (process.env.ACCOUNTS_STATS) {
          const kinds: Record<string, number> = {};
          r.results.forEach((res, i) => {
            const k = r.cmds[i]!.kind + (res.ok ? ':ok' : `:${res.reject.code}`);
            kinds[k] = (kinds[k] ?? 0) + 1;
          });
          const ev: Record<string, number> = {};
          for (const res of r.results) if (res.ok) for (const e of res.events) ev[e.kind] = (ev[e.kind] ?? 0) + 1;
          console.log(tpls.length, JSON.stringify(kinds), JSON.stringify(ev));
        }
        totals.trades += r.stats.trades;
        totals.settlements += r.stats.settlements;
        totals.closes += r.stats.closes;
        totals.accepted += r.stats.accepted;
        totals.liquidations += r.stats.liquidations;
        for (const [k, v] of r.stats.rejected) codes.set(k, (codes.get(k) ?? 0) + v);
      }),
      { numRuns: 40, seed: 42 },
    );
    if (process.env.ACCOUNTS_STATS) console.log(JSON.stringify({ totals, codes: Object.fromEntries(codes) }));
    expect(totals.trades).toBeGreaterThan(200);
    expect(totals.settlements).toBeGreaterThan(20);
    expect(totals.closes).toBeGreaterThan(100);
    for (const code of [
      'RISK_INSUFFICIENT_FUNDS',
      'RISK_NO_POSITION_TO_CLOSE',
      'ACCOUNT_KIND_MISMATCH',
      'ACCOUNT_UNKNOWN',
      'ADMIN_SETTLEMENT_NOT_CLOSED',
    ])
      expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
  });

  it('after every command: fast = naive, conservation, QIFI identities, positions, holds, risk, settlement', {
    timeout: TIME_BUDGET_MS + 60_000,
  }, () => {
    fc.assert(
      fc.property(streamArb, (tpls) => {
        runStream(tpls, true);
      }),
      // a time budget: a failure found late still reports its counterexample, shrunk as far as the budget allowed
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_BUDGET_MS },
    );
  });
});
