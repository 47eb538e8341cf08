/** Requests a matching shard answers, and its reply (src-main/host/shards.ts <-> shard-worker.ts). */
import type { ModifyOrder, PlaceOrder } from '../../src-engine/domain/commands.ts';
import type { EngineEvent } from '../../src-engine/domain/events.ts';
import type { InstrumentSpec } from '../../src-engine/domain/instrument.ts';
import type { CancelReason, Phase, Side, StpMode } from '../../src-engine/domain/order.ts';
import type { InstrumentState } from '../../src-engine/state.ts';

type Base = { readonly i: string; readonly t: number };

export type ShardRequest = Base &
  (
    | { readonly o: 'add'; readonly spec: InstrumentSpec }
    | { readonly o: 'setSpec'; readonly spec: InstrumentSpec }
    | { readonly o: 'setMark'; readonly price: number | null }
    | { readonly o: 'checkCross'; readonly cmd: PlaceOrder; readonly postOnly: boolean }
    | { readonly o: 'place'; readonly cmd: PlaceOrder; readonly postOnly: boolean; readonly stp: StpMode }
    | { readonly o: 'cancel'; readonly orderId: number; readonly reason: CancelReason }
    | { readonly o: 'modify'; readonly cmd: ModifyOrder }
    | { readonly o: 'setPhase'; readonly to: Phase }
    | { readonly o: 'cancelAll'; readonly reason: CancelReason }
    | { readonly o: 'get'; readonly orderId: number }
    | {
        readonly o: 'fillable';
        readonly side: Side;
        /** null: no limit (JSON has no infinities) */
        readonly limit: number | null;
        readonly volume: number;
        readonly accountId: number;
        readonly stp: StpMode;
      }
    | { readonly o: 'depth'; readonly levels: number }
    | { readonly o: 'orders' }
    | { readonly o: 'orderIds' }
    | { readonly o: 'stops' }
    | { readonly o: 'validate' }
    | { readonly o: 'digest' }
    | { readonly o: 'export' }
    | { readonly o: 'restore'; readonly state: InstrumentState }
  );

/** Every reply carries the instrument's mirrored fields, so the main thread reads them without a call. */
export interface ShardReply {
  readonly r: unknown;
  readonly e: EngineEvent[];
  /** the engine's last trade id after the call */
  readonly t: number;
  /** orders that left the instrument for good during the call */
  readonly g: number[];
  readonly p: Phase;
  readonly l: number | null;
  readonly k: number | null;
  /** best bid, null when none */
  readonly b: number | null;
  /** resting orders */
  readonly n: number;
}
