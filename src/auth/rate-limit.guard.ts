import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ApplicationError } from 'src/platform/application-error';
import { NO_RATE_LIMIT } from 'src/platform/no-rate-limit.decorator';
import { RateLimiter } from 'src/platform/rate-limiter';
import { bearerToken } from './auth.guard';
import { AuthService } from './auth.service';

/**
 * RATE_LIMIT_REST_PER_MINUTE requests per user, counted across instances; requests without
 * a valid token count against their client address. Runs before the AuthGuard (a global
 * guard), so the user is taken from the token's signature alone, with no database lookup:
 * a flood is refused before it costs a query.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(NO_RATE_LIMIT, [context.getHandler(), context.getClass()]))
      return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request.headers.authorization);
    const userId = token ? this.auth.tokenSubject(token) : undefined;
    const subject = userId ? `user:${userId}` : `ip:${request.ip ?? 'unknown'}`;
    const decision = await this.limiter.hit('rest', subject, this.config.rateLimits.restPerMinute);
    if (decision.allowed) return true;
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(decision.retryAfterS));
    throw new ApplicationError(
      'request.rate-limited',
      `Too many requests: at most ${decision.limit} a minute; retry in ${decision.retryAfterS} s`,
      { retryAfterS: decision.retryAfterS },
    );
  }
}
