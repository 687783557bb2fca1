import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import type { PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { Clock } from 'src/platform/clock';
import { bullConnection } from 'src/platform/redis-connection';
import { FoldEventsUseCase } from './fold-events.use-case';
import { foldLockKey } from './fold-locks';
import type { FoldRow } from './fold-row';
import { FoldLanes } from './fold-lanes';
import { FoldQueue } from './fold-queue';
import { FOLD_QUEUE, type FoldJobData } from './fold.jobs';

/** How long closing the worker may take with Redis away, in ms. */
const FORCED_CLOSE_MS = 1_000;

/**
 * Events an instance's lanes may hold before its own ingest queues new events instead of
 * folding them in-process: under a backlog, the queue (Redis) holds the work, not memory.
 */
const IN_PROCESS_LIMIT = 2000;

/**
 * Runs the folds of this instance. Its own ingest's events are folded in the transaction that
 * stores them (inlineFold). Otherwise, through the same lanes: BullMQ jobs, and events its
 * ingest committed without folding them (foldNow). A job that fails every attempt
 * stays in the queue's failed set, and its events are marked with the error
 * (events.fold_error), so the dead letters are visible in PostgreSQL and in the metrics, and
 * the re-queue sweep leaves them alone.
 */
@Injectable()
export class FoldProcessor implements OnModuleDestroy {
  private readonly logger = new Logger(FoldProcessor.name);
  private worker?: Worker<FoldJobData>;
  private readonly lanes: FoldLanes;
  /** In-process folds under way (foldNow), awaited on shutdown. */
  private readonly inProcess = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly foldEvents: FoldEventsUseCase,
    private readonly foldQueue: FoldQueue,
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lanes = new FoldLanes(config.correlation.foldLanes, (eventIds, siteIds) =>
      this.foldEvents.execute(eventIds, siteIds),
    );
  }

  start(): void {
    this.worker = new Worker<FoldJobData>(FOLD_QUEUE, (job) => this.process(job), {
      connection: bullConnection(this.config.redis.url),
      prefix: this.config.redis.prefix,
      concurrency: this.config.correlation.workerConcurrency,
    });
    // While Redis is away the fold queue says so once, and once more when it is back.
    this.worker.on('error', (error) => {
      if (this.foldQueue.available) this.logger.warn(`Worker connection: ${error.message}`);
    });
    this.worker.on('failed', (job, error) => void this.onFailed(job, error));
  }

  /**
   * Folding in the ingest transaction (the ingest batcher's InlineFold): while this instance
   * runs a worker and is not stopping, a batch's new events are folded in the transaction that
   * stores them. One commit then makes an event durable and puts it in its incident, and there
   * is no second transaction to mark it folded. A batch whose fold fails is stored without it,
   * and its events come back here through foldNow or a job.
   */
  readonly inlineFold = {
    enabled: (): boolean => Boolean(this.worker) && !this.stopping,
    now: (): Date => this.clock.now(),
    lockKeys: (groups: readonly { siteId: string; kind: string }[]) => groups.map((g) => foldLockKey(g.siteId, g.kind)),
    fold: (tx: PoolClient, rows: readonly FoldRow[], now: Date) => this.foldEvents.foldStored(tx, rows, now),
  };

  /**
   * Folds events this instance has just committed, by site, in-process: no round trip through
   * Redis and no worker pick-up between commit and fold. Returns false, leaving them to the
   * caller to queue, when this instance runs no worker, is stopping, or its lanes are backed
   * up. A fold that fails here is queued as a job, whose attempts and dead letter take over;
   * if that fails too (Redis down), the re-queue sweep still finds the events unfolded.
   */
  foldNow(eventsBySite: ReadonlyMap<string, readonly number[]>): boolean {
    if (!this.worker || this.stopping || this.lanes.pendingEvents >= IN_PROCESS_LIMIT) return false;
    const fold = this.lanes.fold(eventsBySite).catch(async (error: Error) => {
      const ids = [...eventsBySite.values()].flat();
      this.logger.warn(`In-process fold of ${ids.length} events failed, queued as a job: ${error.message}`);
      await this.foldQueue
        .enqueue('ingest', ids)
        .catch((e: Error) => this.logger.warn(`Could not queue them (the re-queue sweep will): ${e.message}`));
    });
    this.inProcess.add(fold);
    void fold.finally(() => this.inProcess.delete(fold));
    return true;
  }

  /** A job waits for the lane rounds that fold its events; it fails if one of them does. */
  private async process(job: Job<FoldJobData>): Promise<void> {
    const pending = await this.foldEvents.pendingBySite(job.data.eventIds);
    if (pending.size > 0) await this.lanes.fold(pending);
  }

  private async onFailed(job: Job<FoldJobData> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade < attempts) {
      this.logger.warn({
        msg: `Fold job failed (attempt ${job.attemptsMade} of ${attempts}): ${error.message}`,
        jobId: job.id,
        eventCount: job.data.eventIds.length,
      });
      return;
    }
    this.logger.error({
      msg: `Fold job dead-lettered after ${attempts} attempts: ${error.message}`,
      jobId: job.id,
      eventIds: job.data.eventIds,
    });
    await this.db
      .query('UPDATE events SET fold_error = $2 WHERE id = ANY($1) AND folded_at IS NULL', [
        job.data.eventIds,
        error.message.slice(0, 2000),
      ])
      .catch((e: Error) => this.logger.error(`Could not mark dead-lettered events: ${e.message}`));
  }

  async onModuleDestroy(): Promise<void> {
    // Waits for jobs and in-process folds in progress; jobs not started stay in the queue for
    // the next worker, and what ingest commits from now on is queued.
    this.stopping = true;
    await Promise.all([this.closeWorker(), ...this.inProcess]);
  }

  /**
   * With Redis there, closing waits for the jobs in progress. With Redis away it would wait for
   * Redis: the worker is closed without waiting, since the events of its jobs are in PostgreSQL,
   * unfolded, and the re-queue sweep folds them.
   */
  private async closeWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    if (this.foldQueue.available) return worker.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      worker.close(true).catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, FORCED_CLOSE_MS))),
    ]).finally(() => clearTimeout(timer));
    await worker.disconnect().catch(() => undefined);
  }
}
