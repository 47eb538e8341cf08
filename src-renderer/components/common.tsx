/** Small shared pieces: async data loading, error text, labelled fields, tabs and sections. */
import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { FrameLoop, Painter } from '../logic/frame-loop.ts';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  reload(): void;
}

/** Loads `load()` when `deps` change (and on reload()); the latest answer wins. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Runs `action`, showing its error and a busy flag; returns the runner. */
export function useAction(): {
  busy: boolean;
  error: string | null;
  setError(e: string | null): void;
  run<T>(action: () => Promise<T>): Promise<T | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(errorText(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Registers a painter on the frame loop while the component is mounted. */
export function usePainter(loop: FrameLoop, paint: Painter, deps: readonly unknown[]): void {
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => loop.add(paint), [loop, ...deps]);
}

export function ErrorNote({ error, id }: { error: string | null | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {error}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export interface TabDef {
  readonly id: string;
  readonly label: string;
}

/** An accessible tab list (arrow keys move between tabs). */
export function Tabs({
  tabs,
  active,
  onChange,
  label,
}: {
  tabs: readonly TabDef[];
  active: string;
  onChange(id: string): void;
  label: string;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, i: number) => {
    let j = i;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else return;
    e.preventDefault();
    onChange(tabs[j]!.id);
    refs.current[j]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {tabs.map((t, i) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={t.id === active}
          tabIndex={t.id === active ? 0 : -1}
          ref={(el) => {
            refs.current[i] = el;
          }}
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** A label + control + its error, wired with ids for assistive technology. */
export function Field({
  label,
  error,
  children,
  hint,
  id: fixedId,
}: {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  /** A stable id for the control (default: generated). */
  id?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const generated = useId();
  const id = fixedId ?? generated;
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errId : null, hint ? hintId : null].filter((x) => x !== null).join(' ');
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(
        describedBy === ''
          ? { id, 'aria-invalid': !!error }
          : { id, 'aria-invalid': !!error, 'aria-describedby': describedBy },
      )}
      {hint ? (
        <small className="hint" id={hintId}>
          {hint}
        </small>
      ) : null}
      {error ? (
        <small className="field-error" id={errId} role="alert">
          {error}
        </small>
      ) : null}
    </div>
  );
}

/** Starts a download of text content (CSV) as a file. */
export function downloadText(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
