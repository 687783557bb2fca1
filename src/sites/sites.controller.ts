import { Controller, Get, Param, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { parseRequest } from 'src/platform/zod-request';
import { SitesService } from './sites.service';

@Controller('sites')
@UseGuards(AuthGuard)
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  list(@Req() req: AuthedRequest) {
    return this.sites.list(req.principal);
  }

  @Get(':id/sensors')
  sensors(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.sites.sensors(req.principal, parseRequest(IdentifierSchema, id, 'params'));
  }
}
