/**
 * The typed REST client every view uses. Same-origin requests carry the HttpOnly session cookie that
 * POST /api/v1/session sets, so the page never handles a credential; errors come back as ApiError with the API's
 * `{code, number, message, details}` body (details of API_VALIDATION_FAILED list `{in, path, message}`).
 */
import type {
  Account,
  ApiKeyInfo,
  EquityPoint,
  Instrument,
  InstrumentSpec,
  Offset,
  Order,
  OrderType,
  Phase,
  Position,
  RestCandle,
  Role,
  SessionInfo,
  Settlement,
  Side,
  Statement,
  Stp,
  Ticker,
  Tif,
  Trade,
  Tuning,
  TuningChange,
  User,
} from './types.ts';

export interface FieldProblem {
  readonly in: string;
  readonly path: string;
  readonly message: string;
}

/** An error answer of the API (or a network failure, code NETWORK_ERROR, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly number: number | null = null,
    readonly details: unknown = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The field problems of a validation failure (empty for other errors). */
  get problems(): FieldProblem[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldProblem => typeof d === 'object' && d !== null && typeof (d as FieldProblem).path === 'string',
    );
  }
}

export interface PlaceOrder {
  accountId: number;
  instrumentId: string;
  side: Side;
  type?: OrderType;
  tif?: Tif;
  price?: number;
  stopPrice?: number;
  volume: number;
  offset?: Offset;
  postOnly?: boolean;
  stp?: Stp;
}

export interface Page<T> {
  readonly items: T[];
  readonly next: number | null;
}

interface ErrorBody {
  code?: string;
  number?: number;
  message?: string;
  details?: unknown;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

function qs(params: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) if (v !== undefined) parts.push(`${k}=${encodeURIComponent(String(v))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

const enc = encodeURIComponent;

export class ApiClient {
  /** Called when a request is refused for want of a session (it ended or expired): the app shows the login. */
  onUnauthenticated: (() => void) | null = null;

  constructor(
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
    readonly base = '',
  ) {}

  /** One request: JSON in, JSON (or text) out; non-2xx answers throw ApiError. */
  async request<T>(method: string, path: string, body?: unknown, accept: 'json' | 'text' = 'json'): Promise<T> {
    const headers: Record<string, string> = { accept: accept === 'json' ? 'application/json' : 'text/plain' };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, init);
    } catch (e) {
      throw new ApiError(0, 'NETWORK_ERROR', `The server did not answer (${(e as Error).message}).`);
    }
    const text = await res.text();
    if (res.status === 401 && path !== '/api/v1/session') this.onUnauthenticated?.();
    if (!res.ok) {
      let parsed: ErrorBody | null = null;
      try {
        parsed = JSON.parse(text) as ErrorBody;
      } catch {
        parsed = null;
      }
      throw new ApiError(
        res.status,
        parsed?.code ?? `HTTP_${res.status}`,
        parsed?.message ?? (text.slice(0, 200) || res.statusText),
        parsed?.number ?? null,
        parsed?.details,
      );
    }
    if (accept === 'text') return text as T;
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  // session
  login(username: string, password: string): Promise<{ token: string; expiresMs: number; user: User }> {
    return this.request('POST', '/api/v1/session', { username, password });
  }
  logout(): Promise<{ ok: boolean }> {
    return this.request('DELETE', '/api/v1/session');
  }
  session(): Promise<SessionInfo> {
    return this.request('GET', '/api/v1/session');
  }

  // instruments and market data
  async instruments(): Promise<Instrument[]> {
    return (await this.request<{ instruments: Instrument[] }>('GET', '/api/v1/instruments')).instruments;
  }
  addInstrument(spec: Record<string, unknown>): Promise<Instrument> {
    return this.request('POST', '/api/v1/instruments', spec);
  }
  setReferencePrice(id: string, referencePrice: number): Promise<Instrument> {
    return this.request('PATCH', `/api/v1/instruments/${enc(id)}`, { referencePrice });
  }
  setInstrumentStatus(id: string, action: 'suspend' | 'resume' | 'delist'): Promise<Instrument> {
    return this.request('POST', `/api/v1/instruments/${enc(id)}/${action}`);
  }
  setPhase(id: string, phase: Phase): Promise<Instrument> {
    return this.request('PUT', `/api/v1/instruments/${enc(id)}/phase`, { phase });
  }
  setPhaseAll(
    phase: Phase,
    instrumentIds?: string[],
  ): Promise<{ results: { instrumentId: string; ok: boolean; error?: { code: string; message: string } }[] }> {
    return this.request('PUT', '/api/v1/phase', instrumentIds === undefined ? { phase } : { phase, instrumentIds });
  }
  depth(
    id: string,
    levels = 20,
  ): Promise<{
    instrumentId: string;
    seq: number;
    bids: { price: number; volume: number }[];
    asks: { price: number; volume: number }[];
  }> {
    return this.request('GET', `/api/v1/market/${enc(id)}/depth${qs({ levels })}`);
  }
  ticker(id: string): Promise<Ticker> {
    return this.request('GET', `/api/v1/market/${enc(id)}/ticker`);
  }
  async trades(id: string, limit = 100): Promise<Trade[]> {
    return (await this.request<{ trades: Trade[] }>('GET', `/api/v1/market/${enc(id)}/trades${qs({ limit })}`)).trades;
  }
  async klines(
    id: string,
    period: number,
    o: { from?: number; to?: number; limit?: number } = {},
  ): Promise<RestCandle[]> {
    const r = await this.request<{ candles: RestCandle[] }>(
      'GET',
      `/api/v1/market/${enc(id)}/klines${qs({ period, from: o.from, to: o.to, limit: o.limit })}`,
    );
    return r.candles;
  }

  // orders
  placeOrder(o: PlaceOrder): Promise<{ order: Order; trades: Trade[] }> {
    return this.request('POST', '/api/v1/orders', o);
  }
  cancelOrder(orderId: number): Promise<{ order: Order }> {
    return this.request('DELETE', `/api/v1/orders/${orderId}`);
  }
  modifyOrder(orderId: number, price: number, volume: number): Promise<{ order: Order }> {
    return this.request('PATCH', `/api/v1/orders/${orderId}`, { price, volume });
  }
  async openOrders(accountId: number): Promise<Order[]> {
    return (await this.request<{ orders: Order[] }>('GET', `/api/v1/accounts/${accountId}/orders?status=open`)).orders;
  }
  async orderHistory(accountId: number, limit = 100, before?: number): Promise<Page<Order>> {
    const r = await this.request<{ orders: Order[]; next: number | null }>(
      'GET',
      `/api/v1/accounts/${accountId}/orders${qs({ status: 'all', limit, before })}`,
    );
    return { items: r.orders, next: r.next };
  }
  async accountTrades(accountId: number, limit = 100, before?: number): Promise<Page<Trade>> {
    const r = await this.request<{ trades: Trade[]; next: number | null }>(
      'GET',
      `/api/v1/accounts/${accountId}/trades${qs({ limit, before })}`,
    );
    return { items: r.trades, next: r.next };
  }

  // accounts
  async accounts(): Promise<Account[]> {
    return (await this.request<{ accounts: Account[] }>('GET', '/api/v1/accounts')).accounts;
  }
  async account(accountId: number): Promise<Account> {
    return (await this.request<{ account: Account }>('GET', `/api/v1/accounts/${accountId}`)).account;
  }
  async createAccount(userId: number, kind: 'futures' | 'stock', accountId?: number): Promise<Account> {
    const body = accountId === undefined ? { userId, kind } : { userId, kind, accountId };
    return (await this.request<{ account: Account }>('POST', '/api/v1/accounts', body)).account;
  }
  async positions(accountId: number): Promise<Position[]> {
    return (await this.request<{ positions: Position[] }>('GET', `/api/v1/accounts/${accountId}/positions`)).positions;
  }
  async history(accountId: number, limit = 1000, before?: number): Promise<Page<EquityPoint>> {
    const r = await this.request<{ points: EquityPoint[]; next: number | null }>(
      'GET',
      `/api/v1/accounts/${accountId}/history${qs({ limit, before })}`,
    );
    return { items: r.points, next: r.next };
  }
  async deposit(accountId: number, amount: number): Promise<Account> {
    return (await this.request<{ account: Account }>('POST', `/api/v1/accounts/${accountId}/deposit`, { amount }))
      .account;
  }
  async withdraw(accountId: number, amount: number): Promise<Account> {
    return (await this.request<{ account: Account }>('POST', `/api/v1/accounts/${accountId}/withdraw`, { amount }))
      .account;
  }
  async liquidate(accountId: number): Promise<{ account: Account; reason: string | null; trades: number }> {
    return this.request('POST', `/api/v1/accounts/${accountId}/liquidate`);
  }
  async freeze(accountId: number, frozen: boolean): Promise<Account> {
    return (await this.request<{ account: Account }>('POST', `/api/v1/accounts/${accountId}/freeze`, { frozen }))
      .account;
  }

  // settlement
  async statementDays(accountId: number): Promise<{ tradingDay: number; seq: number }[]> {
    return (
      await this.request<{ days: { tradingDay: number; seq: number }[] }>(
        'GET',
        `/api/v1/accounts/${accountId}/statements`,
      )
    ).days;
  }
  async statement(accountId: number, tradingDay: number): Promise<Statement> {
    return (
      await this.request<{ seq: number; statement: Statement }>(
        'GET',
        `/api/v1/accounts/${accountId}/statements/${tradingDay}`,
      )
    ).statement;
  }
  async settlements(): Promise<Settlement[]> {
    return (await this.request<{ settlements: Settlement[] }>('GET', '/api/v1/settlements')).settlements;
  }
  runSettlement(): Promise<{ settlement: Settlement | null; tradingDay: number }> {
    return this.request('POST', '/api/v1/settlement/run');
  }
  setSettlementPrices(prices: Record<string, number>): Promise<{ ok: boolean }> {
    return this.request('PUT', '/api/v1/settlement/prices', { prices });
  }
  statementsCsvUrl(tradingDay: number): string {
    return `${this.base}/api/v1/settlements/${tradingDay}/statements.csv`;
  }

  // users and API keys (admin)
  async users(): Promise<User[]> {
    return (await this.request<{ users: User[] }>('GET', '/api/v1/users')).users;
  }
  async createUser(username: string, password: string, role: Role): Promise<User> {
    return (await this.request<{ user: User }>('POST', '/api/v1/users', { username, password, role })).user;
  }
  async updateUser(userId: number, change: { disabled?: boolean; password?: string }): Promise<User> {
    return (await this.request<{ user: User }>('PATCH', `/api/v1/users/${userId}`, change)).user;
  }
  async apiKeys(accountId: number): Promise<ApiKeyInfo[]> {
    return (await this.request<{ keys: ApiKeyInfo[] }>('GET', `/api/v1/accounts/${accountId}/api-keys`)).keys;
  }
  createApiKey(accountId: number, label: string): Promise<{ key: string; info: ApiKeyInfo }> {
    return this.request('POST', `/api/v1/accounts/${accountId}/api-keys`, { label });
  }
  revokeApiKey(keyId: number): Promise<{ info: ApiKeyInfo }> {
    return this.request('DELETE', `/api/v1/api-keys/${keyId}`);
  }

  // system
  metricsText(): Promise<string> {
    return this.request('GET', '/metrics', undefined, 'text');
  }
  tuning(): Promise<Tuning> {
    return this.request('GET', '/api/v1/tuning');
  }
  setTuning(change: TuningChange): Promise<Tuning> {
    return this.request('PUT', '/api/v1/tuning', change);
  }
}

export type { InstrumentSpec };

/** The client the app uses (same origin as the page). */
export const api = new ApiClient();
