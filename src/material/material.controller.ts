import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { parseRequest } from 'src/platform/zod-request';
import { MaterialFindingQuerySchema, MaterialRecordQuerySchema } from './material.http';
import { MaterialService } from './material.service';

/** Leads and admins read the material records and the discrepancies reconciliation found; operators may not. */
@Controller('material')
@UseGuards(AuthGuard)
export class MaterialController {
  constructor(private readonly material: MaterialService) {}

  @Get('records')
  records(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.material.records(req.principal, parseRequest(MaterialRecordQuerySchema, query, 'query'));
  }

  @Get('findings')
  findings(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.material.findings(req.principal, parseRequest(MaterialFindingQuerySchema, query, 'query'));
  }
}
