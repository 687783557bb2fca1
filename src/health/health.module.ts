import { Module } from '@nestjs/common';
import { CoverageRepository } from './coverage.repository';
import { HeartbeatCheckService } from './heartbeat-check.service';
import { HeartbeatCheckUseCase } from './heartbeat-check.use-case';
import { SeqGapCheckService } from './seq-gap-check.service';
import { SeqGapCheckUseCase } from './seq-gap-check.use-case';

/** Gateway and sensor health: the heartbeat and seq gap checks (worker role) and coverage, for correlation and the API. */
@Module({
  providers: [HeartbeatCheckUseCase, HeartbeatCheckService, SeqGapCheckUseCase, SeqGapCheckService, CoverageRepository],
  exports: [HeartbeatCheckService, SeqGapCheckService, CoverageRepository],
})
export class HealthModule {}
