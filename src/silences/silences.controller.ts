import { Body, Controller, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { SilenceSpecSchema } from 'src/domain/silences/silence';
import { UuidParamSchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { silenceRoutes } from './silences.routes';
import { HeldQuerySchema, SilenceQuerySchema } from './silences.http';
import { SilencesService } from './silences.service';

/** Leads and admins manage silences; operators read their own sites' silences and what they held. */
@Controller()
@UseGuards(AuthGuard)
export class SilencesController {
  constructor(private readonly silences: SilencesService) {}

  @Route(silenceRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.silences.list(req.principal, parseRequest(SilenceQuerySchema, query, 'query'));
  }

  @Route(silenceRoutes.create)
  create(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.silences.create(req.principal, parseRequest(SilenceSpecSchema, body, 'body'), req.ip);
  }

  @Route(silenceRoutes.expire)
  expire(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.silences.expire(req.principal, parseRequest(UuidParamSchema, id, 'params'), req.ip);
  }

  @Route(silenceRoutes.held)
  held(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    return this.silences.held(
      req.principal,
      parseRequest(UuidParamSchema, id, 'params'),
      parseRequest(HeldQuerySchema, query, 'query'),
    );
  }
}
