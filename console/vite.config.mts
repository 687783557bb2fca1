import { defineConfig } from 'vite';

// The console, built into dist/console and served by OreGuard at `/`. Everything it loads is in
// the bundle: no CDN, no web fonts, no inline scripts (OreGuard's CSP allows only its own files).
export default defineConfig({
  base: '/',
  publicDir: false,
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
