import { Body, Controller, Ip, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { SiteMapSchema } from 'src/domain/sites/site-map.schema';
import { NoQuerySchema } from 'src/platform/query.schemas';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { CreateGatewaySchema, CreateSiteSchema } from './sites.http';
import { SiteMapsService } from './site-maps.service';
import { siteRoutes } from './sites.routes';
import { SitesService } from './sites.service';

@Controller()
@UseGuards(AuthGuard)
export class SitesController {
  constructor(
    private readonly sites: SitesService,
    private readonly maps: SiteMapsService,
  ) {}

  @Route(siteRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.sites.list(req.principal);
  }

  @Route(siteRoutes.create)
  create(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.sites.create(req.principal, () => parseRequest(CreateSiteSchema, body, 'body'));
  }

  @Route(siteRoutes.sensors)
  sensors(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.sites.sensors(req.principal, parseRequest(IdentifierSchema, id, 'params'));
  }

  @Route(siteRoutes.getMap)
  map(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    parseRequest(NoQuerySchema, query, 'query');
    return this.maps.get(req.principal, parseRequest(IdentifierSchema, id, 'params'));
  }

  @Route(siteRoutes.putMap)
  setMap(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown, @Ip() ip: string) {
    const siteId = parseRequest(IdentifierSchema, id, 'params');
    return this.maps.put(req.principal, siteId, () => parseRequest(SiteMapSchema, body, 'body'), ip);
  }

  @Route(siteRoutes.createGateway)
  createGateway(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    return this.sites.createGateway(req.principal, () => ({
      siteId: parseRequest(IdentifierSchema, id, 'params'),
      ...parseRequest(CreateGatewaySchema, body, 'body'),
    }));
  }

  @Route(siteRoutes.rotateSecret)
  rotateSecret(@Req() req: AuthedRequest, @Param('id') id: string, @Param('gatewayId') gatewayId: string) {
    return this.sites.rotateSecret(req.principal, () => ({
      siteId: parseRequest(IdentifierSchema, id, 'params'),
      gatewayId: parseRequest(IdentifierSchema, gatewayId, 'params'),
    }));
  }
}
