import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { CommittedLive } from 'src/live/committed-live';
import { Clock, SystemClock } from './clock';
import { Metrics } from './metrics';

/**
 * What every feature uses: configuration, the database pool, the clock, the metrics, and the
 * hand-over of committed live messages to this process's live dispatcher.
 */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(Db) private readonly db: Db) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Metrics, useFactory: () => new Metrics({ commit: config.buildCommit }) },
        {
          provide: Db,
          useFactory: (metrics: Metrics) => {
            const db = new Db(config.database.url, config.database.poolSize);
            metrics.watchPool(db.pool);
            return db;
          },
          inject: [Metrics],
        },
        { provide: Clock, useClass: SystemClock },
        CommittedLive,
      ],
      exports: [APP_CONFIG, Db, Clock, Metrics, CommittedLive],
    };
  }

  /** Runs after every module's onModuleDestroy: the pool closes last. */
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
