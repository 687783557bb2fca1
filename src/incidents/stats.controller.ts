import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { StatsQuerySchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { StatsService } from './stats.service';

@Controller('stats')
@UseGuards(AuthGuard)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  get(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.stats.stats(req.principal, parseRequest(StatsQuerySchema, query, 'query'));
  }
}
