import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { requestContext, type JsonLogger } from './json-logger';
import type { Metrics } from './metrics';

/** A client's X-Request-Id is taken as is when it is this short and plain; otherwise one is made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes and the scrape: logged at debug, so they do not bury the requests people make. */
const QUIET_ROUTES = new Set(['/api/v1/health/live', '/api/v1/health/ready', '/api/v1/metrics']);

/**
 * Express middleware, first in line: gives each request an id (the client's X-Request-Id when
 * plain, else a new UUID) echoed in the X-Request-Id response header and carried by every line
 * logged while serving it; then, when the response is done, one access-log line and one
 * observation of http_request_duration_seconds. Logs the route pattern, never the query string,
 * a header or a body: no token or cookie reaches the log.
 */
export function accessLog(logger: JsonLogger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const offered = req.headers['x-request-id'];
    const reqId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    res.setHeader('X-Request-Id', reqId);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routePattern(req);
      metrics.httpServed(req.method, route, res.statusCode, seconds);
      const level = route && QUIET_ROUTES.has(route) ? 'debug' : 'info';
      if (!logger.pino.isLevelEnabled(level)) return;
      const userId = (req as { principal?: { userId?: string } }).principal?.userId;
      logger.pino[level](
        {
          context: 'HTTP',
          reqId,
          method: req.method,
          route: route ?? 'unmatched',
          status: res.statusCode,
          durationMs: Math.round(seconds * 1e4) / 10,
          ...(userId ? { userId } : {}),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        `${req.method} ${route ?? 'unmatched'} ${res.statusCode}`,
      );
    });
    requestContext.run({ reqId }, next);
  };
}

/** The pattern of the route Express matched ('/api/v1/incidents/:id'), or undefined when none did. */
function routePattern(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}
