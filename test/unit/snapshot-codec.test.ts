/**
 * The stored form of a snapshot (src-main/store/snapshot-codec.ts): format 2 gives back exactly what JSON would, for
 * every kind of column, and refuses bytes that are not a snapshot; format 1 (plain JSON) is still read.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src-engine/engine.ts';
import type { EngineState } from '../../src-engine/state.ts';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import { OrderFlow } from '../../src-main/host/flow.ts';
import {
  decodeState,
  encodeExport,
  encodeState,
  SNAPSHOT_FORMAT_PACKED,
  SNAPSHOT_FORMAT_PLAIN,
} from '../../src-main/store/snapshot-codec.ts';

/** What JSON makes of a value: the codec must give exactly this back. */
const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** A state of the shape the codec packs; only the lists it packs are filled, the rest passes through as JSON. */
function shapeState(lists: {
  bids?: object[];
  asks?: object[];
  stops?: object[];
  holds?: object[];
  accounts?: object[];
}): EngineState {
  return {
    version: 1,
    lastSeq: 7,
    instruments: [
      {
        spec: { id: 'X' },
        phase: 'continuous',
        bids: lists.bids ?? [],
        asks: lists.asks ?? [],
        stops: lists.stops ?? [],
      },
    ],
    ledger: { tradingDay: 1, holds: lists.holds ?? [], accounts: lists.accounts ?? [] },
  } as unknown as EngineState;
}

function roundTrip(state: EngineState): EngineState {
  const { format, bytes } = encodeState(state);
  expect(format).toBe(SNAPSHOT_FORMAT_PACKED);
  return decodeState(format, bytes);
}

/** A real engine after a random flow with accounts (resting orders, holds, positions, trades of the day). */
function tradedEngine(commands: number): Engine {
  const engine = new Engine({ accounts: true });
  let seq = 0;
  const stamp = () => ({ seq: ++seq, ts: 1_800_000_000_000 + seq });
  for (const spec of DEMO_INSTRUMENTS) {
    engine.apply({ kind: 'AddInstrument', spec, ...stamp() });
    engine.apply({ kind: 'SetPhase', instrumentId: spec.id, phase: 'continuous', ...stamp() });
  }
  const fut = DEMO_INSTRUMENTS.filter((s) => s.kind === 'future');
  const flow = new OrderFlow({ seed: 11, accounts: 40, instruments: fut });
  for (const c of flow.setup()) engine.apply({ ...c, ...stamp() } as never);
  for (let i = 0; i < commands; i++) {
    const c = flow.next();
    const s = stamp();
    engine.apply({ ...c, ...s, ...(c.kind === 'PlaceOrder' ? { orderId: s.seq } : {}) } as never);
    if (c.kind === 'PlaceOrder') flow.placedOrder(s.seq);
  }
  return engine;
}

describe('snapshot codec', () => {
  it('gives back the state of a traded engine exactly, and restores an engine with the same hash', () => {
    const engine = tradedEngine(6_000);
    const state = engine.exportState();
    const resting = state.instruments.reduce((n, i) => n + i.bids.length + i.asks.length, 0);
    expect(resting).toBeGreaterThan(100);
    expect(state.ledger!.holds.length).toBe(resting + state.instruments.reduce((n, i) => n + i.stops.length, 0));
    expect(state.ledger!.accounts.some((a) => a.tradesToday.length > 0)).toBe(true);
    const back = roundTrip(state);
    expect(back).toEqual(viaJson(state));
    expect(Engine.fromState(back).stateHash()).toBe(engine.stateHash());
  });

  it('packs the export as the engine makes it (no rows for orders and holds) into bytes that decode to the same state', () => {
    const engine = tradedEngine(6_000);
    const state = engine.exportState();
    const lists: string[] = [];
    const direct = encodeExport((packer) =>
      engine.exportState({
        list: (keys, n, fill) => {
          lists.push(`${keys[0]},${keys[2]}:${n}`);
          return packer.list(keys, n, fill);
        },
      }),
    );
    // one list per book side and one of the holds went through the packer, each as long as the export's rows
    const sides = state.instruments.flatMap((i) => [
      `orderId,price:${i.bids.length}`,
      `orderId,price:${i.asks.length}`,
    ]);
    expect(lists).toEqual([...sides, `orderId,instrumentId:${state.ledger!.holds.length}`]);
    const back = decodeState(direct.format, direct.bytes);
    expect(back).toEqual(viaJson(state));
    expect(Engine.fromState(back).stateHash()).toBe(engine.stateHash());
    const matchingOnly = new Engine({ accounts: false });
    const empty = encodeExport((packer) => matchingOnly.exportState(packer));
    expect(decodeState(empty.format, empty.bytes)).toEqual(viaJson(matchingOnly.exportState()));
  });

  it('refuses a packed list whose columns were not given exactly their rows', () => {
    const engine = tradedEngine(200);
    for (const miscount of [(n: number) => n + 1, () => 0]) {
      expect(() =>
        encodeExport((packer) =>
          engine.exportState({
            list: (keys, n, fill) => packer.list(keys, miscount(n), fill),
          }),
        ),
      ).toThrow(/got \d+ values, not \d+/);
    }
  });

  it('stores a large book in well under half the bytes of plain JSON', () => {
    const state = tradedEngine(20_000).exportState();
    const plain = Buffer.byteLength(JSON.stringify(state));
    expect(encodeState(state).bytes.byteLength).toBeLessThan(plain / 2);
  });

  it('keeps every kind of column as JSON would: int32, other numbers, enumerations, mixed values', () => {
    // i and j change kind part-way: 32-bit integers, then a fraction; numbers, then a string
    const rows = [
      { a: 1, b: 2 ** 40, c: 0.5, d: 'x', e: true, f: null, g: 1, h: -5, i: 1, j: 1.5 },
      { a: -2_147_483_648, b: -(2 ** 53) + 1, c: -0, d: 'y', e: false, f: null, g: 'mixed', h: -0, i: 2.5, j: 'x' },
      { a: 2_147_483_647, b: 3, c: 1e300, d: 'x', e: true, f: null, g: { nested: [1, 2] }, h: 0, i: -3, j: null },
    ];
    const state = shapeState({ bids: rows });
    const back = roundTrip(state);
    expect(back).toEqual(viaJson(state));
    // -0 comes back as 0, as through JSON
    expect(Object.is((back.instruments[0]!.bids[1] as unknown as { h: number }).h, 0)).toBe(true);
    expect(Object.is((back.instruments[0]!.bids[1] as unknown as { c: number }).c, 0)).toBe(true);
  });

  it('keeps lists whose rows differ in keys or key order, and empty lists', () => {
    const state = shapeState({
      bids: [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ],
      asks: [{ a: 1 }, { a: 1, extra: 'z' }],
      stops: [],
    });
    const back = roundTrip(state);
    expect(back).toEqual(viaJson(state));
    expect(Object.keys(back.instruments[0]!.bids[1]!)).toEqual(['b', 'a']);
  });

  it('codes a column of strings, booleans and nulls as a dictionary, and keeps any other mix as JSON values', () => {
    // k: strings, then a number; l: null first, then strings and booleans; m: a string, then an object
    const rows = [
      { d: 'GFD', k: 'a', l: null, m: 'x', n: 7 },
      { d: 'GFD', k: 'b', l: 'x', m: { o: 1 }, n: 8 },
      { d: 'GTC', k: 5, l: true, m: 'x', n: 9 },
      { d: 'GFD', k: 'a', l: 'x', m: 'y', n: 10 },
    ];
    const state = shapeState({ bids: rows });
    const { bytes } = encodeState(state);
    const head = JSON.parse(bytes.toString('utf8', 4, 4 + bytes.readUInt32LE(0))) as {
      instruments: { bids: { keys: string[]; cols: { t: string; values?: unknown[] }[] } }[];
    };
    const bids = head.instruments[0]!.bids;
    const kinds = Object.fromEntries(bids.keys.map((k, i) => [k, bids.cols[i]!.t]));
    expect(kinds).toEqual({ d: 'dict', k: 'json', l: 'dict', m: 'json', n: 'i32' });
    expect(bids.cols[0]!.values).toEqual(['GFD', 'GTC']);
    expect(bids.cols[2]!.values).toEqual([null, 'x', true]);
    expect(roundTrip(state)).toEqual(viaJson(state));
  });

  it('codes up to 65,535 distinct strings as a dictionary and 65,536 as JSON values', () => {
    const kind = (distinct: number): string => {
      const holds = Array.from({ length: distinct + 10 }, (_, i) => ({ tag: `t${i % distinct}` }));
      const { bytes } = encodeState(shapeState({ holds }));
      const head = JSON.parse(bytes.toString('utf8', 4, 4 + bytes.readUInt32LE(0))) as {
        ledger: { holds: { cols: { t: string }[] } };
      };
      return head.ledger.holds.cols[0]!.t;
    };
    expect(kind(65_535)).toBe('dict');
    expect(kind(65_536)).toBe('json');
  });

  it('falls back to JSON values for an enumeration of more than 65,535 distinct strings', () => {
    const holds = Array.from({ length: 70_000 }, (_, i) => ({ orderId: i + 1, tag: `t${i}` }));
    const state = shapeState({ holds });
    expect(roundTrip(state)).toEqual(viaJson(state));
  });

  it('keeps each account with its own order timestamps and trades of the day', () => {
    const trade = (tradeId: number) => ({
      tradeId,
      orderId: 10 + tradeId,
      instrumentId: 'X',
      side: 'buy',
      offset: 'open',
      price: 100,
      volume: 1,
      commission: 3,
      closeProfit: -7,
    });
    const account = (id: number, recent: number[], trades: number[]) => ({
      id,
      kind: 'futures',
      recentOrders: recent,
      positions: [{ instrumentId: 'X', lots: [] }],
      tradesToday: trades.map(trade),
    });
    const state = shapeState({
      accounts: [account(1, [1_800_000_000_001, 1_800_000_000_002], [1, 2]), account(2, [], []), account(3, [5], [3])],
    });
    expect(roundTrip(state)).toEqual(viaJson(state));
  });

  it('reads format 1 (plain JSON) as it was written', () => {
    const state = tradedEngine(500).exportState();
    const bytes = Buffer.from(JSON.stringify(state));
    expect(decodeState(SNAPSHOT_FORMAT_PLAIN, bytes)).toEqual(viaJson(state));
  });

  it('refuses an unknown format, truncated bytes and columns that point outside the bytes', () => {
    const state = tradedEngine(500).exportState();
    const { bytes } = encodeState(state);
    expect(() => decodeState(9, bytes)).toThrow(/unknown format 9/);
    expect(() => decodeState(SNAPSHOT_FORMAT_PACKED, bytes.subarray(0, 3))).toThrow(/too short/);
    expect(() => decodeState(SNAPSHOT_FORMAT_PACKED, bytes.subarray(0, 40))).toThrow(/header beyond the end/);
    // the header intact, the column area cut off
    const headLength = bytes.readUInt32LE(0);
    expect(() => decodeState(SNAPSHOT_FORMAT_PACKED, bytes.subarray(0, 4 + headLength))).toThrow(/beyond the end/);
    // a column offset rewritten to point past the end
    const head = bytes.toString('utf8', 4, 4 + headLength).replace(/"off":(\d+)/, '"off":99999992');
    const headBytes = Buffer.from(head);
    const forged = Buffer.concat([Buffer.alloc(4), headBytes, bytes.subarray(4 + headLength)]);
    forged.writeUInt32LE(headBytes.byteLength, 0);
    expect(() => decodeState(SNAPSHOT_FORMAT_PACKED, forged)).toThrow(/snapshot: /);
  });

  it('reads columns from bytes that do not start at an 8-byte boundary in memory', () => {
    const state = tradedEngine(2_000).exportState();
    const { format, bytes } = encodeState(state);
    const shifted = Buffer.alloc(bytes.byteLength + 3);
    bytes.copy(shifted, 3);
    const view = shifted.subarray(3);
    expect(view.byteOffset % 8).not.toBe(0);
    expect(decodeState(format, view)).toEqual(viaJson(state));
  });
});
