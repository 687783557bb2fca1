import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { requireLead } from 'src/auth/site-scope';
import { parseRequest } from 'src/platform/zod-request';
import { AuditQuerySchema } from './audit.http';
import { AuditService } from './audit.service';

/** Leads and admins: the audit record and its hash-chain check. */
@Controller('audit')
@UseGuards(AuthGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    requireLead(req.principal);
    return this.audit.list(parseRequest(AuditQuerySchema, query, 'query'));
  }

  @Get('verify')
  verify(@Req() req: AuthedRequest) {
    requireLead(req.principal);
    return this.audit.verify();
  }
}
