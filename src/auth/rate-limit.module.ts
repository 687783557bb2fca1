import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimiter } from 'src/platform/rate-limiter';
import { AuthModule } from './auth.module';
import { RateLimitGuard } from './rate-limit.guard';

/** The shared request counter, and the REST rate limit applied to every route not marked @NoRateLimit(). */
@Module({
  imports: [AuthModule],
  providers: [RateLimiter, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [RateLimiter],
})
export class RateLimitModule {}
