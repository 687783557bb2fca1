import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly escalate: EscalateIncidentsUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  start(): void {
    const { limits, checkIntervalMs } = this.config.escalation;
    if (Object.values(limits).every((limit) => limit === null)) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), checkIntervalMs);
  }

  /** One check; a check still running is joined rather than doubled. */
  check(): Promise<number> {
    this.running ??= this.escalate
      .execute()
      .catch((error: Error) => {
        this.logger.warn(`Escalation check failed: ${error.message}`);
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
