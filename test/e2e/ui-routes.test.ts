/**
 * Serving the built UI (src-main/api/routes/ui.ts) on a bare fastify app over a temporary build folder: index.html
 * with no-cache and the CSP, hashed assets cached for good with their content types, traversal and odd names
 * refused, and a 503 JSON error without a build. (The browser tests cover the same routes inside the real server.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, RouteContext } from '../../src-main/api/app.ts';
import { ApiError } from '../../src-main/api/errors.ts';
import { uiCsp, uiRoutes } from '../../src-main/api/routes/ui.ts';

let dir: string;
const apps: FastifyInstance[] = [];

async function appOver(folder: string): Promise<FastifyInstance> {
  const app = Fastify();
  // as app.ts answers errors: the catalog body with the code's status
  app.setErrorHandler((e, _req, reply) => {
    const err = e instanceof ApiError ? e : new ApiError('API_INTERNAL');
    reply.status(err.status).send(err.body());
  });
  uiRoutes(app as unknown as Api, {} as RouteContext, folder);
  await app.ready();
  apps.push(app);
  return app;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskex-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
});

afterAll(async () => {
  for (const a of apps) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serving the UI', () => {
  it('serves index.html at / with no-cache and a strict CSP for the request host', async () => {
    const app = await appOver(dir);
    for (const url of ['/', '/index.html']) {
      const r = await app.inject({ url, headers: { host: '127.0.0.1:8470' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['content-security-policy']).toBe(uiCsp('127.0.0.1:8470'));
      expect(r.body).toContain('/assets/index-abc123.js');
    }
    expect(uiCsp('127.0.0.1:8470')).toContain("connect-src 'self' ws://127.0.0.1:8470 wss://127.0.0.1:8470");
    expect(uiCsp('127.0.0.1:8470')).not.toContain('unsafe');
  });

  it('serves hashed assets with a long cache and their types', async () => {
    const app = await appOver(dir);
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    const css = await app.inject({ url: '/assets/index-abc123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await app.inject({ method: 'HEAD', url: '/assets/index-abc123.js' });
    expect(head.statusCode).toBe(200);
  });

  it('refuses paths outside the assets folder and odd names', async () => {
    const app = await appOver(dir);
    for (const url of [
      '/assets/../secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/.hidden',
      '/assets/a%00b.js',
      '/assets/missing-1.js',
      '/assets/',
      '/secret.txt',
    ]) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain('not an asset');
    }
  });

  it('answers 503 with a JSON error when the UI is not built', async () => {
    const app = await appOver(join(dir, 'nothing-here'));
    for (const url of ['/', '/assets/index-abc123.js']) {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(r.json()).toMatchObject({ code: 'API_NOT_FOUND', message: 'the UI is not built: run npm run build:ui' });
    }
  });
});
