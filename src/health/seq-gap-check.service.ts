import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { PeriodicTask } from 'src/platform/periodic-task';
import { SeqGapCheckUseCase } from './seq-gap-check.use-case';

/**
 * Runs the seq gap check in the worker role every SEQ_GAP_CHECK_INTERVAL_MS, like the
 * heartbeat check: PostgreSQL holds the ranges and the check locks those it reports, so every
 * worker instance may run it. A gap is reported between SEQ_GAP_GRACE_MS and one check
 * interval more after it opened.
 */
@Injectable()
export class SeqGapCheckService implements OnModuleDestroy {
  private readonly logger = new Logger(SeqGapCheckService.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly checkSeqGaps: SeqGapCheckUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Seq gap check', () => this.checkSeqGaps.execute(), this.logger);
  }

  start(): void {
    this.task.start(this.config.health.seqGaps.checkIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
