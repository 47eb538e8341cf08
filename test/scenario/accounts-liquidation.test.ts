/**
 * Intraday force liquidation (docs/accounts.md, "Intraday risk"), numbers by hand.
 *
 * RB: unitValue 1000, margin 10% (100 × price per lot), commission 300 per lot, closes `separate` (so the forced close
 * of today's lots is a CLOSE_TODAY), band ±10% around 3500 → [3150, 3850].
 *
 * Reading used (see the report): one IOC close order per position (largest margin first) for its whole free volume,
 * at the band limit (a long is sold at the band lower); after each forced order the account is checked again.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import {
  AccountsScenario,
  cancelsOf,
  expectAccount,
  expectPositions,
  FLAT,
  futuresAccount,
  ofKind,
  one,
  position,
  RB,
  rbSpec,
  side,
  tradesOf,
} from './accounts-helpers.ts';

const L = 1; // the account that gets liquidated
const M1 = 2; // buyer of the market
const M2 = 3; // seller of the market
const FORCED = 2 ** 52; // the first order id the engine assigns itself

/** The liquidation story of a command: the kinds that matter, in order, with their key fields. */
function story(events: readonly EngineEvent[]): unknown[] {
  const out: unknown[] = [];
  for (const e of events) {
    if (e.kind === 'TradeExecuted') out.push(['trade', e.price, e.volume, e.buyOrderId, e.sellOrderId]);
    else if (e.kind === 'OrderCanceled') out.push(['canceled', e.orderId, e.reason, e.canceled]);
    else if (e.kind === 'OrderAccepted') out.push(['accepted', e.orderId, e.forced]);
    else if (e.kind === 'ForceLiquidationStarted') out.push(['started', e.accountId, e.riskRatioPpm]);
    else if (e.kind === 'ForceLiquidationEnded') out.push(['ended', e.accountId, e.reason, e.riskRatioPpm]);
    else if (e.kind === 'AccountNegative') out.push(['negative', e.accountId, e.balance]);
  }
  return out;
}

/**
 * L deposits 3_800_000 and buys 10 RB @ 3500 from M2: margin 3_500_000, commission 3_000, balance 3_797_000,
 * risk ceil(3_500_000e6 / 3_797_000) = ceil(921_780.35) = 921_781.
 */
function setup(): AccountsScenario {
  const s = new AccountsScenario();
  s.createAccount(L, 'futures');
  s.createAccount(M1, 'futures');
  s.createAccount(M2, 'futures');
  s.deposit(L, 3_800_000);
  s.deposit(M1, 100_000_000);
  s.deposit(M2, 100_000_000);
  s.phase(RB, 'continuous');
  s.sell(1, M2, RB, 3500, 10);
  s.buy(2, L, RB, 3500, 10);
  expectAccount(
    s,
    futuresAccount(L, {
      tradingDay: 1,
      preBalance: 0,
      deposit: 3_800_000,
      withdraw: 0,
      staticBalance: 3_800_000,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 0,
      commission: 3_000,
      balance: 3_797_000,
      margin: 3_500_000,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 297_000,
      riskRatioPpm: 921_781,
    }),
  );
  return s;
}

const L_BASE = {
  tradingDay: 1,
  preBalance: 0,
  deposit: 3_800_000,
  withdraw: 0,
  staticBalance: 3_800_000,
  frozenMargin: 0,
  frozenCommission: 0,
};

describe('intraday force liquidation', () => {
  it('a price move past 100% cancels the open orders and closes at the band limit against resting bids until flat', () => {
    const s = setup();
    // L's own close order, resting: holds 1 lot of today's long and 300 + 1 of commission.
    s.sell(3, L, RB, 3600, 1, { offset: 'closeToday' });
    expect(s.account(L).frozenCommission).toBe(301);
    // M1's bids: 1 @ 3470, 4 @ 3460, 20 @ 3450
    s.buy(4, M1, RB, 3470, 1);
    s.buy(5, M1, RB, 3460, 4);
    s.buy(6, M1, RB, 3450, 20);
    expect(ofKind(s.buy(7, M1, RB, 3400, 1), 'ForceLiquidationStarted')).toEqual([]); // no trade, no check
    s.cancel(7, M1);

    // M2 sells 1 @ 3470 → last 3470. L: balance = 3_797_000 + (3470 − 3500) × 1000 × 10 = 3_497_000,
    // risk = ceil(3_500_000e6 / 3_497_000) = ceil(1_000_857.88) = 1_000_858 ≥ 1_000_000.
    // L's order 3 is canceled; a forced IOC sell closeToday 10 @ 3150 (band lower) takes 4 @ 3460 and 6 @ 3450:
    // L is flat (risk 0).
    const ev = s.sell(8, M2, RB, 3470, 1);
    expect(story(ev)).toEqual([
      ['accepted', 8, false],
      ['trade', 3470, 1, 4, 8],
      ['started', L, 1_000_858],
      ['canceled', 3, 'liquidation', 1],
      ['accepted', FORCED, true],
      ['trade', 3460, 4, 5, FORCED],
      ['trade', 3450, 6, 6, FORCED],
      // flat, hence a ratio of 0: below the threshold, the first stop condition docs/accounts.md lists
      ['ended', L, 'belowThreshold', 0],
    ]);
    const forced = ofKind(ev, 'OrderAccepted').find((e) => e.forced)!;
    expect(forced).toMatchObject({
      orderId: FORCED,
      accountId: L,
      instrumentId: RB,
      side: 'sell',
      type: 'limit',
      tif: 'IOC',
      price: 3150,
      volume: 10,
      postOnly: false,
      offset: 'closeToday',
      forced: true,
    });

    // L: close profit (3460 − 3500) × 1000 × 4 + (3450 − 3500) × 1000 × 6 = −160_000 − 300_000 = −460_000;
    // commission 3_000 + 10 × 300 = 6_000; balance = 3_800_000 − 460_000 − 6_000 = 3_334_000.
    expectAccount(
      s,
      futuresAccount(L, {
        ...L_BASE,
        closeProfit: -460_000,
        positionProfit: 0,
        floatProfit: 0,
        commission: 6_000,
        balance: 3_334_000,
        margin: 0,
        available: 3_334_000,
        riskRatioPpm: 0,
      }),
    );
    expectPositions(s, L, []);

    // M1: long today 11 in lots 1 @ 3470, 4 @ 3460, 6 @ 3450: openCost 3_470 + 13_840 + 20_700 = 38_010,
    // margin 100 × 38_010 = 3_801_000; mark 3450: profit (11 × 3450 − 38_010) × 1000 = −60_000;
    // commission 11 × 300 = 3_300 (order 7 was canceled unfilled); balance = 100_000_000 − 60_000 − 3_300 = 99_936_700.
    // Order 6 still bids 14 @ 3450: 100 × 3450 × 14 + 14 = 4_830_014 and 14 × 300 + 14 = 4_214.
    // available = 99_936_700 − 3_801_000 − 4_830_014 − 4_214 = 91_301_472; risk ceil(38_034.95) = 38_035
    expectAccount(
      s,
      futuresAccount(M1, {
        ...L_BASE,
        deposit: 100_000_000,
        staticBalance: 100_000_000,
        closeProfit: 0,
        positionProfit: -60_000,
        floatProfit: -60_000,
        commission: 3_300,
        balance: 99_936_700,
        margin: 3_801_000,
        frozenMargin: 4_830_014,
        frozenCommission: 4_214,
        available: 91_301_472,
        riskRatioPpm: 38_035,
      }),
    );
    expectPositions(s, M1, [
      position(M1, RB, {
        long: side({
          ...FLAT,
          today: 11,
          openCost: 38_010,
          positionCost: 38_010,
          margin: 3_801_000,
          positionProfit: -60_000,
          floatProfit: -60_000,
        }),
      }),
    ]);
    // M2: short today 10 @ 3500 + 1 @ 3470: openCost 38_470, margin 3_847_000;
    // profit (11 × 3450 − 38_470) × 1000 × (−1) = 520_000; commission 3_300;
    // balance = 100_000_000 + 520_000 − 3_300 = 100_516_700; available 96_669_700; risk ceil(38_272.03) = 38_273
    expectAccount(
      s,
      futuresAccount(M2, {
        ...L_BASE,
        deposit: 100_000_000,
        staticBalance: 100_000_000,
        closeProfit: 0,
        positionProfit: 520_000,
        floatProfit: 520_000,
        commission: 3_300,
        balance: 100_516_700,
        margin: 3_847_000,
        available: 96_669_700,
        riskRatioPpm: 38_273,
      }),
    );
    expect(s.engine.openOrder(FORCED)).toBeUndefined();
    s.validate();
  });

  it('below 100% nothing happens; no bids → noLiquidity; the next move closes part and ends belowThreshold', () => {
    const s = setup();
    // a move to 3480: balance 3_797_000 − 200_000 = 3_597_000, risk ceil(973_033.08) = 973_034 < 100%
    s.buy(3, M1, RB, 3480, 1);
    let ev = s.sell(4, M2, RB, 3480, 1);
    expect(story(ev)).toEqual([
      ['accepted', 4, false],
      ['trade', 3480, 1, 3, 4],
    ]);
    expect(s.account(L).riskRatioPpm).toBe(973_034);

    // a move to 3470 (risk 1_000_858) with no other bid: the forced order fills nothing.
    s.buy(5, M1, RB, 3470, 1);
    ev = s.sell(6, M2, RB, 3470, 1);
    expect(story(ev)).toEqual([
      ['accepted', 6, false],
      ['trade', 3470, 1, 5, 6],
      ['started', L, 1_000_858],
      ['accepted', FORCED, true],
      ['canceled', FORCED, 'ioc', 10],
      ['ended', L, 'noLiquidity', 1_000_858],
    ]);
    // L keeps its 10 lots: profit (3470 − 3500) × 1000 × 10 = −300_000; balance 3_497_000;
    // available = 3_497_000 − 3_500_000 = −3_000
    expectAccount(
      s,
      futuresAccount(L, {
        ...L_BASE,
        closeProfit: 0,
        positionProfit: -300_000,
        floatProfit: -300_000,
        commission: 3_000,
        balance: 3_497_000,
        margin: 3_500_000,
        available: -3_000,
        riskRatioPpm: 1_000_858,
      }),
    );
    const long10 = { ...FLAT, today: 10, openCost: 35_000, positionCost: 35_000, margin: 3_500_000 };
    expectPositions(s, L, [
      position(L, RB, { long: side({ ...long10, positionProfit: -300_000, floatProfit: -300_000 }) }),
    ]);

    // M1 bids 3 @ 3465; M2 sells 1 into it → last 3465: L balance = 3_797_000 − 350_000 = 3_447_000,
    // risk ceil(3_500_000e6 / 3_447_000) = ceil(1_015_375.7) = 1_015_376.
    // The forced order (next engine id) takes the 2 lots left @ 3465; the rest (8) is canceled.
    // L: close profit (3465 − 3500) × 1000 × 2 = −70_000; commission 3_000 + 600 = 3_600;
    //    8 lots left: margin 2_800_000, profit (3465 − 3500) × 1000 × 8 = −280_000;
    //    balance = 3_800_000 − 70_000 − 280_000 − 3_600 = 3_446_400; risk ceil(812_441.97) = 812_442 < 100%
    s.buy(7, M1, RB, 3465, 3);
    ev = s.sell(8, M2, RB, 3465, 1);
    expect(story(ev)).toEqual([
      ['accepted', 8, false],
      ['trade', 3465, 1, 7, 8],
      ['started', L, 1_015_376],
      ['accepted', FORCED + 1, true],
      ['trade', 3465, 2, 7, FORCED + 1],
      ['canceled', FORCED + 1, 'ioc', 8],
      ['ended', L, 'belowThreshold', 812_442],
    ]);
    expectAccount(
      s,
      futuresAccount(L, {
        ...L_BASE,
        closeProfit: -70_000,
        positionProfit: -280_000,
        floatProfit: -280_000,
        commission: 3_600,
        balance: 3_446_400,
        margin: 2_800_000,
        available: 646_400,
        riskRatioPpm: 812_442,
      }),
    );
    expectPositions(s, L, [
      position(L, RB, {
        long: side({
          ...FLAT,
          today: 8,
          openCost: 28_000,
          positionCost: 28_000,
          margin: 2_800_000,
          positionProfit: -280_000,
          floatProfit: -280_000,
        }),
      }),
    ]);
    s.validate();
  });

  it("a touched account's liquidation trades an instrument no pass has seen: its holders are checked in that command", () => {
    // Z: a future without margin or commission, band [90, 110]; L's round trip in it changes nothing but touches L.
    const Z = 'Z';
    const zSpec = rbSpec({
      id: Z,
      referencePrice: 100,
      terms: {
        marginLongPpm: 0,
        marginShortPpm: 0,
        commission: { kind: 'perLot', open: 0, close: 0, closeToday: 0 },
        closeRule: 'separate',
        settlement: { kind: 'last' },
      },
    });
    const s = new AccountsScenario({ instruments: [rbSpec(), zSpec] });
    const H = 4;
    for (const id of [L, M1, M2, H]) s.createAccount(id, 'futures');
    s.deposit(L, 3_800_000);
    s.deposit(M1, 100_000_000);
    s.deposit(M2, 100_000_000);
    // H has more funds than L: deposit 3_900_000, commission 3_000, margin 3_500_000.
    s.deposit(H, 3_900_000);
    s.phase(RB, 'continuous');
    s.phase(Z, 'continuous');
    s.sell(1, M2, RB, 3500, 10);
    s.buy(2, L, RB, 3500, 10);
    s.sell(3, M2, RB, 3500, 10);
    s.buy(4, H, RB, 3500, 10);
    s.sell(5, M2, Z, 100, 1);
    s.buy(6, L, Z, 100, 1);
    expect(s.account(L).riskRatioPpm).toBe(921_781);
    // A move to 3470 (as above): L (risk 1_000_858) is liquidated, nobody bids RB, it ends noLiquidity still above
    // (Z has no margin: the forced orders go to RB first, and stop there). H: balance 3_897_000 − 300_000 =
    // 3_597_000, risk ceil(973_033.08) = 973_034, below.
    s.buy(7, M1, RB, 3470, 1);
    let ev = s.sell(8, M2, RB, 3470, 1);
    expect(story(ev).slice(2)).toEqual([
      ['started', L, 1_000_858],
      ['accepted', FORCED, true],
      ['canceled', FORCED, 'ioc', 10],
      ['ended', L, 'noLiquidity', 1_000_858],
    ]);
    expect(s.account(H).riskRatioPpm).toBe(973_034);
    // M1 bids 10 RB @ 3400 and 1 Z @ 100: no trade, no check.
    expect(story(s.buy(9, M1, RB, 3400, 10))).toEqual([['accepted', 9, false]]);
    s.buy(10, M1, Z, 100, 1);
    // L sells its Z lot @ 100 to M1: Z trades, L no longer holds it, so Z's pass does not see L; L is touched and
    // still above (balance 3_497_000, risk 1_000_858). Its forced RB sell @ 3150 takes the 10 @ 3400, which moves
    // RB's mark to 3400 in a command where RB had not traded: H's balance is now 3_897_000 − 1_000_000 = 2_897_000,
    // risk ceil(1_208_146.36) = 1_208_147, so RB's holders get their pass and H is liquidated in the same command;
    // with no bids left its forced sell fills nothing.
    ev = s.sell(11, L, Z, 100, 1, { offset: 'closeToday' });
    expect(story(ev)).toEqual([
      ['accepted', 11, false],
      ['trade', 100, 1, 10, 11],
      ['started', L, 1_000_858],
      ['accepted', FORCED + 1, true],
      ['trade', 3400, 10, 9, FORCED + 1],
      ['ended', L, 'belowThreshold', 0],
      ['started', H, 1_208_147],
      ['accepted', FORCED + 2, true],
      ['canceled', FORCED + 2, 'ioc', 10],
      ['ended', H, 'noLiquidity', 1_208_147],
    ]);
    expect(s.account(H).balance).toBe(2_897_000);
    expect(s.positions(L)).toEqual([]);
    s.validate();
  });

  it('a gap past the whole balance reports AccountNegative', () => {
    const s = setup();
    // The admin moves the band: reference 3200 → [2880, 3520]. The mark stays 3500 (the last trade).
    s.ok({ kind: 'SetReferencePrice', instrumentId: RB, price: 3200 });
    expect(s.account(L).balance).toBe(3_797_000);
    // M1 and M2 trade 1 @ 3000: L's balance = 3_797_000 + (3000 − 3500) × 1000 × 10 = −1_203_000;
    // risk ratio with a balance ≤ 0 and margin > 0 is Number.MAX_SAFE_INTEGER (docs/accounts.md). No bids are left
    // for the forced sell @ 2880.
    s.buy(3, M1, RB, 3000, 1);
    const ev = s.sell(4, M2, RB, 3000, 1);
    expect(one(ev, 'AccountNegative')).toEqual({ kind: 'AccountNegative', accountId: L, balance: -1_203_000 });
    expect(one(ev, 'ForceLiquidationStarted')).toEqual({
      kind: 'ForceLiquidationStarted',
      accountId: L,
      riskRatioPpm: Number.MAX_SAFE_INTEGER,
    });
    expect(one(ev, 'ForceLiquidationEnded')).toEqual({
      kind: 'ForceLiquidationEnded',
      accountId: L,
      riskRatioPpm: Number.MAX_SAFE_INTEGER,
      reason: 'noLiquidity',
    });
    expect(ofKind(ev, 'OrderAccepted').find((e) => e.forced)).toMatchObject({
      orderId: FORCED,
      price: 2880,
      volume: 10,
    });
    expect(cancelsOf(ev)).toEqual([[FORCED, 'ioc', 10]]);
    expect(tradesOf(ev)).toEqual([[3000, 1, 3, 4]]);
    // available = −1_203_000 − 3_500_000 = −4_703_000
    expectAccount(
      s,
      futuresAccount(L, {
        ...L_BASE,
        closeProfit: 0,
        positionProfit: -5_000_000,
        floatProfit: -5_000_000,
        commission: 3_000,
        balance: -1_203_000,
        margin: 3_500_000,
        available: -4_703_000,
        riskRatioPpm: Number.MAX_SAFE_INTEGER,
      }),
    );
    s.validate();
  });
});

describe('force liquidation ordered by an admin (LiquidateAccount)', () => {
  it('closes every position at the band whatever the risk ratio, after canceling the open orders, until flat', () => {
    const s = setup(); // L: long 10 RB @ 3500, risk 921_781 (below the 100% threshold)
    s.sell(3, L, RB, 3600, 1, { offset: 'closeToday' });
    s.buy(4, M1, RB, 3460, 4);
    s.buy(5, M1, RB, 3450, 20);
    const r = s.apply({ kind: 'LiquidateAccount', accountId: L });
    expect(r.ok).toBe(true);
    const ev = r.ok ? r.events : [];
    // a forced IOC sell closeToday 10 @ 3150 (the band lower) takes 4 @ 3460 and 6 @ 3450
    expect(story(ev)).toEqual([
      ['started', L, 921_781],
      ['canceled', 3, 'liquidation', 1],
      ['accepted', FORCED, true],
      ['trade', 3460, 4, 4, FORCED],
      ['trade', 3450, 6, 5, FORCED],
      ['ended', L, 'flat', 0],
    ]);
    // close profit (3460 − 3500) × 1000 × 4 + (3450 − 3500) × 1000 × 6 = −460_000; commission 3_000 + 3_000
    expect(s.account(L)).toMatchObject({ balance: 3_334_000, margin: 0, riskRatioPpm: 0, closeProfit: -460_000 });
    const open = s
      .positions(L)
      .reduce((n, p) => n + p.long.today + p.long.yesterday + p.short.today + p.short.yesterday, 0);
    expect(open).toBe(0);
    s.validate();
  });

  it('stops with noLiquidity when nobody bids, and refuses unknown and stock accounts', () => {
    const s = setup();
    const r = s.apply({ kind: 'LiquidateAccount', accountId: L });
    expect(r.ok && story(r.events)).toEqual([
      ['started', L, 921_781],
      ['accepted', FORCED, true],
      ['canceled', FORCED, 'ioc', 10],
      ['ended', L, 'noLiquidity', 921_781],
    ]);
    s.rejected({ kind: 'LiquidateAccount', accountId: 99 }, 'ACCOUNT_UNKNOWN');
    s.createAccount(9, 'stock');
    s.rejected({ kind: 'LiquidateAccount', accountId: 9 }, 'ACCOUNT_KIND_MISMATCH');
    s.validate();
  });
});
