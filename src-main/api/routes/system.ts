/** Sessions, health, metrics, the OpenAPI document, the docs page and the error catalog. */
import { Type } from 'typebox';
import type { Api, RouteContext } from '../app.ts';
import { SESSION_COOKIE, SESSION_MS } from '../auth.ts';
import { ApiError, errorCatalog } from '../errors.ts';
import { ErrorBodyT } from '../schemas.ts';
import { docsPage } from './docs-page.ts';

const UserT = Type.Object({
  userId: Type.Integer(),
  username: Type.String(),
  role: Type.String(),
  disabled: Type.Boolean(),
  createdMs: Type.Integer(),
});

export function systemRoutes(app: Api, ctx: RouteContext): void {
  const { exchange, auth } = ctx;

  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness and readiness (no credentials needed)',
        tags: ['system'],
        response: {
          200: Type.Object({ status: Type.String(), lastSeq: Type.Integer(), shardsDown: Type.Integer() }),
          503: Type.Object({ status: Type.String(), lastSeq: Type.Integer(), shardsDown: Type.Integer() }),
        },
      },
    },
    async (_req, reply) => {
      const status = exchange.state;
      const shardsDown = exchange.shards().filter((s) => s.down !== null).length;
      reply.status(status === 'ready' ? 200 : 503);
      return { status, lastSeq: exchange.lastSeq, shardsDown };
    },
  );

  app.post(
    '/api/v1/session',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Log in: returns a session token and sets the session cookie',
        tags: ['session'],
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 64 }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ token: Type.String(), expiresMs: Type.Integer(), user: UserT }),
          401: ErrorBodyT,
        },
      },
    },
    async (req, reply) => {
      const r = await auth.login(req.body.username, req.body.password);
      if (r === null) throw new ApiError('API_LOGIN_FAILED');
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${encodeURIComponent(r.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`,
      );
      return { token: r.token, expiresMs: r.expiresMs, user: r.user };
    },
  );

  app.get('/api/v1/session', { schema: { summary: 'Who this request is', tags: ['session'] } }, async (req) => {
    const p = req.principal!;
    return { userId: p.userId, username: p.username, role: p.role, via: p.via, keyAccountId: p.keyAccountId };
  });

  app.delete(
    '/api/v1/session',
    { schema: { summary: 'Log out (ends this session)', tags: ['session'] } },
    async (req, reply) => {
      if (req.sessionToken === null) throw new ApiError('API_FORBIDDEN', 'an API key has no session to end');
      auth.logout(req.sessionToken);
      reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return { ok: true };
    },
  );

  app.get(
    '/metrics',
    { config: { access: 'admin' }, schema: { summary: 'Prometheus metrics (admin)', tags: ['system'] } },
    async (_req, reply) => {
      if (ctx.metrics === null) throw new ApiError('API_NOT_FOUND', 'metrics are off');
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/api/v1/docs', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return docsPage(app.swagger() as never, errorCatalog());
  });

  app.get(
    '/api/v1/errors',
    { schema: { summary: 'Every error code with its number, HTTP status and message', tags: ['system'] } },
    async () => errorCatalog(),
  );
}
