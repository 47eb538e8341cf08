/**
 * Tuning: the settings in force (GET /api/v1/tuning, polled every second) with a control for each of shard count,
 * batch size, durability mode, snapshot interval and fast-mode flush, each marked "applies live" or "needs a
 * restart". Admins change them with PUT /api/v1/tuning; the answer is shown at once and the exchange counters
 * below show the effect (batches, commits, snapshots).
 */
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { Tuning } from '../api/types.ts';
import { ErrorNote, errorText, Field, Section } from '../components/common.tsx';
import { formatVolume } from '../logic/format.ts';
import {
  appliesOf,
  currentValue,
  runningShards,
  TUNING_CONTROLS,
  type TuningKey,
  tuningChange,
} from '../logic/tuning.ts';
import { useApp } from '../store/app-context.ts';

const POLL_MS = 1000;
const STAT_LABELS: [string, string][] = [
  ['status', 'Status'],
  ['durability', 'Durability'],
  ['lastSeq', 'Last seq'],
  ['journaledSeq', 'Journaled seq'],
  ['unjournaled', 'Awaiting commit'],
  ['queued', 'Queued'],
  ['batches', 'Batches'],
  ['commits', 'Commits'],
  ['snapshots', 'Snapshots'],
  ['lastSnapshotSeq', 'Last snapshot seq'],
];

export function TuningView() {
  const { api, isAdmin } = useApp();
  const [tuning, setTuning] = useState<Tuning | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [edited, setEdited] = useState<Partial<Record<TuningKey, string>>>({});
  const [errors, setErrors] = useState<Partial<Record<TuningKey, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poll = async () => {
      try {
        const t = await api.tuning();
        if (!live) return;
        setTuning(t);
        setLoadError(null);
      } catch (e) {
        if (live) setLoadError(errorText(e));
      }
      if (live) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [api]);

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setNote(null);
    setFormError(null);
    const { change, errors: errs } = tuningChange(tuning, edited);
    setErrors(errs);
    if (Object.keys(errs).length > 0) return;
    if (Object.keys(change).length === 0) {
      setNote('Nothing changed.');
      return;
    }
    setBusy(true);
    try {
      const t = await api.setTuning(change);
      setTuning(t);
      setEdited({});
      const parts = Object.entries(change).map(([k, v]) => {
        const c = TUNING_CONTROLS.find((x) => x.key === k)!;
        return `${c.label.toLowerCase()} ${v} (${appliesOf(t, c) === 'live' ? 'in force now' : 'from the next start'})`;
      });
      setNote(`Saved: ${parts.join('; ')}.`);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        setFormError(
          'This server cannot change settings while it runs (no PUT /api/v1/tuning): restart it with the flags.',
        );
      } else {
        setFormError(errorText(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const stats = (tuning?.stats ?? {}) as Record<string, unknown>;
  const running = runningShards(tuning);
  return (
    <div className="tuning-grid" data-testid="tuning-view">
      <Section title="Settings">
        <ErrorNote error={loadError} />
        <form onSubmit={apply} className="tuning-form" aria-label="Tuning">
          {TUNING_CONTROLS.map((c) => {
            const applies = appliesOf(tuning, c);
            const current = currentValue(tuning, c.key);
            const value = edited[c.key] ?? current;
            const inForce =
              c.key === 'shards' && running !== null && String(running) !== current
                ? `Running: ${running}; next start: ${current}.`
                : `In force: ${current === '' ? 'not reported' : current}.`;
            const hint = `${c.help} ${inForce}${applies === 'restart' && c.flag ? ` (also ${c.flag} at start)` : ''}`;
            return (
              <div key={c.key} className="tuning-row" data-setting={c.key}>
                <Field id={`tuning-${c.key}`} label={c.label} error={errors[c.key]} hint={hint}>
                  {(p) =>
                    c.kind === 'choice' ? (
                      <select
                        {...p}
                        value={value}
                        disabled={!isAdmin}
                        onChange={(e) => setEdited((x) => ({ ...x, [c.key]: e.target.value }))}
                      >
                        {value === '' ? <option value="">—</option> : null}
                        {c.choices!.map((o) => (
                          <option key={o} value={o}>
                            {o}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <input
                        {...p}
                        inputMode="numeric"
                        value={value}
                        disabled={!isAdmin}
                        onChange={(e) => setEdited((x) => ({ ...x, [c.key]: e.target.value }))}
                      />
                    )
                  }
                </Field>
                <span className={`applies ${applies}`} data-testid={`applies-${c.key}`}>
                  {applies === 'live' ? 'applies live' : 'needs a restart'}
                </span>
              </div>
            );
          })}
          {isAdmin ? (
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Apply'}
            </button>
          ) : (
            <p className="muted">Only an admin changes settings.</p>
          )}
          <ErrorNote error={formError} />
          {note ? (
            <p className="ok" role="status" data-testid="tuning-note">
              {note}
            </p>
          ) : null}
        </form>
      </Section>
      <Section title="Exchange counters (live)">
        <dl className="stats" data-testid="tuning-stats">
          {STAT_LABELS.map(([k, label]) => (
            <div key={k} data-stat={k}>
              <dt>{label}</dt>
              <dd>{typeof stats[k] === 'number' ? formatVolume(stats[k] as number) : String(stats[k] ?? '—')}</dd>
            </div>
          ))}
        </dl>
      </Section>
    </div>
  );
}
