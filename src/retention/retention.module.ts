import { Module } from '@nestjs/common';
import { PartitionsService } from './partitions.service';

/** Partitions made ahead of time; started on start (before ingest) and by the worker role. */
@Module({
  providers: [PartitionsService],
  exports: [PartitionsService],
})
export class RetentionModule {}
