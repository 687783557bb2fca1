import { Controller, Header, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DatabaseError } from 'pg';
import { Db } from 'src/database/db';
import { FoldQueue } from 'src/correlation/fold-queue';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ApplicationError } from './application-error';
import { healthRoutes } from './health.routes';
import { Metrics } from './metrics';
import { metricsTokenAccepted } from './metrics-token';
import { NoRateLimit } from './no-rate-limit.decorator';
import { Route } from './route-contract';

/** Longest a readiness check waits for its answer, in ms. */
const CHECK_TIMEOUT_MS = 2_000;
/** Within the scrape's own limit for a collector (metrics.ts), so a PostgreSQL away shows as 0. */
const SCRAPE_CHECK_TIMEOUT_MS = 1_500;

const NO_ADMIN =
  'missing: no admin account yet (set OREGUARD_ADMIN_USERNAME and OREGUARD_ADMIN_PASSWORD, or run users:create --role admin with the CLI)';

/**
 * Whether a failed query was refused by a PostgreSQL that is up (the statement's own error),
 * rather than not answered: no connection, or a server refusing connections, out of resources
 * or shutting down (SQLSTATE classes 08, 53, 57).
 */
function answeredByPostgres(error: Error): boolean {
  return error instanceof DatabaseError && !/^(08|53|57)/.test(error.code ?? '');
}

/** Probes and the metrics scrape are exempt from the rate limit. */
@Controller()
@NoRateLimit()
export class HealthController {
  constructor(
    private readonly db: Db,
    private readonly metrics: Metrics,
    private readonly foldQueue: FoldQueue,
    private readonly ingestion: IngestionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // The same checks as readiness, as gauges an alert can watch.
    metrics.onScrape(async () => {
      const postgres = await withTimeout(this.db.query('SELECT 1'), SCRAPE_CHECK_TIMEOUT_MS).then(
        () => 1,
        () => 0,
      );
      metrics.dependencyUp.set({ dependency: 'postgres' }, postgres);
      metrics.dependencyUp.set({ dependency: 'redis' }, this.foldQueue.available ? 1 : 0);
      if (this.config.roles.has('ingest'))
        metrics.dependencyUp.set({ dependency: 'mqtt' }, this.ingestion.connected ? 1 : 0);
    });
  }

  @Route(healthRoutes.live)
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready when PostgreSQL and Redis answer, an admin account exists (someone can register sites,
   * gateways and users) and, where this instance ingests, MQTT is connected; 503 otherwise,
   * naming what is down. PostgreSQL and the admin account are one query; each check answers
   * within two seconds.
   */
  @Route(healthRoutes.ready)
  async ready(@Res({ passthrough: true }) res: Response) {
    // One round trip: PostgreSQL is up when it answers the admin question, even with an error.
    const checks: Record<string, string> = await withTimeout(
      this.db.query<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS present`),
      CHECK_TIMEOUT_MS,
    ).then(
      ([row]): Record<string, string> => ({ postgres: 'up', admin: row?.present ? 'up' : NO_ADMIN }),
      (e: Error): Record<string, string> =>
        answeredByPostgres(e)
          ? { postgres: 'up', admin: `down: ${e.message}` }
          : { postgres: `down: ${e.message || (e as { code?: string }).code}` },
    );
    checks.redis = this.foldQueue.available ? 'up' : `down: not connected (${this.foldQueue.status})`;
    if (this.config.roles.has('ingest')) {
      checks.mqtt = this.ingestion.connected ? 'up' : 'down: not connected to the broker';
    }
    const ok = Object.values(checks).every((c) => c === 'up');
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }

  @Route(healthRoutes.metrics)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const token = this.config.metricsToken;
    if (token && !metricsTokenAccepted(req.headers.authorization, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new ApplicationError(
        'auth.unauthenticated',
        'authorization: the metrics scrape needs the METRICS_TOKEN bearer token',
      );
    }
    return this.metrics.render();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
