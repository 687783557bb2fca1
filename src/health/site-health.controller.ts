import { Body, Controller, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { IdentifierSchema } from 'src/domain/events/identifiers';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { BlindZonesQuerySchema, SetSensorZonesSchema, SiteSensorParamsSchema } from './site-health.http';
import { siteHealthRoutes } from './site-health.routes';
import { SiteHealthService } from './site-health.service';

/** Blind spots: gateway health and lost events, blind zones, sensor coverage. */
@Controller()
@UseGuards(AuthGuard)
export class SiteHealthController {
  constructor(private readonly health: SiteHealthService) {}

  @Route(siteHealthRoutes.gateways)
  gateways(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.health.gateways(req.principal, parseRequest(IdentifierSchema, id, 'params'));
  }

  @Route(siteHealthRoutes.blindZones)
  blindZones(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    return this.health.blindZones(
      req.principal,
      parseRequest(IdentifierSchema, id, 'params'),
      parseRequest(BlindZonesQuerySchema, query, 'query').at,
    );
  }

  @Route(siteHealthRoutes.setZones)
  setZones(@Req() req: AuthedRequest, @Param() params: unknown, @Body() body: unknown) {
    const { id, sensorId } = parseRequest(SiteSensorParamsSchema, params, 'params');
    return this.health.setZones(
      req.principal,
      id,
      sensorId,
      parseRequest(SetSensorZonesSchema, body, 'body').zones,
      req.ip,
    );
  }
}
