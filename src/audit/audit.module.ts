import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit record, for every feature that does something security-relevant (AuditService.record). */
@Global()
@Module({
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
