import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { Clock, SystemClock } from './clock';
import { Metrics } from './metrics';

/** What every feature uses: configuration, the database pool, the clock and the metrics. */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(Db) private readonly db: Db) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Db, useFactory: () => new Db(config.database.url, config.database.poolSize) },
        { provide: Clock, useClass: SystemClock },
        Metrics,
      ],
      exports: [APP_CONFIG, Db, Clock, Metrics],
    };
  }

  /** Runs after every module's onModuleDestroy: the pool closes last. */
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
