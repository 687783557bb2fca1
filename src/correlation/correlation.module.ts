import { Module } from '@nestjs/common';
import { FoldEventsUseCase } from './fold-events.use-case';
import { FoldQueue } from './fold-queue';
import { FoldProcessor } from './fold.processor';
import { RequeueService } from './requeue.service';
import { SilenceHoldsCache } from 'src/silences/silence-holds.cache';
import { SilenceHoldsRepository } from 'src/silences/silence-holds.repository';

@Module({
  providers: [FoldQueue, FoldEventsUseCase, FoldProcessor, RequeueService, SilenceHoldsRepository, SilenceHoldsCache],
  exports: [FoldQueue, FoldProcessor, RequeueService, SilenceHoldsCache],
})
export class CorrelationModule {}
