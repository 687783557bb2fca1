import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Clock } from './clock';
import { decide, rateWindow, RATE_WINDOW_MS, type RateDecision } from './rate-window';

/** How long a Redis answer may take before the request is let through uncounted. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * Counts requests per subject in fixed one-minute windows kept in Redis
 * (`<QUEUE_PREFIX>:ratelimit:<scope>:<subject>:<window>`), so every instance draws on the
 * same allowance. When Redis cannot answer, requests pass uncounted: the limit protects
 * OreGuard from floods, and is not worth refusing a security lead's request over.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly redis: Redis;
  private readonly prefix: string;
  private lastWarningAt = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    // No offline queue: while Redis is away a count fails at once instead of holding the request.
    this.redis = new Redis(config.redis.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    this.redis.on('error', () => undefined); // reported by hit(), once a minute
    this.prefix = `${config.redis.prefix}:ratelimit`;
  }

  /** Connects before the API takes requests, so the first ones are counted; if Redis is away, it keeps retrying. */
  async onModuleInit(): Promise<void> {
    await this.redis
      .connect()
      .catch((error: Error) => this.logger.warn(`Rate limiter cannot reach Redis yet: ${error.message}`));
  }

  /** Counts one request of `subject` in `scope` and says whether it is within `perMinute`. */
  async hit(scope: 'rest' | 'ws', subject: string, perMinute: number): Promise<RateDecision> {
    const now = this.clock.now().getTime();
    const key = `${this.prefix}:${scope}:${subject}:${rateWindow(now).id}`;
    try {
      const results = await this.redis
        .multi()
        .incr(key)
        .pexpire(key, 2 * RATE_WINDOW_MS)
        .exec();
      const count = Number(results?.[0]?.[1]);
      if (!Number.isFinite(count)) throw new Error('no count in the answer');
      return decide(count, perMinute, now);
    } catch (error) {
      if (now - this.lastWarningAt > RATE_WINDOW_MS) {
        this.lastWarningAt = now;
        this.logger.warn(`Rate limits not enforced: Redis did not count (${(error as Error).message})`);
      }
      return decide(0, perMinute, now);
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
