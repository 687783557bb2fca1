import { Controller, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { requireLead } from 'src/auth/site-scope';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { AuditQuerySchema } from './audit.http';
import { auditRoutes } from './audit.routes';
import { AuditService } from './audit.service';

/** Leads and admins: the audit record and its hash-chain check. */
@Controller()
@UseGuards(AuthGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Route(auditRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    requireLead(req.principal);
    return this.audit.list(parseRequest(AuditQuerySchema, query, 'query'));
  }

  @Route(auditRoutes.verify)
  verify(@Req() req: AuthedRequest) {
    requireLead(req.principal);
    return this.audit.verify();
  }
}
