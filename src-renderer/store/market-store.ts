/**
 * Live market data, kept in mutable per-instrument state fed by the WS feed: the depth book (snapshot + deltas,
 * subscribing again on a gap), the recent trades, the ticker and the candle series per period. Each part carries a
 * version; painters compare versions on the frame loop and redraw only what changed. Subscriptions are reference
 * counted: the WS subscription lives while some view watches it.
 */
import type { ApiClient } from '../api/client.ts';
import type { Candle, Ticker, Trade } from '../api/types.ts';
import type { WsClient, WsMessage } from '../api/ws-client.ts';
import { basePeriod, CandleSeries, fromRest } from '../logic/candles.ts';
import { DepthBook, type DepthDelta, type DepthSnapshot } from '../logic/depth-book.ts';
import type { FrameLoop } from '../logic/frame-loop.ts';

export const TAPE_SIZE = 200;
export const DEPTH_LEVELS = 50;

export class InstrumentMarket {
  readonly depth = new DepthBook();
  /** Newest first, at most TAPE_SIZE. */
  trades: Trade[] = [];
  tradesVersion = 0;
  /** Trades received since the page opened (for throughput displays and tests). */
  tradeCount = 0;
  ticker: Ticker | null = null;
  tickerVersion = 0;
  /** Depth messages applied (snapshots and deltas). */
  depthMessages = 0;
  readonly candles = new Map<number, CandleSeries>();

  constructor(readonly instrumentId: string) {}

  addTrade(t: Trade): void {
    this.trades.unshift(t);
    if (this.trades.length > TAPE_SIZE) this.trades.length = TAPE_SIZE;
    this.tradeCount++;
    this.tradesVersion++;
  }
}

interface Watch {
  refs: number;
  release: () => void;
}

export class MarketStore {
  private readonly markets = new Map<string, InstrumentMarket>();
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly ws: WsClient,
    private readonly api: ApiClient,
    private readonly loop: FrameLoop,
  ) {}

  get(instrumentId: string): InstrumentMarket {
    let m = this.markets.get(instrumentId);
    if (m === undefined) {
      m = new InstrumentMarket(instrumentId);
      this.markets.set(instrumentId, m);
    }
    return m;
  }

  private hold(key: string, start: () => () => void): () => void {
    let w = this.watches.get(key);
    if (w === undefined) {
      w = { refs: 0, release: start() };
      this.watches.set(key, w);
    }
    w.refs++;
    const watch = w;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      watch.refs--;
      if (watch.refs === 0) {
        this.watches.delete(key);
        watch.release();
      }
    };
  }

  /** The depth book of an instrument, live while held. */
  watchDepth(instrumentId: string): () => void {
    return this.hold(`depth|${instrumentId}`, () => {
      const m = this.get(instrumentId);
      m.depth.clear();
      const sub = { channel: 'depth', instrumentId, levels: DEPTH_LEVELS };
      return this.ws.subscribe(sub, (msg) => {
        if (msg.type === 'error') return;
        m.depthMessages++;
        if (msg.type === 'snapshot') {
          m.depth.applySnapshot(msg as unknown as DepthSnapshot);
        } else if (m.depth.applyDelta(msg as unknown as DepthDelta) === 'gap') {
          this.ws.resubscribe(sub);
        }
        this.loop.invalidate();
      });
    });
  }

  /** The trade tape of an instrument (recent trades from REST, then live). */
  watchTrades(instrumentId: string): () => void {
    return this.hold(`trades|${instrumentId}`, () => {
      const m = this.get(instrumentId);
      let live = false;
      const stop = this.ws.subscribe({ channel: 'trades', instrumentId }, (msg) => {
        if (msg.type === 'error') return;
        live = true;
        m.addTrade(msg.trade as Trade);
        this.loop.invalidate();
      });
      this.api
        .trades(instrumentId, 100)
        .then((list) => {
          // merge: keep what arrived live, add older ones behind it
          const have = new Set(m.trades.map((t) => t.tradeId));
          const older = list.filter((t) => !have.has(t.tradeId));
          const oldest =
            live && m.trades.length > 0 ? m.trades[m.trades.length - 1]!.tradeId : Number.POSITIVE_INFINITY;
          m.trades = [...m.trades, ...older.filter((t) => t.tradeId < oldest)].slice(0, TAPE_SIZE);
          m.tradesVersion++;
          this.loop.invalidate();
        })
        .catch(() => {});
      return stop;
    });
  }

  watchTicker(instrumentId: string): () => void {
    return this.hold(`ticker|${instrumentId}`, () => {
      const m = this.get(instrumentId);
      return this.ws.subscribe({ channel: 'ticker', instrumentId }, (msg) => {
        if (msg.type === 'error') return;
        m.ticker = msg as unknown as Ticker;
        m.tickerVersion++;
        this.loop.invalidate();
      });
    });
  }

  /** A candle series (history from REST, then live from the 3 s or 60 s feed). */
  watchCandles(instrumentId: string, periodSec: number): () => void {
    return this.hold(`candles|${instrumentId}|${periodSec}`, () => {
      const m = this.get(instrumentId);
      const series = new CandleSeries(periodSec);
      m.candles.set(periodSec, series);
      const base = basePeriod(periodSec);
      let current = series;
      const pending: Candle[] = [];
      let loaded = false;
      const stop = this.ws.subscribe({ channel: 'klines', instrumentId, period: base }, (msg: WsMessage) => {
        const c = msg.candle as Candle | null | undefined;
        if (msg.type === 'error' || c === null || c === undefined) return;
        if (!loaded) {
          pending.push(c);
          return;
        }
        if (current.apply(c)) this.loop.invalidate();
      });
      const limit = 500;
      const from = Date.now() - limit * periodSec * 1000;
      this.api
        .klines(instrumentId, periodSec, { from, limit })
        .then(async (rows) => {
          const candles = fromRest(rows);
          let baseCandles: Candle[] = [];
          if (periodSec !== base && candles.length > 0) {
            const lastStart = candles[candles.length - 1]!.startTs;
            baseCandles = fromRest(await this.api.klines(instrumentId, base, { from: lastStart, limit: 5000 }));
          }
          current = new CandleSeries(periodSec, candles, baseCandles);
          current.version = series.version + 1;
          m.candles.set(periodSec, current);
          loaded = true;
          for (const c of pending) current.apply(c);
          pending.length = 0;
          this.loop.invalidate();
        })
        .catch(() => {
          loaded = true;
        });
      return () => {
        stop();
        if (m.candles.get(periodSec) === current) m.candles.delete(periodSec);
      };
    });
  }
}
