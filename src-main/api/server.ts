/**
 * The API server: the REST app (app.ts) listening on a port, the WebSocket gateway on its upgrade, metrics, and the
 * first admin user of a new data folder. Binds 127.0.0.1 unless told otherwise.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exchange } from '../host/exchange.ts';
import { type Api, type ApiOptions, buildApi } from './app.ts';
import { AuthStore, type User } from './auth.ts';
import { RateLimiter } from './limits.ts';
import { ApiMetrics } from './metrics.ts';
import { WsGateway, type WsOptions } from './ws.ts';

export const DEFAULT_PORT = 8470;

export interface ServerOptions extends Omit<ApiOptions, 'dataDir'> {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly ws?: WsOptions;
  /** The first admin's password on a new data folder (default: generated, written to DIR/admin-password.txt). */
  readonly adminPassword?: string;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly app: Api;
  readonly auth: AuthStore;
  readonly ws: WsGateway;
  readonly metrics: ApiMetrics;
  /** Set when this start created the first admin: where its password is (or that it came from the options). */
  readonly firstAdmin: { user: User; passwordFile: string | null } | null;
  close(): Promise<void>;
}

/** Creates the admin user on a data folder that has no users yet. */
export async function ensureAdmin(
  auth: AuthStore,
  dataDir: string,
  password?: string,
): Promise<{ user: User; passwordFile: string | null } | null> {
  if (auth.userCount() > 0) return null;
  if (password !== undefined) return { user: await auth.createUser('admin', password, 'admin'), passwordFile: null };
  const generated = randomBytes(12).toString('base64url');
  const user = await auth.createUser('admin', generated, 'admin');
  const file = join(dataDir, 'admin-password.txt');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  return { user, passwordFile: file };
}

export async function startServer(exchange: Exchange, dataDir: string, o: ServerOptions = {}): Promise<ApiServer> {
  const auth = new AuthStore(exchange.database);
  const firstAdmin = await ensureAdmin(auth, dataDir, o.adminPassword);
  const metrics = new ApiMetrics(exchange);
  const limiter = new RateLimiter(o.rateLimit);
  const app = await buildApi({ exchange, auth, metrics, limiter }, { ...o, dataDir });
  const policy = o.policy ?? {};
  const ws = new WsGateway({ exchange, auth, limiter, metrics, policy }, o.ws);
  app.server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  const host = o.host ?? '127.0.0.1';
  await app.listen({ host, port: o.port ?? DEFAULT_PORT });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : (o.port ?? DEFAULT_PORT);
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    app,
    auth,
    ws,
    metrics,
    firstAdmin,
    async close() {
      await ws.close();
      await app.close();
      metrics.close();
    },
  };
}
