import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { parseRequest } from 'src/platform/zod-request';
import { BacktestBodySchema } from './rules.http';
import { RulesService } from './rules.service';

/** Leads and admins read the loaded correlation rules and backtest candidate sets; operators may not. */
@Controller('rules')
@UseGuards(AuthGuard)
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  list(@Req() req: AuthedRequest) {
    return this.rules.list(req.principal);
  }

  @Post('backtest')
  @HttpCode(200)
  backtest(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.rules.backtest(req.principal, parseRequest(BacktestBodySchema, body, 'body'), req.ip);
  }
}
