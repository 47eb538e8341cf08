/** Users (admin) and settlement (admins run it; everyone reads its history). */
import { Type } from 'typebox';
import { statementsCsvInWorker } from '../../host/jobs.ts';
import type { Api, RouteContext } from '../app.ts';
import { AuthError } from '../auth.ts';
import { okEvents, submit } from '../commands.ts';
import { ApiError } from '../errors.ts';
import { Id, InstrumentIdT, RoleT } from '../schemas.ts';

function authError(e: unknown): never {
  if (e instanceof AuthError) {
    if (e.code === 'AUTH_USERNAME_TAKEN') throw new ApiError('API_CONFLICT', e.message);
    if (e.code === 'AUTH_UNKNOWN_USER') throw new ApiError('API_NOT_FOUND', e.message);
    throw new ApiError('API_VALIDATION_FAILED', e.message);
  }
  throw e;
}

export function adminRoutes(app: Api, ctx: RouteContext): void {
  const { exchange, auth, queries, metrics } = ctx;

  app.get(
    '/api/v1/users',
    { config: { access: 'admin' }, schema: { summary: 'Every user (admin)', tags: ['users'] } },
    async () => ({ users: auth.users() }),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Create a user (admin); the password is hashed with scrypt',
        tags: ['users'],
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 64 }),
            password: Type.String({ minLength: 8, maxLength: 256 }),
            role: RoleT,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const user = await auth.createUser(req.body.username, req.body.password, req.body.role).catch(authError);
      reply.status(201);
      return { user };
    },
  );

  app.patch(
    '/api/v1/users/:userId',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Disable or enable a user, or set a user's password (admin)",
        tags: ['users'],
        params: Type.Object({ userId: Id }, { additionalProperties: false }),
        body: Type.Object(
          {
            disabled: Type.Optional(Type.Boolean()),
            password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { userId } = req.params;
      if (auth.user(userId) === undefined) throw new ApiError('API_NOT_FOUND', `no user ${userId}`);
      if (req.body.disabled !== undefined) {
        if (req.body.disabled && userId === req.principal!.userId)
          throw new ApiError('API_CONFLICT', 'you cannot disable yourself');
        auth.setDisabled(userId, req.body.disabled);
      }
      if (req.body.password !== undefined) await auth.setPassword(userId, req.body.password).catch(authError);
      return { user: auth.user(userId) };
    },
  );

  app.put(
    '/api/v1/settlement/prices',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Set today's settlement prices (admin); they override the configured rule",
        tags: ['settlement'],
        body: Type.Object(
          { prices: Type.Record(InstrumentIdT, Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const entries = Object.entries(req.body.prices);
      if (entries.length === 0) throw new ApiError('API_VALIDATION_FAILED', 'no prices given');
      for (const [id] of entries) {
        if (exchange.engine.instrument(id) === undefined)
          throw new ApiError('VALIDATION_UNKNOWN_INSTRUMENT', `no instrument ${id}`);
      }
      for (const [instrumentId, price] of entries) {
        okEvents(await submit(exchange, { kind: 'SetSettlementPrice', instrumentId, price } as never, metrics, 'rest'));
      }
      return { ok: true, prices: req.body.prices };
    },
  );

  app.post(
    '/api/v1/settlement/run',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Run the daily settlement (admin): every instrument must be closed; answers when it is durable',
        tags: ['settlement'],
      },
    },
    async () => {
      const day = exchange.engine.tradingDay;
      const ack = await submit(exchange, { kind: 'Settle' } as never, metrics, 'rest');
      okEvents(ack);
      const s = queries.settlement(day);
      return { settlement: s ?? null, tradingDay: exchange.engine.tradingDay };
    },
  );

  app.get(
    '/api/v1/settlements',
    { schema: { summary: 'Every settlement run: day, prices, accounts at risk', tags: ['settlement'] } },
    async () => ({ settlements: queries.settlements() }),
  );

  app.get(
    '/api/v1/settlements/:tradingDay',
    {
      schema: {
        summary: "One day's settlement run",
        tags: ['settlement'],
        params: Type.Object({ tradingDay: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const s = queries.settlement(req.params.tradingDay);
      if (s === undefined) throw new ApiError('API_NOT_FOUND', `no settlement for day ${req.params.tradingDay}`);
      return { settlement: s };
    },
  );

  app.get(
    '/api/v1/settlements/:tradingDay/statements.csv',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Every account's statement of a day as CSV (admin), rendered in a worker",
        tags: ['settlement'],
        params: Type.Object({ tradingDay: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      if (queries.settlement(req.params.tradingDay) === undefined) {
        throw new ApiError('API_NOT_FOUND', `no settlement for day ${req.params.tradingDay}`);
      }
      const { csv } = await statementsCsvInWorker(ctx.options.dataDir, req.params.tradingDay);
      reply.type('text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="statements-${req.params.tradingDay}.csv"`);
      return csv;
    },
  );
}
