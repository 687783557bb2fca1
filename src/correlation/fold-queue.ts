import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db, prepared } from 'src/database/db';
import { Metrics } from 'src/platform/metrics';
import { FOLD_QUEUE, foldJobId, type FoldJobData } from './fold.jobs';

/** The events whose fold failed every attempt (the dead letters); served by the events_fold_failed index. */
export const DEAD_LETTER_COUNT = 'SELECT count(*) AS n FROM events WHERE fold_error IS NOT NULL';

/** Refused at once while Redis is not connected: nothing is left waiting in a client-side queue. */
export class RedisUnavailableError extends Error {
  constructor(status: string) {
    super(`Redis is not connected (${status})`);
  }
}

/** How long closing the queue may take when Redis does not answer, in ms. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Producer side of the fold queue: used by ingestion and by the re-queue sweep. It owns its
 * Redis connection, so it can tell at once whether Redis is there: while it is not, enqueue
 * refuses instead of waiting, and the events stay where they are safe (stored, not yet folded)
 * for the re-queue sweep.
 */
@Injectable()
export class FoldQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(FoldQueue.name);
  private readonly redis: Redis;
  readonly queue: Queue<FoldJobData>;
  /** When Redis went away, while it is away. */
  private lostAt?: number;
  private readonly onReturn: (() => void)[] = [];
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
    db: Db,
  ) {
    // Shared with the queue. maxRetriesPerRequest null, as BullMQ requires: a command sent
    // before a connection drops is sent again after it; new ones are refused by enqueue instead.
    this.redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    this.redis.on('error', (error) => {
      if (this.lostAt === undefined) this.logger.warn(`Redis connection: ${error.message}`);
    });
    this.redis.on('close', () => {
      if (this.lostAt !== undefined || this.closing) return;
      this.lostAt = Date.now();
      this.logger.warn(
        'Lost the connection to Redis: events are stored and confirmed meanwhile, and queued to fold once it returns',
      );
    });
    this.redis.on('ready', () => {
      if (this.lostAt === undefined) return;
      this.logger.log(`Redis answers again after ${((Date.now() - this.lostAt) / 1000).toFixed(1)} s`);
      this.lostAt = undefined;
      for (const listener of this.onReturn) listener();
    });
    this.queue = new Queue<FoldJobData>(FOLD_QUEUE, {
      connection: this.redis,
      prefix: config.redis.prefix,
      defaultJobOptions: {
        attempts: config.correlation.jobAttempts,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: false,
      },
    });
    this.queue.on('error', (error) => {
      if (this.lostAt === undefined) this.logger.warn(`Queue connection: ${error.message}`);
    });
    metrics.onScrape(async () => {
      if (!this.available) return; // the gauges keep their last values rather than wait for Redis
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
    });
    metrics.onScrape(async () => {
      const { rows } = await db.withoutTableScans((tx) =>
        tx.query<{ n: string }>(prepared('dead-letter-count', DEAD_LETTER_COUNT, [])),
      );
      metrics.deadLettered.set(Number(rows[0].n));
    });
  }

  /** Whether Redis is connected now: an enqueue would be sent rather than held. */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  /** Redis's connection state as ioredis names it (ready, connecting, reconnecting, …), for readiness. */
  get status(): string {
    return this.redis.status;
  }

  /** Calls listener each time Redis answers again after it was lost. */
  whenBack(listener: () => void): void {
    this.onReturn.push(listener);
  }

  /**
   * Enqueues events to fold, in jobs of at most chunkSize events. Throws RedisUnavailableError
   * at once while Redis is not connected, and a timeout error if Redis takes longer than
   * `timeoutMs` to take them (they may still be queued: folding twice is a no-op).
   */
  async enqueue(
    origin: 'ingest' | 'requeue' | 'retry',
    eventIds: readonly number[],
    { chunkSize = 500, timeoutMs = 0 } = {},
  ): Promise<void> {
    const jobs = [];
    for (let i = 0; i < eventIds.length; i += chunkSize) {
      const chunk = eventIds.slice(i, i + chunkSize);
      jobs.push({ name: 'fold', data: { eventIds: chunk }, opts: { jobId: foldJobId(origin, chunk) } });
    }
    if (jobs.length === 0) return;
    if (!this.available) throw new RedisUnavailableError(this.redis.status);
    const added = this.queue.addBulk(jobs);
    if (timeoutMs <= 0) {
      await added;
      return;
    }
    added.catch(() => undefined); // the caller hears of the timeout; a late failure changes nothing
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis took more than ${timeoutMs} ms to queue ${eventIds.length} events`)),
        timeoutMs,
      );
    });
    await Promise.race([added, timeout]).finally(() => clearTimeout(timer));
  }

  /** Closed in the last shutdown phase: ingestion still queues what it commits while it stops. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    // With Redis away, closing would wait for it: what is not queued is in PostgreSQL, unfolded.
    if (this.available) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.queue.close().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
      ]).finally(() => clearTimeout(timer));
    }
    this.redis.disconnect();
  }
}
