/**
 * The account view: every QIFI field of the selected account (live from the account channel), its positions
 * revalued at the live last price (float and position P&L), and its equity curve (balance after every change).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import type { Account, InstrumentSpec, Position } from '../api/types.ts';
import { ErrorNote, Section, useAsync, usePainter } from '../components/common.tsx';
import { AXIS, UPlotChart } from '../components/u-plot.tsx';
import { ACCOUNT_FIELDS } from '../logic/csv.ts';
import { formatDateTime, formatMoney, formatPpm, formatPrice, formatVolume } from '../logic/format.ts';
import { averageOpen, isFlat, livePosition } from '../logic/positions.ts';
import { useApp, useLive } from '../store/app-context.ts';

const FIELD_LABELS: Record<string, string> = {
  preBalance: 'Pre-balance',
  deposit: 'Deposit',
  withdraw: 'Withdraw',
  staticBalance: 'Static balance',
  closeProfit: 'Close profit',
  positionProfit: 'Position profit',
  floatProfit: 'Float profit',
  commission: 'Commission',
  balance: 'Balance',
  margin: 'Margin',
  frozenMargin: 'Frozen margin',
  frozenCommission: 'Frozen commission',
  available: 'Available',
  riskRatioPpm: 'Risk ratio',
  cash: 'Cash',
  frozenCash: 'Frozen cash',
  marketValue: 'Market value',
};

export function AccountFields({ account, testId }: { account: Account; testId?: string }) {
  return (
    <dl className="qifi" data-testid={testId}>
      <div>
        <dt>Account</dt>
        <dd>
          {account.accountId} ({account.accountKind}){account.frozen ? ' — frozen' : ''}
        </dd>
      </div>
      <div>
        <dt>Trading day</dt>
        <dd>{account.tradingDay}</dd>
      </div>
      {ACCOUNT_FIELDS.map(([key, name, kind]) => (
        <div key={key} data-field={name}>
          <dt title={name}>{FIELD_LABELS[key]}</dt>
          <dd className="num">{kind === 'money' ? formatMoney(account[key]) : formatPpm(account[key])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Positions table; `marks` gives the live price per instrument (the server's figures are used without one). */
export function PositionsTable({
  positions,
  specs,
  marks,
  onPick,
  testId,
}: {
  positions: readonly Position[];
  specs: ReadonlyMap<string, InstrumentSpec>;
  marks?: ReadonlyMap<string, number | null>;
  onPick?: (instrumentId: string) => void;
  testId?: string;
}) {
  const rows = positions.filter((p) => !isFlat(p));
  return (
    <table className="grid" data-testid={testId} aria-label="Positions">
      <thead>
        <tr>
          <th scope="col">Instrument</th>
          <th scope="col">Long (today / yd)</th>
          <th scope="col">Avg long</th>
          <th scope="col">Short (today / yd)</th>
          <th scope="col">Avg short</th>
          <th scope="col">Mark</th>
          <th scope="col">Margin</th>
          <th scope="col">Position P&amp;L</th>
          <th scope="col">Float P&amp;L</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={9} className="muted">
              No positions.
            </td>
          </tr>
        ) : (
          rows.map((p) => {
            const spec = specs.get(p.instrumentId);
            const d = spec?.priceDecimals ?? 0;
            const mark = marks?.get(p.instrumentId) ?? null;
            const live = livePosition(p, spec, mark);
            const avgL = averageOpen(p.long);
            const avgS = averageOpen(p.short);
            return (
              <tr key={p.instrumentId} data-instrument={p.instrumentId}>
                <th scope="row">
                  {onPick ? (
                    <button type="button" className="link" onClick={() => onPick(p.instrumentId)}>
                      {p.instrumentId}
                    </button>
                  ) : (
                    p.instrumentId
                  )}
                </th>
                <td className="num">
                  {formatVolume(p.long.today)} / {formatVolume(p.long.yesterday)}
                </td>
                <td className="num">{avgL === null ? '—' : formatPrice(Math.round(avgL), d)}</td>
                <td className="num">
                  {formatVolume(p.short.today)} / {formatVolume(p.short.yesterday)}
                </td>
                <td className="num">{avgS === null ? '—' : formatPrice(Math.round(avgS), d)}</td>
                <td className="num">{formatPrice(mark, d)}</td>
                <td className="num">{formatMoney(live.margin)}</td>
                <td className={`num ${live.positionProfit >= 0 ? 'up' : 'down'}`}>
                  {formatMoney(live.positionProfit)}
                </td>
                <td className={`num ${live.floatProfit >= 0 ? 'up' : 'down'}`} data-testid="float-pnl">
                  {formatMoney(live.floatProfit)}
                </td>
              </tr>
            );
          })
        )}
      </tbody>
    </table>
  );
}

/** Last prices of some instruments, re-rendering at most 4 times a second when they change. */
function useMarks(ids: readonly string[]): Map<string, number | null> {
  const { market, loop } = useApp();
  const [marks, setMarks] = useState(() => new Map<string, number | null>());
  const seen = useRef('');
  const lastAt = useRef(0);
  const key = ids.join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for ids
  useEffect(() => {
    const stops = ids.map((id) => market.watchTicker(id));
    return () => {
      for (const stop of stops) stop();
    };
  }, [key, market]);
  usePainter(
    loop,
    (now) => {
      const v = ids.map((id) => `${id}:${market.get(id).tickerVersion}`).join(',');
      if (v === seen.current) return;
      if (now - lastAt.current < 250) {
        loop.invalidate();
        return;
      }
      seen.current = v;
      lastAt.current = now;
      setMarks(new Map(ids.map((id) => [id, market.get(id).ticker?.last ?? null])));
    },
    [key],
  );
  return marks;
}

function EquityCurve({ accountId }: { accountId: number }) {
  const { api, feed } = useApp();
  const account = useLive(feed!.account);
  const history = useAsync(async () => {
    const page = await api.history(accountId, 1000);
    return [...page.items].reverse();
  }, [accountId]);
  const [extra, setExtra] = useState<{ ts: number; balance: number }[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: another account starts another curve
  useEffect(() => setExtra([]), [accountId]);
  useEffect(() => {
    if (account === null || account.accountId !== accountId) return;
    setExtra((x) => {
      const last = x[x.length - 1];
      if (last !== undefined && last.balance === account.balance) return x;
      return [...x, { ts: Date.now(), balance: account.balance }].slice(-2000);
    });
  }, [account, accountId]);
  const data = useMemo<uPlot.AlignedData>(() => {
    const pts = [...(history.data ?? []).map((p) => ({ ts: p.ts, balance: p.balance }))];
    const lastTs = pts[pts.length - 1]?.ts ?? 0;
    for (const e of extra) if (e.ts > lastTs) pts.push(e);
    return [pts.map((p) => p.ts / 1000), pts.map((p) => p.balance / 100)];
  }, [history.data, extra]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: true } },
      axes: [{ ...AXIS }, { ...AXIS, size: 90 }],
      series: [
        {},
        {
          label: 'Balance',
          stroke: '#58a6ff',
          width: 2,
          value: (_u, v) => (v === null ? '—' : formatMoney(Math.round(v * 100))),
        },
      ],
    }),
    [],
  );
  return (
    <>
      <UPlotChart
        options={options}
        data={data}
        height={220}
        label={`Equity curve of account ${accountId}`}
        testId="equity-curve"
      />
      <ErrorNote error={history.error} />
      <p className="muted small">
        {(history.data?.length ?? 0) + extra.length} points
        {history.data && history.data.length > 0 ? `, from ${formatDateTime(history.data[0]!.ts)}` : ''}
      </p>
    </>
  );
}

export function AccountView() {
  const { feed, accountId, specs, accountList, setAccountId } = useApp();
  if (feed === null || accountId === null) return <p className="muted">No account to show.</p>;
  return (
    <AccountBody
      key={accountId}
      accountId={accountId}
      specs={specs}
      accountList={accountList}
      setAccountId={setAccountId}
    />
  );
}

function AccountBody({
  accountId,
  specs,
  accountList,
  setAccountId,
}: {
  accountId: number;
  specs: ReadonlyMap<string, InstrumentSpec>;
  accountList: readonly Account[];
  setAccountId(id: number): void;
}) {
  const { feed } = useApp();
  const account = useLive(feed!.account);
  const positions = useLive(feed!.positions);
  const list = [...positions.values()].sort((a, b) => a.instrumentId.localeCompare(b.instrumentId));
  const marks = useMarks(list.filter((p) => !isFlat(p)).map((p) => p.instrumentId));
  return (
    <div className="account-grid" data-testid="account-view">
      <Section
        title={`Account ${accountId}`}
        actions={
          <label className="inline-label">
            Account{' '}
            <select value={accountId} onChange={(e) => setAccountId(Number(e.target.value))}>
              {accountList.map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.accountId}
                </option>
              ))}
            </select>
          </label>
        }
      >
        {account === null ? <p className="muted">Loading…</p> : <AccountFields account={account} testId="qifi" />}
      </Section>
      <Section title="Equity curve">
        <EquityCurve accountId={accountId} />
      </Section>
      <div className="span-all">
        <Section title="Positions (live float P&L)">
          <PositionsTable positions={list} specs={specs} marks={marks} testId="positions" />
        </Section>
      </div>
    </div>
  );
}
