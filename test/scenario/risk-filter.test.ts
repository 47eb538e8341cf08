/**
 * Intraday risk with many holders (docs/accounts.md, "Intraday risk"): one price move that liquidates several
 * accounts in one command, each liquidation sweeping a ladder of bids and moving the mark again in the middle of the
 * pass. Applied in lockstep to Engine({ riskCheck: 'exact' }) and Engine({ riskCheck: 'filtered' }) and compared
 * event by event, state hash by state hash, after every command.
 *
 * X: unit value 100 (multiplier 1, no decimals), margin 2%, no commission, band ±10% around 1000 → [900, 1100].
 * Ten lots bought at 1000: margin 20,000; at price P the balance is deposit + 1000 × (P − 1000), and the risk ratio
 * ceil(20,000 × 1e6 / balance) reaches 100% when the balance is at most 20,000, i.e. at P ≤ 1000 − (deposit −
 * 20,000) / 1000. The holders, in the order they took their positions:
 *
 * - H1 (deposit 32,000): at 100% from P ≤ 988, below zero from P < 968;
 * - MM, the market maker (the first trade's seller), and 40 cold holders C1..C40 (1,000,000 each) in between;
 * - H2..H11: at 100% from 995, 992, 989, ..., 968 (deposit 20,000 + 1000 × (1000 − that price));
 * - Z: short 1 lot, with a bid that closes it (993) and a bid that opens a long (990): a liquidation's sweep takes Z
 *   out of the holders and puts it back at the end.
 * LB bids 2 lots at every price from 994 down to 930 (it joins the holders when its first bid fills): each forced
 * sale of 10 lots moves the mark down about 5.
 *
 * T sells 1 lot at 995 into MM's bid: H2 reaches 100% and is liquidated (an IOC sell of 10 at 900 sweeps the ladder),
 * the mark falls, H3 reaches 100% behind it in the same pass, and so on down the ladder; Z, back at the end of the
 * holders with a long bought at 990, is the last one liquidated in that pass. H1, passed before the first
 * liquidation, is at 100% and below zero by then: the sweeps moved X's mark after its pass began, so X gets a second
 * pass at the mark they left, which liquidates H1 in the same command (flat, below zero: reported negative).
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src-engine/domain/commands.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import { Engine } from '../../src-engine/engine.ts';

const X: InstrumentSpec = {
  id: 'X',
  kind: 'future',
  priceTick: 1,
  priceDecimals: 0,
  lotSize: 1,
  multiplier: 1,
  maxOrderVolume: 1_000,
  band: { kind: 'percent', bps: 1000 },
  referencePrice: 1000,
  status: 'active',
  terms: {
    marginLongPpm: 20_000,
    marginShortPpm: 20_000,
    commission: { kind: 'rate', openPpm: 0, closePpm: 0, closeTodayPpm: 0 },
    closeRule: 'yesterdayFirst',
    settlement: { kind: 'last' },
  },
};

const RISK = {
  maxOpenOrders: 1_000,
  maxOrdersPerWindow: 1_000,
  rateWindowMs: 1_000,
  riskRatioCapPpm: 1_000_000,
  forceLiquidationPpm: 1_000_000,
};

const MM = 1;
const T = 2;
const LB = 3;
const Z = 4;
const H1 = 101;
/** H2..H11 */
const HOT = [102, 103, 104, 105, 106, 107, 108, 109, 110, 111];
/** C1..C40 */
const COLD = Array.from({ length: 40 }, (_, i) => 201 + i);

/** Both engines, one command at a time, compared after each. */
class Lockstep {
  readonly exact = new Engine({ accounts: true, risk: RISK, riskCheck: 'exact' });
  readonly filtered = new Engine({ accounts: true, risk: RISK });
  private seq = 0;
  private orderId = 0;

  apply(input: Record<string, unknown>): EngineEvent[] {
    this.seq++;
    const cmd = { ...input, seq: this.seq, ts: 1_700_000_000_000 + 1000 * this.seq } as unknown as Command;
    const want = this.exact.apply(cmd);
    const got = this.filtered.apply(cmd);
    if (!isDeepStrictEqual(got, want)) expect(got).toEqual(want);
    expect(this.filtered.stateHash()).toBe(this.exact.stateHash());
    this.filtered.validateInternalState();
    if (!want.ok) throw new Error(`${cmd.kind} rejected: ${want.reject.code} (${JSON.stringify(cmd)})`);
    return [...want.events];
  }

  account(id: number, deposit: number): void {
    this.apply({ kind: 'CreateAccount', accountId: id, userId: id, accountKind: 'futures' });
    this.apply({ kind: 'Deposit', accountId: id, amount: deposit });
  }

  order(accountId: number, side: 'buy' | 'sell', price: number, volume: number, tif = 'GTC', offset = 'open') {
    return this.apply({
      kind: 'PlaceOrder',
      orderId: ++this.orderId,
      accountId,
      instrumentId: 'X',
      side,
      type: 'limit',
      tif,
      price,
      volume,
      offset,
    });
  }

  /** `buyer` buys `volume` at `price` from MM's resting sell. */
  buyFromMm(buyer: number, price: number, volume: number): void {
    this.order(MM, 'sell', price, volume);
    this.order(buyer, 'buy', price, volume, 'IOC');
  }
}

function setup(): Lockstep {
  const s = new Lockstep();
  s.apply({ kind: 'AddInstrument', spec: X });
  s.apply({ kind: 'SetPhase', instrumentId: 'X', phase: 'continuous' });
  s.account(MM, 1_000_000_000);
  s.account(T, 10_000_000);
  s.account(LB, 1_000_000_000);
  s.account(Z, 23_000);
  s.account(H1, 32_000);
  for (const id of COLD) s.account(id, 1_000_000);
  HOT.forEach((id, i) => {
    s.account(id, 20_000 + 1000 * (5 + 3 * i));
  });
  s.buyFromMm(H1, 1000, 10);
  for (const id of COLD) s.buyFromMm(id, 1000, 10);
  for (const id of HOT) s.buyFromMm(id, 1000, 10);
  // Z sells 1 to MM's bid, then bids to close it (993) and to open a long (990), ahead of the ladder
  s.order(MM, 'buy', 1000, 1);
  s.order(Z, 'sell', 1000, 1, 'IOC');
  s.order(Z, 'buy', 993, 1, 'GTC', 'close');
  s.order(Z, 'buy', 990, 5);
  for (let p = 994; p >= 930; p--) s.order(LB, 'buy', p, 2);
  s.order(MM, 'buy', 995, 1);
  return s;
}

const started = (events: readonly EngineEvent[]) =>
  events.flatMap((e) => (e.kind === 'ForceLiquidationStarted' ? [e.accountId] : []));

describe('intraday risk with many holders: exact and filtered checks give the same events', () => {
  it('one trade at 995 liquidates H2..H11 in one command, in holder order, as each sweep moves the mark', () => {
    const s = setup();
    const before = s.exact.account(H1)!;
    expect(before.riskRatioPpm).toBeLessThan(1_000_000);
    const events = s.order(T, 'sell', 995, 1, 'IOC');
    // every hot holder, in the holders' order, each reached after the previous one's sweep moved the mark; then Z,
    // which the sweeps took out of the holders and put back at the end with a long that the later sweeps sank; then
    // H1, which the first pass had found below the threshold before any sweep: the sweeps moved X's mark since that
    // pass began, so X gets a second pass, at the mark they left
    expect(started(events)).toEqual([...HOT, Z, H1]);
    const ended = events.flatMap((e) => (e.kind === 'ForceLiquidationEnded' ? [e.reason] : []));
    expect(ended).toEqual([...HOT, Z, H1].map(() => 'belowThreshold'));
    const zEnd = events.findIndex((e) => e.kind === 'ForceLiquidationEnded' && e.accountId === Z);
    const h1Start = events.findIndex((e) => e.kind === 'ForceLiquidationStarted' && e.accountId === H1);
    expect(h1Start).toBeGreaterThan(zEnd);
    // H1 is closed out in the same command, at the prices the sweeps left: flat, below zero (a gap), reported
    const h1 = s.exact.account(H1)!;
    expect(h1.margin).toBe(0);
    expect(s.exact.positions(H1).every((p) => p.long.today + p.long.yesterday === 0)).toBe(true);
    expect(h1.balance).toBeLessThan(0);
    expect(events.filter((e) => e.kind === 'AccountNegative').map((e) => e.accountId)).toContain(H1);
    // Z's bids both filled in H2's sweep: its short closed (Z left the holders), its long opened (Z joined again)
    const zFills = events.flatMap((e) => (e.kind === 'TradeExecuted' && e.buyAccountId === Z ? [e.price] : []));
    expect(zFills.slice(0, 2)).toEqual([993, 990]);
    // the cold holders were never at risk
    for (const id of COLD) expect(s.exact.account(id)!.riskRatioPpm).toBeLessThan(1_000_000);
  });

  it('a snapshot taken before the move restores a filtered engine that follows event by event', () => {
    const s = setup();
    const restored = Engine.fromState(JSON.parse(JSON.stringify(s.filtered.exportState())));
    const cmd = {
      kind: 'PlaceOrder',
      seq: 100_000,
      ts: 1_800_000_000_000,
      orderId: 900_000,
      accountId: T,
      instrumentId: 'X',
      side: 'sell',
      type: 'limit',
      tif: 'IOC',
      price: 995,
      volume: 1,
      offset: 'open',
    } as const;
    const want = s.exact.apply(cmd);
    expect(started(want.ok ? want.events : [])).toEqual([...HOT, Z, H1]);
    expect(restored.apply(cmd)).toEqual(want);
    expect(s.filtered.apply(cmd)).toEqual(want);
    expect(restored.stateHash()).toBe(s.exact.stateHash());
    restored.validateInternalState();
  });
});
