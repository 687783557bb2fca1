import { Module } from '@nestjs/common';
import { CoverageRepository } from './coverage.repository';
import { HeartbeatCheckService } from './heartbeat-check.service';
import { HeartbeatCheckUseCase } from './heartbeat-check.use-case';

/** Gateway and sensor health: the heartbeat check (worker role) and coverage, for correlation and the API. */
@Module({
  providers: [HeartbeatCheckUseCase, HeartbeatCheckService, CoverageRepository],
  exports: [HeartbeatCheckService, CoverageRepository],
})
export class HealthModule {}
