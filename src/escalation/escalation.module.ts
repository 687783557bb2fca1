import { Module } from '@nestjs/common';
import { EscalateIncidentsUseCase } from './escalate-incidents.use-case';
import { EscalationCheckService } from './escalation-check.service';

/** Escalation of unacknowledged incidents; started by the worker role. */
@Module({
  providers: [EscalateIncidentsUseCase, EscalationCheckService],
  exports: [EscalationCheckService],
})
export class EscalationModule {}
