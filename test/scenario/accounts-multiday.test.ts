/**
 * Multi-day account scenarios (docs/accounts.md), every number computed by hand:
 * deposit, open with a partial fill, cancel, close today, settle, close yesterday's position the next day, settle,
 * withdraw. After each step every field of the accounts on both sides of the trades and their positions is checked.
 *
 * Reading of the spec used throughout (see the report for the ambiguous points):
 * - hold of an open order: frozenMargin = margin(H, r) + r/lot, frozenCommission = commission(open, H, r) + r/lot
 *   (the allowance of 2 per lot split one for margin, one for commission); of a close: frozenCommission =
 *   commission(close or closeToday, H, r) + r/lot;
 * - risk ratio rounds up (money-rules.ts: riskRatioPpm);
 * - futures accounts show cash, frozenCash and marketValue as 0; stock accounts show margin, frozenMargin,
 *   frozenCommission and riskRatioPpm as 0, the whole hold of an order (incl. commission) being in frozenCash;
 * - AccountSettled (the statement) shows the DAY'S figures of the account, stamped with the settled day: preBalance,
 *   deposit, withdraw, staticBalance, closeProfit and commission as they stood just before Settle; for futures
 *   positionProfit = what settlement marked to market that day, Σ (settlement price − position price before
 *   settlement) × unitValue × volume × dir, balance = static + closeProfit + positionProfit − commission (= the next
 *   day's preBalance), margin recomputed at the settlement price, available = balance − margin − frozen, risk ratio
 *   from those, floatProfit as after settlement; for stocks the account snapshot before its daily fields restart
 *   (balance = cash + market value at the settlement price). Its positions are the ones the settlement leaves (rolled
 *   to yesterday's at the settlement price); then the day's trades. After the statement preBalance := that balance
 *   and deposit, withdraw, closeProfit and commission restart at 0 (what engine.account() shows the next day);
 * - shares from DepositHoldings are today's.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { AccountId } from '../../src-engine/domain/ids.ts';
import {
  A,
  AccountsScenario,
  B,
  cancelsOf,
  changedAccounts,
  emptyAccount,
  expectAccount,
  expectPositions,
  FLAT,
  futuresAccount,
  IF,
  negativeZeros,
  ofKind,
  one,
  position,
  RB,
  S,
  STK,
  side,
  stockAccount,
  T,
  tradesOf,
  withoutNegativeZero,
} from './accounts-helpers.ts';

function statementOf(events: readonly EngineEvent[], id: AccountId) {
  const found = ofKind(events, 'AccountSettled').filter((e) => e.account.accountId === id);
  expect(found, `one AccountSettled for account ${id}`).toHaveLength(1);
  return withoutNegativeZero(found[0]!);
}

function settledPrice(events: readonly EngineEvent[], instrumentId: string) {
  return one(events, 'SettlementCompleted').prices.find((p) => p.instrumentId === instrumentId)?.price;
}

describe('IF index future over two days (commission by rate, admin settlement price)', () => {
  // unitValue = 300 × 100 / 10 = 3000 minor units per price unit per lot.
  // margin(p, v) = p × 3000 × v × 120000 / 1e6 = 360 × p × v (exact, so ceil changes nothing)
  // open / close commission(p, v) = floor(p × 3000 × v × 23 / 1e6) = floor(69 × p × v / 1000)
  // close-today commission(p, v) = floor(p × 3000 × v × 230 / 1e6) = floor(690 × p × v / 1000)
  it('deposit, partial fill, cancel, close today, settle, close yesterday, settle, withdraw', () => {
    const s = new AccountsScenario();

    // ---- Day 1 ----
    s.createAccount(A, 'futures');
    s.createAccount(B, 'futures');
    expectAccount(s, emptyAccount(A, 'futures'));
    expectAccount(s, emptyAccount(B, 'futures'));
    expect(s.engine.tradingDay).toBe(1);

    let ev = s.deposit(A, 100_000_000);
    expect(one(ev, 'FundsMoved')).toEqual({
      kind: 'FundsMoved',
      accountId: A,
      direction: 'deposit',
      amount: 100_000_000,
    });
    expect(changedAccounts(ev)).toEqual([A]);
    s.deposit(B, 100_000_000);
    const funded = {
      tradingDay: 1,
      preBalance: 0,
      deposit: 100_000_000,
      withdraw: 0,
      staticBalance: 100_000_000,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 0,
      commission: 0,
      balance: 100_000_000,
      margin: 0,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 100_000_000,
      riskRatioPpm: 0,
    };
    expectAccount(s, futuresAccount(A, funded));
    expectAccount(s, futuresAccount(B, funded));

    s.phase(IF, 'continuous');

    // B: sell open 3 @ 40002 (rests; no bids, so H = 40002)
    // frozenMargin = 360 × 40002 × 3 + 3 = 43_202_160 + 3 = 43_202_163
    // frozenCommission = floor(69 × 120006 / 1000) + 3 = floor(8_280.414) + 3 = 8_283
    // available = 100_000_000 − 43_202_163 − 8_283 = 56_789_554
    ev = s.sell(1, B, IF, 40002, 3);
    expect(one(ev, 'OrderAccepted')).toMatchObject({ offset: 'open', forced: false });
    expect(changedAccounts(ev)).toEqual([B]);
    expectAccount(
      s,
      futuresAccount(B, { ...funded, frozenMargin: 43_202_163, frozenCommission: 8_283, available: 56_789_554 }),
    );
    expectPositions(s, B, []);

    // A: buy open 4 @ 40010: hold(4) = 360 × 40010 × 4 + floor(69 × 160040 / 1000) + 8 = 57_614_400 + 11_042 + 8
    // = 57_625_450 ≤ 100_000_000. Trades 3 @ 40002 (B's price), 1 rests @ 40010.
    // A: margin = 360 × 40002 × 3 = 43_202_160; commission = floor(69 × 120006 / 1000) = 8_280
    //    hold(1) at H = 40010: frozenMargin = 14_403_600 + 1 = 14_403_601, frozenCommission = floor(2_760.69) + 1 = 2_761
    //    balance = 100_000_000 − 8_280 = 99_991_720 (mark = last = 40002, position profit 0)
    //    available = 99_991_720 − 43_202_160 − 14_403_601 − 2_761 = 42_383_198
    //    risk = ceil(43_202_160e6 / 99_991_720) = ceil(432_057.37) = 432_058
    // B: same margin and commission, hold released: available = 99_991_720 − 43_202_160 = 56_789_560
    ev = s.buy(2, A, IF, 40010, 4);
    expect(tradesOf(ev)).toEqual([[40002, 3, 2, 1]]);
    expect(changedAccounts(ev)).toEqual([A, B]);
    expect(
      ofKind(ev, 'PositionChanged')
        .map((e) => e.position.accountId)
        .sort(),
    ).toEqual([A, B]);
    const day1Open = {
      ...funded,
      commission: 8_280,
      balance: 99_991_720,
      margin: 43_202_160,
      riskRatioPpm: 432_058,
    };
    expectAccount(
      s,
      futuresAccount(A, {
        ...day1Open,
        frozenMargin: 14_403_601,
        frozenCommission: 2_761,
        available: 42_383_198,
      }),
    );
    expectAccount(s, futuresAccount(B, { ...day1Open, available: 56_789_560 }));
    // costs are Σ price × volume in price units: 40002 × 3 = 120_006
    const open3 = {
      ...FLAT,
      today: 3,
      openCost: 120_006,
      positionCost: 120_006,
      margin: 43_202_160,
    };
    expectPositions(s, A, [position(A, IF, { long: side(open3) })]);
    expectPositions(s, B, [position(B, IF, { short: side(open3) })]);

    // A cancels the rest: the whole hold of the open lot goes back.
    ev = s.cancel(2, A);
    expect(cancelsOf(ev)).toEqual([[2, 'canceled', 1]]);
    expect(changedAccounts(ev)).toEqual([A]);
    expectAccount(s, futuresAccount(A, { ...day1Open, available: 56_789_560 }));

    // B: buy closeToday 1 @ 40020 (rests). Short today 3, 1 frozen.
    // frozenCommission = floor(690 × 40020 / 1000) + 1 = floor(27_613.8) + 1 = 27_614
    // available = 56_789_560 − 27_614 = 56_761_946
    ev = s.buy(3, B, IF, 40020, 1, { offset: 'closeToday' });
    expect(one(ev, 'OrderAccepted').offset).toBe('closeToday');
    expectAccount(s, futuresAccount(B, { ...day1Open, frozenCommission: 27_614, available: 56_761_946 }));
    expectPositions(s, B, [position(B, IF, { short: side({ ...open3, frozenToday: 1 }) })]);

    // A: sell closeToday 2 @ 40000 GFD. Best bid 40020 > 40000, so H = 40020.
    // Trades 1 @ 40020 with B's bid; 1 rests @ 40000 holding floor(690 × 40020 / 1000) + 1 = 27_614.
    // A: close profit = (40020 − 40002) × 3000 × 1 = 54_000; commission 27_613 → 8_280 + 27_613 = 35_893
    //    long today 2 @ 40002: openCost = positionCost = 80_004, margin = 360 × 80_004 = 28_801_440
    //    mark 40020: position profit = (40020 × 2 − 80_004) × 3000 = 36 × 3000 = 108_000 (float the same)
    //    balance = 100_000_000 + 54_000 + 108_000 − 35_893 = 100_126_107
    //    available = 100_126_107 − 28_801_440 − 27_614 = 71_297_053
    //    risk = ceil(28_801_440e6 / 100_126_107) = ceil(287_651.65) = 287_652
    // B: close profit −54_000, commission 35_893, position profit −108_000
    //    balance = 100_000_000 − 54_000 − 108_000 − 35_893 = 99_802_107; hold released
    //    available = 99_802_107 − 28_801_440 = 71_000_667; risk = ceil(288_585.49) = 288_586
    ev = s.sell(4, A, IF, 40000, 2, { offset: 'closeToday', tif: 'GFD' });
    expect(tradesOf(ev)).toEqual([[40020, 1, 3, 4]]);
    expect(changedAccounts(ev)).toEqual([A, B]);
    const day1A = {
      ...funded,
      closeProfit: 54_000,
      positionProfit: 108_000,
      floatProfit: 108_000,
      commission: 35_893,
      balance: 100_126_107,
      margin: 28_801_440,
      riskRatioPpm: 287_652,
    };
    expectAccount(s, futuresAccount(A, { ...day1A, frozenCommission: 27_614, available: 71_297_053 }));
    const day1B = {
      ...funded,
      closeProfit: -54_000,
      positionProfit: -108_000,
      floatProfit: -108_000,
      commission: 35_893,
      balance: 99_802_107,
      margin: 28_801_440,
      available: 71_000_667,
      riskRatioPpm: 288_586,
    };
    expectAccount(s, futuresAccount(B, day1B));
    const open2 = {
      ...FLAT,
      today: 2,
      openCost: 80_004,
      positionCost: 80_004,
      margin: 28_801_440,
    };
    expectPositions(s, A, [
      position(A, IF, { long: side({ ...open2, frozenToday: 1, positionProfit: 108_000, floatProfit: 108_000 }) }),
    ]);
    expectPositions(s, B, [
      position(B, IF, { short: side({ ...open2, positionProfit: -108_000, floatProfit: -108_000 }) }),
    ]);

    // Close: A's GFD close order expires and releases its hold (available = 100_126_107 − 28_801_440 = 71_324_667).
    ev = s.phase(IF, 'closed');
    expect(cancelsOf(ev)).toEqual([[4, 'expired', 1]]);
    expect(changedAccounts(ev)).toEqual([A]);
    expectAccount(s, futuresAccount(A, { ...day1A, available: 71_324_667 }));
    expectPositions(s, A, [
      position(A, IF, { long: side({ ...open2, positionProfit: 108_000, floatProfit: 108_000 }) }),
    ]);

    // The admin sets 4001.0; the mark stays the last trade price until the settlement.
    ev = s.settlementPrice(IF, 40010);
    expect(one(ev, 'SettlementPriceSet')).toEqual({ kind: 'SettlementPriceSet', instrumentId: IF, price: 40010 });
    expectAccount(s, futuresAccount(A, { ...day1A, available: 71_324_667 }));

    // Settle day 1 at 40010. The statement shows the day's figures (deposit, closeProfit, commission of day 1) with
    // the position marked at the settlement price; afterwards preBalance := balance and the daily fields restart.
    // A: position profit = (40010 × 2 − 80_004) × 3000 = 16 × 3000 = 48_000
    //    balance = 100_000_000 + 54_000 + 48_000 − 35_893 = 100_066_107
    //    margin at 40010 = 360 × 80_020 = 28_807_200; available = 100_066_107 − 28_807_200 = 71_258_907
    //    risk = ceil(28_807_200e6 / 100_066_107) = ceil(287_881.69) = 287_882
    // B: position profit −48_000; balance = 100_000_000 − 54_000 − 48_000 − 35_893 = 99_862_107
    //    available = 99_862_107 − 28_807_200 = 71_054_907; risk = ceil(288_469.78) = 288_470
    ev = s.settle();
    expect(ofKind(ev, 'AccountSettled').map((e) => e.account.accountId)).toEqual([A, B]);
    const stA = statementOf(ev, A);
    expect(stA.tradingDay).toBe(1);
    expect(stA.trades).toEqual([
      // tradeId, orderId, instrument, side, offset, price, volume, commission, closeProfit
      {
        tradeId: 1,
        orderId: 2,
        instrumentId: IF,
        side: 'buy',
        offset: 'open',
        price: 40002,
        volume: 3,
        commission: 8_280,
        closeProfit: 0,
      },
      {
        tradeId: 2,
        orderId: 4,
        instrumentId: IF,
        side: 'sell',
        offset: 'closeToday',
        price: 40020,
        volume: 1,
        commission: 27_613,
        closeProfit: 54_000,
      },
    ]);
    const stB = statementOf(ev, B);
    expect(stB.trades).toEqual([
      {
        tradeId: 1,
        orderId: 1,
        instrumentId: IF,
        side: 'sell',
        offset: 'open',
        price: 40002,
        volume: 3,
        commission: 8_280,
        closeProfit: 0,
      },
      {
        tradeId: 2,
        orderId: 3,
        instrumentId: IF,
        side: 'buy',
        offset: 'closeToday',
        price: 40020,
        volume: 1,
        commission: 27_613,
        closeProfit: -54_000,
      },
    ]);
    const done1 = one(ev, 'SettlementCompleted');
    expect(done1.tradingDay).toBe(1);
    expect(settledPrice(ev, IF)).toBe(40010);
    expect(done1.atRisk).toEqual([]);
    expect(s.engine.tradingDay).toBe(2);
    expect(s.engine.instrument(IF)?.referencePrice).toBe(40010);

    // After the settlement: preBalance := balance, the daily fields restart, the position is yesterday's at 40010
    // (positionCost 80_020, profit 0 against the mark 40010; float still (80_020 − 80_004) × 3000 = 48_000).
    const day2A = {
      tradingDay: 2,
      preBalance: 100_066_107,
      deposit: 0,
      withdraw: 0,
      staticBalance: 100_066_107,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 48_000,
      commission: 0,
      balance: 100_066_107,
      margin: 28_807_200,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 71_258_907,
      riskRatioPpm: 287_882,
    };
    const day2B = {
      ...day2A,
      preBalance: 99_862_107,
      staticBalance: 99_862_107,
      floatProfit: -48_000,
      balance: 99_862_107,
      available: 71_054_907,
      riskRatioPpm: 288_470,
    };
    expectAccount(s, futuresAccount(A, day2A));
    expectAccount(s, futuresAccount(B, day2B));
    const yest2 = {
      ...FLAT,
      yesterday: 2,
      openCost: 80_004,
      positionCost: 80_020,
      margin: 28_807_200,
    };
    expectPositions(s, A, [position(A, IF, { long: side({ ...yest2, floatProfit: 48_000 }) })]);
    expectPositions(s, B, [position(B, IF, { short: side({ ...yest2, floatProfit: -48_000 }) })]);
    // Statement of day 1, A: preBalance 0, deposit 100_000_000, static 100_000_000, closeProfit 54_000,
    // commission 35_893 (the day's); positionProfit = (40010 − 40002) × 3000 × 2 = 48_000 (long today 2 at position
    // price 40002); balance = 100_000_000 + 54_000 + 48_000 − 35_893 = 100_066_107; margin 360 × 40010 × 2 =
    // 28_807_200; available = 100_066_107 − 28_807_200 = 71_258_907; risk ceil(287_881.69) = 287_882;
    // float (80_020 − 80_004) × 3000 = 48_000.
    expect(stA.account).toEqual(
      futuresAccount(A, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 100_000_000,
        withdraw: 0,
        staticBalance: 100_000_000,
        closeProfit: 54_000,
        positionProfit: 48_000,
        floatProfit: 48_000,
        commission: 35_893,
        balance: 100_066_107,
        margin: 28_807_200,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 71_258_907,
        riskRatioPpm: 287_882,
      }),
    );
    expect(stA.positions).toEqual([position(A, IF, { long: side({ ...yest2, floatProfit: 48_000 }) })]);
    // B: closeProfit −54_000, commission 35_893; positionProfit = (40010 − 40002) × 3000 × 2 × (−1) = −48_000;
    // balance = 100_000_000 − 54_000 − 48_000 − 35_893 = 99_862_107; available = 99_862_107 − 28_807_200 =
    // 71_054_907; risk ceil(288_469.78) = 288_470; float −48_000.
    expect(stB.account).toEqual(
      futuresAccount(B, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 100_000_000,
        withdraw: 0,
        staticBalance: 100_000_000,
        closeProfit: -54_000,
        positionProfit: -48_000,
        floatProfit: -48_000,
        commission: 35_893,
        balance: 99_862_107,
        margin: 28_807_200,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 71_054_907,
        riskRatioPpm: 288_470,
      }),
    );
    expect(stB.positions).toEqual([position(B, IF, { short: side({ ...yest2, floatProfit: -48_000 }) })]);

    // ---- Day 2 ---- band around 40010: [ceil(36009) to tick = 36010, floor(44011) to tick = 44010]
    s.open(IF);
    expectAccount(s, futuresAccount(A, day2A));
    s.rejected(s.orderInput(90, A, IF, 'buy', 44012, 1), 'VALIDATION_PRICE_OUT_OF_BAND');

    // B: buy close 1 @ 40030: short yesterday 2, 1 frozen; commission at the close rate:
    // frozenCommission = floor(69 × 40030 / 1000) + 1 = floor(2_762.07) + 1 = 2_763
    // available = 71_054_907 − 2_763 = 71_052_144
    s.buy(5, B, IF, 40030, 1, { offset: 'close' });
    expectAccount(s, futuresAccount(B, { ...day2B, frozenCommission: 2_763, available: 71_052_144 }));
    expectPositions(s, B, [position(B, IF, { short: side({ ...yest2, frozenYesterday: 1, floatProfit: -48_000 }) })]);

    // A: sell close 1 @ 40030: trades with B's bid.
    // A: close profit = (40030 − 40010) × 3000 = 60_000; commission floor(69 × 40030 / 1000) = 2_762
    //    long yesterday 1: openCost 40_002, positionCost 40_010, margin 360 × 40010 = 14_403_600
    //    mark 40030: position profit (40030 − 40010) × 3000 = 60_000, float (40030 − 40002) × 3000 = 84_000
    //    balance = 100_066_107 + 60_000 + 60_000 − 2_762 = 100_183_345
    //    available = 100_183_345 − 14_403_600 = 85_779_745; risk = ceil(143_772.40) = 143_773
    // B: balance = 99_862_107 − 60_000 − 60_000 − 2_762 = 99_739_345; available = 85_335_745;
    //    risk = ceil(144_412.42) = 144_413
    ev = s.sell(6, A, IF, 40030, 1, { offset: 'close' });
    expect(tradesOf(ev)).toEqual([[40030, 1, 5, 6]]);
    expectAccount(
      s,
      futuresAccount(A, {
        ...day2A,
        closeProfit: 60_000,
        positionProfit: 60_000,
        floatProfit: 84_000,
        commission: 2_762,
        balance: 100_183_345,
        margin: 14_403_600,
        available: 85_779_745,
        riskRatioPpm: 143_773,
      }),
    );
    expectAccount(
      s,
      futuresAccount(B, {
        ...day2B,
        closeProfit: -60_000,
        positionProfit: -60_000,
        floatProfit: -84_000,
        commission: 2_762,
        balance: 99_739_345,
        margin: 14_403_600,
        available: 85_335_745,
        riskRatioPpm: 144_413,
      }),
    );
    const yest1 = { ...FLAT, yesterday: 1, openCost: 40_002, positionCost: 40_010, margin: 14_403_600 };
    expectPositions(s, A, [position(A, IF, { long: side({ ...yest1, positionProfit: 60_000, floatProfit: 84_000 }) })]);
    expectPositions(s, B, [
      position(B, IF, { short: side({ ...yest1, positionProfit: -60_000, floatProfit: -84_000 }) }),
    ]);

    // Settle day 2 at 4003.6 (the statements show day 2's figures, see below).
    // A: position profit (40036 − 40010) × 3000 = 78_000, float (40036 − 40002) × 3000 = 102_000
    //    balance = 100_066_107 + 60_000 + 78_000 − 2_762 = 100_201_345; margin 360 × 40036 = 14_412_960
    //    available = 100_201_345 − 14_412_960 = 85_788_385; risk = ceil(143_839.985) = 143_840
    // B: balance = 99_862_107 − 60_000 − 78_000 − 2_762 = 99_721_345; available = 85_308_385;
    //    risk = ceil(144_532.35) = 144_533
    s.phase(IF, 'closed');
    s.settlementPrice(IF, 40036);
    ev = s.settle();
    expect(settledPrice(ev, IF)).toBe(40036);
    expect(statementOf(ev, A).tradingDay).toBe(2);
    expect(statementOf(ev, A).trades).toEqual([
      {
        tradeId: 3,
        orderId: 6,
        instrumentId: IF,
        side: 'sell',
        offset: 'close',
        price: 40030,
        volume: 1,
        commission: 2_762,
        closeProfit: 60_000,
      },
    ]);
    expect(s.engine.tradingDay).toBe(3);
    const day3A = {
      tradingDay: 3,
      preBalance: 100_201_345,
      deposit: 0,
      withdraw: 0,
      staticBalance: 100_201_345,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 102_000,
      commission: 0,
      balance: 100_201_345,
      margin: 14_412_960,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 85_788_385,
      riskRatioPpm: 143_840,
    };
    const day3B = {
      ...day3A,
      preBalance: 99_721_345,
      staticBalance: 99_721_345,
      floatProfit: -102_000,
      balance: 99_721_345,
      available: 85_308_385,
      riskRatioPpm: 144_533,
    };
    expectAccount(s, futuresAccount(A, day3A));
    expectAccount(s, futuresAccount(B, day3B));
    const yest1b = { ...FLAT, yesterday: 1, openCost: 40_002, positionCost: 40_036, margin: 14_412_960 };
    expectPositions(s, A, [position(A, IF, { long: side({ ...yest1b, floatProfit: 102_000 }) })]);
    expectPositions(s, B, [position(B, IF, { short: side({ ...yest1b, floatProfit: -102_000 }) })]);
    // Statement of day 2, A: preBalance = static = 100_066_107, closeProfit 60_000, commission 2_762 (the day's);
    // positionProfit = (40036 − 40010) × 3000 × 1 = 78_000 (long yesterday 1 at position price 40010);
    // balance = 100_066_107 + 60_000 + 78_000 − 2_762 = 100_201_345; margin 360 × 40036 = 14_412_960;
    // available = 85_788_385; risk ceil(143_839.985) = 143_840; float (40036 − 40002) × 3000 = 102_000.
    expect(statementOf(ev, A).account).toEqual(
      futuresAccount(A, {
        tradingDay: 2,
        preBalance: 100_066_107,
        deposit: 0,
        withdraw: 0,
        staticBalance: 100_066_107,
        closeProfit: 60_000,
        positionProfit: 78_000,
        floatProfit: 102_000,
        commission: 2_762,
        balance: 100_201_345,
        margin: 14_412_960,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 85_788_385,
        riskRatioPpm: 143_840,
      }),
    );
    expect(statementOf(ev, A).positions).toEqual([
      position(A, IF, { long: side({ ...yest1b, floatProfit: 102_000 }) }),
    ]);
    // B: preBalance = static = 99_862_107, closeProfit −60_000, commission 2_762; positionProfit =
    // (40036 − 40010) × 3000 × 1 × (−1) = −78_000; balance = 99_862_107 − 60_000 − 78_000 − 2_762 = 99_721_345;
    // available = 99_721_345 − 14_412_960 = 85_308_385; risk ceil(144_532.35) = 144_533; float −102_000.
    expect(statementOf(ev, B).account).toEqual(
      futuresAccount(B, {
        tradingDay: 2,
        preBalance: 99_862_107,
        deposit: 0,
        withdraw: 0,
        staticBalance: 99_862_107,
        closeProfit: -60_000,
        positionProfit: -78_000,
        floatProfit: -102_000,
        commission: 2_762,
        balance: 99_721_345,
        margin: 14_412_960,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 85_308_385,
        riskRatioPpm: 144_533,
      }),
    );

    // ---- Day 3: withdrawals ----
    // A withdraws 50_000_000 ≤ 85_788_385: static = balance = 100_201_345 − 50_000_000 = 50_201_345,
    // available = 35_788_385, risk = ceil(14_412_960e6 / 50_201_345) = ceil(287_103.06) = 287_104
    ev = s.withdraw(A, 50_000_000);
    expect(one(ev, 'FundsMoved')).toEqual({
      kind: 'FundsMoved',
      accountId: A,
      direction: 'withdraw',
      amount: 50_000_000,
    });
    const afterWithdraw = futuresAccount(A, {
      ...day3A,
      withdraw: 50_000_000,
      staticBalance: 50_201_345,
      balance: 50_201_345,
      available: 35_788_385,
      riskRatioPpm: 287_104,
    });
    expectAccount(s, afterWithdraw);
    // one minor unit over what is available
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 35_788_386 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    s.rejected({ kind: 'Withdraw', accountId: B, amount: 85_308_386 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    expectAccount(s, afterWithdraw);
    expectAccount(s, futuresAccount(B, day3B));
    s.validate();
  });
});

describe('RB commodity future over two days (commission per lot, separate closes, VWAP settlement)', () => {
  // unitValue = 10 × 100 / 1 = 1000. margin(p, v) = p × 1000 × v × 10% = 100 × p × v; commission 300 per lot.
  it('deposit, partial fill, cancel, close today, VWAP settlement, close yesterday, settle, withdraw', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.createAccount(B, 'futures');
    s.deposit(A, 10_000_000);
    s.deposit(B, 10_000_000);
    const funded = {
      tradingDay: 1,
      preBalance: 0,
      deposit: 10_000_000,
      withdraw: 0,
      staticBalance: 10_000_000,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 0,
      commission: 0,
      balance: 10_000_000,
      margin: 0,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 10_000_000,
      riskRatioPpm: 0,
    };
    expectAccount(s, futuresAccount(A, funded));
    s.phase(RB, 'continuous');

    // B: sell open 5 @ 3498: frozenMargin = 100 × 3498 × 5 + 5 = 1_749_005, frozenCommission = 5 × 300 + 5 = 1_505
    // available = 10_000_000 − 1_749_005 − 1_505 = 8_249_490
    s.sell(1, B, RB, 3498, 5);
    expectAccount(
      s,
      futuresAccount(B, { ...funded, frozenMargin: 1_749_005, frozenCommission: 1_505, available: 8_249_490 }),
    );

    // A: buy open 8 @ 3502: 5 trade @ 3498, 3 rest @ 3502.
    // A: margin 100 × 3498 × 5 = 1_749_000, commission 1_500, balance 9_998_500
    //    hold(3) = 100 × 3502 × 3 + 3 = 1_050_603 and 900 + 3 = 903
    //    available = 9_998_500 − 1_749_000 − 1_050_603 − 903 = 7_197_994; risk = ceil(174_926.24) = 174_927
    // B: hold released, available = 9_998_500 − 1_749_000 = 8_249_500
    let ev = s.buy(2, A, RB, 3502, 8);
    expect(tradesOf(ev)).toEqual([[3498, 5, 2, 1]]);
    const opened = { ...funded, commission: 1_500, balance: 9_998_500, margin: 1_749_000, riskRatioPpm: 174_927 };
    expectAccount(
      s,
      futuresAccount(A, { ...opened, frozenMargin: 1_050_603, frozenCommission: 903, available: 7_197_994 }),
    );
    expectAccount(s, futuresAccount(B, { ...opened, available: 8_249_500 }));
    const open5 = { ...FLAT, today: 5, openCost: 17_490, positionCost: 17_490, margin: 1_749_000 };
    expectPositions(s, A, [position(A, RB, { long: side(open5) })]);
    expectPositions(s, B, [position(B, RB, { short: side(open5) })]);

    ev = s.cancel(2);
    expect(cancelsOf(ev)).toEqual([[2, 'canceled', 3]]);
    expectAccount(s, futuresAccount(A, { ...opened, available: 8_249_500 }));

    // closeRule separate: a plain close takes yesterday's lots only, and there are none.
    s.rejected(s.orderInput(91, A, RB, 'sell', 3500, 1, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');

    // B: buy closeToday 2 @ 3510: frozenCommission = 2 × 300 + 2 = 602; available = 8_249_500 − 602 = 8_248_898
    s.buy(3, B, RB, 3510, 2, { offset: 'closeToday' });
    expectAccount(s, futuresAccount(B, { ...opened, frozenCommission: 602, available: 8_248_898 }));
    expectPositions(s, B, [position(B, RB, { short: side({ ...open5, frozenToday: 2 }) })]);

    // A: sell closeToday 2 @ 3505: trades 2 @ 3510 (B's bid).
    // A: close profit (3510 − 3498) × 1000 × 2 = 24_000; commission 1_500 + 600 = 2_100
    //    long today 3 @ 3498: margin 1_049_400; position profit (3510 − 3498) × 1000 × 3 = 36_000
    //    balance = 10_000_000 + 24_000 + 36_000 − 2_100 = 10_057_900; available = 10_057_900 − 1_049_400 = 9_008_500
    //    risk = ceil(104_335.90) = 104_336
    // B: balance = 10_000_000 − 24_000 − 36_000 − 2_100 = 9_937_900; available = 8_888_500; risk = ceil(105_595.75)
    ev = s.sell(4, A, RB, 3505, 2, { offset: 'closeToday' });
    expect(tradesOf(ev)).toEqual([[3510, 2, 3, 4]]);
    expectAccount(
      s,
      futuresAccount(A, {
        ...funded,
        closeProfit: 24_000,
        positionProfit: 36_000,
        floatProfit: 36_000,
        commission: 2_100,
        balance: 10_057_900,
        margin: 1_049_400,
        available: 9_008_500,
        riskRatioPpm: 104_336,
      }),
    );
    const bAfterClose = {
      ...funded,
      closeProfit: -24_000,
      positionProfit: -36_000,
      floatProfit: -36_000,
      commission: 2_100,
      balance: 9_937_900,
      margin: 1_049_400,
      available: 8_888_500,
      riskRatioPpm: 105_596,
    };
    expectAccount(s, futuresAccount(B, bAfterClose));
    const open3 = { ...FLAT, today: 3, openCost: 10_494, positionCost: 10_494, margin: 1_049_400 };
    expectPositions(s, A, [position(A, RB, { long: side({ ...open3, positionProfit: 36_000, floatProfit: 36_000 }) })]);
    expectPositions(s, B, [
      position(B, RB, { short: side({ ...open3, positionProfit: -36_000, floatProfit: -36_000 }) }),
    ]);

    // An hour later, two more trades; only these fall in the VWAP window (30 minutes before the last trade).
    s.advance(3_600_000);
    // B: sell open 1 @ 3504: hold 350_400 + 1 and 300 + 1; available = 8_888_500 − 350_401 − 301 = 8_537_798
    s.sell(5, B, RB, 3504, 1);
    expectAccount(
      s,
      futuresAccount(B, { ...bAfterClose, frozenMargin: 350_401, frozenCommission: 301, available: 8_537_798 }),
    );
    // A: buy open 1 @ 3504 → trade. Lots: 3 @ 3498 and 1 @ 3504: openCost 10_494 + 3_504 = 13_998,
    // margin 1_049_400 + 350_400 = 1_399_800; mark 3504: profit (3504 × 4 − 13_998) × 1000 = 18_000.
    // A: balance = 10_000_000 + 24_000 + 18_000 − 2_400 = 10_039_600, available 8_639_800, risk ceil(139_427.87)
    // B: balance = 10_000_000 − 24_000 − 18_000 − 2_400 = 9_955_600, available 8_555_800, risk ceil(140_604.28)
    s.buy(6, A, RB, 3504, 1);
    const a4 = {
      ...funded,
      closeProfit: 24_000,
      positionProfit: 18_000,
      floatProfit: 18_000,
      commission: 2_400,
      balance: 10_039_600,
      margin: 1_399_800,
      available: 8_639_800,
      riskRatioPpm: 139_428,
    };
    const b4 = {
      ...funded,
      closeProfit: -24_000,
      positionProfit: -18_000,
      floatProfit: -18_000,
      commission: 2_400,
      balance: 9_955_600,
      margin: 1_399_800,
      available: 8_555_800,
      riskRatioPpm: 140_605,
    };
    expectAccount(s, futuresAccount(A, a4));
    expectAccount(s, futuresAccount(B, b4));
    const open4 = { ...FLAT, today: 4, openCost: 13_998, positionCost: 13_998, margin: 1_399_800 };
    expectPositions(s, A, [position(A, RB, { long: side({ ...open4, positionProfit: 18_000, floatProfit: 18_000 }) })]);
    expectPositions(s, B, [
      position(B, RB, { short: side({ ...open4, positionProfit: -18_000, floatProfit: -18_000 }) }),
    ]);

    s.advance(60_000);
    // B: sell open 1 @ 3503: hold 350_300 + 1 and 301; available = 8_555_800 − 350_602 = 8_205_198
    s.sell(7, B, RB, 3503, 1);
    expectAccount(s, futuresAccount(B, { ...b4, frozenMargin: 350_301, frozenCommission: 301, available: 8_205_198 }));
    // A: buy open 1 @ 3503 → trade. openCost 13_998 + 3_503 = 17_501; margin 1_750_100;
    // mark 3503: profit (3503 × 5 − 17_501) × 1000 = 14_000
    // A: balance = 10_000_000 + 24_000 + 14_000 − 2_700 = 10_035_300, available 8_285_200, risk ceil(174_394.39)
    // B: balance = 10_000_000 − 24_000 − 14_000 − 2_700 = 9_959_300, available 8_209_200, risk ceil(175_725.20)
    s.buy(8, A, RB, 3503, 1);
    expectAccount(
      s,
      futuresAccount(A, {
        ...funded,
        closeProfit: 24_000,
        positionProfit: 14_000,
        floatProfit: 14_000,
        commission: 2_700,
        balance: 10_035_300,
        margin: 1_750_100,
        available: 8_285_200,
        riskRatioPpm: 174_395,
      }),
    );
    expectAccount(
      s,
      futuresAccount(B, {
        ...funded,
        closeProfit: -24_000,
        positionProfit: -14_000,
        floatProfit: -14_000,
        commission: 2_700,
        balance: 9_959_300,
        margin: 1_750_100,
        available: 8_209_200,
        riskRatioPpm: 175_726,
      }),
    );
    const open5b = { ...FLAT, today: 5, openCost: 17_501, positionCost: 17_501, margin: 1_750_100 };
    expectPositions(s, A, [
      position(A, RB, { long: side({ ...open5b, positionProfit: 14_000, floatProfit: 14_000 }) }),
    ]);
    expectPositions(s, B, [
      position(B, RB, { short: side({ ...open5b, positionProfit: -14_000, floatProfit: -14_000 }) }),
    ]);

    // Settle day 1 (statements: day 1's figures, see below). VWAP of the window: (3504 + 3503) / 2 = 3503.5 → 3504
    // (halves up). (Not the last price 3503,
    // not the whole day's (5 × 3498 + 2 × 3510 + 3504 + 3503) / 9 = 3501.9 → 3502.)
    // A: profit (3504 × 5 − 17_501) × 1000 = 19_000; balance = 10_000_000 + 24_000 + 19_000 − 2_700 = 10_040_300
    //    margin 100 × 3504 × 5 = 1_752_000; available 8_288_300; risk ceil(174_496.78) = 174_497
    // B: balance = 10_000_000 − 24_000 − 19_000 − 2_700 = 9_954_300; available 8_202_300; risk ceil(176_004.34)
    s.phase(RB, 'closed');
    ev = s.settle();
    expect(settledPrice(ev, RB)).toBe(3504);
    expect(
      statementOf(ev, A).trades.map((t) => [t.tradeId, t.offset, t.price, t.volume, t.commission, t.closeProfit]),
    ).toEqual([
      [1, 'open', 3498, 5, 1_500, 0],
      [2, 'closeToday', 3510, 2, 600, 24_000],
      [3, 'open', 3504, 1, 300, 0],
      [4, 'open', 3503, 1, 300, 0],
    ]);
    expect(s.engine.instrument(RB)?.referencePrice).toBe(3504);
    const day2A = {
      tradingDay: 2,
      preBalance: 10_040_300,
      deposit: 0,
      withdraw: 0,
      staticBalance: 10_040_300,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 19_000,
      commission: 0,
      balance: 10_040_300,
      margin: 1_752_000,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 8_288_300,
      riskRatioPpm: 174_497,
    };
    const day2B = {
      ...day2A,
      preBalance: 9_954_300,
      staticBalance: 9_954_300,
      floatProfit: -19_000,
      balance: 9_954_300,
      available: 8_202_300,
      riskRatioPpm: 176_005,
    };
    expectAccount(s, futuresAccount(A, day2A));
    expectAccount(s, futuresAccount(B, day2B));
    // positionCost = 5 × 3504 = 17_520
    const yest5 = { ...FLAT, yesterday: 5, openCost: 17_501, positionCost: 17_520, margin: 1_752_000 };
    expectPositions(s, A, [position(A, RB, { long: side({ ...yest5, floatProfit: 19_000 }) })]);
    expectPositions(s, B, [position(B, RB, { short: side({ ...yest5, floatProfit: -19_000 }) })]);
    // Statement of day 1, A: deposit = static = 10_000_000, closeProfit 24_000, commission 2_700 (the day's);
    // positionProfit = (3504 × 5 − 17_501) × 1000 = 19_000 (long today 5, positionCost 17_501);
    // balance = 10_000_000 + 24_000 + 19_000 − 2_700 = 10_040_300; margin 100 × 3504 × 5 = 1_752_000;
    // available = 8_288_300; risk ceil(174_496.78) = 174_497; float (17_520 − 17_501) × 1000 = 19_000.
    expect(statementOf(ev, A).account).toEqual(
      futuresAccount(A, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 10_000_000,
        withdraw: 0,
        staticBalance: 10_000_000,
        closeProfit: 24_000,
        positionProfit: 19_000,
        floatProfit: 19_000,
        commission: 2_700,
        balance: 10_040_300,
        margin: 1_752_000,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 8_288_300,
        riskRatioPpm: 174_497,
      }),
    );
    expect(statementOf(ev, A).positions).toEqual([position(A, RB, { long: side({ ...yest5, floatProfit: 19_000 }) })]);
    // B: closeProfit −24_000, commission 2_700; positionProfit = (3504 × 5 − 17_501) × 1000 × (−1) = −19_000;
    // balance = 10_000_000 − 24_000 − 19_000 − 2_700 = 9_954_300; available = 9_954_300 − 1_752_000 = 8_202_300;
    // risk ceil(176_004.34) = 176_005; float −19_000.
    expect(statementOf(ev, B).account).toEqual(
      futuresAccount(B, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 10_000_000,
        withdraw: 0,
        staticBalance: 10_000_000,
        closeProfit: -24_000,
        positionProfit: -19_000,
        floatProfit: -19_000,
        commission: 2_700,
        balance: 9_954_300,
        margin: 1_752_000,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 8_202_300,
        riskRatioPpm: 176_005,
      }),
    );

    // ---- Day 2 ---- (band around 3504: [3154, 3854])
    s.open(RB);
    // closeToday with only yesterday's position
    s.rejected(s.orderInput(92, A, RB, 'sell', 3500, 1, { offset: 'closeToday' }), 'RISK_NO_POSITION_TO_CLOSE');

    // B: buy close 3 @ 3490: frozenCommission 3 × 300 + 3 = 903; available = 8_202_300 − 903 = 8_201_397
    s.buy(9, B, RB, 3490, 3, { offset: 'close' });
    expectAccount(s, futuresAccount(B, { ...day2B, frozenCommission: 903, available: 8_201_397 }));
    expectPositions(s, B, [position(B, RB, { short: side({ ...yest5, frozenYesterday: 3, floatProfit: -19_000 }) })]);

    // A: sell close 2 @ 3490 → 2 trade @ 3490; the FIFO lots [3 @ 3498, 1 @ 3504, 1 @ 3503] (all at 3504 after
    // the settlement) lose 2 of the first: left [1 @ 3498, 1 @ 3504, 1 @ 3503], openCost 10_505, positionCost
    // 3 × 3504 = 10_512, margin 100 × 3504 × 3 = 1_051_200.
    // A: close profit (3490 − 3504) × 1000 × 2 = −28_000; commission 600; mark 3490:
    //    profit (3 × 3490 − 10_512) × 1000 = −42_000, float (10_470 − 10_505) × 1000 = −35_000
    //    balance = 10_040_300 − 28_000 − 42_000 − 600 = 9_969_700; available 8_918_500; risk ceil(105_439.48)
    // B: +28_000, +42_000, +35_000; balance = 9_954_300 + 28_000 + 42_000 − 600 = 10_023_700;
    //    1 lot of its close order left: frozenCommission 301; available = 10_023_700 − 1_051_200 − 301 = 8_972_199
    ev = s.sell(10, A, RB, 3490, 2, { offset: 'close' });
    expect(tradesOf(ev)).toEqual([[3490, 2, 9, 10]]);
    const d2A = {
      ...day2A,
      closeProfit: -28_000,
      positionProfit: -42_000,
      floatProfit: -35_000,
      commission: 600,
      balance: 9_969_700,
      margin: 1_051_200,
      available: 8_918_500,
      riskRatioPpm: 105_440,
    };
    expectAccount(s, futuresAccount(A, d2A));
    const d2B = {
      ...day2B,
      closeProfit: 28_000,
      positionProfit: 42_000,
      floatProfit: 35_000,
      commission: 600,
      balance: 10_023_700,
      margin: 1_051_200,
      frozenCommission: 301,
      available: 8_972_199,
      riskRatioPpm: 104_872,
    };
    expectAccount(s, futuresAccount(B, d2B));
    const yest3 = { ...FLAT, yesterday: 3, openCost: 10_505, positionCost: 10_512, margin: 1_051_200 };
    expectPositions(s, A, [
      position(A, RB, { long: side({ ...yest3, positionProfit: -42_000, floatProfit: -35_000 }) }),
    ]);
    expectPositions(s, B, [
      position(B, RB, { short: side({ ...yest3, frozenYesterday: 1, positionProfit: 42_000, floatProfit: 35_000 }) }),
    ]);

    // B cancels the rest of its close: frozen volume and commission go back (available 8_972_500).
    s.cancel(9, B);
    expectAccount(s, futuresAccount(B, { ...d2B, frozenCommission: 0, available: 8_972_500 }));
    expectPositions(s, B, [
      position(B, RB, { short: side({ ...yest3, positionProfit: 42_000, floatProfit: 35_000 }) }),
    ]);

    // Settle day 2: one trade in the window → 3490. Margin 100 × 3490 × 3 = 1_047_000.
    // A: balance 9_969_700, available 8_922_700, risk ceil(105_018.21) = 105_019
    // B: balance 10_023_700, available 8_976_700, risk ceil(104_452.45) = 104_453
    s.phase(RB, 'closed');
    ev = s.settle();
    expect(settledPrice(ev, RB)).toBe(3490);
    const day3A = {
      tradingDay: 3,
      preBalance: 9_969_700,
      deposit: 0,
      withdraw: 0,
      staticBalance: 9_969_700,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: -35_000,
      commission: 0,
      balance: 9_969_700,
      margin: 1_047_000,
      frozenMargin: 0,
      frozenCommission: 0,
      available: 8_922_700,
      riskRatioPpm: 105_019,
    };
    expectAccount(s, futuresAccount(A, day3A));
    expectAccount(
      s,
      futuresAccount(B, {
        ...day3A,
        preBalance: 10_023_700,
        staticBalance: 10_023_700,
        floatProfit: 35_000,
        balance: 10_023_700,
        available: 8_976_700,
        riskRatioPpm: 104_453,
      }),
    );
    const yest3b = { ...FLAT, yesterday: 3, openCost: 10_505, positionCost: 10_470, margin: 1_047_000 };
    expectPositions(s, A, [position(A, RB, { long: side({ ...yest3b, floatProfit: -35_000 }) })]);
    expectPositions(s, B, [position(B, RB, { short: side({ ...yest3b, floatProfit: 35_000 }) })]);
    // Statement of day 2, A: preBalance = static = 10_040_300, closeProfit −28_000, commission 600 (the day's);
    // positionProfit = (3490 × 3 − 10_512) × 1000 = −42_000 (long yesterday 3 at position price 3504);
    // balance = 10_040_300 − 28_000 − 42_000 − 600 = 9_969_700; margin 100 × 3490 × 3 = 1_047_000;
    // available = 8_922_700; risk ceil(105_018.21) = 105_019; float (10_470 − 10_505) × 1000 = −35_000.
    expect(statementOf(ev, A).account).toEqual(
      futuresAccount(A, {
        tradingDay: 2,
        preBalance: 10_040_300,
        deposit: 0,
        withdraw: 0,
        staticBalance: 10_040_300,
        closeProfit: -28_000,
        positionProfit: -42_000,
        floatProfit: -35_000,
        commission: 600,
        balance: 9_969_700,
        margin: 1_047_000,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 8_922_700,
        riskRatioPpm: 105_019,
      }),
    );
    // B: preBalance = static = 9_954_300, closeProfit 28_000, commission 600; positionProfit =
    // (3490 × 3 − 10_512) × 1000 × (−1) = 42_000; balance = 9_954_300 + 28_000 + 42_000 − 600 = 10_023_700;
    // close order canceled, so nothing frozen: available = 10_023_700 − 1_047_000 = 8_976_700;
    // risk ceil(104_452.45) = 104_453; float 35_000.
    expect(statementOf(ev, B).account).toEqual(
      futuresAccount(B, {
        tradingDay: 2,
        preBalance: 9_954_300,
        deposit: 0,
        withdraw: 0,
        staticBalance: 9_954_300,
        closeProfit: 28_000,
        positionProfit: 42_000,
        floatProfit: 35_000,
        commission: 600,
        balance: 10_023_700,
        margin: 1_047_000,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 8_976_700,
        riskRatioPpm: 104_453,
      }),
    );
    expect(
      statementOf(ev, A).trades.map((t) => [t.tradeId, t.offset, t.price, t.volume, t.commission, t.closeProfit]),
    ).toEqual([[5, 'close', 3490, 2, 600, -28_000]]);
    expect(statementOf(ev, B).positions).toEqual([
      position(B, RB, { short: side({ ...yest3b, floatProfit: 35_000 }) }),
    ]);

    // Day 3: A withdraws 8_000_000 → balance 1_969_700, available 922_700, risk ceil(531_553.03) = 531_554;
    // 922_701 is one too many.
    s.withdraw(A, 8_000_000);
    const afterWithdraw = futuresAccount(A, {
      ...day3A,
      withdraw: 8_000_000,
      staticBalance: 1_969_700,
      balance: 1_969_700,
      available: 922_700,
      riskRatioPpm: 531_554,
    });
    expectAccount(s, afterWithdraw);
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 922_701 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    expectAccount(s, afterWithdraw);
    s.validate();
  });
});

describe('STK stock over two days (cash, holdings, same-day selling)', () => {
  // unitValue = 1 × 100 / 100 = 1: notional = price × volume minor units.
  // buy commission = floor(n × 250 / 1e6) = floor(n / 4000); sell commission = floor(n × 1250 / 1e6) = floor(n / 800)
  it('deposit, holdings, partial fill, cancel, same-day sell, settle, sell yesterday, settle, withdraw', () => {
    const s = new AccountsScenario();
    s.createAccount(S, 'stock');
    s.createAccount(T, 'stock');
    expectAccount(s, emptyAccount(S, 'stock'));
    s.deposit(S, 1_000_000);
    s.deposit(T, 50_000);
    let ev = s.holdings(T, STK, 1000, 950);
    expect(one(ev, 'HoldingsDeposited')).toEqual({
      kind: 'HoldingsDeposited',
      accountId: T,
      instrumentId: STK,
      volume: 1000,
      price: 950,
    });
    const sFunded = {
      tradingDay: 1,
      preBalance: 0,
      deposit: 1_000_000,
      withdraw: 0,
      staticBalance: 1_000_000,
      closeProfit: 0,
      positionProfit: 0,
      floatProfit: 0,
      commission: 0,
      balance: 1_000_000,
      available: 1_000_000,
      cash: 1_000_000,
      frozenCash: 0,
      marketValue: 0,
    };
    expectAccount(s, stockAccount(S, sFunded));
    // T: 1000 shares marked at the reference 1000: market value 1_000_000, cost 950_000, profit 50_000
    const tFunded = {
      ...sFunded,
      deposit: 50_000,
      staticBalance: 50_000,
      positionProfit: 50_000,
      floatProfit: 50_000,
      balance: 1_050_000,
      available: 50_000,
      cash: 50_000,
      marketValue: 1_000_000,
    };
    expectAccount(s, stockAccount(T, tFunded));
    const tLots = { ...FLAT, today: 1000, openCost: 950_000, positionCost: 950_000 };
    expectPositions(s, T, [
      position(T, STK, { long: side({ ...tLots, positionProfit: 50_000, floatProfit: 50_000 }) }),
    ]);

    s.phase(STK, 'continuous');
    // T: sell 500 @ 1005 (rests; H = 1005): holdings frozen 500, frozenCash = floor(502_500 / 800) + 5
    // = floor(628.125) + 5 = 633; available = 50_000 − 633 = 49_367
    s.sell(1, T, STK, 1005, 500);
    expectAccount(s, stockAccount(T, { ...tFunded, frozenCash: 633, available: 49_367 }));
    expectPositions(s, T, [
      position(T, STK, { long: side({ ...tLots, frozenToday: 500, positionProfit: 50_000, floatProfit: 50_000 }) }),
    ]);

    // S: buy 800 @ 1010: hold(800) = 808_000 + floor(808_000 / 4000) + 16 = 808_218 ≤ 1_000_000.
    // 500 trade @ 1005; 300 rest: hold(300) = 303_000 + floor(75.75) + 6 = 303_081.
    // S: commission floor(502_500 / 4000) = floor(125.625) = 125; cash = 1_000_000 − 502_500 − 125 = 497_375
    //    market value 500 × 1005 = 502_500 (profit 0); balance = 497_375 + 502_500 = 999_875
    //    available = 497_375 − 303_081 = 194_294
    // T: commission floor(502_500 / 800) = 628; cash = 50_000 + 502_500 − 628 = 551_872
    //    close profit (1005 − 950) × 500 = 27_500; 500 left: value 502_500, cost 475_000, profit 27_500
    //    balance = 551_872 + 502_500 = 1_054_372
    ev = s.buy(2, S, STK, 1010, 800);
    expect(tradesOf(ev)).toEqual([[1005, 500, 2, 1]]);
    const sBought = {
      ...sFunded,
      commission: 125,
      balance: 999_875,
      cash: 497_375,
      marketValue: 502_500,
    };
    expectAccount(s, stockAccount(S, { ...sBought, frozenCash: 303_081, available: 194_294 }));
    const tSold = {
      ...tFunded,
      closeProfit: 27_500,
      positionProfit: 27_500,
      floatProfit: 27_500,
      commission: 628,
      balance: 1_054_372,
      available: 551_872,
      cash: 551_872,
      marketValue: 502_500,
    };
    expectAccount(s, stockAccount(T, tSold));
    const sLots = { ...FLAT, today: 500, openCost: 502_500, positionCost: 502_500 };
    expectPositions(s, S, [position(S, STK, { long: side(sLots) })]);
    expectPositions(s, T, [
      position(T, STK, {
        long: side({
          ...FLAT,
          today: 500,
          openCost: 475_000,
          positionCost: 475_000,
          positionProfit: 27_500,
          floatProfit: 27_500,
        }),
      }),
    ]);

    // S cancels the rest: frozenCash back to 0.
    ev = s.cancel(2, S);
    expect(cancelsOf(ev)).toEqual([[2, 'canceled', 300]]);
    expectAccount(s, stockAccount(S, { ...sBought, available: 497_375 }));

    // T: buy 100 @ 1008: frozenCash = 100_800 + floor(25.2) + 2 = 100_827; available = 551_872 − 100_827 = 451_045
    s.buy(3, T, STK, 1008, 100);
    expectAccount(s, stockAccount(T, { ...tSold, frozenCash: 100_827, available: 451_045 }));

    // S sells 200 of today's shares @ 1000 GFD; best bid 1008 → H = 1008. 100 trade @ 1008, 100 rest @ 1000
    // holding floor(100_800 / 800) + 1 = 127.
    // S: commission floor(100_800 / 800) = 126 (total 251); close profit (1008 − 1005) × 100 = 300
    //    cash = 497_375 + 100_800 − 126 = 598_049; 400 left: value 400 × 1008 = 403_200, cost 402_000, profit 1_200
    //    balance = 598_049 + 403_200 = 1_001_249; available = 598_049 − 127 = 597_922
    // T: commission floor(100_800 / 4000) = 25 (total 653); cash = 551_872 − 100_800 − 25 = 451_047
    //    holdings 500 @ 950 + 100 @ 1008: value 600 × 1008 = 604_800, cost 575_800,
    //    profit 29_000; balance = 451_047 + 604_800 = 1_055_847
    ev = s.sell(4, S, STK, 1000, 200, { tif: 'GFD' });
    expect(tradesOf(ev)).toEqual([[1008, 100, 3, 4]]);
    const sDay1 = {
      ...sFunded,
      closeProfit: 300,
      positionProfit: 1_200,
      floatProfit: 1_200,
      commission: 251,
      balance: 1_001_249,
      cash: 598_049,
      marketValue: 403_200,
    };
    expectAccount(s, stockAccount(S, { ...sDay1, frozenCash: 127, available: 597_922 }));
    const tDay1 = {
      ...tFunded,
      closeProfit: 27_500,
      positionProfit: 29_000,
      floatProfit: 29_000,
      commission: 653,
      balance: 1_055_847,
      available: 451_047,
      cash: 451_047,
      marketValue: 604_800,
    };
    expectAccount(s, stockAccount(T, tDay1));
    const sLots400 = {
      ...FLAT,
      today: 400,
      openCost: 402_000,
      positionCost: 402_000,
      positionProfit: 1_200,
      floatProfit: 1_200,
    };
    expectPositions(s, S, [position(S, STK, { long: side({ ...sLots400, frozenToday: 100 }) })]);
    const tLots600 = {
      ...FLAT,
      today: 600,
      openCost: 575_800,
      positionCost: 575_800,
      positionProfit: 29_000,
      floatProfit: 29_000,
    };
    expectPositions(s, T, [position(T, STK, { long: side(tLots600) })]);

    // Close: S's GFD sell expires, its shares and cash come free.
    ev = s.phase(STK, 'closed');
    expect(cancelsOf(ev)).toEqual([[4, 'expired', 100]]);
    expectAccount(s, stockAccount(S, { ...sDay1, available: 598_049 }));
    expectPositions(s, S, [position(S, STK, { long: side(sLots400) })]);

    // Settle at the last price 1008: nothing to mark (already at 1008); purchase prices stay.
    ev = s.settle();
    expect(settledPrice(ev, STK)).toBe(1008);
    expect(ofKind(ev, 'AccountSettled').map((e) => e.account.accountId)).toEqual([S, T]);
    expect(statementOf(ev, S).trades.map((t) => [t.side, t.price, t.volume, t.commission, t.closeProfit])).toEqual([
      ['buy', 1005, 500, 125, 0],
      ['sell', 1008, 100, 126, 300],
    ]);
    const sDay2 = {
      ...sDay1,
      tradingDay: 2,
      preBalance: 1_001_249,
      deposit: 0,
      staticBalance: 1_001_249,
      closeProfit: 0,
      commission: 0,
      available: 598_049,
    };
    expectAccount(s, stockAccount(S, sDay2));
    const tDay2 = {
      ...tDay1,
      tradingDay: 2,
      preBalance: 1_055_847,
      deposit: 0,
      staticBalance: 1_055_847,
      closeProfit: 0,
      commission: 0,
    };
    expectAccount(s, stockAccount(T, tDay2));
    expectPositions(s, S, [position(S, STK, { long: side({ ...sLots400, today: 0, yesterday: 400 }) })]);
    expectPositions(s, T, [position(T, STK, { long: side({ ...tLots600, today: 0, yesterday: 600 }) })]);
    // The statements of day 1: the accounts before their daily fields restart (market value at 1008).
    // S: deposit = static = 1_000_000, closeProfit 300, commission 125 + 126 = 251; cash 598_049, nothing frozen;
    //    market value 400 × 1008 = 403_200, positionProfit 403_200 − 402_000 = 1_200;
    //    balance = 598_049 + 403_200 = 1_001_249 (S's preBalance on day 2).
    expect(statementOf(ev, S).account).toEqual(
      stockAccount(S, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 1_000_000,
        withdraw: 0,
        staticBalance: 1_000_000,
        closeProfit: 300,
        positionProfit: 1_200,
        floatProfit: 1_200,
        commission: 251,
        balance: 1_001_249,
        available: 598_049,
        cash: 598_049,
        frozenCash: 0,
        marketValue: 403_200,
      }),
    );
    expect(statementOf(ev, S).positions).toEqual([
      position(S, STK, { long: side({ ...sLots400, today: 0, yesterday: 400 }) }),
    ]);
    // T: deposit = static = 50_000, closeProfit 27_500, commission 628 + 25 = 653; cash 451_047, nothing frozen;
    //    market value 600 × 1008 = 604_800, positionProfit 604_800 − 575_800 = 29_000;
    //    balance = 451_047 + 604_800 = 1_055_847 (T's preBalance on day 2).
    expect(statementOf(ev, T).account).toEqual(
      stockAccount(T, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 50_000,
        withdraw: 0,
        staticBalance: 50_000,
        closeProfit: 27_500,
        positionProfit: 29_000,
        floatProfit: 29_000,
        commission: 653,
        balance: 1_055_847,
        available: 451_047,
        cash: 451_047,
        frozenCash: 0,
        marketValue: 604_800,
      }),
    );

    // ---- Day 2 ---- (band around 1008: [908, 1108])
    s.open(STK);
    // T: buy 300 @ 1020: frozenCash = 306_000 + floor(76.5) + 6 = 306_082; available = 451_047 − 306_082 = 144_965
    s.buy(5, T, STK, 1020, 300);
    expectAccount(s, stockAccount(T, { ...tDay2, frozenCash: 306_082, available: 144_965 }));
    // S: sell 300 @ 1015 (H = max(1015, 1020) = 1020) → 300 trade @ 1020. (Its hold, floor(306_000 / 800) + 3 = 385
    // of cash, is taken and released within the command: all 300 fill at once.)
    // S: close profit (1020 − 1005) × 300 = 4_500; commission floor(306_000 / 800) = floor(382.5) = 382
    //    cash = 598_049 + 306_000 − 382 = 903_667; 100 left: value 102_000, cost 100_500, profit 1_500
    //    balance = 903_667 + 102_000 = 1_005_667
    // T: commission floor(306_000 / 4000) = 76; cash = 451_047 − 306_000 − 76 = 144_971
    //    holdings 500 @ 950 + 100 @ 1008 + 300 @ 1020: cost 575_800 + 306_000 = 881_800,
    //    value 900 × 1020 = 918_000, profit 36_200; balance = 144_971 + 918_000 = 1_062_971
    ev = s.sell(6, S, STK, 1015, 300);
    expect(tradesOf(ev)).toEqual([[1020, 300, 5, 6]]);
    const sD2 = {
      ...sDay2,
      closeProfit: 4_500,
      positionProfit: 1_500,
      floatProfit: 1_500,
      commission: 382,
      balance: 1_005_667,
      available: 903_667,
      cash: 903_667,
      marketValue: 102_000,
    };
    expectAccount(s, stockAccount(S, sD2));
    const tD2 = {
      ...tDay2,
      positionProfit: 36_200,
      floatProfit: 36_200,
      commission: 76,
      balance: 1_062_971,
      available: 144_971,
      cash: 144_971,
      frozenCash: 0,
      marketValue: 918_000,
    };
    expectAccount(s, stockAccount(T, tD2));
    const sLots100 = {
      ...FLAT,
      yesterday: 100,
      openCost: 100_500,
      positionCost: 100_500,
      positionProfit: 1_500,
      floatProfit: 1_500,
    };
    expectPositions(s, S, [position(S, STK, { long: side(sLots100) })]);
    const tLots900 = {
      ...FLAT,
      today: 300,
      yesterday: 600,
      openCost: 881_800,
      positionCost: 881_800,
      positionProfit: 36_200,
      floatProfit: 36_200,
    };
    expectPositions(s, T, [position(T, STK, { long: side(tLots900) })]);

    s.phase(STK, 'closed');
    ev = s.settle();
    expect(settledPrice(ev, STK)).toBe(1020);
    const sDay3 = {
      ...sD2,
      tradingDay: 3,
      preBalance: 1_005_667,
      staticBalance: 1_005_667,
      closeProfit: 0,
      commission: 0,
    };
    expectAccount(s, stockAccount(S, sDay3));
    const tDay3 = { ...tD2, tradingDay: 3, preBalance: 1_062_971, staticBalance: 1_062_971, commission: 0 };
    expectAccount(s, stockAccount(T, tDay3));
    expectPositions(s, T, [position(T, STK, { long: side({ ...tLots900, today: 0, yesterday: 900 }) })]);
    // The statements of day 2: the accounts before their daily fields restart (market value at 1020).
    // S: preBalance = static = 1_001_249, closeProfit 4_500, commission 382; cash 903_667, nothing frozen;
    //    market value 100 × 1020 = 102_000, positionProfit 102_000 − 100_500 = 1_500;
    //    balance = 903_667 + 102_000 = 1_005_667 (S's preBalance on day 3).
    expect(statementOf(ev, S).account).toEqual(
      stockAccount(S, {
        tradingDay: 2,
        preBalance: 1_001_249,
        deposit: 0,
        withdraw: 0,
        staticBalance: 1_001_249,
        closeProfit: 4_500,
        positionProfit: 1_500,
        floatProfit: 1_500,
        commission: 382,
        balance: 1_005_667,
        available: 903_667,
        cash: 903_667,
        frozenCash: 0,
        marketValue: 102_000,
      }),
    );
    expect(statementOf(ev, S).positions).toEqual([position(S, STK, { long: side(sLots100) })]);
    // T: preBalance = static = 1_055_847, closeProfit 0 (it only bought), commission 76; cash 144_971;
    //    market value 900 × 1020 = 918_000, positionProfit 918_000 − 881_800 = 36_200;
    //    balance = 144_971 + 918_000 = 1_062_971 (T's preBalance on day 3).
    expect(statementOf(ev, T).account).toEqual(
      stockAccount(T, {
        tradingDay: 2,
        preBalance: 1_055_847,
        deposit: 0,
        withdraw: 0,
        staticBalance: 1_055_847,
        closeProfit: 0,
        positionProfit: 36_200,
        floatProfit: 36_200,
        commission: 76,
        balance: 1_062_971,
        available: 144_971,
        cash: 144_971,
        frozenCash: 0,
        marketValue: 918_000,
      }),
    );

    // Day 3: S withdraws 900_000: cash 3_667, static 105_667, balance 3_667 + 102_000 = 105_667; 3_668 is too much.
    s.withdraw(S, 900_000);
    const afterWithdraw = stockAccount(S, {
      ...sDay3,
      withdraw: 900_000,
      staticBalance: 105_667,
      balance: 105_667,
      available: 3_667,
      cash: 3_667,
    });
    expectAccount(s, afterWithdraw);
    s.rejected({ kind: 'Withdraw', accountId: S, amount: 3_668 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    expectAccount(s, afterWithdraw);
    expectPositions(s, S, [position(S, STK, { long: side(sLots100) })]);
    s.validate();
  });
});

describe('snapshot numbers', () => {
  it('an empty side of a position reports 0, not −0 (money fields are integers; −0 breaks Object.is / toEqual)', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.createAccount(B, 'futures');
    s.deposit(A, 100_000_000);
    s.deposit(B, 100_000_000);
    s.phase(IF, 'continuous');
    s.sell(1, B, IF, 40000, 1);
    const ev = s.buy(2, A, IF, 40000, 1);
    // A is long only, B short only: the other side of each is empty
    expect(negativeZeros(s.engine.positions(A))).toEqual([]);
    expect(negativeZeros(s.engine.positions(B))).toEqual([]);
    expect(negativeZeros(ofKind(ev, 'PositionChanged'))).toEqual([]);
    expect(negativeZeros([s.engine.account(A), s.engine.account(B)])).toEqual([]);
  });
});
