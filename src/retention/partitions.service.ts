import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { PARTITIONED_TABLES, partitionWindow } from 'src/domain/retention/partition-window';
import { Clock } from 'src/platform/clock';
import { PeriodicTask } from 'src/platform/periodic-task';

/**
 * Makes the partitions of the tables that grow with every event ahead of time
 * (migration 1765000000000): once on start, before ingest, in every instance that ingests or
 * works, then every PARTITION_CHECK_INTERVAL_MS in the worker role. Idempotent and safe with
 * several instances: `oreguard_ensure_partitions` extends a table under an advisory lock and
 * makes only what is missing. Should it fail (PostgreSQL away), rows land in each table's
 * default partition meanwhile and are moved out when their partition is made: nothing fails
 * to store for want of a partition.
 */
@Injectable()
export class PartitionsService implements OnModuleDestroy {
  private readonly logger = new Logger(PartitionsService.name);
  private readonly task = new PeriodicTask('Partition check', () => this.ensure(), this.logger);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Makes what is missing of every table's partitions; returns how many were made. */
  async ensure(): Promise<number> {
    const { span, aheadDays } = this.config.partitions;
    const { from, until } = partitionWindow(this.clock.now(), aheadDays);
    let made = 0;
    for (const table of PARTITIONED_TABLES) {
      const [row] = await this.db.query<{ made: number }>('SELECT oreguard_ensure_partitions($1, $2, $3, $4) AS made', [
        table,
        span,
        from,
        until,
      ]);
      made += row.made;
    }
    if (made > 0) this.logger.log(`Made ${made} partition(s) up to ${until.toISOString()}`);
    return made;
  }

  /** The first run, awaited (on start, before ingest); a failure is logged, not fatal. */
  async ensureOnStart(): Promise<void> {
    await this.task.run();
  }

  start(): void {
    this.task.start(this.config.partitions.checkIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
