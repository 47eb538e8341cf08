/**
 * What every view gets from the app: the API and WS clients, the frame loop, the live stores, who is logged in,
 * the instruments, the accounts this user acts for, and the current selections.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { Account, Instrument, InstrumentSpec, SessionInfo, Side } from '../api/types.ts';
import type { WsClient } from '../api/ws-client.ts';
import type { FrameLoop, Live } from '../logic/frame-loop.ts';
import type { AccountFeed, AccountStore } from './account-store.ts';
import type { MarketStore } from './market-store.ts';

/** A request from elsewhere (a ladder click) to fill in the order ticket. */
export interface TicketPrefill {
  readonly price?: number;
  readonly side?: Side;
  readonly volume?: number;
  /** Increases with every request, so the same price clicked twice still applies. */
  readonly n: number;
}

export interface AppServices {
  readonly api: ApiClient;
  readonly ws: WsClient;
  readonly loop: FrameLoop;
  readonly market: MarketStore;
  readonly accounts: AccountStore;
  readonly ticket: Live<TicketPrefill | null>;
}

export interface AppState extends AppServices {
  readonly session: SessionInfo;
  readonly instruments: readonly Instrument[];
  readonly specs: ReadonlyMap<string, InstrumentSpec>;
  readonly instrumentId: string | null;
  setInstrumentId(id: string): void;
  /** The accounts this user acts for (admins: every account). */
  readonly accountList: readonly Account[];
  readonly accountId: number | null;
  setAccountId(id: number): void;
  /** The live feed of the selected account (open orders, QIFI fields, positions, fills). */
  readonly feed: AccountFeed | null;
  refreshInstruments(): Promise<void>;
  refreshAccounts(): Promise<void>;
  readonly isAdmin: boolean;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const a = useContext(AppContext);
  if (a === null) throw new Error('useApp outside the app');
  return a;
}

/** The current value of a Live, re-rendering at most once per frame when it changes. */
export function useLive<T>(live: Live<T>): T {
  useSyncExternalStore(live.subscribe, live.getVersion);
  return live.get();
}
