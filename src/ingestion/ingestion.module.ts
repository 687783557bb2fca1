import { Module } from '@nestjs/common';
import { CorrelationModule } from 'src/correlation/correlation.module';
import { IngestionService } from './ingestion.service';

@Module({
  imports: [CorrelationModule],
  providers: [IngestionService],
  exports: [IngestionService],
})
export class IngestionModule {}
