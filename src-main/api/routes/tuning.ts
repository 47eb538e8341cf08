/** Tuning: the settings in force, which apply live and which at the next start; admins change them. */
import { Type } from 'typebox';
import { TUNING_LIVE, TuningError } from '../../host/exchange.ts';
import type { Api, RouteContext } from '../app.ts';
import { ApiError } from '../errors.ts';

export function tuningRoutes(app: Api, ctx: RouteContext): void {
  const { exchange } = ctx;
  const view = () => ({
    settings: exchange.tuning(),
    appliesLive: TUNING_LIVE,
    server: ctx.options.tuning?.() ?? {},
    stats: exchange.stats(),
  });

  app.get(
    '/api/v1/tuning',
    {
      schema: {
        summary:
          'The settings in force (durability, batch size, snapshot interval, shards), which apply live, and exchange stats',
        tags: ['system'],
      },
    },
    async () => view(),
  );

  app.put(
    '/api/v1/tuning',
    {
      config: { access: 'admin' },
      schema: {
        summary:
          'Change settings (admin): durability, maxBatch, snapshotEvery and fastFlushMs apply at once; shards at the next start. Saved in the data folder.',
        tags: ['system'],
        body: Type.Object(
          {
            durability: Type.Optional(
              Type.Union([Type.Literal('strict'), Type.Literal('batched'), Type.Literal('fast')]),
            ),
            maxBatch: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
            snapshotEvery: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 100_000_000 })),
            fastFlushMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            shards: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
      },
    },
    async (req) => {
      try {
        exchange.tune(req.body);
      } catch (e) {
        if (e instanceof TuningError) throw new ApiError('API_VALIDATION_FAILED', e.message);
        throw e;
      }
      return view();
    },
  );
}
