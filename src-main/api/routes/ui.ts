/**
 * Serves the built UI (`npm run build:ui` → dist/renderer): index.html at / (and /index.html) with no-cache, the
 * content-hashed files under /assets/ cached for a year. Both are public (the login page must load without
 * credentials; the app then logs in through the API) and carry a strict Content-Security-Policy: scripts, styles,
 * images and fonts from this origin only, fetches and WebSockets to this host only, no frames, no plugins.
 * Without a build the UI paths answer 503 with a JSON error saying how to build it.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Api, RouteContext } from '../app.ts';
import { ApiError } from '../errors.ts';

/** Where `npm run build:ui` writes the UI. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Security-Policy of the UI's pages, for the Host the browser used (already checked by the app). */
export function uiCsp(host: string | undefined): string {
  const self = host === undefined || host === '' ? '' : ` ws://${host} wss://${host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${self}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(reply: FastifyReply, req: FastifyRequest): void {
  reply.header('content-security-policy', uiCsp(req.headers.host));
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

function notBuilt(reply: FastifyReply): FastifyReply {
  const e = new ApiError('API_NOT_FOUND', 'the UI is not built: run npm run build:ui');
  return reply.status(503).type('application/json').header('cache-control', 'no-store').send(e.body());
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Registers GET / , /index.html and /assets/* (HEAD too). `dir` defaults to dist/renderer next to the sources; the
 * folder is looked at on every request, so building the UI while the server runs is enough.
 */
export function uiRoutes(app: Api, _ctx: RouteContext, dir: string = DEFAULT_UI_DIR): void {
  const root = resolve(dir);
  const assets = join(root, 'assets');

  const index = async (req: FastifyRequest, reply: FastifyReply) => {
    const file = join(root, 'index.html');
    let html: Buffer;
    try {
      html = await readFile(file);
    } catch {
      return notBuilt(reply);
    }
    securityHeaders(reply, req);
    reply.header('cache-control', 'no-cache');
    return reply.type(TYPES['.html']!).send(html);
  };

  for (const url of ['/', '/index.html']) {
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, index);
  }

  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { config: { access: 'public' }, schema: { hide: true } },
    async (req, reply) => {
      const rel = req.params['*'] ?? '';
      // no traversal, no hidden files, no odd bytes: asset names are [name]-[hash].[ext]
      if (
        rel === '' ||
        rel.length > 200 ||
        !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(rel) ||
        rel.split('/').some((p) => p.startsWith('.'))
      ) {
        throw new ApiError('API_NOT_FOUND', `no UI asset ${rel.slice(0, 100)}`);
      }
      const file = resolve(assets, rel);
      if (!file.startsWith(assets + sep)) throw new ApiError('API_NOT_FOUND', `no UI asset ${rel}`);
      if (!(await isFile(join(root, 'index.html')))) return notBuilt(reply);
      if (!(await isFile(file))) throw new ApiError('API_NOT_FOUND', `no UI asset ${rel}`);
      const body = await readFile(file);
      securityHeaders(reply, req);
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.type(TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream').send(body);
    },
  );
}
