import { Module } from '@nestjs/common';
import { FoldEventsUseCase } from './fold-events.use-case';
import { FoldQueue } from './fold-queue';
import { FoldProcessor } from './fold.processor';
import { RequeueService } from './requeue.service';

@Module({
  providers: [FoldQueue, FoldEventsUseCase, FoldProcessor, RequeueService],
  exports: [FoldQueue, FoldProcessor, RequeueService],
})
export class CorrelationModule {}
