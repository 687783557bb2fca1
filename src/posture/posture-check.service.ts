import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Clock } from 'src/platform/clock';
import { PeriodicTask } from 'src/platform/periodic-task';
import { PostureCheckUseCase } from './posture-check.use-case';

/** Runs the posture check in the worker role every POSTURE_CHECK_INTERVAL_MS. */
@Injectable()
export class PostureCheckService implements OnModuleDestroy {
  private readonly logger = new Logger(PostureCheckService.name);
  private readonly task: PeriodicTask;

  constructor(
    check: PostureCheckUseCase,
    clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Posture check', () => check.execute(clock.now()), this.logger);
  }

  start(): void {
    this.task.start(this.config.posture.checkIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
