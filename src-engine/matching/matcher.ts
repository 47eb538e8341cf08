/**
 * What the engine and the ledger use of one instrument's matching: the InstrumentMatcher on its book (inline), or a
 * proxy to the same class in a matching shard (src-main/host/shards.ts). Both run the same matching code; the
 * engine's stages stay synchronous, so every placement gives the same events.
 */
import type { Depth, RestingOrder, RestingOrderRecord } from '../book/order-book.ts';
import type { ModifyOrder, PlaceOrder } from '../domain/commands.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { Price, Volume } from '../domain/fixed-point.ts';
import type { AccountId, OrderId } from '../domain/ids.ts';
import type { InstrumentSpec, PriceBand } from '../domain/instrument.ts';
import type { CancelReason, Phase, Side, StpMode } from '../domain/order.ts';
import type { Reject } from '../domain/reject-codes.ts';
import type { InstrumentState, ListPacker } from '../state.ts';
import type { MatcherHost, PendingStop } from './instrument-matcher.ts';

/** The read side of a book that the engine and the ledger use. */
export interface BookView {
  readonly size: number;
  get(orderId: OrderId, into?: RestingOrderRecord): RestingOrder | undefined;
  /** NaN when there is no bid. */
  bestBid(): Price;
  fillable(side: Side, limit: Price, volume: Volume, accountId: AccountId, stp: StpMode): Volume;
  depth(levels: number): Depth;
  orders(): RestingOrder[];
  /** The ids of `orders()`, in the same order, without building the orders. */
  orderIds(): OrderId[];
}

export interface Matcher {
  readonly id: string;
  readonly spec: InstrumentSpec;
  readonly band: PriceBand | null;
  readonly phase: Phase;
  readonly lastPrice: Price | null;
  markPrice: Price | null;
  readonly unitValue: number;
  readonly book: BookView;
  readonly stops: readonly PendingStop[];
  mark(): Price;
  setSpec(spec: InstrumentSpec): void;
  checkVolume(volume: Volume): Reject | null;
  checkPrice(price: Price): Reject | null;
  checkPhase(cmd: PlaceOrder, postOnly: boolean): Reject | null;
  checkCross(cmd: PlaceOrder, postOnly: boolean): Reject | null;
  place(cmd: PlaceOrder, postOnly: boolean, stp: StpMode, out: EngineEvent[]): void;
  cancel(orderId: OrderId, o: RestingOrder | undefined, out: EngineEvent[], reason?: CancelReason): void;
  modify(cmd: ModifyOrder, o: RestingOrder, out: EngineEvent[]): Reject | null;
  setPhase(to: Phase, out: EngineEvent[]): Reject | null;
  cancelAll(reason: CancelReason, out: EngineEvent[]): void;
  validateInternalState(): void;
  /** A hash of the instrument's whole state (spec, phase, prices, book, stops). */
  digest(): number;
  /** This instrument's part of a snapshot; with a packer, its resting orders go to the packer (`ListPacker`). */
  exportState(packer?: ListPacker): InstrumentState;
  restoreState(s: InstrumentState): void;
}

/** Makes the matcher of a new instrument (the engine's default: an InstrumentMatcher on a fresh book). */
export type MatcherFactory = (spec: InstrumentSpec, host: MatcherHost) => Matcher;
