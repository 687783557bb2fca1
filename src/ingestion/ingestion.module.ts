import { Module } from '@nestjs/common';
import { CorrelationModule } from 'src/correlation/correlation.module';
import { SiteRegistryModule } from 'src/sites/site-registry.module';
import { SiteRegistry } from 'src/sites/site-registry';
import { GatewayKeyring } from './gateway-keyring';
import { IngestionService } from './ingestion.service';

@Module({
  imports: [CorrelationModule, SiteRegistryModule],
  providers: [
    IngestionService,
    {
      provide: GatewayKeyring,
      useFactory: (registry: SiteRegistry) => new GatewayKeyring((onUnreadable) => registry.gatewayKeys(onUnreadable)),
      inject: [SiteRegistry],
    },
  ],
  exports: [IngestionService, GatewayKeyring, SiteRegistryModule],
})
export class IngestionModule {}
