/**
 * A seeded synthetic order flow for demos, crash tests and benchmarks: futures accounts that deposit, then place
 * limit orders around each instrument's reference price (some crossing, most resting), close what they hold now
 * and then, and cancel some of their resting orders. Deterministic for a seed.
 */
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import type { CommandInput } from './exchange.ts';

/** xorshift32: small, fast, deterministic. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** 0 <= n < bound */
  int(bound: number): number {
    return this.next() % bound;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
}

export interface FlowOptions {
  readonly seed: number;
  /** Account ids firstAccount .. firstAccount + accounts - 1. */
  readonly accounts: number;
  readonly firstAccount?: number;
  /** Futures instruments to trade (a reference price each). */
  readonly instruments: readonly InstrumentSpec[];
  /** Share of new orders priced to cross (default 0.2); the rest rest 1..spread ticks away. */
  readonly crossShare?: number;
  /** Share of steps that cancel an earlier order (default 0.2). */
  readonly cancelShare?: number;
  /** Ticks away from the reference for resting orders (default 50). */
  readonly spreadTicks?: number;
  /** Deposit per account, minor units (default 10^11 = 1 billion). */
  readonly deposit?: number;
}

export class OrderFlow {
  private readonly rng: Rng;
  private readonly first: number;
  /** Order ids this flow placed (as the exchange assigned them) and their accounts, most recent last, for cancels. */
  private readonly placed: number[] = [];
  private readonly owners: number[] = [];
  /** The account of the last PlaceOrder `next` returned, until `placedOrder` names its id. */
  private lastPlacer = 0;

  constructor(private readonly o: FlowOptions) {
    this.rng = new Rng(o.seed);
    this.first = o.firstAccount ?? 1;
  }

  /** CreateAccount + Deposit for every account. */
  setup(): CommandInput[] {
    const out: CommandInput[] = [];
    for (let i = 0; i < this.o.accounts; i++) {
      const accountId = this.first + i;
      out.push({ kind: 'CreateAccount', accountId, userId: accountId, accountKind: 'futures' });
      out.push({ kind: 'Deposit', accountId, amount: this.o.deposit ?? 100_000_000_000 });
    }
    return out;
  }

  /** Tell the flow the id the last PlaceOrder got, so a later step can cancel it (as its owner). */
  placedOrder(orderId: number): void {
    this.placed.push(orderId);
    this.owners.push(this.lastPlacer);
    if (this.placed.length > 4096) {
      this.placed.splice(0, 2048);
      this.owners.splice(0, 2048);
    }
  }

  next(): CommandInput {
    const rng = this.rng;
    const o = this.o;
    const accountId = this.first + rng.int(o.accounts);
    if (this.placed.length > 0 && rng.chance(o.cancelShare ?? 0.2)) {
      const i = rng.int(this.placed.length);
      const orderId = this.placed[i]!;
      const owner = this.owners[i]!;
      this.placed[i] = this.placed[this.placed.length - 1]!;
      this.owners[i] = this.owners[this.owners.length - 1]!;
      this.placed.pop();
      this.owners.pop();
      return { kind: 'CancelOrder', orderId, accountId: owner };
    }
    const spec = o.instruments[rng.int(o.instruments.length)]!;
    const ref = spec.referencePrice ?? spec.priceTick * 1000;
    const side = rng.chance(0.5) ? 'buy' : 'sell';
    const dir = side === 'buy' ? 1 : -1;
    const cross = rng.chance(o.crossShare ?? 0.2);
    const ticks = cross ? rng.int(3) : -(1 + rng.int(o.spreadTicks ?? 50));
    const price = ref + dir * ticks * spec.priceTick;
    const offset = cross && rng.chance(0.5) ? 'close' : 'open';
    this.lastPlacer = accountId;
    return {
      kind: 'PlaceOrder',
      accountId,
      instrumentId: spec.id,
      side,
      type: 'limit',
      tif: 'GFD',
      price,
      volume: 1 + rng.int(3),
      offset,
    };
  }
}
