import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { FoldQueue } from './fold-queue';

/** Longest one page of a sweep waits for Redis, in ms; the next sweep tries again. */
const REQUEUE_ENQUEUE_TIMEOUT_MS = 10_000;

/**
 * The queue carries work, PostgreSQL the state: events stored but not yet folded are put back
 * on the queue at start and periodically, so a job lost with Redis never loses an event.
 * Folding is idempotent, so an event queued twice is folded once.
 */
@Injectable()
export class RequeueService implements OnModuleDestroy {
  private readonly logger = new Logger(RequeueService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly db: Db,
    private readonly queue: FoldQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  start(): void {
    void this.sweep(0);
    // What ingest could not queue while Redis was away is queued as soon as it is back.
    this.queue.whenBack(() => void this.sweep(0));
    this.timer = setInterval(
      () => void this.sweep(this.config.correlation.requeueAfterMs),
      this.config.correlation.requeueIntervalMs,
    );
  }

  /** Re-queues unfolded events stored more than minAgeMs ago; returns how many. */
  sweep(minAgeMs: number): Promise<number> {
    this.running ??= this.doSweep(minAgeMs)
      .catch((error: Error) => {
        this.logger.warn(`Re-queue sweep failed: ${error.message}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async doSweep(minAgeMs: number): Promise<number> {
    let total = 0;
    let afterId = 0;
    for (;;) {
      const rows = await this.db.query<{ id: string }>(
        `SELECT id FROM events
          WHERE folded_at IS NULL AND fold_error IS NULL AND id > $1
            AND stored_at < now() - make_interval(secs => $2::double precision / 1000)
          ORDER BY id LIMIT 5000`,
        [afterId, minAgeMs],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => Number(r.id));
      await this.queue.enqueue('requeue', ids, { timeoutMs: REQUEUE_ENQUEUE_TIMEOUT_MS });
      total += ids.length;
      afterId = ids[ids.length - 1];
    }
    if (total > 0) this.logger.log(`Re-queued ${total} events not yet folded`);
    return total;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
