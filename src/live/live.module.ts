import { Module } from '@nestjs/common';
import { AuthModule } from 'src/auth/auth.module';
import { RateLimitModule } from 'src/auth/rate-limit.module';
import { Db } from 'src/database/db';
import { LiveDispatcher } from './live-dispatcher';
import { LiveLogReader } from './live-log';
import { LiveSnapshotReader } from './live-snapshot';
import { LiveGateway } from './live.gateway';

@Module({
  imports: [AuthModule, RateLimitModule],
  providers: [
    { provide: LiveLogReader, useFactory: (db: Db) => new LiveLogReader(db), inject: [Db] },
    { provide: LiveSnapshotReader, useFactory: (db: Db) => new LiveSnapshotReader(db), inject: [Db] },
    LiveDispatcher,
    LiveGateway,
  ],
})
export class LiveModule {}
