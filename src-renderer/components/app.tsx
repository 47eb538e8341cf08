/**
 * The app shell: login, then the header (views, instrument and account pickers, connection state, logout), the
 * ticker bar and the current view. Views are addressed by the URL hash (#/market, #/account, ...). Services (WS
 * client, frame loop, stores) live as long as the login.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { type ApiClient, api as defaultApi } from '../api/client.ts';
import type { Account, Instrument, SessionInfo } from '../api/types.ts';
import { sameOriginWsUrl, WsClient, type WsStatus } from '../api/ws-client.ts';
import { FrameLoop, Live } from '../logic/frame-loop.ts';
import { type AccountFeed, AccountStore } from '../store/account-store.ts';
import { AppContext, type AppServices, type AppState, type TicketPrefill } from '../store/app-context.ts';
import { MarketStore } from '../store/market-store.ts';
import { AccountView } from '../views/account-view.tsx';
import { AdminView } from '../views/admin-view.tsx';
import { MarketView } from '../views/market-view.tsx';
import { MetricsView } from '../views/metrics-view.tsx';
import { SettlementView } from '../views/settlement-view.tsx';
import { TuningView } from '../views/tuning-view.tsx';
import { errorText } from './common.tsx';
import { LoginView } from './login-view.tsx';
import { TickerBar } from './ticker-bar.tsx';

export const VIEWS = [
  { id: 'market', label: 'Market', admin: false },
  { id: 'account', label: 'Account', admin: false },
  { id: 'settlement', label: 'Settlement', admin: false },
  { id: 'metrics', label: 'Metrics', admin: true },
  { id: 'tuning', label: 'Tuning', admin: false },
  { id: 'admin', label: 'Admin', admin: true },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const h = window.location.hash.replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === h)?.id ?? 'market') as ViewId;
}

function useHashView(): ViewId {
  const [view, setView] = useState<ViewId>(viewFromHash);
  useEffect(() => {
    const on = () => setView(viewFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return view;
}

function createServices(api: ApiClient, wsUrl: string): AppServices {
  const loop = new FrameLoop(30);
  const ws = new WsClient({ url: wsUrl });
  return {
    api,
    ws,
    loop,
    market: new MarketStore(ws, api, loop),
    accounts: new AccountStore(ws, loop),
    ticket: new Live<TicketPrefill | null>(null, loop),
  };
}

const STORED_INSTRUMENT = 'deskex.instrument';

function Shell({ session, services, onLogout }: { session: SessionInfo; services: AppServices; onLogout(): void }) {
  const { api, ws, accounts } = services;
  const [instruments, setInstruments] = useState<Instrument[]>([]);
  const [accountList, setAccountList] = useState<Account[]>([]);
  const [instrumentId, setInstrumentIdState] = useState<string | null>(() =>
    window.localStorage.getItem(STORED_INSTRUMENT),
  );
  const [accountId, setAccountId] = useState<number | null>(null);
  const [feed, setFeed] = useState<AccountFeed | null>(null);
  const [wsStatus, setWsStatus] = useState<WsStatus>(ws.status);
  const [loadError, setLoadError] = useState<string | null>(null);
  const view = useHashView();
  const isAdmin = session.role === 'admin' && session.via === 'session';

  useEffect(() => {
    const off = ws.onStatus(setWsStatus);
    ws.start();
    setWsStatus(ws.status);
    return () => {
      off();
    };
  }, [ws]);

  const refreshInstruments = useCallback(async () => {
    try {
      const list = await api.instruments();
      setInstruments(list);
      setInstrumentIdState((cur) =>
        cur !== null && list.some((i) => i.spec.id === cur) ? cur : (list[0]?.spec.id ?? null),
      );
    } catch (e) {
      setLoadError(errorText(e));
    }
  }, [api]);

  const refreshAccounts = useCallback(async () => {
    try {
      const list = await api.accounts();
      setAccountList(list);
      setAccountId((cur) =>
        cur !== null && list.some((a) => a.accountId === cur) ? cur : (list[0]?.accountId ?? null),
      );
    } catch (e) {
      setLoadError(errorText(e));
    }
  }, [api]);

  useEffect(() => {
    void refreshInstruments();
    void refreshAccounts();
  }, [refreshInstruments, refreshAccounts]);

  useEffect(() => {
    if (accountId === null) {
      setFeed(null);
      return;
    }
    const w = accounts.watch(accountId);
    setFeed(w.feed);
    return w.release;
  }, [accounts, accountId]);

  const setInstrumentId = useCallback((id: string) => {
    setInstrumentIdState(id);
    window.localStorage.setItem(STORED_INSTRUMENT, id);
  }, []);

  const specs = useMemo(() => new Map(instruments.map((i) => [i.spec.id, i.spec])), [instruments]);
  const state: AppState = {
    ...services,
    session,
    instruments,
    specs,
    instrumentId,
    setInstrumentId,
    accountList,
    accountId,
    setAccountId,
    feed,
    refreshInstruments,
    refreshAccounts,
    isAdmin,
  };

  const views = VIEWS.filter((v) => !v.admin || isAdmin);
  return (
    <AppContext.Provider value={state}>
      <header className="top">
        <span className="brand">deskex</span>
        <nav aria-label="Views" className="views">
          {views.map((v) => (
            <a key={v.id} href={`#/${v.id}`} aria-current={view === v.id ? 'page' : undefined} data-view={v.id}>
              {v.label}
            </a>
          ))}
        </nav>
        <div className="pickers">
          <label>
            Instrument{' '}
            <select
              value={instrumentId ?? ''}
              onChange={(e) => setInstrumentId(e.target.value)}
              data-testid="instrument-picker"
            >
              {instruments.map((i) => (
                <option key={i.spec.id} value={i.spec.id}>
                  {i.spec.id}
                </option>
              ))}
            </select>
          </label>
          <label>
            Account{' '}
            <select
              value={accountId ?? ''}
              onChange={(e) => setAccountId(Number(e.target.value))}
              data-testid="account-picker"
              disabled={accountList.length === 0}
            >
              {accountList.length === 0 ? <option value="">none</option> : null}
              {accountList.map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.accountId} ({a.accountKind})
                </option>
              ))}
            </select>
          </label>
        </div>
        <span className={`ws-status ${wsStatus}`} role="status" data-testid="ws-status" title="Live data connection">
          {wsStatus === 'open' ? 'live' : wsStatus}
        </span>
        <span className="user">
          {session.username} <small>({session.role})</small>
        </span>
        <button type="button" onClick={onLogout}>
          Log out
        </button>
      </header>
      <TickerBar />
      {loadError ? (
        <p className="error banner" role="alert">
          {loadError}
        </p>
      ) : null}
      <main className="view" data-view={view}>
        {view === 'market' ? <MarketView /> : null}
        {view === 'account' ? <AccountView /> : null}
        {view === 'settlement' ? <SettlementView /> : null}
        {view === 'metrics' ? <MetricsView /> : null}
        {view === 'tuning' ? <TuningView /> : null}
        {view === 'admin' ? <AdminView /> : null}
      </main>
    </AppContext.Provider>
  );
}

export function App({ api = defaultApi, wsUrl }: { api?: ApiClient; wsUrl?: string }) {
  const [session, setSession] = useState<SessionInfo | null | 'loading'>('loading');
  const [services, setServices] = useState<AppServices | null>(null);

  const check = useCallback(async () => {
    try {
      setSession(await api.session());
    } catch {
      setSession(null);
    }
  }, [api]);

  useEffect(() => {
    void check();
  }, [check]);

  // a session that ends (logout elsewhere, expiry, a disabled user) brings back the login page
  useEffect(() => {
    api.onUnauthenticated = () => {
      setServices(null);
      setSession(null);
    };
    return () => {
      api.onUnauthenticated = null;
    };
  }, [api]);

  useEffect(() => {
    if (session === null || session === 'loading') return;
    const s = createServices(api, wsUrl ?? sameOriginWsUrl());
    setServices(s);
    return () => {
      s.ws.close();
      s.loop.stop();
    };
  }, [session, api, wsUrl]);

  const logout = async () => {
    try {
      await api.logout();
    } catch {
      // the session may have ended already
    }
    setServices(null);
    setSession(null);
  };

  if (session === 'loading') return <p className="muted center">Loading…</p>;
  if (session === null) return <LoginView api={api} onLoggedIn={() => void check()} />;
  if (services === null) return <p className="muted center">Connecting…</p>;
  return <Shell session={session} services={services} onLogout={() => void logout()} />;
}
