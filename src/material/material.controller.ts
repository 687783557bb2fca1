import { Controller, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { materialRoutes } from './material.routes';
import { MaterialFindingQuerySchema, MaterialRecordQuerySchema } from './material.http';
import { MaterialService } from './material.service';

/** Leads and admins read the material records and the discrepancies reconciliation found; operators may not. */
@Controller()
@UseGuards(AuthGuard)
export class MaterialController {
  constructor(private readonly material: MaterialService) {}

  @Route(materialRoutes.records)
  records(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.material.records(req.principal, parseRequest(MaterialRecordQuerySchema, query, 'query'));
  }

  @Route(materialRoutes.findings)
  findings(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.material.findings(req.principal, parseRequest(MaterialFindingQuerySchema, query, 'query'));
  }
}
