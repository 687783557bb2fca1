import { Body, Controller, Param, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { UuidParamSchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { LegalHoldRequestSchema } from './legal-hold.http';
import { legalHoldRoutes } from './legal-hold.routes';
import { LegalHoldService } from './legal-hold.service';

/** PUT and DELETE /incidents/{id}/legal-hold (leads and admins, with a reason; audited). */
@Controller()
@UseGuards(AuthGuard)
export class LegalHoldController {
  constructor(private readonly holds: LegalHoldService) {}

  @Route(legalHoldRoutes.set)
  set(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const incidentId = parseRequest(UuidParamSchema, id, 'params');
    const { reason } = parseRequest(LegalHoldRequestSchema, body ?? {}, 'body');
    return this.holds.set(req.principal, incidentId, reason, req.ip);
  }

  @Route(legalHoldRoutes.lift)
  lift(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const incidentId = parseRequest(UuidParamSchema, id, 'params');
    const { reason } = parseRequest(LegalHoldRequestSchema, body ?? {}, 'body');
    return this.holds.lift(req.principal, incidentId, reason, req.ip);
  }
}
