/**
 * The HTTP API as an app factory (fastify), separate from `listen` (server.ts): tests call `app.inject` or listen
 * on a loopback port. Every request passes, in order: Host/Origin checks, authentication (Bearer token or the
 * session cookie), the route's role rule, the per-principal rate limit, then schema validation of its parts. Every
 * error leaves as `{ code, number, message, details? }` (errors.ts); 5xx bodies never carry internals.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import type { Exchange } from '../host/exchange.ts';
import { ReadQueries } from '../store/queries.ts';
import { assertAdmin } from './access.ts';
import { type AuthStore, bearerToken, type Principal, SESSION_COOKIE, sessionCookie } from './auth.ts';
import { ApiError } from './errors.ts';
import { RateLimiter } from './limits.ts';
import type { ApiMetrics } from './metrics.ts';
import { checkHost, checkOrigin, type OriginPolicy } from './origin.ts';
import { adminRoutes } from './routes/admin.ts';
import { marketRoutes } from './routes/market.ts';
import { systemRoutes } from './routes/system.ts';
import { tradingRoutes } from './routes/trading.ts';
import { tuningRoutes } from './routes/tuning.ts';
import { uiRoutes } from './routes/ui.ts';

/** Who may call a route: anyone, any authenticated principal, or an admin session. */
export type Access = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every route registered, as `METHOD /path` (HEAD aside), sorted: for the access matrix and docs. */
    routeList(): string[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    sessionToken: string | null;
  }
}

export interface ApiOptions {
  /** Request body limit in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  readonly policy?: OriginPolicy;
  /** Traders may deposit and withdraw on their own accounts (default false: admin only). */
  readonly selfServiceFunds?: boolean;
  readonly rateLimit?: { perSecond: number; burst: number };
  /** Data folder, for jobs that read it in a worker (statement CSV). */
  readonly dataDir: string;
  /** The built UI (default dist/renderer beside the sources). */
  readonly uiDir?: string;
  /** What GET /api/v1/tuning reports and which settings apply live (set by the server). */
  readonly tuning?: () => Record<string, unknown>;
}

export interface ApiDeps {
  readonly exchange: Exchange;
  readonly auth: AuthStore;
  readonly metrics: ApiMetrics | null;
  readonly limiter?: RateLimiter;
}

/** What every route module gets. */
export interface RouteContext {
  readonly exchange: Exchange;
  readonly auth: AuthStore;
  readonly metrics: ApiMetrics | null;
  readonly queries: ReadQueries;
  readonly limiter: RateLimiter;
  readonly options: ApiOptions;
}

export type Api = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Two validators: bodies strictly (no coercion, no unknown fields); path, query and headers with type coercion. */
function validators(app: FastifyInstance): void {
  const strict = new Ajv({
    allErrors: true,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  const coerce = new Ajv({
    allErrors: true,
    coerceTypes: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats.default(strict);
  addFormats.default(coerce);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coerce.compile(schema),
  );
}

export async function buildApi(deps: ApiDeps, options: ApiOptions): Promise<Api> {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    logger: false,
    // explicit server timeouts: slow or stalled clients cannot hold connections open
    connectionTimeout: 30_000,
    keepAliveTimeout: 5_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    // errors of the HTTP parser itself (broken framing, a lying Content-Length, headers too large, a request that
    // took too long) answer from the catalog too, then the connection closes
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const e =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new ApiError('API_REQUEST_TIMEOUT')
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? new ApiError('API_BODY_TOO_LARGE', 'The request headers are larger than the limit.')
            : new ApiError('API_VALIDATION_FAILED', 'The request is not valid HTTP.');
      const body = JSON.stringify(e.body());
      socket.end(
        `HTTP/1.1 ${e.status} ${e.status === 408 ? 'Request Timeout' : e.status === 413 ? 'Payload Too Large' : 'Bad Request'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    routerOptions: { maxParamLength: 100 },
    // URLs the router refuses before any hook (broken percent-encoding, a path parameter over 100 characters)
    // answer from the catalog too, not with fastify's own error body
    frameworkErrors: (error, _req, reply) => {
      const e =
        error.code === 'FST_ERR_BAD_URL'
          ? new ApiError('API_VALIDATION_FAILED', 'The URL is not valid: a percent-encoding in its path is broken.')
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? new ApiError('API_VALIDATION_FAILED', 'A path parameter is longer than 100 characters.')
            : new ApiError('API_INTERNAL');
      (reply as FastifyReply).status(e.status).type('application/json').send(e.body());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  validators(app);
  // Bodies are JSON only: without fastify's text/plain parser a text body is 415, not a schema failure. A route
  // without a body (DELETE an order, run the settlement) accepts an empty body sent as application/json, as generic
  // clients send every request; elsewhere an empty body stays invalid JSON. Prototype poisoning is refused.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' && req.routeOptions.schema?.body === undefined) done(null, undefined);
    else json(req, body as string, done);
  });
  const policy = options.policy ?? {};
  const limiter = deps.limiter ?? new RateLimiter(options.rateLimit);
  const ctx: RouteContext = {
    exchange: deps.exchange,
    auth: deps.auth,
    metrics: deps.metrics,
    queries: new ReadQueries(deps.exchange.database),
    limiter,
    options,
  };

  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  app.decorate('routeList', () => [...routes].sort());
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRequest', async (req, reply) => {
    const hostProblem = checkHost(req.headers.host, policy);
    if (hostProblem !== null) throw new ApiError('API_HOST_NOT_ALLOWED', hostProblem);
    const originProblem = checkOrigin(req.headers.origin, req.headers.host, policy);
    if (originProblem !== null) throw new ApiError('API_ORIGIN_NOT_ALLOWED', originProblem);
    let token = bearerToken(req.headers);
    if (token === null) {
      token = sessionCookie(req.headers.cookie);
      if (token !== null) req.sessionToken = token;
    } else if (token.startsWith('dks_')) {
      req.sessionToken = token;
    }
    if (token !== null) req.principal = deps.auth.authenticate(token);
    const access = req.routeOptions.config.access ?? 'user';
    if (access !== 'public') {
      if (req.principal === null) throw new ApiError('API_UNAUTHENTICATED');
      if (access === 'admin') assertAdmin(req.principal);
    }
    const limitKey = req.principal?.limitKey ?? `ip:${req.ip}`;
    const wait = limiter.take(limitKey);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new ApiError('API_RATE_LIMITED', undefined, { retryAfterSeconds: wait });
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    if (deps.metrics === null) return;
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe(route, reply.elapsedTime / 1000);
    // the last pipeline stage: an order command received to its reply sent
    if (req.method !== 'GET' && route.startsWith('/api/v1/orders')) {
      deps.metrics.stage.observe('reply', reply.elapsedTime / 1000);
    }
  });

  app.setErrorHandler((error: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toApiError(error);
    if (e.status >= 500) req.log.error(error);
    if (e.headers !== undefined) for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    reply.status(e.status).type('application/json').send(e.body());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    reply.status(e.status).send(e.body());
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'deskex API',
        version: '1',
        description:
          'The local exchange API. Prices are integers in price units, volumes integers, money integer minor units. Authenticate with `Authorization: Bearer <API key or session token>`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  await app.register(async (plain) => {
    const api = plain.withTypeProvider<TypeBoxTypeProvider>();
    systemRoutes(api, ctx);
    tradingRoutes(api, ctx);
    marketRoutes(api, ctx);
    adminRoutes(api, ctx);
    tuningRoutes(api, ctx);
    uiRoutes(api, ctx, options.uiDir);
  });
  await app.ready();
  return app;
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as FastifyError & { validation?: { instancePath?: string; message?: string; params?: unknown }[] };
  if (e.validation !== undefined) {
    const where = (e as { validationContext?: string }).validationContext ?? 'body';
    return new ApiError(
      'API_VALIDATION_FAILED',
      `${where}: ${e.validation.map((v) => `${v.instancePath || '(root)'} ${v.message ?? ''}`.trim()).join('; ')}`,
      e.validation.map((v) => ({ in: where, path: v.instancePath || '', message: v.message ?? '', params: v.params })),
    );
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('API_BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('API_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('API_INVALID_JSON');
    case 'FST_ERR_REQUEST_TIMEOUT':
      return new ApiError('API_REQUEST_TIMEOUT');
    default:
      break;
  }
  if (error instanceof SyntaxError || (e.statusCode === 400 && /JSON|prototype|constructor/i.test(e.message))) {
    return new ApiError('API_INVALID_JSON', 'The request body is not valid JSON.');
  }
  if (e.statusCode === 406) return new ApiError('API_NOT_ACCEPTABLE');
  return new ApiError('API_INTERNAL');
}
