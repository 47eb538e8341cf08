import { describe, expect, it } from 'vitest';
import type { Account, InstrumentSpec, Position, PositionSide, Statement } from '../../../src-renderer/api/types.ts';
import { csvCell, statementCsv, toCsv } from '../../../src-renderer/logic/csv.ts';
import { averageOpen, isFlat, livePosition, unitValue } from '../../../src-renderer/logic/positions.ts';

const IF: InstrumentSpec = {
  id: 'IF2612',
  kind: 'future',
  priceTick: 2,
  priceDecimals: 1,
  lotSize: 1,
  multiplier: 300,
  maxOrderVolume: 500,
  band: { kind: 'percent', bps: 1000 },
  referencePrice: 38000,
  status: 'active',
};

const side = (o: Partial<PositionSide>): PositionSide => ({
  today: 0,
  yesterday: 0,
  frozenToday: 0,
  frozenYesterday: 0,
  openCost: 0,
  positionCost: 0,
  margin: 0,
  positionProfit: 0,
  floatProfit: 0,
  ...o,
});

describe('live position figures', () => {
  it('values a price unit as the engine does', () => {
    expect(unitValue(IF)).toBe(3000); // 0.1 index point × 300 = 30.00 = 3000 minor units
    expect(unitValue({ multiplier: 10, priceDecimals: 0 })).toBe(1000);
  });

  it('revalues long and short sides at the mark', () => {
    const p: Position = {
      accountId: 1,
      instrumentId: 'IF2612',
      long: side({ today: 2, openCost: 2 * 37998, positionCost: 2 * 37998, margin: 100 }),
      short: side({ yesterday: 1, openCost: 38100, positionCost: 38050, margin: 50 }),
    };
    const live = livePosition(p, IF, 38010);
    expect(live.long.floatProfit).toBe((38010 * 2 - 2 * 37998) * 3000);
    expect(live.short.floatProfit).toBe((38100 - 38010) * 3000);
    expect(live.short.positionProfit).toBe((38050 - 38010) * 3000);
    expect(live.floatProfit).toBe(live.long.floatProfit + live.short.floatProfit);
    expect(live.margin).toBe(150);
    expect(averageOpen(p.long)).toBe(37998);
    expect(isFlat(p)).toBe(false);
  });

  it('keeps the server figures without a mark', () => {
    const p: Position = {
      accountId: 1,
      instrumentId: 'IF2612',
      long: side({ today: 1, openCost: 1, floatProfit: 42 }),
      short: side({}),
    };
    expect(livePosition(p, IF, null).floatProfit).toBe(42);
    expect(isFlat({ ...p, long: side({}) })).toBe(true);
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(null)).toBe('');
    expect(toCsv([[1, 'x'], ['y']])).toBe('1,x\r\ny\r\n');
  });

  it('writes a statement with exact money and prices', () => {
    const account = {
      accountId: 7,
      balance: 123456,
      riskRatioPpm: 125000,
      commission: 1999,
    } as unknown as Account;
    const s: Statement = {
      account,
      positions: [{ accountId: 7, instrumentId: 'IF2612', long: side({ today: 2, margin: 99 }), short: side({}) }],
      trades: [
        {
          tradeId: 3,
          orderId: 9,
          instrumentId: 'IF2612',
          side: 'buy',
          offset: 'open',
          price: 37998,
          volume: 2,
          commission: 1999,
          closeProfit: 0,
        },
      ],
    };
    const csv = statementCsv(1, s, new Map([['IF2612', IF]]));
    expect(csv).toContain('account,balance,1234.56\r\n');
    expect(csv).toContain('account,risk_ratio,0.125000\r\n');
    expect(csv).toContain('positions,IF2612,2,0,0.99,0.00,0,0,0.00,0.00\r\n');
    expect(csv).toContain('trades,3,9,IF2612,buy,open,3799.8,2,19.99,0.00\r\n');
  });
});
