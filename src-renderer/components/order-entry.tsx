/**
 * Order entry for every order type, time in force and futures offset. The draft is checked as the engine would
 * (order-form.ts) before sending; the API's refusals are shown next to the field they are about. Keyboard: every
 * control is labelled and reachable with Tab, Enter sends, ArrowUp/ArrowDown step the price by a tick and the volume
 * by a lot, Alt+B / Alt+S pick the side. A ladder click fills in the price (and side).
 */
import { type FormEvent, type KeyboardEvent, useEffect, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { OFFSETS, ORDER_TYPES, type Order, STPS } from '../api/types.ts';
import { formatPrice, formatVolume, parseFixed, parseWhole } from '../logic/format.ts';
import {
  emptyDraft,
  errorsFromApi,
  type FieldErrors,
  needsPrice,
  needsStopPrice,
  type OrderDraft,
  tifsFor,
  validateOrder,
  withType,
} from '../logic/order-form.ts';
import { useApp, useLive } from '../store/app-context.ts';
import { errorText, Field } from './common.tsx';

const TYPE_LABELS: Record<string, string> = { limit: 'Limit', market: 'Market', stop: 'Stop', stopLimit: 'Stop limit' };
const OFFSET_LABELS: Record<string, string> = { open: 'Open', close: 'Close', closeToday: 'Close today' };
const STP_LABELS: Record<string, string> = {
  '': 'Exchange default',
  cancelTaker: 'Cancel taker',
  cancelMaker: 'Cancel maker',
  cancelBoth: 'Cancel both',
  reject: 'Reject',
  none: 'Allow self-trade',
};

function describe(o: Order, decimals: number): string {
  const px = o.type === 'market' ? 'market' : formatPrice(o.price, decimals);
  return `Order ${o.orderId} ${o.status}: ${o.side} ${formatVolume(o.volume)} ${o.instrumentId} @ ${px}${
    o.filled > 0 ? `, filled ${formatVolume(o.filled)}` : ''
  }${o.reason ? ` (${o.reason})` : ''}`;
}

export function OrderEntry({ instrumentId }: { instrumentId: string }) {
  const { api, specs, accountId, setAccountId, accountList, ticket, session } = useApp();
  const spec = specs.get(instrumentId);
  const [draft, setDraft] = useState<OrderDraft>(() => emptyDraft(accountId));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const prefill = useLive(ticket);

  useEffect(() => setDraft((d) => ({ ...d, accountId })), [accountId]);
  // a new instrument: its prices differ, start from an empty price
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the instrument changes
  useEffect(() => {
    setDraft((d) => ({ ...d, price: '', stopPrice: '' }));
    setErrors({});
  }, [instrumentId]);
  useEffect(() => {
    if (prefill === null || spec === undefined) return;
    setDraft((d) => ({
      ...d,
      ...(prefill.price === undefined ? {} : { price: formatPrice(prefill.price, spec.priceDecimals) }),
      ...(prefill.side === undefined ? {} : { side: prefill.side }),
      ...(prefill.volume === undefined ? {} : { volume: String(prefill.volume) }),
      ...(d.type === 'market' || d.type === 'stop' ? withType(d, 'limit') : {}),
    }));
    setErrors({});
    // focus the volume so Enter sends the prefilled order
    document.getElementById('order-volume')?.focus();
  }, [prefill, spec]);

  if (spec === undefined) return <p className="muted">Pick an instrument.</p>;
  const d = spec.priceDecimals;
  const viewer = session.role === 'viewer';

  const set = <K extends keyof OrderDraft>(k: K, v: OrderDraft[K]) => {
    setDraft((x) => ({ ...x, [k]: v }));
    setErrors((e) => {
      const field = k === 'accountId' ? 'account' : (k as keyof FieldErrors);
      if (e[field] === undefined && e.form === undefined) return e;
      const { [field]: _gone, form: _form, ...rest } = e;
      return rest;
    });
  };

  const step = (k: 'price' | 'stopPrice' | 'volume', dir: 1 | -1) => {
    if (k === 'volume') {
      const v = parseWhole(draft.volume) ?? 0;
      set('volume', String(Math.max(spec.lotSize, v + dir * spec.lotSize)));
      return;
    }
    const cur = parseFixed(draft[k], d) ?? spec.referencePrice ?? spec.priceTick;
    const onTick = cur - (cur % spec.priceTick);
    const next = Math.max(
      spec.priceTick,
      (cur % spec.priceTick === 0 ? cur : dir === 1 ? onTick : onTick + spec.priceTick) + dir * spec.priceTick,
    );
    set(k, formatPrice(next, d));
  };
  const stepKeys = (k: 'price' | 'stopPrice' | 'volume') => (e: KeyboardEvent) => {
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      step(k, e.key === 'ArrowUp' ? 1 : -1);
    }
  };
  const formKeys = (e: KeyboardEvent) => {
    if (e.altKey && (e.key === 'b' || e.key === 'B')) {
      e.preventDefault();
      set('side', 'buy');
    } else if (e.altKey && (e.key === 's' || e.key === 'S')) {
      e.preventDefault();
      set('side', 'sell');
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    const v = validateOrder(draft, spec);
    if (!v.ok) {
      setErrors(v.errors);
      return;
    }
    setBusy(true);
    try {
      const r = await api.placeOrder(v.order);
      setErrors({});
      setResult(describe(r.order, d));
    } catch (err) {
      if (err instanceof ApiError) setErrors(errorsFromApi(err));
      else setErrors({ form: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const priceShown = needsPrice(draft.type);
  const stopShown = needsStopPrice(draft.type);
  const summary = `${draft.side === 'buy' ? 'Buy' : 'Sell'} ${draft.volume || '?'} ${spec.id}${
    priceShown ? ` @ ${draft.price || '?'}` : draft.type === 'market' ? ' at market' : ''
  }`;

  return (
    <form className="order-entry" onSubmit={submit} onKeyDown={formKeys} aria-label="Order entry" noValidate>
      <Field label="Account" error={errors.account}>
        {(p) => (
          <select
            {...p}
            value={draft.accountId ?? ''}
            onChange={(e) => {
              const id = Number(e.target.value);
              set('accountId', id);
              setAccountId(id);
            }}
          >
            {draft.accountId === null ? <option value="">— pick an account —</option> : null}
            {accountList.map((a) => (
              <option key={a.accountId} value={a.accountId}>
                {a.accountId} ({a.accountKind})
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className={`side-pick${errors.side ? ' invalid' : ''}`}>
        <legend>Side</legend>
        <label className={`side buy${draft.side === 'buy' ? ' on' : ''}`}>
          <input
            type="radio"
            name="side"
            value="buy"
            checked={draft.side === 'buy'}
            onChange={() => set('side', 'buy')}
          />
          Buy
        </label>
        <label className={`side sell${draft.side === 'sell' ? ' on' : ''}`}>
          <input
            type="radio"
            name="side"
            value="sell"
            checked={draft.side === 'sell'}
            onChange={() => set('side', 'sell')}
          />
          Sell
        </label>
      </fieldset>
      <div className="row2">
        <Field label="Type" error={errors.type}>
          {(p) => (
            <select
              {...p}
              value={draft.type}
              onChange={(e) => {
                setDraft((x) => withType(x, e.target.value as OrderDraft['type']));
                setErrors({});
              }}
            >
              {ORDER_TYPES.map((t) => (
                <option key={t} value={t}>
                  {TYPE_LABELS[t]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Time in force" error={errors.tif}>
          {(p) => (
            <select {...p} value={draft.tif} onChange={(e) => set('tif', e.target.value as OrderDraft['tif'])}>
              {tifsFor(draft.type).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {spec.kind === 'future' ? (
        <Field label="Offset" error={errors.offset}>
          {(p) => (
            <select {...p} value={draft.offset} onChange={(e) => set('offset', e.target.value as OrderDraft['offset'])}>
              {OFFSETS.map((o) => (
                <option key={o} value={o}>
                  {OFFSET_LABELS[o]}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <div className="row2">
        {priceShown ? (
          <Field id="order-price" label="Price" error={errors.price} hint={`tick ${formatPrice(spec.priceTick, d)}`}>
            {(p) => (
              <input
                {...p}
                name="price"
                inputMode="decimal"
                autoComplete="off"
                value={draft.price}
                onChange={(e) => set('price', e.target.value)}
                onKeyDown={stepKeys('price')}
              />
            )}
          </Field>
        ) : null}
        {stopShown ? (
          <Field label="Stop price" error={errors.stopPrice}>
            {(p) => (
              <input
                {...p}
                name="stopPrice"
                inputMode="decimal"
                autoComplete="off"
                value={draft.stopPrice}
                onChange={(e) => set('stopPrice', e.target.value)}
                onKeyDown={stepKeys('stopPrice')}
              />
            )}
          </Field>
        ) : null}
        <Field
          id="order-volume"
          label="Volume"
          error={errors.volume}
          hint={spec.lotSize > 1 ? `lot ${spec.lotSize}` : undefined}
        >
          {(p) => (
            <input
              {...p}
              name="volume"
              inputMode="numeric"
              autoComplete="off"
              value={draft.volume}
              onChange={(e) => set('volume', e.target.value)}
              onKeyDown={stepKeys('volume')}
            />
          )}
        </Field>
      </div>
      <details className="advanced">
        <summary>More: post-only, self-trade prevention</summary>
        <div className={`field check${errors.postOnly ? ' invalid' : ''}`}>
          <label>
            <input
              type="checkbox"
              checked={draft.postOnly}
              disabled={draft.type !== 'limit'}
              onChange={(e) => set('postOnly', e.target.checked)}
              aria-describedby={errors.postOnly ? 'order-postonly-err' : undefined}
            />
            Post-only (never takes liquidity)
          </label>
          {errors.postOnly ? (
            <small className="field-error" id="order-postonly-err" role="alert">
              {errors.postOnly}
            </small>
          ) : null}
        </div>
        <Field label="Self-trade prevention" error={errors.stp}>
          {(p) => (
            <select {...p} value={draft.stp} onChange={(e) => set('stp', e.target.value as OrderDraft['stp'])}>
              {(['', ...STPS] as const).map((s) => (
                <option key={s} value={s}>
                  {STP_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </details>
      {errors.form ? (
        <p className="error" role="alert" data-testid="order-error">
          {errors.form}
        </p>
      ) : null}
      <button
        type="submit"
        className={`primary submit ${draft.side}`}
        disabled={busy || viewer}
        title={viewer ? 'Viewers do not trade' : 'Enter'}
      >
        {busy ? 'Sending…' : summary}
      </button>
      <p className="muted small" role="status" aria-live="polite" data-testid="order-result">
        {result ?? 'Alt+B buy, Alt+S sell, ↑/↓ step price and volume, Enter sends.'}
      </p>
    </form>
  );
}
