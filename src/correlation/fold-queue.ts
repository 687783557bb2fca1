import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { Metrics } from 'src/platform/metrics';
import { bullConnection } from 'src/platform/redis-connection';
import { FOLD_QUEUE, foldJobId, type FoldJobData } from './fold.jobs';

/** The events whose fold failed every attempt (the dead letters); served by the events_fold_failed index. */
export const DEAD_LETTER_COUNT = 'SELECT count(*) AS n FROM events WHERE fold_error IS NOT NULL';

/** Producer side of the fold queue: used by ingestion and by the re-queue sweep. */
@Injectable()
export class FoldQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(FoldQueue.name);
  readonly queue: Queue<FoldJobData>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, metrics: Metrics, db: Db) {
    this.queue = new Queue<FoldJobData>(FOLD_QUEUE, {
      connection: bullConnection(config.redis.url),
      prefix: config.redis.prefix,
      defaultJobOptions: {
        attempts: config.correlation.jobAttempts,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: false,
      },
    });
    this.queue.on('error', (error) => this.logger.warn(`Queue connection: ${error.message}`));
    metrics.onScrape(async () => {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
    });
    metrics.onScrape(async () => {
      const { rows } = await db.withoutTableScans((tx) => tx.query<{ n: string }>(DEAD_LETTER_COUNT));
      metrics.deadLettered.set(Number(rows[0].n));
    });
  }

  /** Enqueues events to fold, in jobs of at most chunkSize events. */
  async enqueue(origin: 'ingest' | 'requeue', eventIds: readonly number[], chunkSize = 500): Promise<void> {
    const jobs = [];
    for (let i = 0; i < eventIds.length; i += chunkSize) {
      const chunk = eventIds.slice(i, i + chunkSize);
      jobs.push({ name: 'fold', data: { eventIds: chunk }, opts: { jobId: foldJobId(origin, chunk) } });
    }
    if (jobs.length) await this.queue.addBulk(jobs);
  }

  /** Closed in the last shutdown phase: ingestion still queues what it commits while it stops. */
  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
