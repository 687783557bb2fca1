import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { SecretBox } from 'src/sites/secret-box';
import { AuditService } from './audit.service';
import { ChainCheckpoints } from './chain-checkpoints';
import { CheckpointSweepService } from './checkpoint-sweep.service';
import { EvidenceKeyStore } from './evidence-keys';
import { signerFromPem } from './evidence-signing';

/**
 * The audit record, for every feature that does something security-relevant (AuditService.record),
 * and what makes history evidence: the evidence signing keys and the chains' signed checkpoints.
 */
@Global()
@Module({
  providers: [
    AuditService,
    {
      provide: EvidenceKeyStore,
      inject: [Db, APP_CONFIG],
      useFactory: (db: Db, config: AppConfig) =>
        new EvidenceKeyStore(
          db,
          new SecretBox(config.gateways.secretKey),
          config.evidence.signingKeyPem ? signerFromPem(config.evidence.signingKeyPem) : undefined,
        ),
    },
    ChainCheckpoints,
    CheckpointSweepService,
  ],
  exports: [AuditService, EvidenceKeyStore, ChainCheckpoints, CheckpointSweepService],
})
export class AuditModule {}
