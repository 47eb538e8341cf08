/**
 * The demo market created on a new data folder: two index-style futures, two commodity futures and two stocks,
 * all in continuous trading. Created through the ordinary command path, so it is journaled like everything else.
 */
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import type { CommandInput } from './exchange.ts';

const futureBand = { kind: 'percent', bps: 1000 } as const;

/** An index future like CFFEX's: tick 0.2, multiplier 300, margin 12%, 0.23‱ commission, close-today 10 × that. */
function indexFuture(id: string, referencePrice: number): InstrumentSpec {
  return {
    id,
    kind: 'future',
    priceTick: 2,
    priceDecimals: 1,
    lotSize: 1,
    multiplier: 300,
    maxOrderVolume: 500,
    band: futureBand,
    referencePrice,
    status: 'active',
    terms: {
      marginLongPpm: 120_000,
      marginShortPpm: 120_000,
      commission: { kind: 'rate', openPpm: 23, closePpm: 23, closeTodayPpm: 230 },
      closeRule: 'yesterdayFirst',
      settlement: { kind: 'vwap', minutes: 60 },
    },
  };
}

export const DEMO_INSTRUMENTS: readonly InstrumentSpec[] = [
  indexFuture('IF2612', 38_000),
  indexFuture('IH2612', 26_500),
  {
    id: 'rb2605',
    kind: 'future',
    priceTick: 1,
    priceDecimals: 0,
    lotSize: 1,
    multiplier: 10,
    maxOrderVolume: 1_000,
    band: futureBand,
    referencePrice: 3_200,
    status: 'active',
    terms: {
      marginLongPpm: 100_000,
      marginShortPpm: 100_000,
      commission: { kind: 'perLot', open: 300, close: 300, closeToday: 300 },
      closeRule: 'separate',
      settlement: { kind: 'vwap', minutes: 60 },
    },
  },
  {
    id: 'cu2605',
    kind: 'future',
    priceTick: 10,
    priceDecimals: 0,
    lotSize: 1,
    multiplier: 5,
    maxOrderVolume: 200,
    band: futureBand,
    referencePrice: 78_000,
    status: 'active',
    terms: {
      marginLongPpm: 110_000,
      marginShortPpm: 110_000,
      commission: { kind: 'rate', openPpm: 50, closePpm: 50, closeTodayPpm: 100 },
      closeRule: 'separate',
      settlement: { kind: 'last' },
    },
  },
  {
    id: '600519',
    kind: 'stock',
    priceTick: 1,
    priceDecimals: 2,
    lotSize: 100,
    multiplier: 1,
    maxOrderVolume: 100_000,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 150_000,
    status: 'active',
    terms: {
      marginLongPpm: 0,
      marginShortPpm: 0,
      commission: { kind: 'rate', openPpm: 250, closePpm: 250, closeTodayPpm: 250 },
      closeRule: 'yesterdayFirst',
      settlement: { kind: 'last' },
    },
  },
  {
    id: '000001',
    kind: 'stock',
    priceTick: 1,
    priceDecimals: 2,
    lotSize: 100,
    multiplier: 1,
    maxOrderVolume: 1_000_000,
    band: { kind: 'percent', bps: 1000 },
    referencePrice: 1_150,
    status: 'active',
    terms: {
      marginLongPpm: 0,
      marginShortPpm: 0,
      commission: { kind: 'rate', openPpm: 250, closePpm: 250, closeTodayPpm: 250 },
      closeRule: 'yesterdayFirst',
      settlement: { kind: 'last' },
    },
  },
];

/** The commands that set up the demo market. */
export function demoMarketCommands(): CommandInput[] {
  const out: CommandInput[] = [];
  for (const spec of DEMO_INSTRUMENTS) out.push({ kind: 'AddInstrument', spec });
  for (const spec of DEMO_INSTRUMENTS) out.push({ kind: 'SetPhase', instrumentId: spec.id, phase: 'continuous' });
  return out;
}
