/** Orders, accounts, positions, funds, my trades, statements and API keys. */
import { Type } from 'typebox';
import type { AccountSnapshot } from '../../../src-engine/domain/events.ts';
import type { OrderRow } from '../../store/queries.ts';
import { accountsOf, assertAdmin, assertCanRead, assertCanTrade } from '../access.ts';
import type { Api, RouteContext } from '../app.ts';
import { cancelCommand, modifyCommand, okEvents, placeCommand, placedOrder, submit } from '../commands.ts';
import { ApiError, rejectError } from '../errors.ts';
import { Id, ModifyOrderBody, MoneyT, OrderView, PageQuery, PlaceOrderBody } from '../schemas.ts';
import { orderView, tradeRowView } from '../views.ts';

const AccountParams = Type.Object({ accountId: Id }, { additionalProperties: false });
const OrderParams = Type.Object({ orderId: Id }, { additionalProperties: false });
const AmountBody = Type.Object({ amount: MoneyT }, { additionalProperties: false });
const MAX_BATCH = 100;

export function tradingRoutes(app: Api, ctx: RouteContext): void {
  const { exchange, queries, auth, metrics } = ctx;
  const engine = () => exchange.engine;

  const account = (accountId: number): AccountSnapshot => {
    const a = engine().account(accountId);
    if (a === undefined) throw new ApiError('ACCOUNT_UNKNOWN', `no account ${accountId}`);
    return a;
  };

  /** The order as the read model has it, checked readable by the caller. */
  const ownOrder = (p: Parameters<typeof assertCanRead>[0], orderId: number): OrderRow => {
    const row = queries.order(orderId);
    if (row === undefined) throw new ApiError('MATCHING_UNKNOWN_ORDER', `no order ${orderId}`);
    assertCanRead(p, engine(), row.account_id);
    return row;
  };

  const place = async (body: PlaceOrderBody, p: NonNullable<Parameters<typeof assertCanRead>[0]>) => {
    assertCanTrade(p, engine(), body.accountId);
    const input = placeCommand(body);
    const pending = submit(exchange, input, metrics, 'rest');
    const ts = exchange.lastTs;
    const ack = await pending;
    if (!ack.ok) throw rejectError(ack.reject);
    return placedOrder(ack, ts);
  };

  app.post(
    '/api/v1/orders',
    {
      schema: {
        summary: 'Place an order; answers once it is durable, with the order as it stands and its fills',
        tags: ['orders'],
        body: PlaceOrderBody,
        response: { 201: Type.Object({ order: OrderView, trades: Type.Array(Type.Unknown()) }) },
      },
    },
    async (req, reply) => {
      const r = await place(req.body, req.principal!);
      reply.status(201);
      return r;
    },
  );

  app.post(
    '/api/v1/orders/batch',
    {
      schema: {
        summary: `Place up to ${MAX_BATCH} orders; each gets its own result, in order`,
        tags: ['orders'],
        body: Type.Object(
          { orders: Type.Array(PlaceOrderBody, { minItems: 1, maxItems: MAX_BATCH }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const p = req.principal!;
      const extra = req.body.orders.length - 1;
      if (extra > 0) {
        const wait = ctx.limiter.take(p.limitKey, extra);
        if (wait > 0)
          throw new ApiError(
            'API_RATE_LIMITED',
            undefined,
            { retryAfterSeconds: wait },
            { 'retry-after': String(wait) },
          );
      }
      const results = await Promise.all(
        req.body.orders.map((o) =>
          place(o, p).then(
            (r) => ({ ok: true as const, ...r }),
            (e: unknown) => {
              if (e instanceof ApiError) return { ok: false as const, error: e.body() };
              throw e;
            },
          ),
        ),
      );
      return { results };
    },
  );

  const cancel = async (orderId: number, p: NonNullable<Parameters<typeof assertCanRead>[0]>) => {
    const row = ownOrder(p, orderId);
    assertCanTrade(p, engine(), row.account_id);
    const ack = await submit(exchange, cancelCommand(orderId, row.account_id), metrics, 'rest');
    okEvents(ack);
    return orderView(queries.order(orderId) ?? row);
  };

  app.delete(
    '/api/v1/orders/:orderId',
    { schema: { summary: 'Cancel an order', tags: ['orders'], params: OrderParams } },
    async (req) => ({ order: await cancel(req.params.orderId, req.principal!) }),
  );

  app.post(
    '/api/v1/orders/cancel-batch',
    {
      schema: {
        summary: `Cancel up to ${MAX_BATCH} orders; each gets its own result`,
        tags: ['orders'],
        body: Type.Object(
          { orderIds: Type.Array(Id, { minItems: 1, maxItems: MAX_BATCH }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const p = req.principal!;
      const results = await Promise.all(
        req.body.orderIds.map((id) =>
          cancel(id, p).then(
            (order) => ({ ok: true as const, order }),
            (e: unknown) => {
              if (e instanceof ApiError) return { ok: false as const, orderId: id, error: e.body() };
              throw e;
            },
          ),
        ),
      );
      return { results };
    },
  );

  app.patch(
    '/api/v1/orders/:orderId',
    {
      schema: {
        summary: 'Modify a resting order: new price and/or open volume',
        tags: ['orders'],
        params: OrderParams,
        body: ModifyOrderBody,
      },
    },
    async (req) => {
      const p = req.principal!;
      const row = ownOrder(p, req.params.orderId);
      assertCanTrade(p, engine(), row.account_id);
      const ack = await submit(exchange, modifyCommand(row.order_id, row.account_id, req.body), metrics, 'rest');
      okEvents(ack);
      return { order: orderView(queries.order(row.order_id) ?? row) };
    },
  );

  app.get(
    '/api/v1/orders/:orderId',
    { schema: { summary: 'One order', tags: ['orders'], params: OrderParams } },
    async (req) => ({ order: orderView(ownOrder(req.principal!, req.params.orderId)) }),
  );

  app.get(
    '/api/v1/accounts',
    {
      schema: {
        summary: 'The accounts you act for (admins: every account), with every QIFI field',
        tags: ['accounts'],
      },
    },
    async (req) => ({ accounts: accountsOf(req.principal!, engine()).map((id) => engine().account(id)) }),
  );

  app.post(
    '/api/v1/accounts',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Create an account for a user (admin)',
        tags: ['accounts'],
        body: Type.Object(
          {
            userId: Id,
            kind: Type.Union([Type.Literal('futures'), Type.Literal('stock')]),
            accountId: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      if (auth.user(req.body.userId) === undefined) throw new ApiError('API_NOT_FOUND', `no user ${req.body.userId}`);
      // a loop, not Math.max(...ids): spreading ~125,000+ ids overflows the stack
      const accountId =
        req.body.accountId ??
        engine()
          .accountIds()
          .reduce((m, id) => Math.max(m, id), 0) + 1;
      const ack = await submit(
        exchange,
        { kind: 'CreateAccount', accountId, userId: req.body.userId, accountKind: req.body.kind } as never,
        metrics,
        'rest',
      );
      okEvents(ack);
      reply.status(201);
      return { account: account(accountId) };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId',
    { schema: { summary: 'An account: every QIFI field', tags: ['accounts'], params: AccountParams } },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      return { account: account(req.params.accountId) };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId/positions',
    { schema: { summary: "An account's positions with float P&L", tags: ['accounts'], params: AccountParams } },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      account(req.params.accountId);
      return { positions: engine().positions(req.params.accountId) };
    },
  );

  const funds =
    (kind: 'Deposit' | 'Withdraw') =>
    async (req: { principal: unknown; params: { accountId: number }; body: { amount: number } }) => {
      const p = req.principal as NonNullable<Parameters<typeof assertCanRead>[0]>;
      if (!ctx.options.selfServiceFunds) assertAdmin(p);
      else assertCanTrade(p, engine(), req.params.accountId);
      const ack = await submit(
        exchange,
        { kind, accountId: req.params.accountId, amount: req.body.amount } as never,
        metrics,
        'rest',
      );
      okEvents(ack);
      return { account: account(req.params.accountId) };
    };

  app.post(
    '/api/v1/accounts/:accountId/deposit',
    {
      schema: {
        summary: 'Deposit money (admin, or the owner when self-service funds are on)',
        tags: ['accounts'],
        params: AccountParams,
        body: AmountBody,
      },
    },
    funds('Deposit'),
  );

  app.post(
    '/api/v1/accounts/:accountId/withdraw',
    {
      schema: {
        summary: 'Withdraw money, at most the available funds (admin, or the owner when self-service funds are on)',
        tags: ['accounts'],
        params: AccountParams,
        body: AmountBody,
      },
    },
    funds('Withdraw'),
  );

  app.post(
    '/api/v1/accounts/:accountId/freeze',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Freeze or unfreeze an account (admin): a frozen account places no orders and withdraws nothing',
        tags: ['accounts'],
        params: AccountParams,
        body: Type.Object({ frozen: Type.Boolean() }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const ack = await submit(
        exchange,
        { kind: 'SetAccountFrozen', accountId: req.params.accountId, frozen: req.body.frozen } as never,
        metrics,
        'rest',
      );
      okEvents(ack);
      return { account: account(req.params.accountId) };
    },
  );

  app.post(
    '/api/v1/accounts/:accountId/liquidate',
    {
      config: { access: 'admin' },
      schema: {
        summary:
          'Force-liquidate an account now (admin): cancel its orders, close its positions at the band until flat or no liquidity',
        tags: ['accounts'],
        params: AccountParams,
      },
    },
    async (req) => {
      const ack = await submit(
        exchange,
        { kind: 'LiquidateAccount', accountId: req.params.accountId } as never,
        metrics,
        'rest',
      );
      const events = okEvents(ack);
      const ended = events.find((e) => e.kind === 'ForceLiquidationEnded' && e.accountId === req.params.accountId);
      return {
        account: account(req.params.accountId),
        reason: ended?.kind === 'ForceLiquidationEnded' ? ended.reason : null,
        trades: events.filter((e) => e.kind === 'TradeExecuted').length,
      };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId/orders',
    {
      schema: {
        summary: "An account's open orders (status=open) or order history, newest first, paged by order id",
        tags: ['orders'],
        params: AccountParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            before: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      const q = req.query;
      const rows =
        q.status === 'open'
          ? queries.openOrders(req.params.accountId)
          : queries.orders(req.params.accountId, q.limit ?? 100, q.before);
      const orders = rows.map(orderView);
      const next = q.status !== 'open' && rows.length === (q.limit ?? 100) ? rows[rows.length - 1]!.order_id : null;
      return { orders, next };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId/trades',
    {
      schema: {
        summary: "An account's trades, newest first, paged by trade id",
        tags: ['orders'],
        params: AccountParams,
        querystring: PageQuery,
      },
    },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      const limit = req.query.limit ?? 100;
      const rows = queries.accountTrades(req.params.accountId, limit, req.query.before);
      return { trades: rows.map(tradeRowView), next: rows.length === limit ? rows[rows.length - 1]!.trade_id : null };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId/history',
    {
      schema: {
        summary: "An account's balance after each batch that changed it (the equity curve), newest first, paged by seq",
        tags: ['accounts'],
        params: AccountParams,
        querystring: PageQuery,
      },
    },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      const limit = req.query.limit ?? 100;
      const rows = queries.accountHistory(req.params.accountId, limit, req.query.before);
      return {
        points: rows.map((r) => ({
          seq: r.seq,
          ts: r.ts,
          tradingDay: r.trading_day,
          balance: r.balance,
          available: r.available,
        })),
        next: rows.length === limit ? rows[rows.length - 1]!.seq : null,
      };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId/statements',
    {
      schema: {
        summary: 'The trading days with a statement for this account',
        tags: ['settlement'],
        params: AccountParams,
      },
    },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      return { days: queries.statementDays(req.params.accountId) };
    },
  );

  app.get(
    '/api/v1/accounts/:accountId/statements/:tradingDay',
    {
      schema: {
        summary: "One day's settlement statement: every QIFI field, positions and the day's trades",
        tags: ['settlement'],
        params: Type.Object(
          { accountId: Id, tradingDay: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      assertCanRead(req.principal!, engine(), req.params.accountId);
      const s = queries.statement(req.params.accountId, req.params.tradingDay);
      if (s === undefined)
        throw new ApiError(
          'API_NOT_FOUND',
          `no statement for account ${req.params.accountId} on day ${req.params.tradingDay}`,
        );
      return s;
    },
  );

  // API keys
  app.get(
    '/api/v1/accounts/:accountId/api-keys',
    { schema: { summary: "An account's API keys (never the secrets)", tags: ['api keys'], params: AccountParams } },
    async (req) => {
      const p = req.principal!;
      if (p.via === 'key') throw new ApiError('API_FORBIDDEN', 'API keys cannot manage API keys; log in');
      assertCanTrade(p, engine(), req.params.accountId);
      return { keys: auth.apiKeys({ accountId: req.params.accountId }) };
    },
  );

  app.post(
    '/api/v1/accounts/:accountId/api-keys',
    {
      schema: {
        summary: 'Create an API key for an account; the key is in this reply only',
        tags: ['api keys'],
        params: AccountParams,
        body: Type.Object({ label: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      if (p.via === 'key') throw new ApiError('API_FORBIDDEN', 'API keys cannot create API keys; log in');
      assertCanTrade(p, engine(), req.params.accountId);
      const a = account(req.params.accountId);
      const r = auth.createApiKey(req.params.accountId, a.userId, req.body.label);
      reply.status(201);
      return { key: r.key, info: r.info };
    },
  );

  app.delete(
    '/api/v1/api-keys/:keyId',
    {
      schema: {
        summary: 'Revoke an API key (stops working at once)',
        tags: ['api keys'],
        params: Type.Object({ keyId: Id }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.via === 'key') throw new ApiError('API_FORBIDDEN', 'API keys cannot revoke API keys; log in');
      const k = auth.apiKey(req.params.keyId);
      if (k === undefined) throw new ApiError('API_NOT_FOUND', `no API key ${req.params.keyId}`);
      assertCanTrade(p, engine(), k.accountId);
      auth.revokeApiKey(k.keyId);
      return { info: auth.apiKey(k.keyId) };
    },
  );
}
