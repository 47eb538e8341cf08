/**
 * The baseline: the same command stream on nodejs-order-book (one OrderBook per instrument).
 *
 * Translation: PlaceOrder limit GTC/IOC → book.limit({ id, side, size, price, timeInForce }) (no accountId, so the
 * peer applies no self-trade prevention, like our stp 'none'); CancelOrder → book.cancel(id);
 * ModifyOrder → book.modify(id, { price, size }). Ids are strings in the peer, converted before timing.
 * Differences that favour the peer: it checks no tick, lot, band, phase or owner, and emits no events beyond its
 * result object. Differences against it: a modify always re-queues the order (even a volume reduction).
 */
import { type LimitOrderOptions, OrderBook, Side } from 'nodejs-order-book';
import type { Command } from '../../src-engine/domain/commands.ts';

type PeerTif = NonNullable<LimitOrderOptions['timeInForce']>;
const GTC = 'GTC' as PeerTif;
const IOC = 'IOC' as PeerTif;

export const PeerOpKind = { LIMIT: 0, CANCEL: 1, MODIFY: 2 } as const;

export interface PeerOp {
  readonly kind: 0 | 1 | 2;
  readonly book: number;
  readonly id: string;
  readonly limit: LimitOrderOptions | null;
  readonly update: { price: number; size: number } | null;
}

export class PeerTranslator {
  private readonly bookOf = new Map<string, number>();
  private readonly orderBook = new Map<number, number>();
  readonly instrumentIds: string[] = [];

  /** Translates one command; setup commands (AddInstrument, SetPhase) give null. */
  translate(cmd: Command): PeerOp | null {
    switch (cmd.kind) {
      case 'AddInstrument':
        this.bookOf.set(cmd.spec.id, this.instrumentIds.length);
        this.instrumentIds.push(cmd.spec.id);
        return null;
      case 'PlaceOrder': {
        if (cmd.type !== 'limit' || (cmd.tif !== 'GTC' && cmd.tif !== 'IOC')) {
          throw new Error(`peer translation: unsupported order ${cmd.type} ${cmd.tif}`);
        }
        const book = this.bookOf.get(cmd.instrumentId);
        if (book === undefined) throw new Error(`peer translation: unknown instrument ${cmd.instrumentId}`);
        this.orderBook.set(cmd.orderId, book);
        const id = String(cmd.orderId);
        return {
          kind: PeerOpKind.LIMIT,
          book,
          id,
          limit: {
            id,
            side: cmd.side === 'buy' ? Side.BUY : Side.SELL,
            size: cmd.volume,
            price: cmd.price,
            timeInForce: cmd.tif === 'IOC' ? IOC : GTC,
          },
          update: null,
        };
      }
      case 'CancelOrder':
        return {
          kind: PeerOpKind.CANCEL,
          book: this.bookFor(cmd.orderId),
          id: String(cmd.orderId),
          limit: null,
          update: null,
        };
      case 'ModifyOrder':
        return {
          kind: PeerOpKind.MODIFY,
          book: this.bookFor(cmd.orderId),
          id: String(cmd.orderId),
          limit: null,
          update: { price: cmd.price, size: cmd.volume },
        };
      default:
        return null;
    }
  }

  private bookFor(orderId: number): number {
    const b = this.orderBook.get(orderId);
    if (b === undefined) throw new Error(`peer translation: order ${orderId} was never placed`);
    return b;
  }
}

export function translateStream(
  setup: readonly Command[],
  ops: readonly Command[],
): { setup: PeerOp[]; ops: PeerOp[] } {
  const t = new PeerTranslator();
  const s: PeerOp[] = [];
  for (const c of setup) {
    const op = t.translate(c);
    if (op !== null) s.push(op);
  }
  const o: PeerOp[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = t.translate(ops[i]!);
    if (op === null) throw new Error(`peer translation: stream command ${i} has no peer equivalent`);
    o[i] = op;
  }
  return { setup: s, ops: o };
}

export function newPeerBooks(n: number): OrderBook[] {
  const books: OrderBook[] = [];
  for (let i = 0; i < n; i++) books.push(new OrderBook());
  return books;
}

/** Applies one op; returns true when the peer accepted it (no error, cancel found its order). */
export function applyPeer(books: readonly OrderBook[], op: PeerOp): boolean {
  const book = books[op.book]!;
  switch (op.kind) {
    case PeerOpKind.LIMIT:
      return book.limit(op.limit!).err === null;
    case PeerOpKind.CANCEL:
      return book.cancel(op.id) !== undefined;
    default:
      return book.modify(op.id, op.update!).err === null;
  }
}

export { OrderBook as PeerOrderBook, Side as PeerSide };
