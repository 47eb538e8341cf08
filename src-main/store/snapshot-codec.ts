/**
 * How a snapshot's engine state is stored.
 *
 * Format 1: the state as plain JSON text (`exportState` through JSON.stringify).
 * Format 2: the lists that grow with the book and the day are stored by column, in binary: each instrument's bids,
 * asks and stops, the ledger's holds, and every account's trades of the day and order timestamps (those two as one
 * list for all accounts plus a count per account). Everything else is JSON. Layout:
 *
 *   u32 LE  length of the header
 *   header  UTF-8 JSON: the state, with each packed list replaced by { n, keys, cols }, one column descriptor per key
 *   columns from the next multiple of 8, each column at a multiple of 8, in the machine's byte order (little-endian
 *   on every platform deskex runs on):
 *     { t: 'i32', off }           every value an integer of 32 bits: n int32
 *     { t: 'f64', off }           every value another finite number: n float64
 *     { t: 'dict', off, values }  every value a string, boolean or null: n u16 indices into `values`
 *     { t: 'json', values }       anything else: the n values in the header
 *
 * A state with 459,703 resting orders took 206 MB in format 1 and 51 MB in format 2, and recovery spends far less
 * time reading it: numbers come straight out of the bytes instead of through JSON.parse. Format 1 is still read, so a
 * data folder written before format 2 recovers from its snapshot. Decoding checks the packing only; `Engine.fromState`
 * checks the state.
 */
import type { AccountTrade } from '../../src-engine/domain/events.ts';
import type { AccountState, ColumnSink, EngineState, ListPacker } from '../../src-engine/state.ts';

export const SNAPSHOT_FORMAT_PLAIN = 1;
export const SNAPSHOT_FORMAT_PACKED = 2;

type Row = Record<string, unknown>;
type Column = ArrayLike<unknown>;

type ColumnDescriptor =
  | { readonly t: 'i32'; readonly off: number }
  | { readonly t: 'f64'; readonly off: number }
  | { readonly t: 'dict'; readonly off: number; readonly values: readonly unknown[] }
  | { readonly t: 'json'; readonly values: readonly unknown[] };

interface PackedList {
  readonly n: number;
  readonly keys: readonly string[];
  readonly cols: readonly ColumnDescriptor[];
}

type ListOrRows = PackedList | { readonly rows: readonly object[] };

interface PackedAccounts {
  /** The accounts without recentOrders and tradesToday. */
  readonly accounts: ListOrRows;
  readonly recentCounts: ColumnDescriptor;
  readonly recent: ColumnDescriptor;
  readonly tradeCounts: ColumnDescriptor;
  readonly trades: ListOrRows;
}

const MAX_DICT = 0xffff;

/**
 * One column of a list being packed, `n` values long: numbers go straight into an Int32Array, or a Float64Array once
 * one is not a 32-bit integer, so a column of a million numbers never becomes a JS array; a column that starts with a
 * string, boolean or null is coded as it goes (codes in first-seen order, as `ColumnWriter.mixed` gives them); any
 * other mix turns it into a plain array, packed by `ColumnWriter.mixed`.
 */
class ColumnBuilder implements ColumnSink {
  private i32: Int32Array | null;
  private f64: Float64Array | null = null;
  private any: unknown[] | null = null;
  /** Dictionary coding: the values in first-seen order, each row's code, and the code of the last value seen. */
  private dict: unknown[] | null = null;
  private dictCodes: Map<unknown, number> | null = null;
  private codes: Uint16Array | null = null;
  private lastValue: unknown = undefined;
  private lastCode = -1;
  private n = 0;

  constructor(size: number) {
    this.i32 = new Int32Array(size);
  }

  get length(): number {
    return this.n;
  }

  push(v: unknown): void {
    if (this.codes !== null) {
      if (v === this.lastValue) {
        this.codes[this.n++] = this.lastCode;
        return;
      }
      if (v === null || typeof v === 'string' || typeof v === 'boolean') {
        let c = this.dictCodes!.get(v);
        if (c === undefined) {
          c = this.dict!.length;
          if (c < MAX_DICT) {
            this.dict!.push(v);
            this.dictCodes!.set(v, c);
          }
        }
        if (c < MAX_DICT) {
          this.lastValue = v;
          this.lastCode = c;
          this.codes[this.n++] = c;
          return;
        }
      }
      // another kind of value, or too many distinct ones: the column becomes a plain array
      const dict = this.dict!;
      const codes = this.codes;
      this.any = Array.from(codes.subarray(0, this.n), (c) => dict[c]);
      this.codes = null;
      this.dict = null;
      this.dictCodes = null;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      if (this.i32 !== null) {
        if ((v | 0) === v) {
          this.i32[this.n++] = v;
          return;
        }
        this.f64 = new Float64Array(this.i32.length);
        this.f64.set(this.i32.subarray(0, this.n));
        this.i32 = null;
      }
      if (this.f64 !== null) {
        // + 0 turns -0 into 0, as JSON would
        this.f64[this.n++] = v + 0;
        return;
      }
    } else if (this.n === 0 && this.any === null && (v === null || typeof v === 'string' || typeof v === 'boolean')) {
      this.codes = new Uint16Array(this.i32!.length);
      this.i32 = null;
      this.dict = [v];
      this.dictCodes = new Map([[v, 0]]);
      this.lastValue = v;
      this.lastCode = 0;
      this.codes[this.n++] = 0;
      return;
    } else if (this.any === null) {
      const numbers = this.i32 ?? this.f64!;
      this.any = Array.from(numbers.subarray(0, this.n));
      this.i32 = null;
      this.f64 = null;
    }
    this.any!.push(v);
    this.n++;
  }

  finish(w: ColumnWriter): ColumnDescriptor {
    if (this.i32 !== null) return { t: 'i32', off: w.add(new Uint8Array(this.i32.buffer, 0, this.n * 4)) };
    if (this.f64 !== null) return { t: 'f64', off: w.add(new Uint8Array(this.f64.buffer, 0, this.n * 8)) };
    if (this.codes !== null) {
      return { t: 'dict', off: w.add(new Uint8Array(this.codes.buffer, 0, this.n * 2)), values: this.dict! };
    }
    return w.mixed(this.any!);
  }
}

/** A list packed while the engine exported it (`ColumnWriter.list`), standing in for its rows. */
class PackedByExport {
  constructor(readonly packed: PackedList) {}
}

/** Collects the binary columns while the header is built; `off` counts from the start of the column area. */
class ColumnWriter implements ListPacker {
  readonly parts: Uint8Array[] = [];
  length = 0;

  add(bytes: Uint8Array): number {
    const off = this.length;
    this.parts.push(bytes);
    this.length += bytes.byteLength;
    const pad = (8 - (this.length % 8)) % 8;
    if (pad > 0) {
      this.parts.push(new Uint8Array(pad));
      this.length += pad;
    }
    return off;
  }

  /** A column of `values`: numbers by `ColumnBuilder`, anything else by `mixed`. */
  column(values: readonly unknown[]): ColumnDescriptor {
    const b = new ColumnBuilder(values.length);
    for (const v of values) b.push(v);
    return b.finish(this);
  }

  /** A column that is not all finite numbers: dictionary codes when every value is a string, boolean or null. */
  mixed(values: readonly unknown[]): ColumnDescriptor {
    const n = values.length;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && typeof v !== 'string' && typeof v !== 'boolean') return { t: 'json', values };
    }
    const codes = new Map<unknown, number>();
    const u = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      let c = codes.get(v);
      if (c === undefined) {
        c = codes.size;
        if (c >= MAX_DICT) return { t: 'json', values };
        codes.set(v, c);
      }
      u[i] = c;
    }
    return { t: 'dict', off: this.add(new Uint8Array(u.buffer)), values: [...codes.keys()] };
  }

  /** A list the export hands over by column (ListPacker): packed at once, as `rows` would pack the same rows. */
  list(keys: readonly string[], n: number, fill: (columns: readonly ColumnSink[]) => void): PackedByExport {
    const cols = keys.map(() => new ColumnBuilder(n));
    fill(cols); // even for no rows, so that a count that says 0 for rows that exist is caught below
    for (let k = 0; k < cols.length; k++) {
      if (cols[k]!.length !== n) throw new Error(`snapshot: column ${keys[k]} got ${cols[k]!.length} values, not ${n}`);
    }
    if (n === 0) return new PackedByExport({ n: 0, keys: [], cols: [] });
    return new PackedByExport({ n, keys: [...keys], cols: cols.map((c) => c.finish(this)) });
  }

  /** A list of the export: packed already by `list`, or rows to pack now. */
  listOf(x: readonly object[] | PackedByExport): ListOrRows {
    return x instanceof PackedByExport ? x.packed : this.rows(x);
  }

  /** The list by column when every row has the first row's keys in the same order; otherwise the rows as they are. */
  rows(rows: readonly object[]): ListOrRows {
    const n = rows.length;
    if (n === 0) return { n: 0, keys: [], cols: [] };
    const keys = Object.keys(rows[0]!);
    const cols = keys.map(() => new ColumnBuilder(n));
    for (let r = 0; r < n; r++) {
      const row = rows[r] as Row;
      let k = 0;
      for (const key in row) {
        if (keys[k] !== key) return { rows };
        cols[k]!.push(row[key]);
        k++;
      }
      if (k !== keys.length) return { rows };
    }
    return { n, keys, cols: cols.map((c) => c.finish(this)) };
  }
}

/**
 * Accounts by column, with two lists that grow with trading taken out: every account's order timestamps and trades of
 * the day, each stored as one list for all accounts plus a count per account.
 */
function packAccounts(w: ColumnWriter, accounts: readonly AccountState[]): PackedAccounts {
  const recent: number[] = [];
  const recentCounts: number[] = [];
  const trades: AccountTrade[] = [];
  const tradeCounts: number[] = [];
  const rest = accounts.map((a) => {
    const { recentOrders, tradesToday, ...others } = a;
    for (const t of recentOrders) recent.push(t);
    recentCounts.push(recentOrders.length);
    for (const t of tradesToday) trades.push(t);
    tradeCounts.push(tradesToday.length);
    return others;
  });
  return {
    accounts: w.rows(rest),
    recentCounts: w.column(recentCounts),
    recent: w.column(recent),
    tradeCounts: w.column(tradeCounts),
    trades: w.rows(trades),
  };
}

/** The state as stored, in format 2. */
export function encodeState(state: EngineState): { format: number; bytes: Buffer } {
  return encodeExport(() => state);
}

/**
 * An engine's state as stored, in format 2, from `exportWith(packer)` (`Engine.exportState`): the engine hands the
 * lists that grow with the book to the packer column by column, so no row object is made for them. The bytes decode
 * to what `encodeState(engine.exportState())` would give.
 */
export function encodeExport(exportWith: (packer: ListPacker) => EngineState): { format: number; bytes: Buffer } {
  const w = new ColumnWriter();
  const state = exportWith(w);
  type Listed = readonly object[] | PackedByExport;
  const header = {
    ...state,
    instruments: state.instruments.map((i) => ({
      ...i,
      bids: w.listOf(i.bids as Listed),
      asks: w.listOf(i.asks as Listed),
      stops: w.rows(i.stops),
    })),
    ledger:
      state.ledger === null
        ? null
        : {
            ...state.ledger,
            holds: w.listOf(state.ledger.holds as Listed),
            accounts: packAccounts(w, state.ledger.accounts),
          },
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const start = 4 + head.byteLength + ((8 - ((4 + head.byteLength) % 8)) % 8);
  const out = Buffer.alloc(start + w.length);
  out.writeUInt32LE(head.byteLength, 0);
  head.copy(out, 4);
  let at = start;
  for (const p of w.parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return { format: SNAPSHOT_FORMAT_PACKED, bytes: out };
}

/**
 * Row builders for the lists the engine exports, by their keys: an object literal gives every row its shape at once,
 * several times faster than adding keys one by one (any other key list is built key by key).
 */
const BUILDERS = new Map<string, (c: readonly Column[], r: number) => Row>([
  [
    'orderId,accountId,price,remaining,filled,tif,postOnly,stp',
    (c, r) => ({
      orderId: c[0]![r],
      accountId: c[1]![r],
      price: c[2]![r],
      remaining: c[3]![r],
      filled: c[4]![r],
      tif: c[5]![r],
      postOnly: c[6]![r],
      stp: c[7]![r],
    }),
  ],
  [
    'orderId,accountId,side,type,tif,price,stopPrice,volume,stp',
    (c, r) => ({
      orderId: c[0]![r],
      accountId: c[1]![r],
      side: c[2]![r],
      type: c[3]![r],
      tif: c[4]![r],
      price: c[5]![r],
      stopPrice: c[6]![r],
      volume: c[7]![r],
      stp: c[8]![r],
    }),
  ],
  [
    'orderId,accountId,instrumentId,side,offset,holdPrice,remaining,reservedYesterday,reservedToday,frozenMargin,frozenCommission,frozenCash',
    (c, r) => ({
      orderId: c[0]![r],
      accountId: c[1]![r],
      instrumentId: c[2]![r],
      side: c[3]![r],
      offset: c[4]![r],
      holdPrice: c[5]![r],
      remaining: c[6]![r],
      reservedYesterday: c[7]![r],
      reservedToday: c[8]![r],
      frozenMargin: c[9]![r],
      frozenCommission: c[10]![r],
      frozenCash: c[11]![r],
    }),
  ],
  [
    'tradeId,orderId,instrumentId,side,offset,price,volume,commission,closeProfit',
    (c, r) => ({
      tradeId: c[0]![r],
      orderId: c[1]![r],
      instrumentId: c[2]![r],
      side: c[3]![r],
      offset: c[4]![r],
      price: c[5]![r],
      volume: c[6]![r],
      commission: c[7]![r],
      closeProfit: c[8]![r],
    }),
  ],
]);

function packingError(path: string, what: string): Error {
  return new Error(`snapshot: ${path} ${what}`);
}

/** Reads packed lists back out of the column area (8-byte aligned, so float64 columns are views, not copies). */
class ColumnReader {
  constructor(private readonly area: Uint8Array) {}

  private slice(off: unknown, bytes: number, path: string): Uint8Array {
    if (typeof off !== 'number' || !Number.isSafeInteger(off) || off < 0 || off % 8 !== 0) {
      throw packingError(path, 'has a bad column offset');
    }
    if (off + bytes > this.area.byteLength) throw packingError(path, 'has a column beyond the end');
    return this.area.subarray(off, off + bytes);
  }

  column(d: ColumnDescriptor, n: number, path: string): Column {
    if (typeof d !== 'object' || d === null) throw packingError(path, 'has a malformed column');
    if (d.t === 'i32') {
      const b = this.slice(d.off, n * 4, path);
      return new Int32Array(b.buffer, b.byteOffset, n);
    }
    if (d.t === 'f64') {
      const b = this.slice(d.off, n * 8, path);
      return new Float64Array(b.buffer, b.byteOffset, n);
    }
    if (!Array.isArray(d.values)) throw packingError(path, 'has a column without values');
    if (d.t === 'json') {
      if (d.values.length !== n) throw packingError(path, 'has a column of the wrong length');
      return d.values;
    }
    if (d.t !== 'dict') throw packingError(path, 'has a column of an unknown kind');
    const b = this.slice(d.off, n * 2, path);
    const codes = new Uint16Array(b.buffer, b.byteOffset, n);
    const values = d.values;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= values.length) throw packingError(path, 'has a code beyond its values');
      out[i] = values[c];
    }
    return out;
  }

  list(x: unknown, path: string): Row[] {
    if (typeof x !== 'object' || x === null) throw packingError(path, 'is not a packed list');
    if ('rows' in x) {
      const rows = (x as { rows: unknown }).rows;
      if (!Array.isArray(rows)) throw packingError(path, 'is not a packed list');
      return rows as Row[];
    }
    const { n, keys, cols } = x as Partial<PackedList>;
    if (
      typeof n !== 'number' ||
      !Number.isSafeInteger(n) ||
      n < 0 ||
      !Array.isArray(keys) ||
      !Array.isArray(cols) ||
      keys.length !== cols.length ||
      keys.some((k) => typeof k !== 'string')
    ) {
      throw packingError(path, 'is not a packed list');
    }
    if (n === 0) return [];
    if (keys.length === 0) throw packingError(path, 'has rows but no keys');
    const c = cols.map((d) => this.column(d, n, path));
    const out = new Array<Row>(n);
    const build = BUILDERS.get(keys.join(','));
    if (build !== undefined) {
      for (let r = 0; r < n; r++) out[r] = build(c, r);
      return out;
    }
    for (let r = 0; r < n; r++) {
      const row: Row = {};
      for (let k = 0; k < keys.length; k++) row[keys[k]!] = c[k]![r];
      out[r] = row;
    }
    return out;
  }
}

/** The accounts back, each with its order timestamps and trades of the day. */
function unpackAccounts(reader: ColumnReader, x: unknown): Row[] {
  const path = 'ledger.accounts';
  if (typeof x !== 'object' || x === null) throw packingError(path, 'is not packed accounts');
  const p = x as PackedAccounts;
  const accounts = reader.list(p.accounts, path);
  const n = accounts.length;
  const recentCounts = reader.column(p.recentCounts, n, `${path}.recentCounts`);
  const tradeCounts = reader.column(p.tradeCounts, n, `${path}.tradeCounts`);
  let recentTotal = 0;
  let tradeTotal = 0;
  for (let i = 0; i < n; i++) {
    const rc = recentCounts[i];
    const tc = tradeCounts[i];
    if (!Number.isSafeInteger(rc) || (rc as number) < 0 || !Number.isSafeInteger(tc) || (tc as number) < 0) {
      throw packingError(path, 'has a bad count');
    }
    recentTotal += rc as number;
    tradeTotal += tc as number;
  }
  const recent = reader.column(p.recent, recentTotal, `${path}.recent`);
  const trades = reader.list(p.trades, `${path}.trades`);
  if (trades.length !== tradeTotal) throw packingError(path, 'counts trades it does not have');
  let ri = 0;
  let ti = 0;
  for (let i = 0; i < n; i++) {
    const rc = recentCounts[i] as number;
    const tc = tradeCounts[i] as number;
    const a = accounts[i]!;
    const times = new Array<unknown>(rc);
    for (let k = 0; k < rc; k++) times[k] = recent[ri + k];
    a.recentOrders = times;
    a.tradesToday = trades.slice(ti, ti + tc);
    ri += rc;
    ti += tc;
  }
  return accounts;
}

/** The engine state back from stored bytes of either format. Throws on bytes that are not a snapshot of that format. */
export function decodeState(format: number, bytes: Uint8Array): EngineState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === SNAPSHOT_FORMAT_PLAIN) return JSON.parse(buf.toString('utf8')) as EngineState;
  if (format !== SNAPSHOT_FORMAT_PACKED) throw new Error(`snapshot: unknown format ${format}`);
  if (buf.byteLength < 4) throw new Error('snapshot: too short');
  const headLength = buf.readUInt32LE(0);
  if (4 + headLength > buf.byteLength) throw new Error('snapshot: header beyond the end');
  const header = JSON.parse(buf.toString('utf8', 4, 4 + headLength)) as Row;
  const start = 4 + headLength + ((8 - ((4 + headLength) % 8)) % 8);
  // float64 views need 8-byte alignment in memory too: copy the column area when the bytes do not give it
  let area: Uint8Array = buf.subarray(Math.min(start, buf.byteLength));
  if (area.byteOffset % 8 !== 0) area = new Uint8Array(area);
  const reader = new ColumnReader(area);
  const instruments = header.instruments;
  if (!Array.isArray(instruments)) throw new Error('snapshot: instruments is not a list');
  const ledger = header.ledger as Row | null;
  return {
    ...header,
    instruments: instruments.map((i: Row, n) => ({
      ...i,
      bids: reader.list(i.bids, `instruments[${n}].bids`),
      asks: reader.list(i.asks, `instruments[${n}].asks`),
      stops: reader.list(i.stops, `instruments[${n}].stops`),
    })),
    ledger:
      ledger === null || typeof ledger !== 'object'
        ? ledger
        : {
            ...ledger,
            holds: reader.list(ledger.holds, 'ledger.holds'),
            accounts: unpackAccounts(reader, ledger.accounts),
          },
  } as unknown as EngineState;
}
