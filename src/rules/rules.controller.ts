import { Body, Controller, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { ruleRoutes } from './rules.routes';
import { BacktestBodySchema } from './rules.http';
import { RulesService } from './rules.service';

/** Leads and admins read the loaded correlation rules and backtest candidate sets; operators may not. */
@Controller()
@UseGuards(AuthGuard)
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Route(ruleRoutes.list)
  list(@Req() req: AuthedRequest) {
    return this.rules.list(req.principal);
  }

  @Route(ruleRoutes.backtest)
  backtest(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.rules.backtest(req.principal, parseRequest(BacktestBodySchema, body, 'body'), req.ip);
  }
}
