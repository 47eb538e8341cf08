/**
 * Which holders intraday risk must check exactly (docs/accounts.md, "Intraday risk"). The engine's exact rule checks
 * every holder of every instrument that traded; this filter finds the few holders whose check could come out
 * differently from "below the threshold, balance not negative", so that checking only those gives the very same
 * events and state.
 *
 * An exact check of a futures account keys it: with margin g, balance b and threshold T, the account is safe (risk
 * ratio below T and balance not below zero) while its balance stays at or above
 *   B* = ceil(g × 1e6 / (T − 1)) (at least 1)   when g > 0: then g × 1e6 / balance ≤ T − 1, so the ratio, rounded up, is
 *                                               at most T − 1; and the balance is positive;
 *   B* = 0                                      when g = 0 (ratio 0, and the balance must not go negative).
 * Its cushion C = b − B* is what it can lose. Margin, funds and positions change only through the ledger, which marks
 * the account touched; marks move its balance linearly: Δbalance = Σ net volume × unit value × Δmark. With
 * W = Σ |net volume| × unit value over its positions, every position may move τ = floor(C / W) price units against it:
 * a long gets a trigger at mark − τ (in its instrument's `long` heap), a short at mark + τ (`short` heap). While no
 * trigger is crossed, the loss is at most W × τ ≤ C, so the account is safe. Whenever a mark may have moved (the
 * instruments that traded, before intraday risk and after each liquidation), crossed triggers are popped and their
 * accounts become suspects. Accounts with C < 0 (or with no cushion to speak of) are suspects from the start.
 *
 * Invariant between commands and at every check: a futures account that is neither a suspect nor touched by the
 * current command is safe (Engine.validateInternalState checks it). Keys are derived, never in a snapshot or the
 * hash: the filter is built from the accounts and marks on first use, after a restore and after every settlement
 * (the trading day changes), and re-keys accounts as commands change them.
 */
import type { TradeExecuted } from '../domain/events.ts';
import { mulDivCeil } from '../domain/fixed-point.ts';
import type { InstrumentId } from '../domain/ids.ts';
import { type Account, VALUED_STRIDE } from './account.ts';
import type { Ledger } from './ledger.ts';
import type { Valued } from './position.ts';

/** One exact look at an account: its triggers stay valid while its margin, funds and positions do. */
class RiskKey {
  live = true;
  /** The heaps holding this key's triggers (one per position with a net volume, but see `untriggered`). */
  readonly heaps: TriggerHeap[] = [];
  /** Shorts whose trigger would lie above every safe price, so they have none. */
  untriggered = 0;
  constructor(
    readonly account: Account,
    readonly margin: number,
    readonly funds: number,
    /** The account's valuation inputs when keyed (Account.valued(): a new array whenever its positions change). */
    readonly valued: readonly (Valued | number)[],
  ) {}
}

/** A binary min-heap of triggers (priority, key) in two parallel arrays; triggers of dead keys are dropped lazily. */
class TriggerHeap {
  private prio: number[] = [];
  private keys: RiskKey[] = [];
  /** About how many entries belong to dead keys (an upper bound; exact again after each compaction). */
  stale = 0;

  constructor(
    readonly instrument: Valued,
    readonly long: boolean,
  ) {}

  get size(): number {
    return this.prio.length;
  }

  push(p: number, k: RiskKey): void {
    if (this.stale > 32 && this.stale * 2 > this.prio.length) this.compact();
    const prio = this.prio;
    const keys = this.keys;
    let i = prio.length;
    prio.push(p);
    keys.push(k);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (prio[up]! <= p) break;
      prio[i] = prio[up]!;
      keys[i] = keys[up]!;
      i = up;
    }
    prio[i] = p;
    keys[i] = k;
    k.heaps.push(this);
  }

  /** Adds an entry without restoring the heap order (a build; `heapify` follows). */
  append(p: number, k: RiskKey): void {
    this.prio.push(p);
    this.keys.push(k);
    k.heaps.push(this);
  }

  /** Restores the heap order after `append`s. */
  heapify(): void {
    const prio = this.prio;
    const keys = this.keys;
    for (let i = (prio.length >> 1) - 1; i >= 0; i--) this.siftDown(i, prio[i]!, keys[i]!);
  }

  /** Removes every entry with priority below `limit`; the live keys among them go to `out`. */
  popBelow(limit: number, out: RiskKey[]): void {
    const prio = this.prio;
    const keys = this.keys;
    while (prio.length > 0 && prio[0]! < limit) {
      const k = keys[0]!;
      const lastP = prio.pop()!;
      const lastK = keys.pop()!;
      if (prio.length > 0) this.siftDown(0, lastP, lastK);
      if (k.live) out.push(k);
      else if (this.stale > 0) this.stale--;
    }
  }

  clear(): void {
    this.prio = [];
    this.keys = [];
    this.stale = 0;
  }

  /** Drops the entries of dead keys (in place) and restores the heap order. */
  private compact(): void {
    const prio = this.prio;
    const keys = this.keys;
    let n = 0;
    for (let i = 0; i < prio.length; i++) {
      const k = keys[i]!;
      if (!k.live) continue;
      prio[n] = prio[i]!;
      keys[n] = k;
      n++;
    }
    prio.length = n;
    keys.length = n;
    this.stale = 0;
    this.heapify();
  }

  private siftDown(i: number, p: number, k: RiskKey): void {
    const prio = this.prio;
    const keys = this.keys;
    const n = prio.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && prio[c + 1]! < prio[c]!) c++;
      if (prio[c]! >= p) break;
      prio[i] = prio[c]!;
      keys[i] = keys[c]!;
      i = c;
    }
    prio[i] = p;
    keys[i] = k;
  }

  /** Every live entry's trigger is not crossed at `limit` (for validation). */
  liveBelow(limit: number): RiskKey | null {
    for (let i = 0; i < this.prio.length; i++) {
      if (this.keys[i]!.live && this.prio[i]! < limit) return this.keys[i]!;
    }
    return null;
  }
}

/** An instrument's triggers: longs as −(mark − τ) (popped when the mark falls below), shorts as mark + τ. */
class Triggers {
  readonly long: TriggerHeap;
  readonly short: TriggerHeap;
  constructor(readonly instrument: Valued) {
    this.long = new TriggerHeap(instrument, true);
    this.short = new TriggerHeap(instrument, false);
  }
}

/**
 * The accounts one pass of intraday risk over an instrument's holders must check, in the holders' own order
 * (Position.holderSeq), including accounts that become candidates during the pass and join the holders behind the
 * account being checked, exactly as the pass over the live set would reach them.
 */
class PassQueue {
  private seqs: number[] = [];
  private accounts: Account[] = [];
  private readonly offered = new Map<Account, number>();
  private instrumentId: InstrumentId = '';
  private holders: ReadonlySet<Account> | null = null;
  /** The holderSeq of the account checked last: the pass has gone past every holder at or below it. */
  private at = 0;

  get active(): boolean {
    return this.holders !== null;
  }

  begin(instrumentId: InstrumentId, holders: ReadonlySet<Account>): void {
    this.instrumentId = instrumentId;
    this.holders = holders;
    this.at = 0;
    this.seqs.length = 0;
    this.accounts.length = 0;
    this.offered.clear();
  }

  end(): void {
    this.holders = null;
    this.seqs.length = 0;
    this.accounts.length = 0;
    this.offered.clear();
  }

  /** The account is a candidate: queue it when it holds the instrument at a place the pass has not reached. */
  offer(a: Account): void {
    const holders = this.holders;
    if (holders === null || a.kind === 'stock' || !holders.has(a)) return;
    const s = a.positions.get(this.instrumentId)!.holderSeq;
    if (s <= this.at || this.offered.get(a) === s) return;
    this.offered.set(a, s);
    const seqs = this.seqs;
    const accounts = this.accounts;
    let i = seqs.length;
    seqs.push(s);
    accounts.push(a);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (seqs[up]! <= s) break;
      seqs[i] = seqs[up]!;
      accounts[i] = accounts[up]!;
      i = up;
    }
    seqs[i] = s;
    accounts[i] = a;
  }

  /** The next candidate in the holders' order that still holds the instrument at that place, or null. */
  next(): Account | null {
    const seqs = this.seqs;
    const accounts = this.accounts;
    const holders = this.holders!;
    while (seqs.length > 0) {
      const s = seqs[0]!;
      const a = accounts[0]!;
      const lastS = seqs.pop()!;
      const lastA = accounts.pop()!;
      const n = seqs.length;
      if (n > 0) {
        let i = 0;
        for (;;) {
          let c = 2 * i + 1;
          if (c >= n) break;
          if (c + 1 < n && seqs[c + 1]! < seqs[c]!) c++;
          if (seqs[c]! >= lastS) break;
          seqs[i] = seqs[c]!;
          accounts[i] = accounts[c]!;
          i = c;
        }
        seqs[i] = lastS;
        accounts[i] = lastA;
      }
      // left the holders, or left and joined again (then queued again under its new place)
      if (!holders.has(a) || a.positions.get(this.instrumentId)!.holderSeq !== s) continue;
      this.at = s;
      return a;
    }
    return null;
  }
}

/** b − what the balance may not go below and stay safe (see the file comment); NaN when there is no cushion. */
function cushion(g: number, b: number, threshold: number): number {
  if (!Number.isSafeInteger(b) || !Number.isSafeInteger(g) || g < 0) return Number.NaN;
  let floor: number;
  if (g === 0) {
    // risk ratio 0: safe while 0 < threshold and the balance is not negative
    if (!(threshold > 0)) return Number.NaN;
    floor = 0;
  } else {
    // ratio = ceil(g × 1e6 / balance) < T when balance ≥ g × 1e6 / (T − 1) > 0
    if (!Number.isSafeInteger(threshold) || threshold < 2) return Number.NaN;
    floor = Math.max(1, mulDivCeil(g, 1_000_000, threshold - 1));
    if (!Number.isSafeInteger(floor)) return Number.NaN;
  }
  return b - floor;
}

/**
 * floor(c / w) for safe integers c ≥ 0, w ≥ 1, exactly: the floor of the rounded float quotient is the answer or one
 * more (only when the quotient lies within rounding of the next integer), and then (answer + 1) × w > c shows it.
 */
export function floorQuotient(c: number, w: number): number {
  const q = Math.floor(c / w);
  return q * w > c ? q - 1 : q;
}

function fundsOf(a: Account): number {
  return a.staticBalance + a.closeProfit - a.commission;
}

export class RiskFilter {
  private readonly keys = new Map<Account, RiskKey>();
  /** Accounts that must be checked exactly whenever intraday risk reaches them (until an exact check re-keys them). */
  readonly suspects = new Set<Account>();
  private readonly triggers = new Map<InstrumentId, Triggers>();
  /** The trading day the keys were made on; −1 before the first build. */
  private day = -1;
  private readonly popped: RiskKey[] = [];
  private readonly pass = new PassQueue();

  constructor(private readonly ledger: Ledger) {}

  /** Built, and no settlement since (settlement moves marks and margins of every account). */
  get current(): boolean {
    return this.day === this.ledger.tradingDay;
  }

  /** Builds the keys of every futures account from the accounts and marks as they are, when not current. */
  ensure(): void {
    if (this.current) return;
    for (const t of this.triggers.values()) {
      t.long.clear();
      t.short.clear();
    }
    this.keys.clear();
    this.suspects.clear();
    this.day = this.ledger.tradingDay;
    for (const a of this.ledger.accounts.values()) if (a.kind !== 'stock') this.rekey(a, true);
    for (const t of this.triggers.values()) {
      t.long.heapify();
      t.short.heapify();
    }
  }

  /** An exact look at the account now: a new key, or a suspect when it has no cushion. `bulk`: a build. */
  private rekey(a: Account, bulk = false): void {
    const old = this.keys.get(a);
    if (old !== undefined) {
      old.live = false;
      for (const h of old.heaps) h.stale++;
    }
    const b = a.balance();
    // instrument, net volume, costs, ... for the positions with volume (what the balance is computed from)
    const v = a.valued();
    const key = new RiskKey(a, a.margin, fundsOf(a), v);
    this.keys.set(a, key);
    let w = 0;
    for (let i = 0; i < v.length; i += VALUED_STRIDE) {
      const q = v[i + 1] as number;
      if (q !== 0) w += Math.abs(q) * (v[i] as Valued).unitValue;
    }
    const c = cushion(a.margin, b, this.ledger.risk.forceLiquidationPpm);
    if (!(c >= 0) || !Number.isSafeInteger(w)) {
      this.suspects.add(a);
      return;
    }
    this.suspects.delete(a);
    if (w === 0) return; // the balance does not depend on any mark
    const tau = floorQuotient(c, w);
    for (let i = 0; i < v.length; i += VALUED_STRIDE) {
      const q = v[i + 1] as number;
      if (q === 0) continue;
      const m = v[i] as Valued;
      const mark = m.mark();
      let t = this.triggers.get(m.id);
      if (t === undefined) {
        t = new Triggers(m);
        this.triggers.set(m.id, t);
      }
      const h = q > 0 ? t.long : t.short;
      const p = q > 0 ? tau - mark : mark + tau;
      if (!Number.isSafeInteger(p))
        key.untriggered++; // a short's trigger above every safe price is never crossed
      else if (bulk) h.append(p, key);
      else h.push(p, key);
    }
  }

  /**
   * Marks of `instruments` may have moved: accounts whose triggers they crossed become suspects; those that are
   * candidates of the pass in progress join it.
   */
  refresh(instruments: Iterable<Valued>): void {
    const popped = this.popped;
    popped.length = 0;
    for (const m of instruments) {
      const t = this.triggers.get(m.id);
      if (t === undefined) continue;
      const mark = m.mark();
      t.long.popBelow(-mark, popped);
      t.short.popBelow(mark, popped);
    }
    for (const k of popped) {
      const a = k.account;
      if (this.suspects.has(a)) continue;
      this.suspects.add(a);
      this.pass.offer(a);
    }
    popped.length = 0;
  }

  /** Starts a pass over the holders of one instrument: its candidates are the suspects and the touched accounts. */
  beginPass(instrumentId: InstrumentId, holders: ReadonlySet<Account>): void {
    const pass = this.pass;
    pass.begin(instrumentId, holders);
    for (const a of this.suspects) pass.offer(a);
    for (const a of this.ledger.touched) pass.offer(a);
  }

  /** The next holder the pass must check exactly, in the holders' order, or null when the pass is done. */
  nextCandidate(): Account | null {
    return this.pass.next();
  }

  endPass(): void {
    this.pass.end();
  }

  /**
   * After a liquidation (events from `from` on): marks of `traded` may have moved, and the accounts in its fills
   * changed (their keys are stale until the command ends; they are touched, so later passes check them).
   */
  afterLiquidation(traded: Iterable<Valued>, events: readonly { kind: string }[], from: number): void {
    this.refresh(traded);
    if (!this.pass.active) return;
    const accounts = this.ledger.accounts;
    for (let i = from; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind !== 'TradeExecuted') continue;
      const t = e as TradeExecuted;
      const buyer = accounts.get(t.buyAccountId);
      const seller = accounts.get(t.sellAccountId);
      if (buyer !== undefined) this.pass.offer(buyer);
      if (seller !== undefined) this.pass.offer(seller);
    }
  }

  /** An exact check found the account below the threshold: unless the command touched it, key it afresh. */
  checkedBelow(a: Account): void {
    if (!this.ledger.touched.has(a)) this.rekey(a);
  }

  /** Whether an account the command did not touch holds any of `instruments` (the exact pass would have seen it). */
  holdsAny(a: Account, instruments: Iterable<Valued>): boolean {
    for (const m of instruments) {
      if (this.ledger.holders.get(m.id)?.has(a) === true) return true;
    }
    return false;
  }

  /** The end of a command: accounts whose margin, funds or positions it changed (or suspects it touched) re-keyed. */
  endCommand(): void {
    if (!this.current) return;
    const ledger = this.ledger;
    for (const a of ledger.touched) {
      if (a.kind === 'stock') continue;
      const k = this.keys.get(a);
      if (
        k === undefined ||
        this.suspects.has(a) ||
        k.valued !== a.valued() ||
        k.margin !== a.margin ||
        k.funds !== fundsOf(a)
      ) {
        this.rekey(a);
      }
    }
  }

  /** Throws when the invariant does not hold (between commands): every futures account keyed; non-suspects safe. */
  validate(): void {
    const ledger = this.ledger;
    for (const [id, set] of ledger.holders) {
      let prev = 0;
      for (const a of set) {
        const s = a.positions.get(id)?.holderSeq ?? 0;
        if (s <= prev) throw new Error(`holders of ${id}: account ${a.id} out of order (${s} after ${prev})`);
        prev = s;
      }
    }
    if (!this.current) return;
    const threshold = ledger.risk.forceLiquidationPpm;
    for (const a of ledger.accounts.values()) {
      if (a.kind === 'stock') continue;
      const k = this.keys.get(a);
      if (k === undefined || !k.live) throw new Error(`risk filter: account ${a.id} has no key`);
      // (Ledger.validateInternalState checks that the valuation inputs are the positions')
      if (k.margin !== a.margin || k.funds !== fundsOf(a) || k.valued !== a.valued()) {
        throw new Error(`risk filter: account ${a.id} key is stale`);
      }
      if (this.suspects.has(a)) continue;
      // a trigger for every position with a net volume, on its side
      const sides = k.heaps.map((h) => `${h.instrument.id}:${h.long}`).sort();
      const want: string[] = [];
      const v = k.valued;
      for (let i = 0; i < v.length; i += VALUED_STRIDE) {
        const q = v[i + 1] as number;
        if (q !== 0) want.push(`${(v[i] as Valued).id}:${q > 0}`);
      }
      if (sides.length + k.untriggered !== want.length || sides.some((x) => !want.includes(x))) {
        throw new Error(`risk filter: account ${a.id} has triggers ${sides}, positions ${want.sort()}`);
      }
      if (!(a.riskRatio() < threshold) || a.balance() < 0) {
        throw new Error(`risk filter: account ${a.id} at ratio ${a.riskRatio()}, balance ${a.balance()} not a suspect`);
      }
    }
    for (const [id, t] of this.triggers) {
      const mark = t.instrument.mark();
      const k = t.long.liveBelow(-mark) ?? t.short.liveBelow(mark);
      if (k !== null && !this.suspects.has(k.account)) {
        throw new Error(`risk filter: a trigger of account ${k.account.id} in ${id} is crossed`);
      }
    }
  }
}
