import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { HeartbeatCheckUseCase } from './heartbeat-check.use-case';

/**
 * Runs the heartbeat check in the worker role every HEARTBEAT_CHECK_INTERVAL_MS, like the
 * escalation check: PostgreSQL holds the state and the check locks what it changes, so every
 * worker instance may run it. A silence is noticed at most one check interval late.
 */
@Injectable()
export class HeartbeatCheckService implements OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatCheckService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly checkHeartbeats: HeartbeatCheckUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.config.health.checkIntervalMs);
  }

  /** One check; a check still running is joined rather than doubled. */
  check(): Promise<number> {
    this.running ??= this.checkHeartbeats
      .execute()
      .catch((error: Error) => {
        this.logger.warn(`Heartbeat check failed: ${error.message}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
