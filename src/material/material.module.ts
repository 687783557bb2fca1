import { Module } from '@nestjs/common';
import { CorrelationModule } from 'src/correlation/correlation.module';
import { PostureModule } from 'src/posture/posture.module';
import { MaterialReconciliationService } from './material-reconciliation.service';
import { ReconcileMaterialUseCase } from './reconcile-material.use-case';

/** Material reconciliation (worker role): weighbridge, gate, dispatch and survey records into material_discrepancy theft events. */
@Module({
  imports: [CorrelationModule, PostureModule],
  providers: [ReconcileMaterialUseCase, MaterialReconciliationService],
  exports: [MaterialReconciliationService],
})
export class MaterialModule {}
