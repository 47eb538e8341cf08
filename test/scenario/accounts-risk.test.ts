/**
 * Pre-trade risk and account rejects (docs/accounts.md, "Pre-trade checks" and "Commands"): one test per reject code,
 * then the documented check order. Every rejected command must leave the state hash, the accounts and their
 * positions as they were (AccountsScenario.rejected).
 */
import { describe, expect, it } from 'vitest';
import {
  A,
  AccountsScenario,
  type AccountsScenarioOptions,
  B,
  cancelsOf,
  changedAccounts,
  emptyAccount,
  expectAccount,
  expectPositions,
  FLAT,
  futuresAccount,
  IF,
  ifSpec,
  one,
  position,
  RB,
  rbSpec,
  S,
  STK,
  side,
  stkSpec,
  stockAccount,
  tradesOf,
} from './accounts-helpers.ts';

/** A, B futures with 100_000_000 each, S stock with 1_000_000; every instrument continuous. */
function market(opts: AccountsScenarioOptions = {}): AccountsScenario {
  const s = new AccountsScenario(opts);
  s.createAccount(A, 'futures');
  s.createAccount(B, 'futures');
  s.createAccount(S, 'stock');
  s.deposit(A, 100_000_000);
  s.deposit(B, 100_000_000);
  s.deposit(S, 1_000_000);
  for (const id of s.engine.instrumentIds()) s.phase(id, 'continuous');
  return s;
}

describe('risk and account rejects', () => {
  it('RISK_INSUFFICIENT_FUNDS: the hold (margin + commission + 2 per lot at the hold price) must be available', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.createAccount(B, 'futures');
    s.createAccount(S, 'stock');
    s.phase(IF, 'continuous');
    s.phase(STK, 'continuous');

    // IF buy open 1 @ 40002: margin 360 × 40002 = 14_400_720, commission floor(69 × 40002 / 1000) = 2_760,
    // allowance 2 → hold 14_403_482 (14_403_480 without the allowance).
    s.deposit(A, 14_403_479);
    s.rejected(s.orderInput(1, A, IF, 'buy', 40002, 1), 'RISK_INSUFFICIENT_FUNDS');
    s.deposit(A, 3);
    s.buy(1, A, IF, 40002, 1);
    expectAccount(
      s,
      futuresAccount(A, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 14_403_482,
        withdraw: 0,
        staticBalance: 14_403_482,
        closeProfit: 0,
        positionProfit: 0,
        floatProfit: 0,
        commission: 0,
        balance: 14_403_482,
        margin: 0,
        frozenMargin: 14_400_721,
        frozenCommission: 2_761,
        available: 0,
        riskRatioPpm: 0,
      }),
    );
    // nothing left for a second lot, not even a sell
    s.rejected(s.orderInput(2, A, IF, 'sell', 40100, 1), 'RISK_INSUFFICIENT_FUNDS');
    s.deposit(A, 10_000_000); // keeps A clear of the liquidation threshold once its order fills

    // A sell's hold price is max(limit, best bid): with A's bid at 40002 resting, B sells open 2 @ 40000 → H = 40002.
    // hold(2) = 360 × 40002 × 2 + floor(69 × 80004 / 1000) + 4 = 28_801_440 + 5_520 + 4 = 28_806_964
    // (28_806_960 without the allowance; at the limit 40000 it would be 28_800_000 + 5_520 + 4 = 28_805_524).
    s.deposit(B, 28_806_959);
    s.rejected(s.orderInput(3, B, IF, 'sell', 40000, 2), 'RISK_INSUFFICIENT_FUNDS');
    s.deposit(B, 5);
    // 1 trades @ 40002 with A; 1 rests @ 40000, still held at H = 40002.
    // B: margin 14_400_720, commission 2_760; balance 28_806_964 − 2_760 = 28_804_204
    //    hold(1) = 14_400_720 + 1 and 2_760 + 1; available = 28_804_204 − 14_400_720 − 14_400_721 − 2_761 = 2
    //    risk = ceil(14_400_720e6 / 28_804_204) = ceil(499_952.08) = 499_953
    const ev = s.sell(3, B, IF, 40000, 2);
    expect(tradesOf(ev)).toEqual([[40002, 1, 1, 3]]);
    expectAccount(
      s,
      futuresAccount(B, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 28_806_964,
        withdraw: 0,
        staticBalance: 28_806_964,
        closeProfit: 0,
        positionProfit: 0,
        floatProfit: 0,
        commission: 2_760,
        balance: 28_804_204,
        margin: 14_400_720,
        frozenMargin: 14_400_721,
        frozenCommission: 2_761,
        available: 2,
        riskRatioPpm: 499_953,
      }),
    );
    // A's order filled: its hold (14_403_482) gave way to margin 14_400_720 and commission 2_760.
    // balance = 24_403_482 − 2_760 = 24_400_722; available = 24_400_722 − 14_400_720 = 10_000_002
    // risk = ceil(14_400_720e6 / 24_400_722) = ceil(590_175.6) = 590_176
    expectAccount(
      s,
      futuresAccount(A, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 24_403_482,
        withdraw: 0,
        staticBalance: 24_403_482,
        closeProfit: 0,
        positionProfit: 0,
        floatProfit: 0,
        commission: 2_760,
        balance: 24_400_722,
        margin: 14_400_720,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 10_000_002,
        riskRatioPpm: 590_176,
      }),
    );

    // Market buy: held at the band upper 44000: 360 × 44000 = 15_840_000 + floor(3_036) + 2 = 15_843_038.
    const m = new AccountsScenario();
    m.createAccount(A, 'futures');
    m.phase(IF, 'continuous');
    m.deposit(A, 15_843_035);
    m.rejected(m.orderInput(1, A, IF, 'buy', 0, 1, { type: 'market', tif: 'IOC' }), 'RISK_INSUFFICIENT_FUNDS');
    m.deposit(A, 3);
    const mev = m.buy(1, A, IF, 0, 1, { type: 'market', tif: 'IOC' });
    expect(cancelsOf(mev)).toEqual([[1, 'market', 1]]);
    expect(m.account(A).available).toBe(15_843_038);

    // Stock buy 100 @ 10.00: 100_000 + floor(100_000 / 4000) + 2 = 100_027 of cash.
    s.deposit(S, 100_026);
    s.rejected(s.orderInput(4, S, STK, 'buy', 1000, 100), 'RISK_INSUFFICIENT_FUNDS');
    s.deposit(S, 1);
    s.buy(4, S, STK, 1000, 100);
    expect(s.account(S).frozenCash).toBe(100_027);
    expect(s.account(S).available).toBe(0);
    s.validate();
  });

  it('RISK_NO_POSITION_TO_CLOSE: closable volume per bucket, CLOSE_TODAY, the separate close rule, stocks', () => {
    const s = market();
    // nothing to close
    s.rejected(s.orderInput(1, A, IF, 'sell', 40000, 1, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.rejected(s.orderInput(1, A, IF, 'sell', 40000, 1, { offset: 'closeToday' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.sell(1, B, IF, 40000, 2);
    s.buy(2, A, IF, 40000, 2); // A long today 2, B short today 2
    // a long is closed by a sell: a buy close has no short to close
    s.rejected(s.orderInput(3, A, IF, 'buy', 40000, 1, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.rejected(s.orderInput(3, A, IF, 'sell', 40100, 3, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.sell(3, A, IF, 40100, 1, { offset: 'close' }); // yesterdayFirst: no yesterday, so today's
    expect(s.positions(A)[0]!.long).toMatchObject({ today: 2, frozenToday: 1 });
    // one lot is frozen by order 3: only 1 is closable
    s.rejected(s.orderInput(4, A, IF, 'sell', 40100, 2, { offset: 'closeToday' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.sell(4, A, IF, 40100, 1, { offset: 'closeToday' });
    s.rejected(s.orderInput(5, A, IF, 'sell', 40100, 1, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.cancel(3);
    s.cancel(4);

    // after the settlement the position is yesterday's: CLOSE_TODAY finds nothing, CLOSE works
    for (const id of s.engine.instrumentIds()) s.phase(id, 'closed');
    s.settle();
    s.phase(IF, 'continuous');
    expect(s.positions(A)[0]!.long).toMatchObject({ today: 0, yesterday: 2 });
    s.rejected(s.orderInput(5, A, IF, 'sell', 40100, 1, { offset: 'closeToday' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.sell(5, A, IF, 40100, 1, { offset: 'close' });
    expect(s.positions(A)[0]!.long).toMatchObject({ yesterday: 2, frozenYesterday: 1 });

    // RB closes `separate`: today's lots only with CLOSE_TODAY
    s.phase(RB, 'continuous');
    s.sell(6, B, RB, 3500, 1);
    s.buy(7, A, RB, 3500, 1);
    s.rejected(s.orderInput(8, A, RB, 'sell', 3600, 1, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.sell(8, A, RB, 3600, 1, { offset: 'closeToday' });

    // stocks: a sell needs holdings (no short selling)
    s.phase(STK, 'continuous');
    s.rejected(s.orderInput(9, S, STK, 'sell', 1000, 100), 'RISK_NO_POSITION_TO_CLOSE');
    s.holdings(S, STK, 100, 950);
    s.rejected(s.orderInput(9, S, STK, 'sell', 1000, 200), 'RISK_NO_POSITION_TO_CLOSE');
    s.sell(9, S, STK, 1000, 100);
    s.rejected(s.orderInput(10, S, STK, 'sell', 1000, 100), 'RISK_NO_POSITION_TO_CLOSE');
    s.validate();
  });

  it('RISK_TOO_MANY_OPEN_ORDERS: at most maxOpenOrders open orders per account', () => {
    const s = market({ risk: { maxOpenOrders: 2 } });
    s.buy(1, A, RB, 3400, 1);
    s.buy(2, A, RB, 3401, 1);
    s.rejected(s.orderInput(3, A, RB, 'buy', 3402, 1), 'RISK_TOO_MANY_OPEN_ORDERS');
    s.rejected(s.orderInput(3, A, IF, 'sell', 40000, 1), 'RISK_TOO_MANY_OPEN_ORDERS'); // per account, not per instrument
    s.buy(3, B, RB, 3402, 1); // another account is not affected
    s.cancel(1, A);
    s.buy(4, A, RB, 3402, 1);
    s.rejected(s.orderInput(5, A, RB, 'buy', 3403, 1), 'RISK_TOO_MANY_OPEN_ORDERS');
    s.validate();
  });

  it('RISK_ORDER_RATE_EXCEEDED: at most maxOrdersPerWindow orders per account within rateWindowMs of command time', () => {
    const s = market({ risk: { maxOrdersPerWindow: 3, rateWindowMs: 1000 } });
    // commands are 1 ms apart
    s.buy(1, A, RB, 3400, 1);
    s.buy(2, A, RB, 3401, 1);
    s.buy(3, A, RB, 3402, 1);
    s.rejected(s.orderInput(4, A, RB, 'buy', 3403, 1), 'RISK_ORDER_RATE_EXCEEDED');
    s.buy(4, B, RB, 3403, 1); // per account
    s.cancel(1, A); // a cancel is not an order and frees no rate
    s.rejected(s.orderInput(5, A, RB, 'buy', 3403, 1), 'RISK_ORDER_RATE_EXCEEDED');
    s.advance(5_000); // the three orders are out of the window now
    s.buy(5, A, RB, 3403, 1);
    s.validate();
  });

  it('RISK_SELF_TRADE: stp reject refuses an order that would trade with its own resting order', () => {
    const s = market();
    s.sell(1, A, IF, 40000, 1);
    s.rejected(s.orderInput(2, A, IF, 'buy', 40000, 1, { stp: 'reject' }), 'RISK_SELF_TRADE');
    s.rejected(s.orderInput(2, A, IF, 'buy', 0, 1, { type: 'market', tif: 'IOC', stp: 'reject' }), 'RISK_SELF_TRADE');
    // not crossing: accepted and rests
    s.buy(2, A, IF, 39990, 1, { stp: 'reject' });
    // B's ask at 39996 comes before A's own at 40000: a 1-lot buy fills against B only, a 2-lot buy would reach A's own
    s.sell(3, B, IF, 39996, 1);
    s.rejected(s.orderInput(4, A, IF, 'buy', 40000, 2, { stp: 'reject' }), 'RISK_SELF_TRADE');
    const ev = s.buy(4, A, IF, 40000, 1, { stp: 'reject' });
    expect(tradesOf(ev)).toEqual([[39996, 1, 4, 3]]);
    // another account's stp reject order trades with A freely
    const ev2 = s.buy(5, B, IF, 40000, 1, { stp: 'reject' });
    expect(tradesOf(ev2)).toEqual([[40000, 1, 5, 1]]);
    s.validate();
  });

  it('RISK_RATIO_CAP: an open may not take margin / balance past riskRatioCapPpm; closes are not capped', () => {
    const s = new AccountsScenario({ risk: { riskRatioCapPpm: 500_000 } });
    s.createAccount(A, 'futures');
    s.createAccount(B, 'futures');
    s.deposit(A, 40_000_000);
    s.deposit(B, 100_000_000);
    s.phase(IF, 'continuous');
    s.sell(1, B, IF, 40000, 1);
    // 14_400_000 / 40_000_000 = 36% ≤ 50%
    s.buy(2, A, IF, 40000, 1);
    // A: margin 14_400_000, commission floor(69 × 40000 / 1000) = 2_760, balance 39_997_240,
    // available 25_597_240 ≥ the hold of another lot (14_399_280 + 2_759 + 2), but
    // (14_400_000 + 14_399_280) / 39_997_240 = 72% > 50%
    expectAccount(
      s,
      futuresAccount(A, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 40_000_000,
        withdraw: 0,
        staticBalance: 40_000_000,
        closeProfit: 0,
        positionProfit: 0,
        floatProfit: 0,
        commission: 2_760,
        balance: 39_997_240,
        margin: 14_400_000,
        frozenMargin: 0,
        frozenCommission: 0,
        available: 25_597_240,
        riskRatioPpm: 360_025,
      }),
    );
    s.rejected(s.orderInput(3, A, IF, 'buy', 39998, 1), 'RISK_RATIO_CAP');
    s.rejected(s.orderInput(3, A, IF, 'sell', 40100, 1), 'RISK_RATIO_CAP'); // a short open as well
    s.sell(3, A, IF, 40100, 1, { offset: 'close' });
    s.validate();
  });

  it('RISK_MARKET_ORDER_NEEDS_BAND: no band rule or no reference price → no market orders', () => {
    const s = market({
      instruments: [
        ifSpec(),
        rbSpec({ id: 'NB', band: { kind: 'none' } }),
        rbSpec({ id: 'NR', referencePrice: null }),
        stkSpec({ id: 'SNB', band: { kind: 'none' } }),
      ],
    });
    const mkt = { type: 'market', tif: 'IOC' } as const;
    s.rejected(s.orderInput(1, A, 'NB', 'buy', 0, 1, mkt), 'RISK_MARKET_ORDER_NEEDS_BAND');
    s.rejected(s.orderInput(1, A, 'NB', 'sell', 0, 1, { ...mkt, tif: 'FOK' }), 'RISK_MARKET_ORDER_NEEDS_BAND');
    s.rejected(s.orderInput(1, A, 'NR', 'buy', 0, 1, mkt), 'RISK_MARKET_ORDER_NEEDS_BAND');
    s.rejected(s.orderInput(1, S, 'SNB', 'buy', 0, 100, mkt), 'RISK_MARKET_ORDER_NEEDS_BAND');
    // a close too: its commission is held at the band price
    s.sell(1, B, 'NB', 3500, 1);
    s.buy(2, A, 'NB', 3500, 1);
    s.rejected(
      s.orderInput(3, A, 'NB', 'sell', 0, 1, { ...mkt, offset: 'closeToday' }),
      'RISK_MARKET_ORDER_NEEDS_BAND',
    );
    // limit orders are fine without a band, market orders fine with one
    s.sell(3, A, 'NB', 3600, 1, { offset: 'closeToday' });
    const ev = s.buy(4, A, IF, 0, 1, mkt);
    expect(cancelsOf(ev)).toEqual([[4, 'market', 1]]);
    s.validate();
  });

  it('ACCOUNT_UNKNOWN: orders and money commands need an existing account', () => {
    const s = market();
    s.rejected(s.orderInput(1, 99, IF, 'buy', 40000, 1), 'ACCOUNT_UNKNOWN');
    s.rejected(s.orderInput(1, 99, STK, 'buy', 1000, 100), 'ACCOUNT_UNKNOWN');
    s.rejected({ kind: 'Deposit', accountId: 99, amount: 100 }, 'ACCOUNT_UNKNOWN');
    s.rejected({ kind: 'Withdraw', accountId: 99, amount: 100 }, 'ACCOUNT_UNKNOWN');
    s.rejected({ kind: 'SetAccountFrozen', accountId: 99, frozen: true }, 'ACCOUNT_UNKNOWN');
    s.rejected(
      { kind: 'DepositHoldings', accountId: 99, instrumentId: STK, volume: 100, price: 1000 },
      'ACCOUNT_UNKNOWN',
    );
    expect(s.engine.account(99)).toBeUndefined();
    expect(s.engine.positions(99)).toEqual([]);
  });

  it('ACCOUNT_FROZEN: a frozen account places no orders and withdraws nothing; cancels still work', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.deposit(A, 1_000_000);
    s.phase(RB, 'continuous');
    // hold of buy 1 @ 3500: 350_000 + 1 and 300 + 1
    s.buy(1, A, RB, 3500, 1);
    let ev = s.ok({ kind: 'SetAccountFrozen', accountId: A, frozen: true });
    expect(one(ev, 'AccountFrozenChanged')).toEqual({ kind: 'AccountFrozenChanged', accountId: A, frozen: true });
    expect(changedAccounts(ev)).toEqual([A]);
    const held = {
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
      margin: 0,
      frozenMargin: 350_001,
      frozenCommission: 301,
      available: 649_698,
      riskRatioPpm: 0,
    };
    expectAccount(s, futuresAccount(A, held, true));
    s.rejected(s.orderInput(2, A, RB, 'buy', 3400, 1), 'ACCOUNT_FROZEN');
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 1 }, 'ACCOUNT_FROZEN');
    ev = s.cancel(1, A);
    expect(cancelsOf(ev)).toEqual([[1, 'canceled', 1]]);
    const free = { ...held, frozenMargin: 0, frozenCommission: 0, available: 1_000_000 };
    expectAccount(s, futuresAccount(A, free, true));
    s.rejected(s.orderInput(2, A, RB, 'buy', 3400, 1), 'ACCOUNT_FROZEN');
    s.ok({ kind: 'SetAccountFrozen', accountId: A, frozen: false });
    expectAccount(s, futuresAccount(A, free));
    s.buy(2, A, RB, 3400, 1);
    s.withdraw(A, 1);
    s.validate();
  });

  it('ACCOUNT_KIND_MISMATCH: futures through futures accounts, stocks through stock accounts', () => {
    const s = market();
    s.rejected(s.orderInput(1, S, IF, 'buy', 40000, 1), 'ACCOUNT_KIND_MISMATCH');
    s.rejected(s.orderInput(1, S, RB, 'sell', 3500, 1), 'ACCOUNT_KIND_MISMATCH');
    s.rejected(s.orderInput(1, A, STK, 'buy', 1000, 100), 'ACCOUNT_KIND_MISMATCH');
    s.buy(1, S, STK, 1000, 100);
    s.buy(2, A, IF, 40000, 1);
  });

  it('ACCOUNT_DUPLICATE: an account id is created once', () => {
    const s = new AccountsScenario();
    const ev = s.createAccount(A, 'futures');
    expect(one(ev, 'AccountCreated')).toEqual({
      kind: 'AccountCreated',
      accountId: A,
      userId: 101,
      accountKind: 'futures',
    });
    s.rejected({ kind: 'CreateAccount', accountId: A, userId: 101, accountKind: 'futures' }, 'ACCOUNT_DUPLICATE');
    s.rejected({ kind: 'CreateAccount', accountId: A, userId: 555, accountKind: 'stock' }, 'ACCOUNT_DUPLICATE');
    expectAccount(s, emptyAccount(A, 'futures'));
  });

  it('ACCOUNT_INSUFFICIENT_AVAILABLE: a withdrawal is at most the available funds (holds count)', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.createAccount(S, 'stock');
    s.deposit(A, 1_000_000);
    s.deposit(S, 500_000);
    s.phase(RB, 'continuous');
    s.phase(STK, 'continuous');
    s.buy(1, A, RB, 3500, 1); // holds 350_001 + 301 → available 649_698
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 649_699 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    s.withdraw(A, 649_698);
    expectAccount(
      s,
      futuresAccount(A, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 1_000_000,
        withdraw: 649_698,
        staticBalance: 350_302,
        closeProfit: 0,
        positionProfit: 0,
        floatProfit: 0,
        commission: 0,
        balance: 350_302,
        margin: 0,
        frozenMargin: 350_001,
        frozenCommission: 301,
        available: 0,
        riskRatioPpm: 0,
      }),
    );
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 1 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    // stock: buy 200 @ 10.00 holds 200_000 + floor(50) + 4 = 200_054 → available 299_946
    s.buy(2, S, STK, 1000, 200);
    s.rejected({ kind: 'Withdraw', accountId: S, amount: 299_947 }, 'ACCOUNT_INSUFFICIENT_AVAILABLE');
    s.withdraw(S, 299_946);
    expectAccount(
      s,
      stockAccount(S, {
        tradingDay: 1,
        preBalance: 0,
        deposit: 500_000,
        withdraw: 299_946,
        staticBalance: 200_054,
        closeProfit: 0,
        positionProfit: 0,
        floatProfit: 0,
        commission: 0,
        balance: 200_054,
        available: 0,
        cash: 200_054,
        frozenCash: 200_054,
        marketValue: 0,
      }),
    );
    s.validate();
  });

  it('ACCOUNT_AMOUNT_NOT_POSITIVE: deposits and withdrawals are positive integers of minor units', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.deposit(A, 1_000);
    s.rejected({ kind: 'Deposit', accountId: A, amount: 0 }, 'ACCOUNT_AMOUNT_NOT_POSITIVE');
    s.rejected({ kind: 'Deposit', accountId: A, amount: -500 }, 'ACCOUNT_AMOUNT_NOT_POSITIVE');
    s.rejected({ kind: 'Deposit', accountId: A, amount: 1.5 }, 'ACCOUNT_AMOUNT_NOT_POSITIVE');
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 0 }, 'ACCOUNT_AMOUNT_NOT_POSITIVE');
    s.rejected({ kind: 'Withdraw', accountId: A, amount: -1 }, 'ACCOUNT_AMOUNT_NOT_POSITIVE');
    expect(s.account(A).balance).toBe(1_000);
  });

  it('ACCOUNT_AMOUNT_TOO_LARGE: deposits never take the money in the exchange past 10^15 minor units', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures');
    s.createAccount(B, 'futures');
    s.deposit(A, 600_000_000_000_000);
    s.rejected({ kind: 'Deposit', accountId: B, amount: 400_000_000_000_001 }, 'ACCOUNT_AMOUNT_TOO_LARGE');
    s.rejected({ kind: 'Deposit', accountId: B, amount: Number.MAX_SAFE_INTEGER }, 'ACCOUNT_AMOUNT_TOO_LARGE');
    s.deposit(B, 400_000_000_000_000);
    s.rejected({ kind: 'Deposit', accountId: A, amount: 1 }, 'ACCOUNT_AMOUNT_TOO_LARGE');
    // a withdrawal makes room again
    s.apply({ kind: 'Withdraw', accountId: A, amount: 5 });
    s.deposit(A, 5);
    expect(s.account(A).balance + s.account(B).balance).toBe(1_000_000_000_000_000);
    s.validate();
  });

  it('ADMIN_SETTLEMENT_NOT_CLOSED: Settle needs every instrument closed', () => {
    const s = market();
    s.sell(1, B, RB, 3500, 1);
    s.buy(2, A, RB, 3500, 1);
    s.rejected({ kind: 'Settle' }, 'ADMIN_SETTLEMENT_NOT_CLOSED');
    s.phase(IF, 'closed');
    s.phase(STK, 'closed');
    s.rejected({ kind: 'Settle' }, 'ADMIN_SETTLEMENT_NOT_CLOSED'); // RB still continuous
    s.phase(RB, 'halted');
    s.rejected({ kind: 'Settle' }, 'ADMIN_SETTLEMENT_NOT_CLOSED');
    s.phase(RB, 'preOpen');
    s.rejected({ kind: 'Settle' }, 'ADMIN_SETTLEMENT_NOT_CLOSED');
    expect(s.engine.tradingDay).toBe(1);
    s.phase(RB, 'closed');
    s.settle();
    expect(s.engine.tradingDay).toBe(2);
    s.validate();
  });

  it('ADMIN_SETTLEMENT_PRICE_MISSING: a held instrument with no trade, no reference and no price set', () => {
    const s = new AccountsScenario({ instruments: [ifSpec(), stkSpec({ id: 'NEW', referencePrice: null })] });
    s.createAccount(S, 'stock');
    // an instrument without any price but also without positions does not stop the settlement
    s.settle();
    expect(s.engine.tradingDay).toBe(2);
    s.holdings(S, 'NEW', 100, 500);
    s.rejected({ kind: 'Settle' }, 'ADMIN_SETTLEMENT_PRICE_MISSING');
    const ev = s.settlementPrice('NEW', 520);
    expect(one(ev, 'SettlementPriceSet')).toEqual({ kind: 'SettlementPriceSet', instrumentId: 'NEW', price: 520 });
    const done = one(s.settle(), 'SettlementCompleted');
    expect(done.prices.find((p) => p.instrumentId === 'NEW')?.price).toBe(520);
    expect(s.engine.tradingDay).toBe(3);
    // the held shares are now marked at 5.20
    expectPositions(s, S, [
      position(S, 'NEW', {
        long: side({
          ...FLAT,
          yesterday: 100,
          openCost: 50_000,
          positionCost: 50_000,
          positionProfit: 2_000,
          floatProfit: 2_000,
        }),
      }),
    ]);
  });

  it('ADMIN_ACCOUNTS_DISABLED: an engine without accounts refuses account commands and matches without them', () => {
    const s = new AccountsScenario({ accounts: false });
    s.rejected({ kind: 'CreateAccount', accountId: A, userId: 1, accountKind: 'futures' }, 'ADMIN_ACCOUNTS_DISABLED');
    s.rejected({ kind: 'Deposit', accountId: A, amount: 100 }, 'ADMIN_ACCOUNTS_DISABLED');
    s.rejected({ kind: 'Withdraw', accountId: A, amount: 100 }, 'ADMIN_ACCOUNTS_DISABLED');
    s.rejected({ kind: 'SetAccountFrozen', accountId: A, frozen: true }, 'ADMIN_ACCOUNTS_DISABLED');
    s.rejected(
      { kind: 'DepositHoldings', accountId: A, instrumentId: STK, volume: 100, price: 1000 },
      'ADMIN_ACCOUNTS_DISABLED',
    );
    expect(s.engine.account(A)).toBeUndefined();
    s.phase(RB, 'continuous');
    s.sell(1, A, RB, 3500, 1);
    const ev = s.buy(2, B, RB, 3500, 1);
    expect(tradesOf(ev)).toEqual([[3500, 1, 2, 1]]);
    expect(ev.filter((e) => e.kind === 'AccountChanged' || e.kind === 'PositionChanged')).toEqual([]);
    expect(s.engine.account(A)).toBeUndefined();
  });
});

describe('pre-trade check order (first failure wins)', () => {
  it('matching checks 1–7 come before the account checks', () => {
    const s = market();
    s.ok({ kind: 'SetAccountFrozen', accountId: A, frozen: true });
    s.rejected(s.orderInput(1, 99, 'NOPE', 'buy', 40000, 1), 'VALIDATION_UNKNOWN_INSTRUMENT');
    s.rejected(s.orderInput(1, A, IF, 'buy', 44002, 1), 'VALIDATION_PRICE_OUT_OF_BAND');
    s.rejected(s.orderInput(1, A, IF, 'buy', 40000, 0), 'VALIDATION_VOLUME_NOT_POSITIVE');
    s.phase(IF, 'closed');
    s.rejected(s.orderInput(1, 99, IF, 'buy', 40000, 1), 'MATCHING_PHASE_REJECTS_ORDERS');
    s.rejected(s.orderInput(1, A, IF, 'buy', 40000, 1), 'MATCHING_PHASE_REJECTS_ORDERS');
  });

  it('unknown, then frozen, then kind; all before positions and funds', () => {
    const s = new AccountsScenario();
    s.createAccount(A, 'futures'); // no money
    s.createAccount(S, 'stock'); // no money
    s.phase(IF, 'continuous');
    s.phase(STK, 'continuous');
    s.ok({ kind: 'SetAccountFrozen', accountId: A, frozen: true });
    s.rejected(s.orderInput(1, A, STK, 'buy', 1000, 100), 'ACCOUNT_FROZEN'); // frozen before kind
    s.rejected(s.orderInput(1, A, IF, 'buy', 40000, 1), 'ACCOUNT_FROZEN'); // frozen before funds
    s.rejected(s.orderInput(1, A, IF, 'sell', 40000, 1, { offset: 'close' }), 'ACCOUNT_FROZEN'); // before closable
    s.rejected(s.orderInput(1, S, IF, 'buy', 40000, 1), 'ACCOUNT_KIND_MISMATCH'); // kind before funds
    s.rejected(s.orderInput(1, S, IF, 'sell', 40000, 1, { offset: 'close' }), 'ACCOUNT_KIND_MISMATCH');
    s.ok({ kind: 'SetAccountFrozen', accountId: A, frozen: false });
    // closable before funds: no position and no money
    s.rejected(s.orderInput(1, A, IF, 'sell', 40000, 1, { offset: 'close' }), 'RISK_NO_POSITION_TO_CLOSE');
    s.rejected(s.orderInput(1, S, STK, 'sell', 1000, 100), 'RISK_NO_POSITION_TO_CLOSE');
    s.rejected(s.orderInput(1, A, IF, 'buy', 40000, 1), 'RISK_INSUFFICIENT_FUNDS');
  });

  it('funds, then open orders, then rate', () => {
    const s = market({ risk: { maxOpenOrders: 1, maxOrdersPerWindow: 1, rateWindowMs: 60_000 } });
    s.sell(1, A, RB, 3500, 1); // A: one open order, one order in the window
    // 100 IF lots hold 360 × 40000 × 100 = 1_440_000_000 > 100_000_000
    s.rejected(s.orderInput(2, A, IF, 'buy', 40000, 100), 'RISK_INSUFFICIENT_FUNDS');
    s.rejected(s.orderInput(2, A, RB, 'buy', 3400, 1), 'RISK_TOO_MANY_OPEN_ORDERS');
    s.cancel(1, A);
    s.rejected(s.orderInput(2, A, RB, 'buy', 3400, 1), 'RISK_ORDER_RATE_EXCEEDED');
    s.advance(120_000);
    s.buy(2, A, RB, 3400, 1);
    s.validate();
  });

  it('rate, then self-trade, then ratio cap, then post-only', () => {
    const s = market({ risk: { maxOrdersPerWindow: 1, rateWindowMs: 60_000, riskRatioCapPpm: 100_000 } });
    const poor = 5;
    const rich = 6;
    s.createAccount(poor, 'futures');
    s.createAccount(rich, 'futures');
    s.deposit(poor, 1_000);
    s.deposit(rich, 100_000_000);
    s.sell(1, A, RB, 3500, 1); // A's ask; A has used its one order of the window
    s.rejected(s.orderInput(2, A, RB, 'buy', 3500, 1, { stp: 'reject' }), 'RISK_ORDER_RATE_EXCEEDED');
    s.advance(120_000);
    // 100 lots: 35_000_000 / 100_000_000 = 35% > 10%, and it would meet A's own ask
    s.rejected(s.orderInput(2, A, RB, 'buy', 3500, 100, { stp: 'reject' }), 'RISK_SELF_TRADE');
    // a post-only buy at 3500 would cross A's ask; 100 lots break the 10% cap first
    s.rejected(s.orderInput(3, B, RB, 'buy', 3500, 100, { postOnly: true }), 'RISK_RATIO_CAP');
    // funds before post-only: 1 lot holds 350_000 + 1 + 300 + 1 > 1_000
    s.rejected(s.orderInput(3, poor, RB, 'buy', 3500, 1, { postOnly: true }), 'RISK_INSUFFICIENT_FUNDS');
    // 1 lot: 350_000 / 100_000_000 = 0.35% within the cap: the post-only check answers
    s.rejected(s.orderInput(3, rich, RB, 'buy', 3500, 1, { postOnly: true }), 'MATCHING_POST_ONLY_WOULD_CROSS');
    s.validate();
  });
});
