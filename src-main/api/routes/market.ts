/** Instruments (everyone reads, admins change), phases (admin) and market data (depth, ticker, trades, K-lines). */
import { Type } from 'typebox';
import type { InstrumentSpec } from '../../../src-engine/domain/instrument.ts';
import type { CandleRow } from '../../store/queries.ts';
import type { Api, RouteContext } from '../app.ts';
import { okEvents, submit } from '../commands.ts';
import { ApiError } from '../errors.ts';
import { Id, InstrumentIdT, PhaseT, PriceT } from '../schemas.ts';
import { tradeRowView } from '../views.ts';

const InstrumentParams = Type.Object({ instrumentId: InstrumentIdT }, { additionalProperties: false });

/** K-line periods served, in seconds: 3 and 60 are stored; the longer ones are built from the 60 s candles. */
export const KLINE_PERIODS = [3, 60, 300, 900, 3600, 86400] as const;

const InstrumentSpecBody = Type.Object(
  {
    id: InstrumentIdT,
    kind: Type.Union([Type.Literal('future'), Type.Literal('stock')]),
    priceTick: Type.Integer({ minimum: 1 }),
    priceDecimals: Type.Integer({ minimum: 0, maximum: 8 }),
    lotSize: Type.Integer({ minimum: 1 }),
    multiplier: Type.Integer({ minimum: 1 }),
    maxOrderVolume: Type.Integer({ minimum: 1 }),
    band: Type.Optional(Type.Unknown()),
    referencePrice: Type.Optional(PriceT),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
  },
  {
    additionalProperties: true,
    description:
      'An instrument spec as docs/matching.md and docs/accounts.md describe it (margin and commission terms included); the engine checks it whole',
  },
);

export function marketRoutes(app: Api, ctx: RouteContext): void {
  const { exchange, queries, metrics } = ctx;
  const engine = () => exchange.engine;

  const known = (id: string): InstrumentSpec => {
    const s = engine().instrument(id);
    if (s === undefined) throw new ApiError('VALIDATION_UNKNOWN_INSTRUMENT', `no instrument ${id}`);
    return s;
  };
  const view = (spec: InstrumentSpec) => ({
    spec,
    phase: engine().phase(spec.id),
    lastPrice: engine().lastPrice(spec.id),
  });

  app.get(
    '/api/v1/instruments',
    { schema: { summary: 'Every instrument with its phase and last price', tags: ['instruments'] } },
    async () => ({
      instruments: engine()
        .instrumentIds()
        .map((id) => view(engine().instrument(id)!)),
    }),
  );

  app.get(
    '/api/v1/instruments/:instrumentId',
    { schema: { summary: 'One instrument', tags: ['instruments'], params: InstrumentParams } },
    async (req) => view(known(req.params.instrumentId)),
  );

  app.post(
    '/api/v1/instruments',
    {
      config: { access: 'admin' },
      schema: { summary: 'Add an instrument (admin)', tags: ['instruments'], body: InstrumentSpecBody },
    },
    async (req, reply) => {
      const spec = { status: 'active', ...req.body } as InstrumentSpec;
      okEvents(await submit(exchange, { kind: 'AddInstrument', spec } as never, metrics, 'rest'));
      reply.status(201);
      return view(known(spec.id));
    },
  );

  app.patch(
    '/api/v1/instruments/:instrumentId',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Update an instrument (admin): its reference price (the band's centre)",
        tags: ['instruments'],
        params: InstrumentParams,
        body: Type.Object({ referencePrice: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      known(req.params.instrumentId);
      okEvents(
        await submit(
          exchange,
          { kind: 'SetReferencePrice', instrumentId: req.params.instrumentId, price: req.body.referencePrice } as never,
          metrics,
          'rest',
        ),
      );
      return view(known(req.params.instrumentId));
    },
  );

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['resume', 'active'],
    ['delist', 'delisted'],
  ] as const) {
    app.post(
      `/api/v1/instruments/:instrumentId/${action}`,
      {
        config: { access: 'admin' },
        schema: {
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} an instrument (admin)${action === 'delist' ? ': for good' : ''}`,
          tags: ['instruments'],
          params: InstrumentParams,
        },
      },
      async (req) => {
        known(req.params.instrumentId);
        okEvents(
          await submit(
            exchange,
            { kind: 'SetInstrumentStatus', instrumentId: req.params.instrumentId, status } as never,
            metrics,
            'rest',
          ),
        );
        return view(known(req.params.instrumentId));
      },
    );
  }

  app.put(
    '/api/v1/instruments/:instrumentId/phase',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Set an instrument's trading phase (admin): preOpen, auction, continuous, halted, closed",
        tags: ['phases'],
        params: InstrumentParams,
        body: Type.Object({ phase: PhaseT }, { additionalProperties: false }),
      },
    },
    async (req) => {
      known(req.params.instrumentId);
      okEvents(
        await submit(
          exchange,
          { kind: 'SetPhase', instrumentId: req.params.instrumentId, phase: req.body.phase } as never,
          metrics,
          'rest',
        ),
      );
      return view(known(req.params.instrumentId));
    },
  );

  app.put(
    '/api/v1/phase',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Set the trading phase of every instrument (or those listed) at once (admin)',
        tags: ['phases'],
        body: Type.Object(
          { phase: PhaseT, instrumentIds: Type.Optional(Type.Array(InstrumentIdT, { maxItems: 1000 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      // delisted instruments are left alone except to close them: settlement needs every instrument closed
      const { phase } = req.body;
      const ids =
        req.body.instrumentIds ??
        engine()
          .instrumentIds()
          .filter(
            (id) =>
              engine().instrument(id)?.status !== 'delisted' || (phase === 'closed' && engine().phase(id) !== 'closed'),
          );
      for (const id of ids) known(id);
      const acks = await Promise.all(
        ids.map((instrumentId) =>
          submit(exchange, { kind: 'SetPhase', instrumentId, phase: req.body.phase } as never, metrics, 'rest'),
        ),
      );
      return {
        results: acks.map((a, i) =>
          a.ok
            ? { instrumentId: ids[i], ok: true }
            : { instrumentId: ids[i], ok: false, error: { code: a.reject.code, message: a.reject.message } },
        ),
      };
    },
  );

  app.get(
    '/api/v1/market/:instrumentId/depth',
    {
      schema: {
        summary: 'Order book depth: price levels with volume and order count',
        tags: ['market data'],
        params: InstrumentParams,
        querystring: Type.Object(
          { levels: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 10 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      known(req.params.instrumentId);
      return {
        instrumentId: req.params.instrumentId,
        seq: exchange.lastSeq,
        ...engine().depth(req.params.instrumentId, req.query.levels ?? 10),
      };
    },
  );

  app.get(
    '/api/v1/market/:instrumentId/ticker',
    {
      schema: {
        summary: "Ticker: last price, best bid and ask, today's open, high, low, volume and trade count",
        tags: ['market data'],
        params: InstrumentParams,
      },
    },
    async (req) => {
      const id = req.params.instrumentId;
      known(id);
      const d = engine().depth(id, 1);
      const dayStart = Date.now() - (Date.now() % 86_400_000);
      const day = queries.daySummary(id, dayStart);
      return {
        instrumentId: id,
        phase: engine().phase(id),
        last: engine().lastPrice(id),
        bestBid: d?.bids[0]?.price ?? null,
        bestBidVolume: d?.bids[0]?.volume ?? null,
        bestAsk: d?.asks[0]?.price ?? null,
        bestAskVolume: d?.asks[0]?.volume ?? null,
        ...day,
      };
    },
  );

  app.get(
    '/api/v1/market/:instrumentId/trades',
    {
      schema: {
        summary: 'Recent trades, newest first, paged by trade id',
        tags: ['market data'],
        params: InstrumentParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            before: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      known(req.params.instrumentId);
      const limit = req.query.limit ?? 100;
      const rows = queries.instrumentTrades(req.params.instrumentId, limit, req.query.before);
      return { trades: rows.map(tradeRowView), next: rows.length === limit ? rows[rows.length - 1]!.trade_id : null };
    },
  );

  app.get(
    '/api/v1/market/:instrumentId/klines',
    {
      schema: {
        summary: `K-lines (candles) by period in seconds (${KLINE_PERIODS.join(', ')}) over [from, to) in ms`,
        tags: ['market data'],
        params: InstrumentParams,
        querystring: Type.Object(
          {
            period: Type.Union(KLINE_PERIODS.map((p) => Type.Literal(p))),
            from: Type.Optional(Type.Integer({ minimum: 0 })),
            to: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const id = req.params.instrumentId;
      known(id);
      const { period } = req.query;
      const to = req.query.to ?? Number.MAX_SAFE_INTEGER;
      const from = req.query.from ?? 0;
      const limit = req.query.limit ?? 1000;
      if (period <= 60) return { instrumentId: id, period, candles: queries.klines(id, period, from, to, limit) };
      // longer periods: fold the 60 s candles
      const ms = period * 1000;
      const out: CandleRow[] = [];
      for (const c of queries.klines(id, 60, from - (from % ms), to, limit * (period / 60))) {
        const start = c.start_ts - (c.start_ts % ms);
        const last = out[out.length - 1];
        if (last !== undefined && last.start_ts === start) {
          last.high = Math.max(last.high, c.high);
          last.low = Math.min(last.low, c.low);
          last.close = c.close;
          last.volume += c.volume;
          last.trades += c.trades;
        } else {
          if (out.length === limit) break;
          out.push({ ...c, start_ts: start });
        }
      }
      return { instrumentId: id, period, candles: out };
    },
  );
}
