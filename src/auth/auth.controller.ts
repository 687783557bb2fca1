import { Body, Controller, Inject, Ip, Req, UseGuards } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { LoginSchema, NoBodySchema, RefreshSchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { AuthGuard, type AuthedRequest } from './auth.guard';
import { authRoutes } from './auth.routes';
import { AuthService } from './auth.service';
import { LoginRateLimiter } from './login-rate-limiter';

@Controller()
export class AuthController {
  private readonly limiter: LoginRateLimiter;

  constructor(
    private readonly auth: AuthService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limiter = new LoginRateLimiter(config.auth.loginRatePerMinute);
  }

  @Route(authRoutes.login)
  login(@Body() body: unknown, @Ip() address: string) {
    const now = this.clock.now();
    const allowance = this.limiter.allow(address, now.getTime());
    if (!allowance.allowed) {
      const retryAfterS = Math.max(1, Math.ceil(allowance.retryAfterMs / 1000));
      throw new ApplicationError(
        'auth.too-many-attempts',
        `Too many login attempts from this address; try again in ${retryAfterS} s`,
        { retryAfterS },
      );
    }
    const { username, password } = parseRequest(LoginSchema, body, 'body');
    return this.auth.login(username, password, now, address);
  }

  @Route(authRoutes.refresh)
  refresh(@Body() body: unknown) {
    return this.auth.refresh(parseRequest(RefreshSchema, body, 'body').refreshToken, this.clock.now());
  }

  @Route(authRoutes.logout)
  @UseGuards(AuthGuard)
  async logout(@Req() req: AuthedRequest, @Body() body: unknown): Promise<void> {
    parseRequest(NoBodySchema, body, 'body');
    await this.auth.logout(req.principal.sessionId);
  }
}
