import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { bullConnection } from 'src/platform/redis-connection';
import { FoldEventsUseCase } from './fold-events.use-case';
import { FoldLanes } from './fold-lanes';
import { FOLD_QUEUE, type FoldJobData } from './fold.jobs';

/**
 * The BullMQ worker: hands each job to the use case. A job that fails every attempt stays in
 * the queue's failed set, and its events are marked with the error (events.fold_error), so
 * the dead letters are visible in PostgreSQL and in the metrics, and the re-queue sweep
 * leaves them alone.
 */
@Injectable()
export class FoldProcessor implements OnModuleDestroy {
  private readonly logger = new Logger(FoldProcessor.name);
  private worker?: Worker<FoldJobData>;
  private readonly lanes: FoldLanes;

  constructor(
    private readonly foldEvents: FoldEventsUseCase,
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lanes = new FoldLanes(config.correlation.foldLanes, (eventIds) => this.foldEvents.execute(eventIds));
  }

  start(): void {
    this.worker = new Worker<FoldJobData>(FOLD_QUEUE, (job) => this.process(job), {
      connection: bullConnection(this.config.redis.url),
      prefix: this.config.redis.prefix,
      concurrency: this.config.correlation.workerConcurrency,
    });
    this.worker.on('error', (error) => this.logger.warn(`Worker connection: ${error.message}`));
    this.worker.on('failed', (job, error) => void this.onFailed(job, error));
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
      this.logger.warn(`Fold job ${job.id} failed (attempt ${job.attemptsMade} of ${attempts}): ${error.message}`);
      return;
    }
    this.logger.error(`Fold job ${job.id} dead-lettered after ${attempts} attempts: ${error.message}`);
    await this.db
      .query('UPDATE events SET fold_error = $2 WHERE id = ANY($1) AND folded_at IS NULL', [
        job.data.eventIds,
        error.message.slice(0, 2000),
      ])
      .catch((e: Error) => this.logger.error(`Could not mark dead-lettered events: ${e.message}`));
  }

  async onModuleDestroy(): Promise<void> {
    // Waits for jobs in progress; jobs not started stay in the queue for the next worker.
    await this.worker?.close();
  }
}
