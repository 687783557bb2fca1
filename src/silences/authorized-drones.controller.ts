import { Body, Controller, Param, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthedRequest } from 'src/auth/auth.guard';
import { Route } from 'src/platform/route-contract';
import { parseRequest } from 'src/platform/zod-request';
import { authorizedDroneRoutes } from './silences.routes';
import { AuthorizedDronesService } from './authorized-drones.service';
import {
  AuthorizedDroneQuerySchema,
  AuthorizedDroneSpecSchema,
  DroneHeldQuerySchema,
  DroneSiteQuerySchema,
  UasIdSchema,
} from './silences.http';

/** Leads and admins manage each site's own drones; operators read their own sites' list. */
@Controller()
@UseGuards(AuthGuard)
export class AuthorizedDronesController {
  constructor(private readonly drones: AuthorizedDronesService) {}

  @Route(authorizedDroneRoutes.list)
  list(@Req() req: AuthedRequest, @Query() query: unknown) {
    return this.drones.list(req.principal, parseRequest(AuthorizedDroneQuerySchema, query, 'query'));
  }

  @Route(authorizedDroneRoutes.create)
  create(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.drones.create(req.principal, parseRequest(AuthorizedDroneSpecSchema, body, 'body'), req.ip);
  }

  /** The contract's path names only the drone; `?siteId=` names the site it is removed from. */
  @Route(authorizedDroneRoutes.expire)
  expire(@Req() req: AuthedRequest, @Param('uasId') uasId: string, @Query() query: unknown) {
    const { siteId } = parseRequest(DroneSiteQuerySchema, query, 'query');
    return this.drones.expire(req.principal, siteId, parseRequest(UasIdSchema, uasId, 'params'), req.ip);
  }

  @Route(authorizedDroneRoutes.held)
  held(@Req() req: AuthedRequest, @Param('uasId') uasId: string, @Query() query: unknown) {
    const { siteId, ...page } = parseRequest(DroneHeldQuerySchema, query, 'query');
    return this.drones.held(req.principal, siteId, parseRequest(UasIdSchema, uasId, 'params'), page);
  }
}
