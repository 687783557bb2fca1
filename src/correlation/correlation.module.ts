import { Module } from '@nestjs/common';
import { CorrelatorService } from './correlator.service';
import { LoadedRules } from './loaded-rules';
import { FoldEventsUseCase } from './fold-events.use-case';
import { FoldQueue } from './fold-queue';
import { FoldProcessor } from './fold.processor';
import { RequeueService } from './requeue.service';
import { SilenceHoldsCache } from 'src/silences/silence-holds.cache';
import { SilenceHoldsRepository } from 'src/silences/silence-holds.repository';
import { PostureModule } from 'src/posture/posture.module';

@Module({
  imports: [PostureModule],
  providers: [
    LoadedRules,
    CorrelatorService,
    FoldQueue,
    FoldEventsUseCase,
    FoldProcessor,
    RequeueService,
    SilenceHoldsRepository,
    SilenceHoldsCache,
  ],
  exports: [LoadedRules, CorrelatorService, FoldQueue, FoldProcessor, RequeueService, SilenceHoldsCache],
})
export class CorrelationModule {}
