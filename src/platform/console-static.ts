import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';

/**
 * The operator console (console/, built by `npm run build:console` into dist/console). From the
 * compiled dist/src/platform/ it is ../../console; from the TypeScript source (tests in-process)
 * it is ../../dist/console.
 */
export function consoleRoot(): string {
  return __filename.endsWith('.ts')
    ? join(__dirname, '..', '..', 'dist', 'console')
    : join(__dirname, '..', '..', 'console');
}

/** Paths the console must never shadow: the API, the OpenAPI UI, socket.io (/live), TAXII and the MISP feed. */
const NOT_CONSOLE = /^\/(api|docs|socket\.io|taxii2|misp)(\/|$)/;

/**
 * Serves the built console as static files at `/`, with an SPA fallback: a GET for a page
 * (no file extension, HTML accepted) outside the API, /docs and socket.io gets index.html.
 * Without a built console (`nest build` alone) nothing is served and `/` stays a 404.
 */
export function serveConsole(root = consoleRoot()): ((req: Request, res: Response, next: NextFunction) => void)[] {
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) return [];
  const index = readFileSync(indexFile);
  // Built assets carry a content hash in their names: cached for good; the rest revalidated.
  const files = express.static(root, {
    index: false,
    setHeaders: (res, path) =>
      res.setHeader(
        'Cache-Control',
        path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ),
  });
  return [
    (req, res, next) => (NOT_CONSOLE.test(req.path) ? next() : files(req, res, next)),
    (req, res, next) => {
      if (
        (req.method !== 'GET' && req.method !== 'HEAD') ||
        NOT_CONSOLE.test(req.path) ||
        /\.[a-z0-9]+$/i.test(req.path)
      )
        return next();
      if (!req.accepts('html')) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(index);
    },
  ];
}
