import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { SecretBox } from './secret-box';
import { SiteRegistry } from './site-registry';

/** The registry of sites and gateways with their secrets, for the API and the ingest check. */
@Module({
  providers: [
    {
      provide: SiteRegistry,
      useFactory: (db: Db, config: AppConfig) => new SiteRegistry(db, new SecretBox(config.gateways.secretKey)),
      inject: [Db, APP_CONFIG],
    },
  ],
  exports: [SiteRegistry],
})
export class SiteRegistryModule {}
