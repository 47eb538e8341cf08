/**
 * Identifiers. Order and account ids are positive safe integers chosen by the caller (the host's sequencer
 * or a test); instrument ids are short symbols. Trade ids are assigned by the engine, in sequence.
 */
export type OrderId = number;
export type AccountId = number;
export type TradeId = number;
export type InstrumentId = string;
export type Seq = number;
/** Timestamp supplied with each command (nanoseconds or milliseconds since an epoch of the host's choosing). */
export type Timestamp = number;

const INSTRUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

export function isInstrumentId(id: unknown): id is InstrumentId {
  return typeof id === 'string' && INSTRUMENT_ID.test(id);
}

export function isEntityId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}
