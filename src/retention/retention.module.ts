import { Module } from '@nestjs/common';
import { AuditModule } from 'src/audit/audit.module';
import { PartitionsService } from './partitions.service';
import { RetainPartitionsUseCase } from './retain-partitions.use-case';
import { RetentionCheckService } from './retention-check.service';

/**
 * Partitions made ahead of time (on start, before ingest, and by the worker role) and the
 * retention job that archives and drops the old ones (worker role).
 */
@Module({
  imports: [AuditModule],
  providers: [PartitionsService, RetainPartitionsUseCase, RetentionCheckService],
  exports: [PartitionsService, RetainPartitionsUseCase, RetentionCheckService],
})
export class RetentionModule {}
