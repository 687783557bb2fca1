import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { PeriodicTask } from 'src/platform/periodic-task';
import { RetainPartitionsUseCase } from './retain-partitions.use-case';

/**
 * Runs the retention job in the worker role every RETENTION_CHECK_INTERVAL_MS; the job's lease
 * lets one instance at a time do the work. Nothing runs when every table is kept forever.
 */
@Injectable()
export class RetentionCheckService implements OnModuleDestroy {
  private readonly logger = new Logger(RetentionCheckService.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly retain: RetainPartitionsUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Retention', async () => (await this.retain.execute()).dropped.length, this.logger);
  }

  start(): void {
    const { days, resolvedIncidentsDays } = this.config.retention;
    if (Object.values(days).every((d) => d === null) && resolvedIncidentsDays === null) return;
    this.task.start(this.config.retention.checkIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
