import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { PeriodicTask } from 'src/platform/periodic-task';
import { EscalateIncidentsUseCase } from './escalate-incidents.use-case';

/**
 * Runs the escalation check in the worker role, every ESCALATION_CHECK_INTERVAL_MS. A timer
 * rather than a queue job: PostgreSQL holds all the state, and the check locks what it
 * escalates, so every worker instance may run it and an instance lost loses nothing. An
 * escalation is therefore late by at most one interval.
 */
@Injectable()
export class EscalationCheckService implements OnModuleDestroy {
  private readonly logger = new Logger(EscalationCheckService.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly escalate: EscalateIncidentsUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Escalation check', () => this.escalate.execute(), this.logger);
  }

  start(): void {
    const { limits, checkIntervalMs } = this.config.escalation;
    if (Object.values(limits).every((limit) => limit === null)) return;
    this.task.start(checkIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
