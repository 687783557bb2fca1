import { Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { NoQuerySchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { SitesService } from './sites.service';

@Controller('sites')
@UseGuards(AuthGuard)
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.sites.list(req.principal);
  }

  @Get(':id/sensors')
  sensors(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.sites.sensors(req.principal, parseRequest(IdentifierSchema, id, 'params'));
  }
}
