import { Module } from '@nestjs/common';
import { PostureCheckService } from './posture-check.service';
import { PostureCheckUseCase } from './posture-check.use-case';
import { PostureService } from './posture.service';

/** Site threat posture: the use cases behind its routes, and the worker's expiry and acknowledgement check. */
@Module({
  providers: [PostureService, PostureCheckUseCase, PostureCheckService],
  exports: [PostureService, PostureCheckService],
})
export class PostureModule {}
