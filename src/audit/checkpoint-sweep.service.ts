import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { PeriodicTask } from 'src/platform/periodic-task';
import { ChainCheckpoints } from './chain-checkpoints';

/**
 * Signs checkpoints of the chains that moved, in the worker role, every
 * EVIDENCE_CHECKPOINT_INTERVAL_MS: deleting a chain's newest entries is found by /verify once a
 * checkpoint covers them. One sweep runs at a time across instances (an advisory lock).
 */
@Injectable()
export class CheckpointSweepService implements OnModuleDestroy {
  private readonly logger = new Logger(CheckpointSweepService.name);
  private readonly task: PeriodicTask;

  constructor(
    checkpoints: ChainCheckpoints,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Chain checkpoint sweep', () => checkpoints.sweep(), this.logger);
  }

  start(): void {
    this.task.start(this.config.evidence.checkpointIntervalMs);
  }

  /** One sweep now (joined with one in progress); resolves with the checkpoints written. */
  runOnce(): Promise<number> {
    return this.task.run();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
