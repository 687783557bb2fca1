import { Module } from '@nestjs/common';
import { PostureCheckService } from './posture-check.service';
import { PostureCheckUseCase } from './posture-check.use-case';
import { PostureHistoryCache } from './posture-history.cache';
import { PostureService } from './posture.service';

/** Site threat posture: the use cases behind its routes, and the worker's expiry and acknowledgement check. */
@Module({
  providers: [PostureService, PostureCheckUseCase, PostureCheckService, PostureHistoryCache],
  exports: [PostureService, PostureCheckService, PostureHistoryCache],
})
export class PostureModule {}
