import { Body, Controller, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { NoQuerySchema, UuidParamSchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { sharingRoutes } from './sharing.routes';
import { CreatePartnerSchema, UpdatePartnerSchema } from './partners.http';
import { PartnersService } from './partners.service';

/** Admins: partner accounts (their credentials are shown once). */
@Controller()
@UseGuards(AuthGuard)
export class PartnersController {
  constructor(private readonly partners: PartnersService) {}

  @Route(sharingRoutes.listPartners)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.partners.list(req.principal);
  }

  @Route(sharingRoutes.createPartner)
  create(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.partners.create(req.principal, parseRequest(CreatePartnerSchema, body, 'body'), req.ip);
  }

  @Route(sharingRoutes.updatePartner)
  update(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    return this.partners.update(
      req.principal,
      parseRequest(UuidParamSchema, id, 'params'),
      parseRequest(UpdatePartnerSchema, body, 'body'),
      req.ip,
    );
  }
}
