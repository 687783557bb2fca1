import { Controller, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { StatsQuerySchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { statsRoutes } from './incidents.routes';
import { StatsService } from './stats.service';

@Controller()
@UseGuards(AuthGuard)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Route(statsRoutes.get)
  get(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.stats.stats(req.principal, parseRequest(StatsQuerySchema, query, 'query'));
  }
}
