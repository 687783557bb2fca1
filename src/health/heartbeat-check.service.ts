import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { PeriodicTask } from 'src/platform/periodic-task';
import { HeartbeatCheckUseCase } from './heartbeat-check.use-case';

/**
 * Runs the heartbeat check in the worker role every HEARTBEAT_CHECK_INTERVAL_MS, like the
 * escalation check: PostgreSQL holds the state and the check locks what it changes, so every
 * worker instance may run it. A silence is noticed at most one check interval late.
 */
@Injectable()
export class HeartbeatCheckService implements OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatCheckService.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly checkHeartbeats: HeartbeatCheckUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Heartbeat check', () => this.checkHeartbeats.execute(), this.logger);
  }

  start(): void {
    this.task.start(this.config.health.checkIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
