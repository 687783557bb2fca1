import { Controller, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { EventQuerySchema, RejectedQuerySchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { eventRoutes } from './events.routes';
import { EventsService } from './events.service';

@Controller()
@UseGuards(AuthGuard)
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Route(eventRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.events.list(req.principal, parseRequest(EventQuerySchema, query, 'query'));
  }

  @Route(eventRoutes.listRejected)
  listRejected(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.events.listRejected(req.principal, parseRequest(RejectedQuerySchema, query, 'query'));
  }
}
