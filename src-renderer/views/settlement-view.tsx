/**
 * Settlement: the list of runs (day, time, settlement prices, accounts at risk); for a run, each account's
 * statement with drill-down from a position to its trades; CSV export of one statement (made in the page) and, for
 * admins, of every statement of the day (rendered by the server). Admins can close the market, set settlement
 * prices, run the settlement and open the next day.
 */
import { useState } from 'react';
import type { Settlement, Statement } from '../api/types.ts';
import { downloadText, ErrorNote, Section, useAction, useAsync } from '../components/common.tsx';
import { statementCsv } from '../logic/csv.ts';
import { formatDateTime, formatMoney, formatPrice, formatVolume, parseFixed } from '../logic/format.ts';
import { useApp } from '../store/app-context.ts';
import { AccountFields, PositionsTable } from './account-view.tsx';

function StatementDetail({
  accountId,
  tradingDay,
  onClose,
}: {
  accountId: number;
  tradingDay: number;
  onClose(): void;
}) {
  const { api, specs } = useApp();
  const s = useAsync<Statement>(() => api.statement(accountId, tradingDay), [accountId, tradingDay]);
  const [instrument, setInstrument] = useState<string | null>(null);
  const trades = (s.data?.trades ?? []).filter((t) => instrument === null || t.instrumentId === instrument);
  return (
    <Section
      title={`Statement of account ${accountId}, day ${tradingDay}`}
      actions={
        <div className="actions">
          <button
            type="button"
            disabled={s.data === undefined}
            onClick={() =>
              downloadText(`statement-${accountId}-${tradingDay}.csv`, statementCsv(tradingDay, s.data!, specs))
            }
          >
            Export CSV
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      }
    >
      <ErrorNote error={s.error} />
      {s.data === undefined ? (
        s.loading ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <div data-testid="statement">
          <AccountFields account={s.data.account} />
          <h3>Positions</h3>
          <p className="muted small">Pick an instrument to see its trades.</p>
          <PositionsTable
            positions={s.data.positions}
            specs={specs}
            onPick={setInstrument}
            testId="statement-positions"
          />
          <h3>
            Trades{instrument === null ? '' : ` of ${instrument}`}{' '}
            {instrument !== null ? (
              <button type="button" className="link" onClick={() => setInstrument(null)}>
                show all
              </button>
            ) : null}
          </h3>
          <table className="grid" data-testid="statement-trades" aria-label="Statement trades">
            <thead>
              <tr>
                <th scope="col">Trade</th>
                <th scope="col">Order</th>
                <th scope="col">Instrument</th>
                <th scope="col">Side</th>
                <th scope="col">Offset</th>
                <th scope="col">Price</th>
                <th scope="col">Volume</th>
                <th scope="col">Commission</th>
                <th scope="col">Close profit</th>
              </tr>
            </thead>
            <tbody>
              {trades.length === 0 ? (
                <tr>
                  <td colSpan={9} className="muted">
                    No trades.
                  </td>
                </tr>
              ) : (
                trades.map((t) => (
                  <tr key={`${t.tradeId}-${t.side}`}>
                    <td>{t.tradeId}</td>
                    <td>{t.orderId}</td>
                    <td>{t.instrumentId}</td>
                    <td className={`side ${t.side}`}>{t.side}</td>
                    <td>{t.offset}</td>
                    <td className="num">{formatPrice(t.price, specs.get(t.instrumentId)?.priceDecimals ?? 0)}</td>
                    <td className="num">{formatVolume(t.volume)}</td>
                    <td className="num">{formatMoney(t.commission)}</td>
                    <td className="num">{formatMoney(t.closeProfit)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function RunDetail({ run }: { run: Settlement }) {
  const { api, accountList, specs, isAdmin } = useApp();
  const [open, setOpen] = useState<number | null>(null);
  const atRisk = new Set(run.atRisk);
  return (
    <>
      <Section
        title={`Day ${run.tradingDay}`}
        actions={
          isAdmin ? (
            <a
              className="button"
              href={api.statementsCsvUrl(run.tradingDay)}
              download={`statements-${run.tradingDay}.csv`}
            >
              Export all statements (CSV)
            </a>
          ) : null
        }
      >
        <p className="muted small">
          Settled {formatDateTime(run.ts)} at seq {run.seq}.
        </p>
        <h3>Settlement prices</h3>
        <ul className="chips">
          {run.prices.map((p) => (
            <li key={p.instrumentId}>
              {p.instrumentId} {formatPrice(p.price, specs.get(p.instrumentId)?.priceDecimals ?? 0)}
            </li>
          ))}
        </ul>
        <h3>Statements</h3>
        <table className="grid" data-testid="statement-accounts" aria-label="Accounts of this settlement">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Kind</th>
              <th scope="col">Risk</th>
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accountList.map((a) => (
              <tr key={a.accountId}>
                <td>{a.accountId}</td>
                <td>{a.accountKind}</td>
                <td>{atRisk.has(a.accountId) ? <strong className="down">at risk</strong> : 'ok'}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => setOpen(a.accountId)}
                    aria-label={`Open the statement of account ${a.accountId}`}
                  >
                    Statement
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {open !== null ? (
        <StatementDetail accountId={open} tradingDay={run.tradingDay} onClose={() => setOpen(null)} />
      ) : null}
    </>
  );
}

function AdminSettle({ onDone }: { onDone(): void }) {
  const { api, instruments, refreshInstruments, refreshAccounts } = useApp();
  const act = useAction();
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const phases = instruments.map((i) => `${i.spec.id}: ${i.phase ?? '—'}`).join(', ');
  const setPhaseAll = (phase: 'closed' | 'preOpen' | 'continuous') =>
    act.run(async () => {
      const r = await api.setPhaseAll(phase);
      const failed = r.results.filter((x) => !x.ok);
      await refreshInstruments();
      setNote(
        failed.length === 0
          ? `Every instrument is ${phase}.`
          : `Not moved: ${failed.map((f) => `${f.instrumentId} (${f.error?.code ?? 'error'})`).join(', ')}`,
      );
    });
  const savePrices = () =>
    act.run(async () => {
      const out: Record<string, number> = {};
      for (const i of instruments) {
        const t = prices[i.spec.id]?.trim();
        if (!t) continue;
        const p = parseFixed(t, i.spec.priceDecimals);
        if (p === null || p <= 0) throw new Error(`${i.spec.id}: not a price`);
        out[i.spec.id] = p;
      }
      await api.setSettlementPrices(out);
      setNote(`Settlement prices set for ${Object.keys(out).join(', ')}.`);
    });
  const run = () =>
    act.run(async () => {
      const r = await api.runSettlement();
      setNote(`Settled day ${r.settlement?.tradingDay ?? '?'}; the trading day is now ${r.tradingDay}.`);
      await refreshAccounts();
      onDone();
    });
  return (
    <Section title="Run the settlement">
      <p className="muted small">Every instrument must be closed. Phases now: {phases}</p>
      <div className="actions">
        <button type="button" onClick={() => void setPhaseAll('closed')} disabled={act.busy}>
          Close all instruments
        </button>
        <button type="button" className="primary" onClick={() => void run()} disabled={act.busy}>
          Run settlement
        </button>
        <button type="button" onClick={() => void setPhaseAll('continuous')} disabled={act.busy}>
          Open the next day (continuous)
        </button>
      </div>
      <details>
        <summary>Settlement prices (override the configured rule)</summary>
        <div className="price-grid">
          {instruments.map((i) => (
            <label key={i.spec.id} className="price-label">
              {i.spec.id}
              <input
                inputMode="decimal"
                value={prices[i.spec.id] ?? ''}
                placeholder={formatPrice(i.lastPrice, i.spec.priceDecimals)}
                onChange={(e) => setPrices((p) => ({ ...p, [i.spec.id]: e.target.value }))}
              />
            </label>
          ))}
        </div>
        <button type="button" onClick={() => void savePrices()} disabled={act.busy}>
          Set settlement prices
        </button>
      </details>
      <ErrorNote error={act.error} />
      {note ? (
        <p className="ok" role="status" data-testid="settle-note">
          {note}
        </p>
      ) : null}
    </Section>
  );
}

export function SettlementView() {
  const { api, isAdmin } = useApp();
  const runs = useAsync(() => api.settlements(), []);
  const [day, setDay] = useState<number | null>(null);
  const selected = runs.data?.find((r) => r.tradingDay === day) ?? null;
  return (
    <div className="settlement-grid" data-testid="settlement-view">
      {isAdmin ? <AdminSettle onDone={runs.reload} /> : null}
      <Section title="Settlement runs">
        <ErrorNote error={runs.error} />
        <table className="grid" data-testid="settlement-runs" aria-label="Settlement runs">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Settled</th>
              <th scope="col">Instruments</th>
              <th scope="col">At risk</th>
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(runs.data ?? []).length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  {runs.loading ? 'Loading…' : 'No settlement has run yet.'}
                </td>
              </tr>
            ) : (
              runs.data!.map((r) => (
                <tr key={r.tradingDay} className={r.tradingDay === day ? 'selected' : ''}>
                  <td>{r.tradingDay}</td>
                  <td>{formatDateTime(r.ts)}</td>
                  <td>{r.prices.length}</td>
                  <td>{r.atRisk.length}</td>
                  <td>
                    <button type="button" onClick={() => setDay(r.tradingDay)} aria-label={`Open day ${r.tradingDay}`}>
                      Open
                    </button>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </Section>
      {selected !== null ? <RunDetail key={selected.tradingDay} run={selected} /> : null}
    </div>
  );
}
