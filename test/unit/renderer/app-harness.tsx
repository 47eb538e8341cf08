/**
 * Renders UI components the way the app does, inside an AppContext, with a fake API (only what a test answers), a
 * WS client over a fake socket, and a frame loop whose frames run when the test says. For happy-dom tests.
 */
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { ApiClient } from '../../../src-renderer/api/client.ts';
import type { Account, Instrument, InstrumentSpec, SessionInfo } from '../../../src-renderer/api/types.ts';
import { WsClient } from '../../../src-renderer/api/ws-client.ts';
import { FrameLoop, Live } from '../../../src-renderer/logic/frame-loop.ts';
import { AccountStore } from '../../../src-renderer/store/account-store.ts';
import { AppContext, type AppState, type TicketPrefill } from '../../../src-renderer/store/app-context.ts';
import { MarketStore } from '../../../src-renderer/store/market-store.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export const IF2612: InstrumentSpec = {
  id: 'IF2612',
  kind: 'future',
  priceTick: 2,
  priceDecimals: 1,
  lotSize: 1,
  multiplier: 300,
  maxOrderVolume: 500,
  band: { kind: 'percent', bps: 1000 },
  referencePrice: 38000,
  status: 'active',
};

export const ACCOUNT: Account = {
  accountId: 7,
  userId: 2,
  accountKind: 'futures',
  frozen: false,
  tradingDay: 1,
  preBalance: 0,
  deposit: 100_000_000,
  withdraw: 0,
  staticBalance: 100_000_000,
  closeProfit: 0,
  positionProfit: 0,
  floatProfit: 0,
  commission: 0,
  balance: 100_000_000,
  margin: 0,
  frozenMargin: 0,
  frozenCommission: 0,
  available: 100_000_000,
  riskRatioPpm: 0,
  cash: 0,
  frozenCash: 0,
  marketValue: 0,
};

export class FakeSocket {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  push(m: unknown): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

/** Frames that run when the test calls frame(). */
export class ManualFrames {
  private cb: ((t: number) => void) | null = null;
  private t = 0;
  readonly scheduler = {
    request: (cb: (t: number) => void) => {
      this.cb = cb;
      return 1;
    },
    cancel: () => {
      this.cb = null;
    },
  };
  frame(): void {
    const cb = this.cb;
    this.cb = null;
    this.t += 100;
    cb?.(this.t);
  }
}

export interface Rendered {
  readonly container: HTMLElement;
  readonly state: AppState;
  readonly socket: FakeSocket;
  readonly frames: ManualFrames;
  /** Runs one frame (painters, Live notifications) inside act(). */
  frame(): Promise<void>;
  /** Pushes WS messages and runs a frame. */
  push(...messages: unknown[]): Promise<void>;
  unmount(): void;
}

export async function renderInApp(
  ui: ReactNode,
  o: {
    api?: Partial<ApiClient>;
    session?: Partial<SessionInfo>;
    specs?: InstrumentSpec[];
    accountId?: number | null;
  } = {},
): Promise<Rendered> {
  const socket = new FakeSocket();
  const ws = new WsClient({ url: 'ws://test/ws', socket: () => socket });
  ws.start();
  socket.readyState = 1;
  socket.onopen?.({});
  const frames = new ManualFrames();
  const loop = new FrameLoop(0, frames.scheduler);
  const api = (o.api ?? {}) as ApiClient;
  const specs = o.specs ?? [IF2612];
  const instruments: Instrument[] = specs.map((spec) => ({ spec, phase: 'continuous', lastPrice: null }));
  const accountStore = new AccountStore(ws, loop);
  const accountId = o.accountId === undefined ? ACCOUNT.accountId : o.accountId;
  const feed = accountId === null ? null : accountStore.watch(accountId).feed;
  const state: AppState = {
    api,
    ws,
    loop,
    market: new MarketStore(ws, api, loop),
    accounts: accountStore,
    ticket: new Live<TicketPrefill | null>(null, loop),
    session: { userId: 2, username: 'alice', role: 'trader', via: 'session', keyAccountId: null, ...o.session },
    instruments,
    specs: new Map(specs.map((s) => [s.id, s])),
    instrumentId: specs[0]?.id ?? null,
    setInstrumentId: () => {},
    accountList: [ACCOUNT],
    accountId,
    setAccountId: () => {},
    feed,
    refreshInstruments: async () => {},
    refreshAccounts: async () => {},
    isAdmin: o.session?.role === 'admin',
  };
  const container = document.createElement('div');
  document.body.appendChild(container);
  let root: Root | null = null;
  await act(async () => {
    root = createRoot(container);
    root.render(<AppContext.Provider value={state}>{ui}</AppContext.Provider>);
  });
  const frame = async () => {
    await act(async () => {
      frames.frame();
    });
  };
  return {
    container,
    state,
    socket,
    frames,
    frame,
    async push(...messages: unknown[]) {
      await act(async () => {
        for (const m of messages) socket.push(m);
      });
      await frame();
    },
    unmount() {
      act(() => root?.unmount());
      container.remove();
    },
  };
}

/** Sets an input's or select's value as a user would (React listens to the input event). */
export async function typeInto(el: Element | null, value: string): Promise<void> {
  if (el === null) throw new Error('no such element');
  const input = el as HTMLInputElement;
  await act(async () => {
    const proto = input instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value);
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  });
}

export async function click(el: Element | null): Promise<void> {
  if (el === null) throw new Error('no such element');
  await act(async () => {
    (el as HTMLElement).click();
  });
}

export async function key(el: Element | null, k: string, init: KeyboardEventInit = {}): Promise<void> {
  if (el === null) throw new Error('no such element');
  await act(async () => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, ...init }));
  });
}

/** The label element's control. */
export function byLabel(container: HTMLElement, text: string): HTMLElement | null {
  for (const l of container.querySelectorAll('label')) {
    if (l.textContent?.trim() === text) {
      const id = l.getAttribute('for');
      if (id) return container.querySelector(`[id="${id}"]`);
      return l.querySelector('input,select,textarea');
    }
  }
  return null;
}
