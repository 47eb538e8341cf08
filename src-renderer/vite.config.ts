/**
 * Builds the UI (src-renderer) into dist/renderer: `npm run build:ui`. The API server serves that folder at / (see
 * src-main/api/routes/ui.ts). No inline scripts or styles are emitted, so the page runs under a strict
 * Content-Security-Policy; asset names carry a content hash, so they are cached for good.
 */
import { defineConfig } from 'vite';

const here = new URL('.', import.meta.url);

export default defineConfig({
  root: decodeURIComponent(here.pathname),
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: decodeURIComponent(new URL('../dist/renderer', here).pathname),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // no inline <script> for the module-preload polyfill: the CSP allows scripts from 'self' only
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `vite --config src-renderer/vite.config.ts` for UI work against a running `deskex serve` on the default port
    proxy: {
      '/api': 'http://127.0.0.1:8470',
      '/metrics': 'http://127.0.0.1:8470',
      '/ws': { target: 'ws://127.0.0.1:8470', ws: true },
    },
  },
});
