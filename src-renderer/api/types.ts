/**
 * The shapes the deskex API answers with, as the UI reads them (src-main/api/routes/*.ts and market-feed.ts are
 * the contract; docs/api.md and docs/ws.md describe them). Prices are integer price units, volumes integers, money
 * integer minor units, ratios parts per million, timestamps milliseconds.
 */

export type Role = 'admin' | 'trader' | 'viewer';
export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market' | 'stop' | 'stopLimit';
export type Tif = 'GTC' | 'GFD' | 'IOC' | 'FOK';
export type Offset = 'open' | 'close' | 'closeToday';
export type Stp = 'none' | 'cancelTaker' | 'cancelMaker' | 'cancelBoth' | 'reject';
export type Phase = 'closed' | 'preOpen' | 'auction' | 'continuous' | 'halted';
export type InstrumentStatus = 'active' | 'suspended' | 'delisted';
export type OrderStatus = 'pending' | 'new' | 'partial' | 'filled' | 'canceled' | 'rejected';

export const ORDER_TYPES: readonly OrderType[] = ['limit', 'market', 'stop', 'stopLimit'];
export const TIFS: readonly Tif[] = ['GFD', 'GTC', 'IOC', 'FOK'];
export const OFFSETS: readonly Offset[] = ['open', 'close', 'closeToday'];
export const STPS: readonly Stp[] = ['cancelTaker', 'cancelMaker', 'cancelBoth', 'reject', 'none'];
export const PHASES: readonly Phase[] = ['closed', 'preOpen', 'auction', 'continuous', 'halted'];
/** K-line periods in seconds the REST API serves. */
export const KLINE_PERIODS = [3, 60, 300, 900, 3600, 86400] as const;
export type KlinePeriod = (typeof KLINE_PERIODS)[number];

export interface User {
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdMs: number;
}

export interface SessionInfo {
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  readonly via: 'session' | 'key';
  readonly keyAccountId: number | null;
}

export type PriceBandRule =
  | { readonly kind: 'percent'; readonly bps: number }
  | { readonly kind: 'ticks'; readonly ticks: number }
  | { readonly kind: 'none' };

export interface InstrumentSpec {
  readonly id: string;
  readonly kind: 'future' | 'stock';
  readonly priceTick: number;
  readonly priceDecimals: number;
  readonly lotSize: number;
  readonly multiplier: number;
  readonly maxOrderVolume: number;
  readonly band: PriceBandRule;
  readonly referencePrice: number | null;
  readonly status: InstrumentStatus;
  readonly terms?: unknown;
}

export interface Instrument {
  readonly spec: InstrumentSpec;
  readonly phase: Phase | null;
  readonly lastPrice: number | null;
}

export interface Order {
  orderId: number;
  accountId: number;
  instrumentId: string;
  side: Side;
  type: OrderType;
  tif: Tif;
  offset: Offset;
  price: number;
  stopPrice: number;
  volume: number;
  filled: number;
  remaining: number;
  status: OrderStatus;
  reason: string | null;
  forced: boolean;
  createdSeq: number;
  createdTs: number;
  updatedSeq: number;
  updatedTs: number;
}

export interface Trade {
  readonly tradeId: number;
  readonly seq: number;
  readonly ts: number;
  readonly instrumentId: string;
  readonly price: number;
  readonly volume: number;
  readonly buyOrderId: number;
  readonly sellOrderId: number;
  readonly buyAccountId: number;
  readonly sellAccountId: number;
  readonly takerSide: Side | null;
}

/** Every QIFI field of an account (money in minor units; riskRatioPpm in parts per million). */
export interface Account {
  readonly accountId: number;
  readonly userId: number;
  readonly accountKind: 'futures' | 'stock';
  readonly frozen: boolean;
  readonly tradingDay: number;
  readonly preBalance: number;
  readonly deposit: number;
  readonly withdraw: number;
  readonly staticBalance: number;
  readonly closeProfit: number;
  readonly positionProfit: number;
  readonly floatProfit: number;
  readonly commission: number;
  readonly balance: number;
  readonly margin: number;
  readonly frozenMargin: number;
  readonly frozenCommission: number;
  readonly available: number;
  readonly riskRatioPpm: number;
  readonly cash: number;
  readonly frozenCash: number;
  readonly marketValue: number;
}

export interface PositionSide {
  readonly today: number;
  readonly yesterday: number;
  readonly frozenToday: number;
  readonly frozenYesterday: number;
  /** Σ price × volume of the open trades, in price units. */
  readonly openCost: number;
  /** Σ price × volume at the last settlement price (yesterday) or the open price (today), in price units. */
  readonly positionCost: number;
  readonly margin: number;
  readonly positionProfit: number;
  readonly floatProfit: number;
}

export interface Position {
  readonly accountId: number;
  readonly instrumentId: string;
  readonly long: PositionSide;
  readonly short: PositionSide;
}

export interface AccountTrade {
  readonly tradeId: number;
  readonly orderId: number;
  readonly instrumentId: string;
  readonly side: Side;
  readonly offset: Offset;
  readonly price: number;
  readonly volume: number;
  readonly commission: number;
  readonly closeProfit: number;
}

/** The daily statement of one account, as the settlement left it (the AccountSettled event). */
export interface Statement {
  readonly account: Account;
  readonly positions: readonly Position[];
  readonly trades: readonly AccountTrade[];
}

export interface Settlement {
  readonly tradingDay: number;
  readonly seq: number;
  readonly ts: number;
  readonly prices: readonly { readonly instrumentId: string; readonly price: number }[];
  readonly atRisk: readonly number[];
}

export interface Ticker {
  readonly instrumentId: string;
  readonly phase: Phase | null;
  readonly last: number | null;
  readonly bestBid: number | null;
  readonly bestBidVolume: number | null;
  readonly bestAsk: number | null;
  readonly bestAskVolume: number | null;
  readonly open: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly volume: number;
  readonly trades: number;
}

/** A candle as REST returns it (snake case start) or as the WS feed pushes it (camel case). */
export interface Candle {
  readonly startTs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
}

export interface RestCandle {
  readonly start_ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
}

export interface DepthLevelView {
  readonly price: number;
  readonly volume: number;
  readonly orders?: number;
}

export interface ApiKeyInfo {
  readonly keyId: number;
  readonly prefix: string;
  readonly accountId: number;
  readonly userId: number;
  readonly label: string;
  readonly createdMs: number;
  readonly revokedMs: number | null;
}

export interface EquityPoint {
  readonly seq: number;
  readonly ts: number;
  readonly tradingDay: number;
  readonly balance: number;
  readonly available: number;
}

export interface ExchangeStats {
  readonly status: string;
  readonly durability: string;
  readonly lastSeq: number;
  readonly journaledSeq: number;
  readonly unjournaled: number;
  readonly queued: number;
  readonly batches: number;
  readonly commits: number;
  readonly snapshots: number;
  readonly lastSnapshotSeq: number;
  readonly [key: string]: unknown;
}

export interface TuningSettings {
  readonly durability: string;
  readonly snapshotEvery: number;
  readonly maxBatch: number;
  readonly fastFlushMs: number;
  /** The shard count the next start uses. */
  readonly shards: number;
  /** The shard count running now. */
  readonly runningShards: number;
}

/** GET /api/v1/tuning: the settings in force, which apply live, the server's own options and exchange counters. */
export interface Tuning {
  readonly settings?: TuningSettings;
  readonly appliesLive?: Readonly<Record<string, boolean>>;
  readonly server?: Readonly<Record<string, unknown>>;
  readonly stats?: ExchangeStats;
  readonly [key: string]: unknown;
}

/** PUT /api/v1/tuning (admin): the settings to change. */
export interface TuningChange {
  durability?: string;
  maxBatch?: number;
  snapshotEvery?: number;
  fastFlushMs?: number;
  shards?: number;
}
