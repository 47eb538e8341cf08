/**
 * Order entry as data: the draft a form holds (text as typed), its validation against the instrument (the same
 * rules the engine applies, so most mistakes are shown before sending), the request it becomes, and the mapping
 * of the API's refusals back onto the form's fields (schema paths of API_VALIDATION_FAILED and reject codes).
 */
import type { PlaceOrder } from '../api/client.ts';
import type { InstrumentSpec, Offset, OrderType, Side, Stp, Tif } from '../api/types.ts';
import { formatPrice, parseFixed, parseWhole } from './format.ts';

export interface OrderDraft {
  accountId: number | null;
  side: Side;
  type: OrderType;
  tif: Tif;
  offset: Offset;
  price: string;
  stopPrice: string;
  volume: string;
  postOnly: boolean;
  /** Self-trade prevention; '' leaves the exchange's default. */
  stp: Stp | '';
}

export type OrderField =
  | 'account'
  | 'side'
  | 'type'
  | 'tif'
  | 'offset'
  | 'price'
  | 'stopPrice'
  | 'volume'
  | 'postOnly'
  | 'stp'
  | 'form';

export type FieldErrors = Partial<Record<OrderField, string>>;

export function emptyDraft(accountId: number | null = null): OrderDraft {
  return {
    accountId,
    side: 'buy',
    type: 'limit',
    tif: 'GFD',
    offset: 'open',
    price: '',
    stopPrice: '',
    volume: '1',
    postOnly: false,
    stp: '',
  };
}

/** The times in force the engine accepts with each order type. */
export function tifsFor(type: OrderType): Tif[] {
  switch (type) {
    case 'market':
      return ['IOC', 'FOK'];
    case 'stop':
      return ['IOC'];
    default:
      return ['GFD', 'GTC', 'IOC', 'FOK'];
  }
}

export function needsPrice(type: OrderType): boolean {
  return type === 'limit' || type === 'stopLimit';
}

export function needsStopPrice(type: OrderType): boolean {
  return type === 'stop' || type === 'stopLimit';
}

/** A draft made consistent after its type changed: a time in force the type accepts, no post-only where invalid. */
export function withType(d: OrderDraft, type: OrderType): OrderDraft {
  const tifs = tifsFor(type);
  const tif = tifs.includes(d.tif) ? d.tif : tifs[0]!;
  return { ...d, type, tif, postOnly: type === 'limit' && (tif === 'GFD' || tif === 'GTC') ? d.postOnly : false };
}

/** The limit-up / limit-down band of an instrument (as the engine computes it), or null. */
export function priceBand(spec: InstrumentSpec): { lower: number; upper: number } | null {
  const ref = spec.referencePrice;
  if (ref === null || spec.band.kind === 'none') return null;
  const tick = spec.priceTick;
  let lower: number;
  let upper: number;
  if (spec.band.kind === 'ticks') {
    lower = ref - spec.band.ticks * tick;
    upper = ref + spec.band.ticks * tick;
  } else {
    const up = Math.floor((ref * (10_000 + spec.band.bps)) / 10_000);
    const down = Math.ceil((ref * Math.max(0, 10_000 - spec.band.bps)) / 10_000);
    upper = up - (up % tick);
    lower = down % tick === 0 ? down : down + (tick - (down % tick));
  }
  if (lower < tick) lower = tick;
  return { lower, upper };
}

function checkPrice(
  text: string,
  spec: InstrumentSpec,
  label: string,
  band: boolean,
): { value?: number; error?: string } {
  if (text.trim() === '') return { error: `Enter a ${label}.` };
  const p = parseFixed(text, spec.priceDecimals);
  if (p === null) {
    return {
      error:
        spec.priceDecimals === 0
          ? `The ${label} is a whole number.`
          : `The ${label} is a number with at most ${spec.priceDecimals} decimal${spec.priceDecimals === 1 ? '' : 's'}.`,
    };
  }
  if (p <= 0) return { error: `The ${label} must be above zero.` };
  if (p % spec.priceTick !== 0) {
    return { error: `The ${label} must be a multiple of the tick ${formatPrice(spec.priceTick, spec.priceDecimals)}.` };
  }
  if (band) {
    const b = priceBand(spec);
    if (b !== null && (p < b.lower || p > b.upper)) {
      return {
        error: `The ${label} is outside the band ${formatPrice(b.lower, spec.priceDecimals)} – ${formatPrice(b.upper, spec.priceDecimals)}.`,
      };
    }
  }
  return { value: p };
}

export type Validation = { ok: true; order: PlaceOrder } | { ok: false; errors: FieldErrors };

/** Checks a draft against the instrument; the order to send, or what is wrong with which field. */
export function validateOrder(d: OrderDraft, spec: InstrumentSpec | undefined): Validation {
  const errors: FieldErrors = {};
  if (spec === undefined) return { ok: false, errors: { form: 'Pick an instrument.' } };
  if (d.accountId === null) errors.account = 'Pick an account.';
  if (spec.status !== 'active') errors.form = `${spec.id} is ${spec.status}: it takes no orders.`;
  const volume = parseWhole(d.volume);
  if (volume === null || volume <= 0) errors.volume = 'The volume is a whole number above zero.';
  else if (volume % spec.lotSize !== 0)
    errors.volume = `The volume must be a multiple of the lot size ${spec.lotSize}.`;
  else if (volume > spec.maxOrderVolume) errors.volume = `The volume is at most ${spec.maxOrderVolume}.`;
  if (!tifsFor(d.type).includes(d.tif)) errors.tif = `A ${d.type} order takes ${tifsFor(d.type).join(' or ')}.`;
  if (d.postOnly && (d.type !== 'limit' || (d.tif !== 'GTC' && d.tif !== 'GFD'))) {
    errors.postOnly = 'Post-only is for limit orders that rest (GFD or GTC).';
  }
  let price: number | undefined;
  if (needsPrice(d.type)) {
    const r = checkPrice(d.price, spec, 'price', true);
    if (r.error !== undefined) errors.price = r.error;
    price = r.value;
  }
  let stopPrice: number | undefined;
  if (needsStopPrice(d.type)) {
    const r = checkPrice(d.stopPrice, spec, 'stop price', false);
    if (r.error !== undefined) errors.stopPrice = r.error;
    stopPrice = r.value;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const order: PlaceOrder = {
    accountId: d.accountId!,
    instrumentId: spec.id,
    side: d.side,
    type: d.type,
    tif: d.tif,
    volume: volume!,
  };
  // stocks ignore the offset (a buy opens, a sell closes)
  if (spec.kind === 'future') order.offset = d.offset;
  if (price !== undefined) order.price = price;
  if (stopPrice !== undefined) order.stopPrice = stopPrice;
  if (d.postOnly) order.postOnly = true;
  if (d.stp !== '') order.stp = d.stp;
  return { ok: true, order };
}

const CODE_FIELDS: Readonly<Record<string, OrderField>> = {
  VALIDATION_PRICE_NOT_POSITIVE: 'price',
  VALIDATION_PRICE_NOT_ON_TICK: 'price',
  VALIDATION_PRICE_OUT_OF_BAND: 'price',
  MATCHING_POST_ONLY_WOULD_CROSS: 'postOnly',
  VALIDATION_VOLUME_NOT_POSITIVE: 'volume',
  VALIDATION_VOLUME_NOT_LOT_MULTIPLE: 'volume',
  VALIDATION_VOLUME_ABOVE_MAXIMUM: 'volume',
  RISK_INSUFFICIENT_FUNDS: 'volume',
  RISK_RATIO_CAP: 'volume',
  RISK_NO_POSITION_TO_CLOSE: 'offset',
  ACCOUNT_KIND_MISMATCH: 'offset',
  VALIDATION_STOP_PRICE_INVALID: 'stopPrice',
  MATCHING_STOP_WOULD_TRIGGER_NOW: 'stopPrice',
  VALIDATION_INVALID_ORDER_COMBINATION: 'tif',
  MATCHING_ORDER_TYPE_NOT_IN_PHASE: 'type',
  RISK_MARKET_ORDER_NEEDS_BAND: 'type',
  RISK_SELF_TRADE: 'stp',
  ACCOUNT_UNKNOWN: 'account',
  ACCOUNT_FROZEN: 'account',
  API_FORBIDDEN: 'account',
};

const PATH_FIELDS: Readonly<Record<string, OrderField>> = {
  accountId: 'account',
  side: 'side',
  type: 'type',
  tif: 'tif',
  offset: 'offset',
  price: 'price',
  stopPrice: 'stopPrice',
  volume: 'volume',
  postOnly: 'postOnly',
  stp: 'stp',
};

/** The API's answer to a refused order, placed next to the fields it is about (else on the form). */
export function errorsFromApi(e: { code: string; message: string; details?: unknown }): FieldErrors {
  const out: FieldErrors = {};
  if (e.code === 'API_VALIDATION_FAILED' && Array.isArray(e.details)) {
    for (const d of e.details as { path?: unknown; message?: unknown }[]) {
      const path = typeof d.path === 'string' ? d.path : '';
      const key = path.split('/').filter((x) => x !== '')[0] ?? '';
      const field = PATH_FIELDS[key] ?? 'form';
      const msg = typeof d.message === 'string' ? d.message : e.message;
      out[field] = out[field] === undefined ? msg : `${out[field]}; ${msg}`;
    }
    if (Object.keys(out).length > 0) return out;
  }
  const field = CODE_FIELDS[e.code] ?? 'form';
  out[field] = `${e.message} (${e.code})`;
  return out;
}
