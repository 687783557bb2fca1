import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config/app-config';
import { ApiModule } from './api.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CorrelationModule } from './correlation/correlation.module';
import { EscalationModule } from './escalation/escalation.module';
import { HealthModule } from './health/health.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { MaterialModule } from './material/material.module';
import { CoreModule } from './platform/core.module';
import { RetentionModule } from './retention/retention.module';
import { PostureModule } from './posture/posture.module';
import { SharingPublishingModule } from './sharing/sharing-publishing.module';

/** Composition root: the API (REST and live sockets) only where this process serves it. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        AuditModule,
        AuthModule,
        CorrelationModule,
        EscalationModule,
        HealthModule,
        IngestionModule,
        RetentionModule,
        PostureModule,
        MaterialModule,
        SharingPublishingModule,
        ...(config.roles.has('api') ? [ApiModule] : []),
      ],
    };
  }
}
