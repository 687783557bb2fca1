import { MaterialReconciliationService } from './material/material-reconciliation.service';
import { SharingPublisherService } from './sharing/sharing-publisher.service';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet from 'helmet';
import { messagingDocument, restApiDocument } from './api-documents';
import { AppModule } from './app.module';
import { CheckpointSweepService } from './audit/checkpoint-sweep.service';
import { EvidenceKeyStore } from './audit/evidence-keys';
import { AuthService } from './auth/auth.service';
import type { AppConfig } from './config/app-config';
import { CorrelatorService } from './correlation/correlator.service';
import { FoldProcessor } from './correlation/fold.processor';
import { RequeueService } from './correlation/requeue.service';
import { migrateDatabase } from './database/migrate';
import { waitForDatabase } from './database/wait-for-database';
import { EscalationCheckService } from './escalation/escalation-check.service';
import { PostureCheckService } from './posture/posture-check.service';
import { HeartbeatCheckService } from './health/heartbeat-check.service';
import { SeqGapCheckService } from './health/seq-gap-check.service';
import { IngestionService } from './ingestion/ingestion.service';
import { accessLog } from './platform/access-log';
import { PartitionsService } from './retention/partitions.service';
import { RetentionCheckService } from './retention/retention-check.service';
import { bodyErrors } from './platform/body-errors';
import { serveConsole } from './platform/console-static';
import { HttpErrorFilter } from './platform/http-error.filter';
import { JsonLogger } from './platform/json-logger';
import { Metrics } from './platform/metrics';

export interface RunningOreGuard {
  app: INestApplicationContext;
  /** The HTTP port actually bound (PORT=0 picks a free one), when this process serves the API. */
  port?: number;
  close(): Promise<void>;
}

/**
 * Starts OreGuard with the given configuration: migrates the database, then the roles this
 * process runs: api (REST, /live sockets), ingest (MQTT), worker (folding events into incidents,
 * escalating unacknowledged ones, taking silent gateways offline).
 */
export async function startOreGuard(
  config: AppConfig,
  logger = new JsonLogger(config.logLevel),
): Promise<RunningOreGuard> {
  const log = new Logger('OreGuard');
  Logger.overrideLogger(logger);
  // A PostgreSQL not there yet (a stack starting together, a server restarting) is waited for.
  // Migrating, the owner's URL is the one to wait for: the runtime role may not exist yet.
  const { url, migrationUrl = url } = config.database;
  await waitForDatabase(config.migrateOnStart ? migrationUrl : url, logger);
  if (config.migrateOnStart) {
    const applied = await migrateDatabase(migrationUrl, { runtimeUrl: url });
    if (applied.length) log.log(`Migrated: ${applied.join(', ')}`);
  }

  let app: INestApplicationContext;
  let port: number | undefined;
  if (config.roles.has('api')) {
    // JSON bodies only (no form or text parsers), up to REQUEST_BODY_LIMIT_BYTES; larger ones get 413.
    const http = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
      logger,
      bodyParser: false,
    });
    // First in line: the request id, then one access-log line and one duration observation per request.
    http.use(accessLog(logger, http.get(Metrics)));
    http.useBodyParser('json', { limit: config.requestBodyLimitBytes });
    http.use(bodyErrors);
    // Security headers everywhere but /docs, whose UI needs inline scripts and styles.
    const headers = helmet();
    http.use((req: { path: string }, res: unknown, next: () => void) =>
      req.path.startsWith('/docs')
        ? next()
        : (headers as (req: unknown, res: unknown, next: () => void) => void)(req, res, next),
    );
    // The operator console (dist/console) at `/`, never shadowing /api/v1, /docs or socket.io.
    // helmet's default CSP fits it: its own scripts and styles, and /live on the same origin.
    for (const handler of serveConsole()) http.use(handler);
    http.enableCors({
      origin: config.corsOrigins,
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    });
    // TAXII 2.1 at /taxii2/ and the MISP feed at /misp/ (partners' own clients and paths), outside the REST API.
    http.setGlobalPrefix('api/v1', { exclude: ['taxii2', 'taxii2/{*path}', 'misp/{*path}'] });
    http.useGlobalFilters(new HttpErrorFilter());
    http.disable('x-powered-by');
    // The API documents: OpenAPI (with its UI at /docs) and AsyncAPI, both generated from the zod schemas.
    const asyncApi = messagingDocument(config.mqtt.topicPrefix);
    http.getHttpAdapter().get('/docs/asyncapi.json', (_req, res) => http.getHttpAdapter().reply(res, asyncApi, 200));
    SwaggerModule.setup('docs', http, restApiDocument() as unknown as OpenAPIObject, {
      jsonDocumentUrl: 'docs/openapi.json',
    });
    await http.listen(config.port);
    const address = http.getHttpServer().address();
    port = typeof address === 'object' && address ? address.port : config.port;
    app = http;
  } else {
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger });
  }

  await app.get(AuthService).bootstrapAdmin();
  if (config.roles.has('api') || config.roles.has('worker')) {
    // The evidence key, for bundles and checkpoints: the configured one registered, or the kept one opened (made on first start).
    const evidenceKey = await app.get(EvidenceKeyStore).ensureCurrent(new Date());
    log.log(`Evidence key ${evidenceKey.signer.keyId}${evidenceKey.made ? ' made' : ''}`);
  }
  // Partitions for today and the days ahead, before the first event is taken in.
  if (config.roles.has('ingest') || config.roles.has('worker')) await app.get(PartitionsService).ensureOnStart();
  if (config.roles.has('worker')) {
    app.get(PartitionsService).start();
    app.get(RetentionCheckService).start();
    app.get(FoldProcessor).start();
    app.get(CorrelatorService).start();
    app.get(RequeueService).start();
    app.get(EscalationCheckService).start();
    app.get(PostureCheckService).start();
    app.get(HeartbeatCheckService).start();
    app.get(SeqGapCheckService).start();
    app.get(MaterialReconciliationService).start();
    app.get(SharingPublisherService).start();
    app.get(CheckpointSweepService).start();
  }
  if (config.roles.has('ingest')) await app.get(IngestionService).start();
  log.log(`OreGuard started (roles: ${[...config.roles].join(', ')}${port !== undefined ? `, port ${port}` : ''})`);

  return { app, port, close: () => app.close() };
}
