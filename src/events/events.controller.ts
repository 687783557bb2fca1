import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { EventQuerySchema, RejectedQuerySchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { EventsService } from './events.service';

@Controller()
@UseGuards(AuthGuard)
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('events')
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.events.list(req.principal, parseRequest(EventQuerySchema, query, 'query'));
  }

  @Get('rejected-events')
  rejected(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.events.listRejected(req.principal, parseRequest(RejectedQuerySchema, query, 'query'));
  }
}
